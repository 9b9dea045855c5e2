//! The commands of the handover to another institution under a passphrase, and of the center's
//! own work (audit alarms, conflicts settled field by field, the flagged-student list). Each is a
//! one-line adapter onto [`admin`](crate::admin) or the core; the list is kept in step with
//! build.rs, lib.rs, the capability, the isolation hook and ui/src/api.ts (`hardening_tests`
//! checks it).

use tauri::{AppHandle, State};
use xindang::model::{StudentStatus, StudentSummary};
use xindang::session::sync::{BundlePreview, ConflictField, HeldStudents};

use crate::admin::{self, BundleExported, BundleImported, PassphraseImported, Staging};
use crate::error::CommandError;
use crate::state::Shared;

/// A passphrase for a handover to another institution, offered by default (six groups of four
/// digits, read out by phone).
#[tauri::command]
pub fn handover_passphrase() -> String {
    xindang::bundle::generate_passphrase().to_string()
}

/// Exports a handover bundle encrypted to a passphrase (`null` when cancelled).
#[tauri::command(async)]
pub fn handover_export_passphrase(
    app: AppHandle,
    state: State<'_, Shared>,
    to: String,
    student_nos: Vec<String>,
    status: Option<StudentStatus>,
    passphrase: String,
) -> Result<Option<BundleExported>, CommandError> {
    admin::handover_export_passphrase(&app, &state, &to, &student_nos, status, &passphrase)
}

/// Picks a passphrase handover or receipt and keeps it for the next steps (`null` when cancelled).
#[tauri::command(async)]
pub fn passphrase_file_pick(
    app: AppHandle,
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
) -> Result<Option<String>, CommandError> {
    admin::passphrase_file_pick(&app, &state, &staging)
}

/// Decrypts and verifies the picked file and says who signed it; writes nothing.
#[tauri::command(async)]
pub fn passphrase_file_preview(
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
    passphrase: String,
) -> Result<BundlePreview, CommandError> {
    state.with(|s| admin::passphrase_file_preview(s, &staging, &passphrase))
}

/// Imports the picked file once its signer's fingerprint was compared by phone.
#[tauri::command(async)]
pub fn passphrase_file_import(
    app: AppHandle,
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
    passphrase: String,
    fingerprint: String,
    held: HeldStudents,
) -> Result<PassphraseImported, CommandError> {
    admin::passphrase_file_import(&app, &state, &staging, &passphrase, &fingerprint, held)
}

/// Imports the handover kept by `bundle_import` with the person's choice for the students held
/// here (merge or return), and saves its receipt.
#[tauri::command(async)]
pub fn bundle_import_held(
    app: AppHandle,
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
    held: HeldStudents,
) -> Result<BundleImported, CommandError> {
    admin::bundle_import_held(&app, &state, &staging, held)
}

/// Settles a site's audit alarm once a person looked into it (audited).
#[tauri::command(async)]
pub fn audit_alarm_settle(state: State<'_, Shared>, site: String) -> Result<(), CommandError> {
    state.with(|s| Ok(s.session_mut()?.settle_audit_alarm(&site)?))
}

/// A profile conflict side by side, field by field.
#[tauri::command(async)]
pub fn conflict_fields(
    state: State<'_, Shared>,
    id: String,
) -> Result<Vec<ConflictField>, CommandError> {
    state.with(|s| Ok(s.session()?.conflict_fields(&id)?))
}

/// Settles a conflict, taking the lost values of the fields named (an amendment, audited).
#[tauri::command(async)]
pub fn conflict_settle(
    state: State<'_, Shared>,
    id: String,
    take: Vec<String>,
    author: String,
) -> Result<(), CommandError> {
    state.with(|s| {
        Ok(s.session_mut()?
            .settle_conflict_taking(&id, &take, &author)?)
    })
}

/// The center's flagged-student list, of one college or of all (audited as a list read).
#[tauri::command(async)]
pub fn center_flagged(
    state: State<'_, Shared>,
    college: Option<String>,
) -> Result<Vec<StudentSummary>, CommandError> {
    state.with(|s| Ok(s.session_mut()?.flagged_students(college.as_deref())?))
}
