//! The commands of crisis cases 危机个案 in the student file: the student's cases, a step done, a
//! closing. Each is a one-line adapter onto the core (what a case owes, what a step or a closing
//! needs, the moment's format all live there); the list is kept in step with build.rs, lib.rs,
//! the capability, the isolation hook and ui/src/api.ts (`hardening_tests` checks it). A first
//! report and an assessment are records, written by `add_record`.

use tauri::State;
use xindang::rules::calendar::{now, parse_moment};
use xindang::rules::crisis_case::CrisisCase;

use crate::error::CommandError;
use crate::state::Shared;

/// A student's crisis cases now: the open one first, then the closed ones, newest first.
#[tauri::command(async)]
pub fn crisis_cases(
    state: State<'_, Shared>,
    student_no: String,
) -> Result<Vec<CrisisCase>, CommandError> {
    state.with(|s| Ok(s.session()?.student_crisis_cases(&student_no, now())?))
}

/// Records a step of the student's open case as done at `at` ("YYYY-MM-DD HH:MM"; empty: now)
/// by `by`; returns the record's id.
#[tauri::command(async)]
pub fn crisis_step(
    state: State<'_, Shared>,
    student_no: String,
    step: String,
    at: String,
    by: String,
    note: String,
) -> Result<String, CommandError> {
    let at = parse_moment(Some(&at), "at", now())?;
    state.with(|s| {
        Ok(s.session_mut()?
            .record_crisis_step(&student_no, &step, at, &by, &note)?)
    })
}

/// Closes the student's open case at `at` with its reason and who approved it; returns the id.
#[tauri::command(async)]
pub fn crisis_close(
    state: State<'_, Shared>,
    student_no: String,
    at: String,
    reason: String,
    approved_by: String,
) -> Result<String, CommandError> {
    let at = parse_moment(Some(&at), "at", now())?;
    state.with(|s| {
        Ok(s.session_mut()?
            .close_crisis(&student_no, at, &reason, &approved_by)?)
    })
}
