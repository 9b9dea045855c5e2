//! Importing a bundle from a trusted site: imported at once, or, for a handover naming students
//! this archive already holds, kept by path until a person merges or returns them (the core
//! refuses it without that choice: `handover_student_held`).

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::bundle::BundleKind;
use xindang::error::Error;
use xindang::reason::Reason;
use xindang::session::sync::{BundleImportReport, BundlePreview, HeldStudents};

use super::sync::{save_receipt, stamp};
use super::{BundleImported, Staging};
use crate::dialogs::{self, FileKind};
use crate::error::CommandError;
use crate::state::Shared;

/// The first step of a bundle import: imported, or a handover naming students this archive
/// already holds, waiting for a person's choice ([`bundle_import_held`]).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleImportStep {
    /// What the import did, when it was done.
    pub imported: Option<BundleImported>,
    /// The handover with its students held here (该学生已在本档案中), nothing imported yet.
    pub held: Option<BundlePreview>,
}

/// Imports a bundle chosen by the user, then asks where to save the signed receipt. A handover
/// naming students held here is refused by the core without a choice: the file is then kept by
/// path and its preview returned, for [`bundle_import_held`].
pub fn bundle_import<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
) -> Result<Option<BundleImportStep>, CommandError> {
    let pick = || dialogs::open(app, FileKind::Bundle, "选择要导入的数据包");
    let imported = dialogs::unlocked_then(state, pick, |s, path| {
        let bytes = std::fs::read(path)?;
        let session = s.session_mut()?;
        match session.import_bundle(&bytes) {
            Err(Error::Refused {
                reason: Reason::HandoverStudentHeld,
                ..
            }) => {
                let preview = session.preview_bundle(&bytes)?;
                staging.with(|st| st.held_bundle = Some(path.to_path_buf()));
                Ok(Err(preview))
            }
            r => Ok(Ok(r?)),
        }
    })?;
    let step = match imported {
        None => None,
        Some(Err(preview)) => Some(BundleImportStep {
            imported: None,
            held: Some(preview),
        }),
        Some(Ok(done)) => Some(BundleImportStep {
            imported: Some(with_receipt(app, done)?),
            held: None,
        }),
    };
    Ok(step)
}

/// The second step for a handover naming students held here: imports the kept file with the
/// person's choice (确认合并 or 退回), then asks where to save the receipt.
pub fn bundle_import_held<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
    held: HeldStudents,
) -> Result<BundleImported, CommandError> {
    let path = staging
        .with(|st| st.held_bundle.clone())
        .ok_or_else(|| CommandError::invalid("bundle", "no file chosen"))?;
    let bytes = std::fs::read(path)?;
    let done = state.with(|s| {
        s.session_mut()?
            .import_bundle_with(&bytes, held)
            .map_err(CommandError::from)
    })?;
    staging.with(|st| st.held_bundle = None);
    with_receipt(app, done)
}

/// Asks where to save an import's receipt and writes it.
fn with_receipt<R: Runtime>(
    app: &AppHandle<R>,
    (report, receipt): (BundleImportReport, Vec<u8>),
) -> Result<BundleImported, CommandError> {
    let kind = if report.kind == BundleKind::Handover {
        "移交"
    } else {
        "同步"
    };
    let receipt_file = save_receipt(
        app,
        "保存回执（发回给对方）",
        &format!("心档回执-{kind}-{}-{}.age", report.sender, stamp()),
        &receipt,
    )?;
    Ok(BundleImported {
        report,
        receipt_file,
    })
}
