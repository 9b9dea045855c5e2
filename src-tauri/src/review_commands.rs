//! The commands of the weekly review meeting 周研判 screen. Each is a one-line adapter onto the
//! core (the board, the sign-off rule, the meeting with names and the print's audit entry all live
//! there); the list is kept in step with build.rs, lib.rs, the capability, the isolation hook and
//! ui/src/api.ts (`hardening_tests` checks it).

use tauri::State;
use xindang::rules::calendar::{parse_day, today};
use xindang::rules::review::{ReviewMeeting, ReviewMeetingSummary};
use xindang::session::review::{MeetingView, ReviewBoard};

use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// The board of a meeting on `date` (empty: today).
pub fn board(state: &AppState, date: &str) -> Result<ReviewBoard, CommandError> {
    let date = parse_day(Some(date), "date", today())?;
    Ok(state.session()?.review_board(date)?)
}

/// Signs a meeting off (the core checks every decision: its reason, a raise up, a lowering down).
pub fn sign(state: &mut AppState, meeting: ReviewMeeting) -> Result<String, CommandError> {
    Ok(state.session_mut()?.sign_review(meeting)?)
}

/// The agenda of a meeting on `date` (empty: today) with each student's open obligations.
#[tauri::command(async)]
pub fn review_board(state: State<'_, Shared>, date: String) -> Result<ReviewBoard, CommandError> {
    state.with(|s| board(s, &date))
}

/// Signs a meeting off; returns its id.
#[tauri::command(async)]
pub fn review_sign(
    state: State<'_, Shared>,
    meeting: ReviewMeeting,
) -> Result<String, CommandError> {
    state.with(|s| sign(s, meeting))
}

/// The signed meetings, newest first.
#[tauri::command(async)]
pub fn review_meetings(
    state: State<'_, Shared>,
) -> Result<Vec<ReviewMeetingSummary>, CommandError> {
    state.with(|s| Ok(s.session()?.review_meetings()?.into_iter().rev().collect()))
}

/// One signed meeting, read-only.
#[tauri::command(async)]
pub fn review_meeting(state: State<'_, Shared>, id: String) -> Result<MeetingView, CommandError> {
    state.with(|s| Ok(s.session()?.review_meeting_view(&id)?))
}

/// Notes in the audit log that a meeting was printed.
#[tauri::command(async)]
pub fn review_print(state: State<'_, Shared>, id: String) -> Result<(), CommandError> {
    state.with(|s| Ok(s.session_mut()?.log_review_print(&id)?))
}
