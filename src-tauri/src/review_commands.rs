//! The commands of the weekly review meeting 周研判 screen. Each is a one-line adapter onto
//! [`review`](crate::review); the list is kept in step with build.rs, lib.rs, the capability, the
//! isolation hook and ui/src/api.ts (`hardening_tests` checks it).

use tauri::State;
use xindang::rules::review::{ReviewMeeting, ReviewMeetingSummary};

use crate::error::CommandError;
use crate::review::{self, MeetingView, ReviewBoard};
use crate::state::Shared;

/// The agenda of a meeting on `date` (empty: today) with each student's open obligations.
#[tauri::command(async)]
pub fn review_board(state: State<'_, Shared>, date: String) -> Result<ReviewBoard, CommandError> {
    state.with(|s| review::review_board(s, &date))
}

/// Signs a meeting off; returns its id.
#[tauri::command(async)]
pub fn review_sign(
    state: State<'_, Shared>,
    meeting: ReviewMeeting,
) -> Result<String, CommandError> {
    state.with(|s| review::review_sign(s, meeting))
}

/// The signed meetings, newest first.
#[tauri::command(async)]
pub fn review_meetings(
    state: State<'_, Shared>,
) -> Result<Vec<ReviewMeetingSummary>, CommandError> {
    state.with(|s| review::review_meetings(s))
}

/// One signed meeting, read-only.
#[tauri::command(async)]
pub fn review_meeting(state: State<'_, Shared>, id: String) -> Result<MeetingView, CommandError> {
    state.with(|s| review::review_meeting(s, &id))
}

/// Notes in the audit log that a meeting was printed.
#[tauri::command(async)]
pub fn review_print(state: State<'_, Shared>, id: String) -> Result<(), CommandError> {
    state.with(|s| review::review_print(s, &id))
}
