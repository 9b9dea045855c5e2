//! Handover to and from an institution with which no site profiles were exchanged (a transfer to
//! another university): the file is encrypted to a passphrase read out by phone, and who signed it
//! is confirmed by comparing its fingerprint by phone before anything is written (two steps, the
//! file staged by path between them, as the roster's preview is).

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::bundle::BundleKind;
use xindang::model::StudentStatus;
use xindang::session::sync::{BundlePreview, HandoverChoice, HeldStudents, ReceiptReport};

use super::sync::{save_receipt, stamp};
use super::{BundleExported, BundleImported, Staging};
use crate::dialogs::{self, file_name, FileKind};
use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// What the second step of a passphrase file did: a handover imported (with its receipt saved),
/// or a receipt applied.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassphraseImported {
    /// The handover bundle imported, when the file was one.
    pub bundle: Option<BundleImported>,
    /// The receipt applied, when the file was one.
    pub receipt: Option<ReceiptReport>,
}

/// Exports a handover bundle encrypted to `passphrase` for an institution named `to`.
pub fn handover_export_passphrase<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    to: &str,
    student_nos: &[String],
    status: Option<StudentStatus>,
    passphrase: &str,
) -> Result<Option<BundleExported>, CommandError> {
    let choice = HandoverChoice {
        student_nos: student_nos.to_vec(),
        status,
        grade: None,
        class: None,
    };
    let proposed = format!("心档移交-{}-{}.age", to.trim(), stamp());
    let pick = || {
        dialogs::save(
            app,
            FileKind::Bundle,
            "保存移交数据包（口令加密）",
            &proposed,
        )
    };
    dialogs::unlocked_then(state, pick, |s, path| {
        Ok(BundleExported {
            report: s
                .session_mut()?
                .export_handover_passphrase(to, passphrase, &choice, path)?,
            file_name: file_name(path),
        })
    })
}

/// Step one: the user picks the file; it is kept by path for the next steps. Refuses a file that
/// is not encrypted to a passphrase (those are imported with the ordinary buttons).
pub fn passphrase_file_pick<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
) -> Result<Option<String>, CommandError> {
    let pick = || dialogs::open(app, FileKind::Bundle, "选择口令加密的移交数据包或回执");
    dialogs::unlocked_then(state, pick, |_, path| {
        xindang::bundle::check_passphrase_file(&std::fs::read(path)?)?;
        staging.with(|st| st.passphrase_file = Some(path.to_path_buf()));
        Ok(file_name(path))
    })
}

/// Step two: decrypts and verifies the staged file and says who signed it; writes nothing.
pub fn passphrase_file_preview(
    state: &mut AppState,
    staging: &Staging,
    passphrase: &str,
) -> Result<BundlePreview, CommandError> {
    let bytes = staged(staging)?;
    Ok(state
        .session()?
        .preview_with_passphrase(&bytes, passphrase)?)
}

/// Step three, once the fingerprint was compared by phone: imports the handover (then asks where
/// to save the receipt, encrypted to the same passphrase) or applies the receipt. `held` is the
/// person's choice for the handover's students this archive already holds (the preview lists
/// them); without one such a handover is refused.
pub fn passphrase_file_import<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
    passphrase: &str,
    fingerprint: &str,
    held: HeldStudents,
) -> Result<PassphraseImported, CommandError> {
    let bytes = staged(staging)?;
    let kind = state.with(|s| {
        s.session()?
            .preview_with_passphrase(&bytes, passphrase)
            .map(|p| p.kind)
            .map_err(CommandError::from)
    })?;
    if kind == BundleKind::Receipt {
        let r = state.with(|s| {
            s.session_mut()?
                .import_receipt_with_passphrase(&bytes, passphrase, fingerprint)
                .map_err(CommandError::from)
        })?;
        staging.with(|st| st.passphrase_file = None);
        return Ok(PassphraseImported {
            bundle: None,
            receipt: Some(r),
        });
    }
    let (report, receipt) = state.with(|s| {
        s.session_mut()?
            .import_bundle_with_passphrase(&bytes, passphrase, fingerprint, held)
            .map_err(CommandError::from)
    })?;
    staging.with(|st| st.passphrase_file = None);
    let receipt_file = save_receipt(
        app,
        "保存回执（发回给对方，口令相同）",
        &format!("心档回执-移交-{}-{}.age", report.sender, stamp()),
        &receipt,
    )?;
    Ok(PassphraseImported {
        bundle: Some(BundleImported {
            report,
            receipt_file,
        }),
        receipt: None,
    })
}

fn staged(staging: &Staging) -> Result<Vec<u8>, CommandError> {
    let path = staging
        .with(|st| st.passphrase_file.clone())
        .ok_or_else(|| CommandError::invalid("bundle", "no file chosen"))?;
    Ok(std::fs::read(path)?)
}
