//! The commands reading the policy as data: the calendar form (设置 › 校历) and the dashboard's
//! calendar warning, and the crisis protocol the record form shows. One-line adapters onto the
//! core (`Session::calendar_view`, `Session::set_calendar`, `Session::crisis_protocol`), kept in
//! step with build.rs, lib.rs, the capability, the isolation hook and ui/src/api.ts.

use tauri::State;
use xindang::rules::calendar_form::CalendarView;
use xindang::rules::crisis::CrisisProtocol;
use xindang::rules::policy::Calendar;

use crate::error::CommandError;
use crate::state::Shared;

/// The calendar in force and how long it still runs.
#[tauri::command(async)]
pub fn calendar_view(state: State<'_, Shared>) -> Result<CalendarView, CommandError> {
    state.with(|s| {
        Ok(s.session()?
            .calendar_view(chrono::Local::now().date_naive())?)
    })
}

/// Saves the calendar into the policy in force; a bad one is refused (`policy_invalid`, with its
/// field) and the last good policy stays.
#[tauri::command(async)]
pub fn calendar_save(state: State<'_, Shared>, calendar: Calendar) -> Result<(), CommandError> {
    state.with(|s| Ok(s.session_mut()?.set_calendar(&calendar).map(drop)?))
}

/// The crisis protocol of the policy in force (`null` when it has none): who organises each level.
#[tauri::command(async)]
pub fn crisis_protocol(state: State<'_, Shared>) -> Result<Option<CrisisProtocol>, CommandError> {
    state.with(|s| Ok(s.session()?.crisis_protocol()?))
}
