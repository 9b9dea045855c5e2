//! Sync and handover with the counseling center: this site's profile, trusted peers, bundles,
//! receipts.

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::bundle::write_atomic;
use xindang::model::StudentStatus;
use xindang::session::sync::{
    AuditAlarm, BundleImportReport, ExportReport, HandoverChoice, ReceiptReport, SyncConflict,
};
use xindang::site::SiteProfile;
use xindang::SiteKind;

use super::Staging;
use crate::dialogs::{self, file_name, FileKind};
use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// A profile file is a few hundred bytes; anything much larger is not one.
const PROFILE_MAX_BYTES: u64 = 64 * 1024;

/// What the sync screen shows: this site, the trusted sites, the conflicts, and on a center the
/// overview by college.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncOverview {
    /// This site's public profile.
    pub site: SiteProfile,
    /// Sites whose profiles were imported.
    pub peers: Vec<SiteProfile>,
    /// Profile edits that lost to another site's, for a person to settle.
    pub conflicts: Vec<SyncConflict>,
    /// Students by college (center archives only).
    pub colleges: Option<Vec<xindang::session::center::CollegeOverview>>,
    /// Sites whose audit log went backwards in a bundle, until a person settles each.
    pub alarms: Vec<AuditAlarm>,
}

/// A bundle imported, and where its receipt was saved.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleImported {
    /// What the import did.
    pub report: BundleImportReport,
    /// The receipt's file name, or `None` when the user cancelled saving it (importing the same
    /// bundle again gives the same receipt).
    pub receipt_file: Option<String>,
}

/// A file written by an export, with what it holds.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleExported {
    /// What was exported.
    pub report: ExportReport,
    /// The file's name.
    pub file_name: String,
}

/// This site, its peers, the conflicts and (center) the overview by college. Creates the site
/// identity on first use.
pub fn sync_overview(state: &mut AppState) -> Result<SyncOverview, CommandError> {
    let session = state.session_mut()?;
    let site = session.site(None)?.profile().clone();
    let colleges = match session.archive_site_kind()? {
        SiteKind::Center => Some(session.center_overview()?.colleges),
        SiteKind::College => None,
    };
    Ok(SyncOverview {
        site,
        peers: session.peer_profiles()?,
        conflicts: session.sync_conflicts()?,
        colleges,
        alarms: session.audit_alarms()?,
    })
}

/// Saves this site's profile where the user chooses; returns the file name, `None` if cancelled.
pub fn profile_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
) -> Result<Option<String>, CommandError> {
    let name = state
        .with(|s| Ok::<_, CommandError>(s.session_mut()?.site(None)?.profile().name.clone()))?;
    let proposed = format!("心档站点-{name}.json");
    let pick = || dialogs::save(app, FileKind::Profile, "保存本站点公钥文件", &proposed);
    dialogs::unlocked_then(state, pick, |s, path| {
        let profile = s.session_mut()?.site_profile(None)?;
        let text = serde_json::to_vec_pretty(&profile)
            .map_err(|_| CommandError::invalid("profile", "cannot be encoded"))?;
        write_atomic(path, &text)?;
        Ok(file_name(path))
    })
}

/// Asks for a peer's profile file and returns it (not yet trusted) so its fingerprint can be
/// compared by phone; `None` if cancelled.
pub fn profile_pick<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
) -> Result<Option<SiteProfile>, CommandError> {
    let pick = || dialogs::open(app, FileKind::Profile, "选择对方站点公钥文件");
    dialogs::unlocked_then(state, pick, |_, path| {
        let not_a_profile = || CommandError::invalid("profile", "not a XinDang site profile");
        if std::fs::metadata(path)?.len() > PROFILE_MAX_BYTES {
            return Err(not_a_profile());
        }
        let profile: SiteProfile =
            serde_json::from_slice(&std::fs::read(path)?).map_err(|_| not_a_profile())?;
        profile.validate()?;
        staging.with(|st| st.profile = Some(profile.clone()));
        Ok(profile)
    })
}

/// Trusts the profile chosen with [`profile_pick`], after the user compared its fingerprint.
pub fn profile_trust(
    state: &mut AppState,
    staging: &Staging,
    fingerprint: &str,
) -> Result<SiteProfile, CommandError> {
    let profile = staging
        .with(|st| st.profile.clone())
        .filter(|p| p.fingerprint == fingerprint)
        .ok_or_else(|| CommandError::invalid("profile", "no profile chosen"))?;
    let trusted = state.session_mut()?.import_profile(profile)?;
    staging.with(|st| st.profile = None);
    Ok(trusted)
}

/// Asks where to save a receipt for the sender and writes it there; its file name, or `None` when
/// the user cancelled (importing the same bundle again gives the same receipt).
pub(super) fn save_receipt<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    proposed: &str,
    receipt: &[u8],
) -> Result<Option<String>, CommandError> {
    let Some(out) = dialogs::save(app, FileKind::Bundle, title, proposed)? else {
        return Ok(None);
    };
    write_atomic(&out, receipt)?;
    Ok(Some(file_name(&out)))
}

pub(super) fn stamp() -> String {
    chrono::Local::now().format("%Y%m%d-%H%M").to_string()
}

/// Exports a sync bundle for `to` where the user chooses; `None` if cancelled.
pub fn bundle_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    to: &str,
) -> Result<Option<BundleExported>, CommandError> {
    check_site_name(to)?;
    let proposed = format!("心档同步-{to}-{}.age", stamp());
    let pick = || dialogs::save(app, FileKind::Bundle, "保存同步数据包", &proposed);
    dialogs::unlocked_then(state, pick, |s, path| {
        Ok(BundleExported {
            report: s.session_mut()?.export_bundle(to, path)?,
            file_name: file_name(path),
        })
    })
}

/// Exports a handover bundle of the students named and (optionally) of every student of a status.
pub fn handover_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    to: &str,
    student_nos: &[String],
    status: Option<StudentStatus>,
) -> Result<Option<BundleExported>, CommandError> {
    check_site_name(to)?;
    if student_nos.is_empty() && status.is_none() {
        return Err(CommandError::invalid("students", "none chosen"));
    }
    let choice = HandoverChoice {
        student_nos: student_nos.to_vec(),
        status,
        grade: None,
        class: None,
    };
    let proposed = format!("心档移交-{to}-{}.age", stamp());
    let pick = || dialogs::save(app, FileKind::Bundle, "保存移交数据包", &proposed);
    dialogs::unlocked_then(state, pick, |s, path| {
        Ok(BundleExported {
            report: s.session_mut()?.export_handover(to, &choice, path)?,
            file_name: file_name(path),
        })
    })
}

/// Imports a receipt chosen by the user; a handover receipt retires the files handed over.
pub fn receipt_import<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
) -> Result<Option<ReceiptReport>, CommandError> {
    let pick = || dialogs::open(app, FileKind::Bundle, "选择回执文件");
    dialogs::unlocked_then(state, pick, |s, path| {
        let bytes = std::fs::read(path)?;
        Ok(s.session_mut()?.import_receipt(&bytes)?)
    })
}

fn check_site_name(name: &str) -> Result<(), CommandError> {
    if name.trim().is_empty() || name.len() > 100 {
        return Err(CommandError::invalid("site", "missing or too long"));
    }
    Ok(())
}
