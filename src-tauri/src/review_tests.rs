//! The weekly review screen's functions on a real archive: the board, the core's sign-off rule
//! refusing with its typed reason, the signed meeting with names, the print's audit entry.

use xindang::model::ReviewDecision;
use xindang::rules::review::{ReviewItem, ReviewMeeting};
use xindang::session::review::ReviewBoard;

use crate::review_commands::{board, sign};
use crate::screen_tests::{demo, refusal, why};

fn meeting(board: &ReviewBoard, reason: &str) -> ReviewMeeting {
    ReviewMeeting {
        id: String::new(),
        date: board.date,
        attendees: vec!["王老师".into(), "李老师".into()],
        minutes: "逐一研判重点关注学生".into(),
        signed_by: "王老师".into(),
        items: board
            .items
            .iter()
            .map(|b| ReviewItem {
                student_no: b.item.student_no.clone(),
                decision: ReviewDecision::Keep,
                level: None,
                reason: reason.into(),
            })
            .collect(),
    }
}

#[test]
fn the_board_signs_off_and_the_core_refuses_what_breaks_the_rule() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut state = demo(dir.path(), 10);
    assert_eq!(
        why(board(&state, "2026-13-01")),
        refusal("invalid_input", "date", "bad_date")
    );
    let b = board(&state, "").expect("board");
    assert!(
        !b.items.is_empty(),
        "the synthetic school has key-concern students"
    );
    assert_eq!(b.signed, None);
    assert_eq!(
        why(sign(&mut state, meeting(&b, "  "))),
        refusal("invalid_input", "reason", "review_reason_missing")
    );
    // A raise to the level the student already has is no raise.
    let mut m = meeting(&b, "情况稳定");
    m.items[0].decision = ReviewDecision::Raise;
    m.items[0].level = Some(b.items[0].item.level);
    assert_eq!(
        why(sign(&mut state, m)),
        refusal("invalid_input", "level", "raise_not_higher")
    );
    let s = state.session().expect("open");
    assert!(s.review_meetings().expect("list").is_empty());

    let mut m = meeting(&b, "情况稳定");
    m.items[0].decision = ReviewDecision::Close;
    m.items[0].reason = "症状缓解，复查正常".into();
    let id = sign(&mut state, m).expect("signed");
    assert_eq!(
        board(&state, "").expect("board").signed.as_deref(),
        Some(id.as_str())
    );
    let view = state
        .session()
        .expect("open")
        .review_meeting_view(&id)
        .expect("view");
    assert_eq!(view.rows.len(), b.items.len());
    assert_eq!(view.rows[0].student_name, b.items[0].item.student_name);
    assert_eq!(view.rows[0].decision, ReviewDecision::Close);
    let list = state.listed();
    let closed = list
        .student_no
        .iter()
        .position(|s| *s == b.items[0].item.student_no)
        .expect("student");
    assert!(
        !list.concern_index.contains(&(closed as i32)),
        "closed 销号 today"
    );
    let s = state.session_mut().expect("open");
    s.log_review_print(&id).expect("print logged");
    assert_eq!(
        s.log_review_print("nope").expect_err("none").code(),
        "meeting_not_found"
    );
}
