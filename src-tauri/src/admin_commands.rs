//! The commands of the administrative screens (roster import, settings, audit log, obligations,
//! sync and handover). Each is a one-line adapter onto [`admin`](crate::admin) or the core; the
//! list is kept in step with build.rs, lib.rs, the capability, the isolation hook and ui/src/api.ts
//! (`hardening_tests` checks it).

use tauri::{AppHandle, Emitter, State};
use xindang::import::ImportReport;
use xindang::model::StudentStatus;
use xindang::roster::ColumnOverrides;
use xindang::session::audit_pages::{AuditCheck, AuditPage, AuditQuery};
use xindang::session::obligation_pages::{ObligationPage, ObligationQuery};
use xindang::session::policy_checks::PolicyProblem;
use xindang::session::sync::ReceiptReport;
use xindang::site::SiteProfile;
use zeroize::Zeroizing;

use crate::admin::{
    self, BundleExported, BundleImportStep, PolicyView, ReportExported, RosterPreview, Staging,
    SyncOverview,
};
use crate::error::CommandError;
use crate::state::Shared;

/// Opens the roster file dialog and previews the file chosen (`null` when cancelled).
#[tauri::command(async)]
pub fn roster_pick(
    app: AppHandle,
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
) -> Result<Option<RosterPreview>, CommandError> {
    admin::roster_pick(&app, &state, &staging)
}

/// Previews the chosen roster with a corrected column mapping.
#[tauri::command(async)]
pub fn roster_preview(
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
    overrides: ColumnOverrides,
) -> Result<RosterPreview, CommandError> {
    state.with(|s| admin::roster_preview(s, &staging, &overrides))
}

/// Imports the chosen roster's good rows.
#[tauri::command(async)]
pub fn roster_import(
    app: AppHandle,
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
    overrides: ColumnOverrides,
) -> Result<ImportReport, CommandError> {
    state.with(|s| {
        admin::roster_import(s, &staging, &overrides, |p| {
            let _ = app.emit(admin::ROSTER_PROGRESS_EVENT, p);
        })
    })
}

/// Changes the passphrase (the old one is checked first).
#[tauri::command(async)]
pub fn change_passphrase(
    state: State<'_, Shared>,
    old: Zeroizing<String>,
    new: Zeroizing<String>,
) -> Result<(), CommandError> {
    state.with(|s| admin::change_passphrase(s, &old, &new))
}

/// Replaces the recovery key; the new one is shown once.
#[tauri::command(async)]
pub fn new_recovery_key(
    state: State<'_, Shared>,
    passphrase: Zeroizing<String>,
) -> Result<String, CommandError> {
    state.with(|s| admin::new_recovery_key(s, &passphrase))
}

/// Stores and applies the auto-lock time; returns the time in force.
#[tauri::command(async)]
pub fn set_auto_lock(state: State<'_, Shared>, seconds: u32) -> Result<u32, CommandError> {
    state.with(|s| admin::set_auto_lock(s, seconds))
}

/// The policy in force and the presets.
#[tauri::command(async)]
pub fn policy_view(state: State<'_, Shared>) -> Result<PolicyView, CommandError> {
    state.with(admin::policy_view)
}

/// A preset's text.
#[tauri::command(async)]
pub fn policy_preset(state: State<'_, Shared>, id: String) -> Result<String, CommandError> {
    state.with(|s| s.session().and_then(|_| admin::policy_preset(&id)))
}

/// Validates a policy text (`null` when good).
#[tauri::command(async)]
pub fn policy_check(
    state: State<'_, Shared>,
    text: String,
) -> Result<Option<PolicyProblem>, CommandError> {
    state.with(|s| s.session().and_then(|_| admin::policy_check(&text)))
}

/// Saves a policy; a broken one is refused and the last good one stays.
#[tauri::command(async)]
pub fn policy_save(state: State<'_, Shared>, text: String) -> Result<(), CommandError> {
    state.with(|s| admin::policy_save(s, &text))
}

/// A page of the verified audit log.
#[tauri::command(async)]
pub fn audit_page(state: State<'_, Shared>, query: AuditQuery) -> Result<AuditPage, CommandError> {
    state.with(|s| Ok(s.session()?.audit_page(&query)?))
}

/// Walks the audit chain.
#[tauri::command(async)]
pub fn audit_verify(state: State<'_, Shared>) -> Result<AuditCheck, CommandError> {
    state.with(|s| Ok(s.session()?.check_audit()?))
}

/// A page of today's obligations.
#[tauri::command(async)]
pub fn obligation_page(
    state: State<'_, Shared>,
    query: ObligationQuery,
) -> Result<ObligationPage, CommandError> {
    state.with(|s| admin::obligation_page(s, &query))
}

/// Exports the obligations matching the filter as .xlsx (`null` when cancelled).
#[tauri::command(async)]
pub fn obligations_export(
    app: AppHandle,
    state: State<'_, Shared>,
    query: ObligationQuery,
) -> Result<Option<ReportExported>, CommandError> {
    admin::obligations_export(&app, &state, &query)
}

/// This site, peers, conflicts, and the overview by college on a center.
#[tauri::command(async)]
pub fn sync_overview(state: State<'_, Shared>) -> Result<SyncOverview, CommandError> {
    state.with(admin::sync_overview)
}

/// Saves this site's profile (`null` when cancelled).
#[tauri::command(async)]
pub fn profile_export(
    app: AppHandle,
    state: State<'_, Shared>,
) -> Result<Option<String>, CommandError> {
    admin::profile_export(&app, &state)
}

/// Reads a peer's profile for the fingerprint check (`null` when cancelled).
#[tauri::command(async)]
pub fn profile_pick(
    app: AppHandle,
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
) -> Result<Option<SiteProfile>, CommandError> {
    admin::profile_pick(&app, &state, &staging)
}

/// Trusts the profile read by `profile_pick` (named by its fingerprint).
#[tauri::command(async)]
pub fn profile_trust(
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
    fingerprint: String,
) -> Result<SiteProfile, CommandError> {
    state.with(|s| admin::profile_trust(s, &staging, &fingerprint))
}

/// Exports a sync bundle for a peer (`null` when cancelled).
#[tauri::command(async)]
pub fn bundle_export(
    app: AppHandle,
    state: State<'_, Shared>,
    to: String,
) -> Result<Option<BundleExported>, CommandError> {
    admin::bundle_export(&app, &state, &to)
}

/// Imports a bundle and saves its receipt, or returns a handover naming students held here for a
/// person's choice (`null` when cancelled).
#[tauri::command(async)]
pub fn bundle_import(
    app: AppHandle,
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
) -> Result<Option<BundleImportStep>, CommandError> {
    admin::bundle_import(&app, &state, &staging)
}

/// Exports a handover bundle (`null` when cancelled).
#[tauri::command(async)]
pub fn handover_export(
    app: AppHandle,
    state: State<'_, Shared>,
    to: String,
    student_nos: Vec<String>,
    status: Option<StudentStatus>,
) -> Result<Option<BundleExported>, CommandError> {
    admin::handover_export(&app, &state, &to, &student_nos, status)
}

/// Imports a receipt (`null` when cancelled).
#[tauri::command(async)]
pub fn receipt_import(
    app: AppHandle,
    state: State<'_, Shared>,
) -> Result<Option<ReceiptReport>, CommandError> {
    admin::receipt_import(&app, &state)
}
