//! The commands of the reports page 报表 and the four-level network page 四级网络. Each is a
//! one-line adapter onto [`reports`](crate::reports) or the core; the list is kept in step with build.rs,
//! lib.rs, the capability, the isolation hook and ui/src/api.ts (`hardening_tests` checks it).

use tauri::{AppHandle, State};
use xindang::rules::calendar::today;
use xindang::rules::network::{NetworkActivity, NetworkWaiver};
use xindang::rules::report::{Report, ReportKind};

use xindang::session::network::NetworkWork;

use crate::error::CommandError;
use crate::reports::{self, GridImported, NetworkView, WorkbookSaved};
use crate::state::Shared;

/// The report of the period holding `day` (`YYYY-MM-DD`; today when absent).
#[tauri::command(async)]
pub fn report_view(
    state: State<'_, Shared>,
    kind: ReportKind,
    day: Option<String>,
) -> Result<Report, CommandError> {
    state.with(|s| reports::report_view(s, kind, day.as_deref()))
}

/// Exports the report as .xlsx where the user chooses (`null` when cancelled).
#[tauri::command(async)]
pub fn report_export(
    app: AppHandle,
    state: State<'_, Shared>,
    kind: ReportKind,
    day: Option<String>,
) -> Result<Option<WorkbookSaved>, CommandError> {
    reports::report_export(&app, &state, kind, day.as_deref())
}

/// Notes the printing of a report in the audit log (the webview then prints).
#[tauri::command(async)]
pub fn report_print(
    state: State<'_, Shared>,
    kind: ReportKind,
    day: Option<String>,
) -> Result<(), CommandError> {
    state.with(|s| reports::report_print(s, kind, day.as_deref()))
}

/// The four-level network and its check.
#[tauri::command(async)]
pub fn network_view(state: State<'_, Shared>) -> Result<NetworkView, CommandError> {
    state.with(reports::network_view)
}

/// Exports the grid table 网格管理表 where the user chooses (`null` when cancelled).
#[tauri::command(async)]
pub fn grid_export(
    app: AppHandle,
    state: State<'_, Shared>,
) -> Result<Option<WorkbookSaved>, CommandError> {
    reports::grid_export(&app, &state)
}

/// Imports a grid table the user chooses (`null` when cancelled).
#[tauri::command(async)]
pub fn grid_import(
    app: AppHandle,
    state: State<'_, Shared>,
) -> Result<Option<GridImported>, CommandError> {
    reports::grid_import(&app, &state)
}

/// The recorded network activities (newest first, with names) and the dorms to choose from.
#[tauri::command(async)]
pub fn network_activities(state: State<'_, Shared>) -> Result<NetworkWork, CommandError> {
    state.with(|s| Ok(s.session()?.network_work()?))
}

/// Records a dorm visit, meeting or training; returns its id.
#[tauri::command(async)]
pub fn network_activity_add(
    state: State<'_, Shared>,
    activity: NetworkActivity,
) -> Result<String, CommandError> {
    state.with(|s| Ok(s.session_mut()?.add_activity(activity, today())?))
}

/// Waives an open network duty with its reason.
#[tauri::command(async)]
pub fn network_waive(state: State<'_, Shared>, waiver: NetworkWaiver) -> Result<(), CommandError> {
    state.with(|s| Ok(s.session_mut()?.waive_network(waiver, today())?))
}
