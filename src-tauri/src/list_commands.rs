//! The commands of the lists 名单, the triage inbox 收件箱 and a student's own obligations. Each is
//! a one-line adapter onto [`admin`](crate::admin) or the core; the list is kept in step with
//! build.rs, lib.rs, the capability, the isolation hook and ui/src/api.ts (`hardening_tests`).

use tauri::{AppHandle, State};
use xindang::roster::lists::ListKind;
use xindang::rules::calendar::today;
use xindang::rules::Obligation;
use xindang::session::triage::InboxView;
use xindang::session::ListImportReport;

use crate::admin::{self, Staging};
use crate::error::CommandError;
use crate::state::Shared;

/// Opens the file dialog and checks the list chosen, writing nothing (`null` when cancelled).
#[tauri::command(async)]
pub fn list_pick(
    app: AppHandle,
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
    kind: ListKind,
) -> Result<Option<ListImportReport>, CommandError> {
    admin::list_pick(&app, &state, &staging, kind)
}

/// Imports the list checked by `list_pick`.
#[tauri::command(async)]
pub fn list_import(
    state: State<'_, Shared>,
    staging: State<'_, Staging>,
) -> Result<ListImportReport, CommandError> {
    state.with(|s| admin::list_import(s, &staging))
}

/// The triage inbox today.
#[tauri::command(async)]
pub fn inbox_view(state: State<'_, Shared>) -> Result<InboxView, CommandError> {
    state.with(|s| Ok(s.session()?.inbox_view(today())?))
}

/// Files an inbox item into the student's file; returns the record's id.
#[tauri::command(async)]
pub fn inbox_file(
    state: State<'_, Shared>,
    id: String,
    note: String,
) -> Result<String, CommandError> {
    state.with(|s| {
        let s = s.session_mut()?;
        let author = s.actor().to_string();
        Ok(s.file_observation(&id, &note, &author, today())?)
    })
}

/// Dismisses an inbox item with its reason (required).
#[tauri::command(async)]
pub fn inbox_dismiss(
    state: State<'_, Shared>,
    id: String,
    reason: String,
) -> Result<(), CommandError> {
    state.with(|s| {
        Ok(s.session_mut()?
            .dismiss_observation(&id, &reason, today())?)
    })
}

/// A student's open and recently done obligations.
#[tauri::command(async)]
pub fn student_obligations(
    state: State<'_, Shared>,
    student_no: String,
) -> Result<Vec<Obligation>, CommandError> {
    state.with(|s| Ok(s.session()?.student_obligations(&student_no, today())?))
}
