//! The shell's side of the administrative screens: roster import, settings, the audit log viewer,
//! obligations, and sync/handover with the counseling center. Each function checks its arguments,
//! calls the core and shapes the result for one screen; [`admin_commands`](crate::admin_commands)
//! are one-line adapters onto them.
//!
//! Files are chosen in native dialogs ([`dialogs`](crate::dialogs)) opened while the state mutex is
//! free, so a dialog left open never blocks the auto-lock thread. A roster or profile chosen for a
//! two-step screen (preview, then import) is kept in [`Staging`] by path; its content is read
//! again at the second step and never kept in memory between the two.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::bundle::{write_atomic, BundleKind};
use xindang::model::StudentStatus;
use xindang::roster::{self, ColumnMapping, ColumnOverrides, RosterRow, RowError};
use xindang::session::app_queries::{
    self, ObligationPage, ObligationQuery, PolicyPreset, PolicyProblem,
};
use xindang::session::sync::{
    BundleImportReport, ExportReport, HandoverChoice, ReceiptReport, SyncConflict,
};
use xindang::site::SiteProfile;
use xindang::{Error, SiteKind};

use crate::dialogs::{self, FileKind};
use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// Rows of a roster shown in the preview.
const PREVIEW_ROWS: usize = 50;
/// Row errors sent to the screen at most (the count says how many there are).
const PREVIEW_ERRORS: usize = 2000;
/// Students per import transaction.
const IMPORT_BATCH: usize = 500;
/// A profile file is a few hundred bytes; anything much larger is not one.
const PROFILE_MAX_BYTES: u64 = 64 * 1024;

/// Files chosen at the first step of a two-step screen.
#[derive(Default)]
pub struct Staging(Mutex<Staged>);

#[derive(Default)]
struct Staged {
    roster: Option<PathBuf>,
    profile: Option<SiteProfile>,
}

impl Staging {
    fn with<T>(&self, f: impl FnOnce(&mut Staged) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// What the import screen shows of a roster before importing it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterPreview {
    /// The file's name (no folder).
    pub file_name: String,
    /// The worksheet read (empty for CSV).
    pub sheet: String,
    /// 1-based row of the header.
    pub header_row: u32,
    /// How each column was understood.
    pub columns: Vec<ColumnMapping>,
    /// The first students as they would be imported.
    pub rows: Vec<RosterRow>,
    /// Students that would be imported.
    pub total_rows: i32,
    /// Rows refused (the first [`PREVIEW_ERRORS`]).
    pub errors: Vec<RowError>,
    /// Rows refused in all.
    pub error_count: i32,
}

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

/// A workbook written by an export.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportExported {
    /// The file's name.
    pub file_name: String,
    /// Rows written.
    pub rows: i32,
}

/// The policy in force and the presets to choose from.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    /// The TOML text in force.
    pub text: String,
    /// The shipped presets.
    pub presets: Vec<PolicyPreset>,
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

// ---- roster import ----

/// Asks for a roster file and previews it; `None` when cancelled.
pub fn roster_pick<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
) -> Result<Option<RosterPreview>, CommandError> {
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::open(app, FileKind::Roster, "选择名单文件")? else {
        return Ok(None);
    };
    let preview = state.with(|s| roster_preview_of(s, &path, &ColumnOverrides::default()))?;
    staging.with(|st| st.roster = Some(path));
    Ok(Some(preview))
}

/// Previews the chosen roster again with the user's column mapping.
pub fn roster_preview(
    state: &mut AppState,
    staging: &Staging,
    overrides: &ColumnOverrides,
) -> Result<RosterPreview, CommandError> {
    let path = staged_roster(staging)?;
    roster_preview_of(state, &path, overrides)
}

fn staged_roster(staging: &Staging) -> Result<PathBuf, CommandError> {
    staging
        .with(|st| st.roster.clone())
        .ok_or_else(|| CommandError::invalid("roster", "no roster file chosen"))
}

fn roster_preview_of(
    state: &mut AppState,
    path: &Path,
    overrides: &ColumnOverrides,
) -> Result<RosterPreview, CommandError> {
    state.session()?;
    let parsed = roster::parse_file_with(path, overrides).map_err(Error::from)?;
    Ok(RosterPreview {
        file_name: file_name(path),
        sheet: parsed.sheet,
        header_row: parsed.header_row,
        columns: parsed.columns,
        total_rows: parsed.rows.len() as i32,
        rows: parsed.rows.into_iter().take(PREVIEW_ROWS).collect(),
        error_count: parsed.errors.len() as i32,
        errors: parsed.errors.into_iter().take(PREVIEW_ERRORS).collect(),
    })
}

/// The event telling the import screen how far an import is.
pub const ROSTER_PROGRESS_EVENT: &str = "roster-import-progress";

/// The payload of [`ROSTER_PROGRESS_EVENT`].
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterProgress {
    /// Students written so far.
    pub done: i32,
    /// Students to write.
    pub total: i32,
}

/// Imports the good rows of the chosen roster with the user's mapping, in transactions of
/// [`IMPORT_BATCH`] students (each audited by the core), telling `progress` after each.
pub fn roster_import(
    state: &mut AppState,
    staging: &Staging,
    overrides: &ColumnOverrides,
    mut progress: impl FnMut(RosterProgress),
) -> Result<xindang::import::ImportReport, CommandError> {
    let path = staged_roster(staging)?;
    state.session()?;
    let parsed = roster::parse_file_with(&path, overrides).map_err(Error::from)?;
    let total = parsed.rows.len() as i32;
    let mut report = xindang::import::ImportReport {
        rows: total,
        load: Default::default(),
        errors: parsed.errors.clone(),
    };
    let mut done = 0;
    for chunk in parsed.rows.chunks(IMPORT_BATCH) {
        // The same columns, so the import merges exactly as for the whole file.
        let part = roster::RosterParse {
            sheet: String::new(),
            sheets: Vec::new(),
            header_row: parsed.header_row,
            columns: parsed.columns.clone(),
            rows: chunk.to_vec(),
            errors: Vec::new(),
            ignored_columns: Vec::new(),
        };
        let r = xindang::import::roster(state.session_mut()?, &part, IMPORT_BATCH)?;
        report.load.added += r.load.added;
        report.load.updated += r.load.updated;
        report.load.unchanged += r.load.unchanged;
        done += chunk.len() as i32;
        progress(RosterProgress { done, total });
    }
    staging.with(|st| st.roster = None);
    Ok(report)
}

// ---- settings ----

/// Changes the passphrase after checking the old one.
pub fn change_passphrase(state: &mut AppState, old: &str, new: &str) -> Result<(), CommandError> {
    crate::state::check_passphrase_arg(old)?;
    crate::state::check_passphrase_arg(new)?;
    state.session()?.verify_passphrase(old)?;
    Ok(state.session_mut()?.change_passphrase(new)?)
}

/// Replaces the recovery key; returns the new one, to be shown once.
pub fn new_recovery_key(state: &mut AppState) -> Result<String, CommandError> {
    Ok(state.session_mut()?.new_recovery_key()?.to_string())
}

/// Stores the auto-lock time in the archive and applies it at once. Returns the time in force.
pub fn set_auto_lock(state: &mut AppState, seconds: u32) -> Result<u32, CommandError> {
    state.session_mut()?.set_auto_lock_seconds(seconds)?;
    apply_archive_settings(state);
    Ok(state.status().auto_lock_seconds)
}

/// Applies the archive's stored settings after an unlock. `XINDANG_AUTO_LOCK_SECS` (tests, a
/// managed machine) wins over the stored time.
pub fn apply_archive_settings(state: &mut AppState) {
    if std::env::var_os("XINDANG_AUTO_LOCK_SECS").is_some() {
        return;
    }
    let stored = state
        .session()
        .ok()
        .and_then(|s| s.app_settings().ok())
        .and_then(|a| a.auto_lock_seconds);
    if let Some(secs) = stored {
        state.set_idle_limit(Duration::from_secs(u64::from(secs)));
    }
}

/// The policy in force and the presets.
pub fn policy_view(state: &mut AppState) -> Result<PolicyView, CommandError> {
    Ok(PolicyView {
        text: state.session()?.policy_text()?,
        presets: app_queries::policy_presets(),
    })
}

/// A preset's text.
pub fn policy_preset(id: &str) -> Result<String, CommandError> {
    Ok(app_queries::policy_preset_text(id)?.to_owned())
}

/// Validates a policy text without saving it.
pub fn policy_check(text: &str) -> Result<Option<PolicyProblem>, CommandError> {
    Ok(app_queries::check_policy(text)?)
}

/// Saves a policy; a broken one is refused (`policy_invalid`) and the last good one stays.
pub fn policy_save(state: &mut AppState, text: &str) -> Result<(), CommandError> {
    state.session_mut()?.set_policy(text)?;
    Ok(())
}

/// A page of today's obligations.
pub fn obligation_page(
    state: &mut AppState,
    query: &ObligationQuery,
) -> Result<ObligationPage, CommandError> {
    Ok(state.session()?.obligation_page(today(), query)?)
}

/// Exports every obligation matching `query` as .xlsx where the user chooses; returns the file
/// name and the number of rows, `None` if cancelled.
pub fn obligations_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    query: &ObligationQuery,
) -> Result<Option<ReportExported>, CommandError> {
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::save(
        app,
        FileKind::Report,
        "导出待办事项",
        &format!("待办事项-{}.xlsx", today().format("%Y%m%d")),
    )?
    else {
        return Ok(None);
    };
    let rows = state.with(|s| {
        Ok::<_, CommandError>(
            s.session_mut()?
                .export_obligations_xlsx(today(), query, &path)?,
        )
    })?;
    Ok(Some(ReportExported {
        file_name: file_name(&path),
        rows,
    }))
}

// ---- sync, handover, receipts ----

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
    })
}

/// Saves this site's profile where the user chooses; returns the file name, `None` if cancelled.
pub fn profile_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
) -> Result<Option<String>, CommandError> {
    let name = state
        .with(|s| Ok::<_, CommandError>(s.session_mut()?.site(None)?.profile().name.clone()))?;
    let Some(path) = dialogs::save(
        app,
        FileKind::Profile,
        "保存本站点公钥文件",
        &format!("心档站点-{name}.json"),
    )?
    else {
        return Ok(None);
    };
    state.with(|s| {
        let profile = s.session_mut()?.site_profile(None)?;
        let text = serde_json::to_vec_pretty(&profile)
            .map_err(|_| CommandError::invalid("profile", "cannot be encoded"))?;
        write_atomic(&path, &text)?;
        Ok(Some(file_name(&path)))
    })
}

/// Asks for a peer's profile file and returns it (not yet trusted) so its fingerprint can be
/// compared by phone; `None` if cancelled.
pub fn profile_pick<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
) -> Result<Option<SiteProfile>, CommandError> {
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::open(app, FileKind::Profile, "选择对方站点公钥文件")?
    else {
        return Ok(None);
    };
    let not_a_profile = || CommandError::invalid("profile", "not a XinDang site profile");
    if std::fs::metadata(&path)?.len() > PROFILE_MAX_BYTES {
        return Err(not_a_profile());
    }
    let profile: SiteProfile =
        serde_json::from_slice(&std::fs::read(&path)?).map_err(|_| not_a_profile())?;
    profile.validate()?;
    staging.with(|st| st.profile = Some(profile.clone()));
    Ok(Some(profile))
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

fn stamp() -> String {
    chrono::Local::now().format("%Y%m%d-%H%M").to_string()
}

/// Exports a sync bundle for `to` where the user chooses; `None` if cancelled.
pub fn bundle_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    to: &str,
) -> Result<Option<BundleExported>, CommandError> {
    check_site_name(to)?;
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::save(
        app,
        FileKind::Bundle,
        "保存同步数据包",
        &format!("心档同步-{to}-{}.age", stamp()),
    )?
    else {
        return Ok(None);
    };
    let report =
        state.with(|s| Ok::<_, CommandError>(s.session_mut()?.export_bundle(to, &path)?))?;
    Ok(Some(BundleExported {
        report,
        file_name: file_name(&path),
    }))
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
    state.with(|s| s.session().map(|_| ()))?;
    let choice = HandoverChoice {
        student_nos: student_nos.to_vec(),
        status,
        grade: None,
    };
    let Some(path) = dialogs::save(
        app,
        FileKind::Bundle,
        "保存移交数据包",
        &format!("心档移交-{to}-{}.age", stamp()),
    )?
    else {
        return Ok(None);
    };
    let report = state
        .with(|s| Ok::<_, CommandError>(s.session_mut()?.export_handover(to, &choice, &path)?))?;
    Ok(Some(BundleExported {
        report,
        file_name: file_name(&path),
    }))
}

/// Imports a bundle chosen by the user, then asks where to save the signed receipt.
pub fn bundle_import<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
) -> Result<Option<BundleImported>, CommandError> {
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::open(app, FileKind::Bundle, "选择要导入的数据包")? else {
        return Ok(None);
    };
    let bytes = std::fs::read(&path)?;
    let (report, receipt) =
        state.with(|s| Ok::<_, CommandError>(s.session_mut()?.import_bundle(&bytes)?))?;
    let kind = if report.kind == BundleKind::Handover {
        "移交"
    } else {
        "同步"
    };
    let target = dialogs::save(
        app,
        FileKind::Bundle,
        "保存回执（发回给对方）",
        &format!("心档回执-{kind}-{}-{}.age", report.sender, stamp()),
    )?;
    let receipt_file = match target {
        Some(out) => {
            write_atomic(&out, &receipt)?;
            Some(file_name(&out))
        }
        None => None,
    };
    Ok(Some(BundleImported {
        report,
        receipt_file,
    }))
}

/// Imports a receipt chosen by the user; a handover receipt retires the files handed over.
pub fn receipt_import<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
) -> Result<Option<ReceiptReport>, CommandError> {
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::open(app, FileKind::Bundle, "选择回执文件")? else {
        return Ok(None);
    };
    let bytes = std::fs::read(&path)?;
    state.with(|s| Ok(Some(s.session_mut()?.import_receipt(&bytes)?)))
}

fn check_site_name(name: &str) -> Result<(), CommandError> {
    if name.trim().is_empty() || name.len() > 100 {
        return Err(CommandError::invalid("site", "missing or too long"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSPHRASE: &str = "admin-shell-口令-2026";

    fn unlocked() -> (tempfile::TempDir, AppState) {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut s = AppState::new(dir.path().join("archive"), Duration::from_secs(300));
        s.create(PASSPHRASE).expect("create");
        (dir, s)
    }

    fn fixture_roster() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/roster/roster_2025.xls")
    }

    fn code<T: std::fmt::Debug>(r: Result<T, CommandError>) -> String {
        r.expect_err("an error").code
    }

    #[test]
    fn roster_preview_remap_and_import() {
        let (_dir, mut s) = unlocked();
        let staging = Staging::default();
        let none = ColumnOverrides::default();
        assert_eq!(
            code(roster_import(&mut s, &staging, &none, |_| ())),
            "invalid_input",
            "nothing chosen yet"
        );
        staging.with(|st| st.roster = Some(fixture_roster()));
        let p = roster_preview(&mut s, &staging, &none).expect("preview");
        assert_eq!(p.file_name, "roster_2025.xls");
        assert_eq!(p.header_row, 3);
        assert_eq!((p.total_rows, p.error_count), (3, 1));
        assert_eq!(p.errors[0].row, 6);
        assert_eq!(p.errors[0].code(), "invalid_date");

        // Ignoring the birth-date column takes the bad date out of play: four students.
        let birth = p
            .columns
            .iter()
            .find(|c| c.field == Some(roster::RosterField::BirthDate))
            .expect("birth date column")
            .column;
        let remapped = ColumnOverrides {
            header_row: Some(p.header_row),
            columns: vec![roster::ColumnOverride {
                column: birth,
                field: None,
            }],
        };
        let p2 = roster_preview(&mut s, &staging, &remapped).expect("preview");
        assert_eq!((p2.total_rows, p2.error_count), (4, 0));

        let mut seen = Vec::new();
        let report = roster_import(&mut s, &staging, &none, |p| seen.push(p)).expect("import");
        assert_eq!(seen, vec![RosterProgress { done: 3, total: 3 }]);
        assert_eq!(report.load.added, 3);
        assert_eq!(report.errors.len(), 1);
        assert_eq!(s.list_students().expect("list").len(), 3);
        assert!(
            staging.with(|st| st.roster.is_none()),
            "the file is forgotten"
        );

        s.lock();
        staging.with(|st| st.roster = Some(fixture_roster()));
        assert_eq!(code(roster_preview(&mut s, &staging, &none)), "locked");
    }

    #[test]
    fn a_damaged_roster_is_refused_by_code() {
        let (dir, mut s) = unlocked();
        let bad = dir.path().join("bad.csv");
        std::fs::write(&bad, "hello,world\n1,2\n").expect("write");
        let staging = Staging::default();
        staging.with(|st| st.roster = Some(bad));
        let none = ColumnOverrides::default();
        assert_eq!(
            code(roster_preview(&mut s, &staging, &none)),
            "roster_no_header"
        );
        assert_eq!(
            code(roster_import(&mut s, &staging, &none, |_| ())),
            "roster_no_header"
        );
        assert!(s.list_students().expect("list").is_empty());
    }

    #[test]
    fn passphrase_change_checks_the_old_one() {
        let (_dir, mut s) = unlocked();
        let new = "新的口令-shell-2027";
        assert_eq!(
            code(change_passphrase(&mut s, "not the old one", new)),
            "wrong_passphrase"
        );
        assert_eq!(
            code(change_passphrase(&mut s, PASSPHRASE, "short")),
            "weak_passphrase"
        );
        assert_eq!(code(change_passphrase(&mut s, "", new)), "invalid_input");
        change_passphrase(&mut s, PASSPHRASE, new).expect("change");
        s.lock();
        assert_eq!(code(s.unlock(PASSPHRASE)), "wrong_passphrase");
        s.unlock(new).expect("unlock with the new one");
        let key = new_recovery_key(&mut s).expect("recovery key");
        assert_eq!(key.split('-').count(), 8);
    }

    #[test]
    fn auto_lock_applies_at_once_and_after_unlock() {
        std::env::remove_var("XINDANG_AUTO_LOCK_SECS");
        let (_dir, mut s) = unlocked();
        assert_eq!(code(set_auto_lock(&mut s, 5)), "invalid_input");
        assert_eq!(s.status().auto_lock_seconds, 300);
        assert_eq!(set_auto_lock(&mut s, 900).expect("set"), 900);
        assert_eq!(s.status().auto_lock_seconds, 900);
        s.set_idle_limit(Duration::from_secs(300));
        s.lock();
        s.unlock(PASSPHRASE).expect("unlock");
        assert_eq!(s.status().auto_lock_seconds, 900, "read back at unlock");
    }

    #[test]
    fn policy_view_check_and_save_keep_the_last_good_one() {
        let (_dir, mut s) = unlocked();
        let view = policy_view(&mut s).expect("view");
        assert!(!view.presets.is_empty());
        let other = policy_preset(&view.presets[1].id).expect("preset");
        assert_eq!(policy_check(&other).expect("check"), None);
        policy_save(&mut s, &other).expect("save");
        let broken = other.replacen("[school]", "[school]\nbogus = 1", 1);
        assert!(policy_check(&broken).expect("check").is_some());
        assert_eq!(code(policy_save(&mut s, &broken)), "policy_invalid");
        assert_eq!(policy_view(&mut s).expect("view").text, other);
    }

    #[test]
    fn sync_overview_of_a_college_has_no_college_table() {
        let (_dir, mut s) = unlocked();
        let o = sync_overview(&mut s).expect("overview");
        assert!(o.site.name.starts_with("college-"));
        assert!(o.peers.is_empty() && o.conflicts.is_empty());
        assert!(o.colleges.is_none());
        assert_eq!(
            code(profile_trust(&mut s, &Staging::default(), "X")),
            "invalid_input"
        );
    }
}
