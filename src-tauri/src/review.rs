//! The weekly review meeting 周研判 screen's side of the shell: the board (the agenda with each
//! student's open obligations), the checks of a sign-off the core leaves to the screen (a raise goes
//! up, a lower goes down), the signed meetings with their students' names, and the print's audit.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;
use xindang::audit::AuditAction;
use xindang::model::{ConcernLevel, ReviewDecision};
use xindang::rules::review::{AgendaItem, ReviewMeeting, ReviewMeetingSummary};
use xindang::rules::{ObligationFilter, ObligationStatus};

use crate::error::CommandError;
use crate::state::AppState;

/// A student's open obligations of one rule on the board (twelve missed weekly reviews are one
/// line, not twelve).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenDuty {
    /// The rule in Chinese.
    pub label: String,
    /// How many are open.
    pub count: i32,
    /// The earliest due date.
    #[typeshare(serialized_as = "String")]
    pub due: NaiveDate,
    /// At least one is past its due date.
    pub overdue: bool,
}

/// A student on the board: the agenda item and what is still open for them.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardItem {
    /// The agenda item (level, what changed, last decision).
    pub item: AgendaItem,
    /// Open obligations on the meeting day by rule, earliest first.
    pub open: Vec<OpenDuty>,
}

/// The meeting screen before sign-off.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewBoard {
    /// The meeting day.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// The last signed meeting before it.
    #[typeshare(serialized_as = "Option<String>")]
    pub last_meeting: Option<NaiveDate>,
    /// The students to decide on, highest level first.
    pub items: Vec<BoardItem>,
    /// The id of the meeting already signed on that day, if any (the screen opens it read-only).
    pub signed: Option<String>,
}

/// A decision of a signed meeting with the student's name.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRow {
    /// 学号
    pub student_no: String,
    /// 姓名 (empty if the student is no longer in the archive).
    pub student_name: String,
    /// 学院
    pub college: String,
    /// 班级
    pub class_name: String,
    /// The decision.
    pub decision: ReviewDecision,
    /// The level after a raise or lower.
    pub level: Option<ConcernLevel>,
    /// Why.
    pub reason: String,
}

/// A signed meeting as the read-only view shows it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingView {
    /// Id.
    pub id: String,
    /// The meeting day.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// 参会人员
    pub attendees: Vec<String>,
    /// 会议纪要
    pub minutes: String,
    /// 签字
    pub signed_by: String,
    /// A row per decision, in the order decided.
    pub rows: Vec<MeetingRow>,
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The meeting day: empty means today.
fn day(date: &str) -> Result<NaiveDate, CommandError> {
    let date = date.trim();
    if date.is_empty() {
        return Ok(today());
    }
    NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| CommandError::invalid("date", "a date like 2026-09-01"))
}

/// The board of a meeting on `date` (empty: today).
pub fn review_board(state: &AppState, date: &str) -> Result<ReviewBoard, CommandError> {
    let date = day(date)?;
    let s = state.session()?;
    let agenda = s.review_agenda(date)?;
    let filter = ObligationFilter {
        open_only: true,
        ..ObligationFilter::default()
    };
    let mut open: HashMap<String, Vec<OpenDuty>> = HashMap::new();
    for o in s.obligations(date, &filter)? {
        if o.student_no.is_empty() {
            continue;
        }
        let overdue = o.status == ObligationStatus::Overdue;
        let duties = open.entry(o.student_no.to_string()).or_default();
        // The list comes sorted by due date, so the first of a rule is the earliest.
        match duties.iter_mut().find(|d| *d.label == *o.label) {
            Some(d) => {
                d.count += 1;
                d.overdue |= overdue;
            }
            None => duties.push(OpenDuty {
                label: o.label.to_string(),
                count: 1,
                due: o.due,
                overdue,
            }),
        }
    }
    let signed = s
        .review_meetings()?
        .into_iter()
        .find(|m| m.date == date)
        .map(|m| m.id);
    Ok(ReviewBoard {
        date,
        last_meeting: agenda.last_meeting,
        items: agenda
            .items
            .into_iter()
            .map(|item| BoardItem {
                open: open.remove(&item.student_no).unwrap_or_default(),
                item,
            })
            .collect(),
        signed,
    })
}

fn rank(l: ConcernLevel) -> u8 {
    match l {
        ConcernLevel::General => 1,
        ConcernLevel::Key => 2,
        ConcernLevel::Special => 3,
    }
}

/// Signs a meeting off; returns its id. Every decision needs its reason, a raise a higher level
/// and a lower a lower one than the student has on the meeting day.
pub fn review_sign(state: &mut AppState, meeting: ReviewMeeting) -> Result<String, CommandError> {
    if meeting.items.iter().any(|i| i.reason.trim().is_empty()) {
        return Err(CommandError::invalid(
            "reason",
            "every decision needs its reason",
        ));
    }
    let s = state.session_mut()?;
    let agenda = s.review_agenda(meeting.date)?;
    let now: HashMap<&str, ConcernLevel> = agenda
        .items
        .iter()
        .map(|a| (a.student_no.as_str(), a.level))
        .collect();
    for it in &meeting.items {
        let (Some(cur), Some(new)) = (now.get(it.student_no.trim()), it.level) else {
            continue;
        };
        let wrong = match it.decision {
            ReviewDecision::Raise => rank(new) <= rank(*cur),
            ReviewDecision::Lower => rank(new) >= rank(*cur),
            _ => false,
        };
        if wrong {
            return Err(CommandError::invalid(
                "level",
                "a raise needs a higher level, a lower a lower one",
            ));
        }
    }
    Ok(s.sign_review(meeting)?)
}

/// The signed meetings, newest first.
pub fn review_meetings(state: &AppState) -> Result<Vec<ReviewMeetingSummary>, CommandError> {
    let mut list = state.session()?.review_meetings()?;
    list.reverse();
    Ok(list)
}

/// One signed meeting with its students' names.
pub fn review_meeting(state: &AppState, id: &str) -> Result<MeetingView, CommandError> {
    let s = state.session()?;
    let m = s.review_meeting(id)?;
    let rows = m
        .items
        .iter()
        .map(|it| {
            let p = s.profile(&it.student_no).ok();
            MeetingRow {
                student_no: it.student_no.clone(),
                student_name: p.map(|p| p.name.clone()).unwrap_or_default(),
                college: p.map(|p| p.college.clone()).unwrap_or_default(),
                class_name: p.map(|p| p.class_name.clone()).unwrap_or_default(),
                decision: it.decision,
                level: it.level,
                reason: it.reason.clone(),
            }
        })
        .collect();
    Ok(MeetingView {
        id: m.id,
        date: m.date,
        attendees: m.attendees,
        minutes: m.minutes,
        signed_by: m.signed_by,
        rows,
    })
}

/// Notes in the audit log that a meeting's minutes were printed (the print is the webview's).
pub fn review_print(state: &mut AppState, id: &str) -> Result<(), CommandError> {
    let s = state.session_mut()?;
    // Only a stored meeting can be printed; its id is not student data.
    let m = s.review_meeting(id)?;
    s.log(
        AuditAction::Export,
        None,
        &format!("print weekly review {}", m.date),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use xindang::rules::review::ReviewItem;

    fn unlocked() -> (tempfile::TempDir, AppState) {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let dir = tempfile::tempdir().expect("temp dir");
        let mut state = AppState::new(
            dir.path().join("archive"),
            std::time::Duration::from_secs(300),
        );
        state.create("review-shell-口令-2026").expect("create");
        let config = xindang::synth::SynthConfig {
            seed: 1,
            students: 120,
            today: today(),
            records_per_student: 10,
        };
        let batch: Vec<_> = xindang::synth::students(&config)
            .map(|st| (st.profile, st.records))
            .collect();
        state
            .session_mut()
            .expect("unlocked")
            .load_students(batch, |_, new| new)
            .expect("load");
        (dir, state)
    }

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
    fn the_board_signs_off_and_refuses_what_the_screen_must_not_send() {
        let (_dir, mut state) = unlocked();
        assert_eq!(
            review_board(&state, "2026-13-01").unwrap_err().code,
            "invalid_input"
        );
        let board = review_board(&state, "").expect("board");
        assert!(
            !board.items.is_empty(),
            "the synthetic school has key-concern students"
        );
        assert_eq!(board.signed, None);
        // A missing reason is refused before the core is asked.
        let e = review_sign(&mut state, meeting(&board, "  ")).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            (
                "invalid_input",
                "invalid reason: every decision needs its reason"
            )
        );
        // A raise to the level the student already has is no raise.
        let mut m = meeting(&board, "情况稳定");
        m.items[0].decision = ReviewDecision::Raise;
        m.items[0].level = Some(board.items[0].item.level);
        assert!(review_sign(&mut state, m)
            .unwrap_err()
            .message
            .contains("level"));
        assert!(review_meetings(&state).expect("list").is_empty());

        let mut m = meeting(&board, "情况稳定");
        m.items[0].decision = ReviewDecision::Close;
        m.items[0].reason = "症状缓解，复查正常".into();
        let id = review_sign(&mut state, m).expect("signed");
        let again = review_board(&state, "").expect("board");
        assert_eq!(again.signed.as_deref(), Some(id.as_str()));
        let view = review_meeting(&state, &id).expect("view");
        assert_eq!(view.rows.len(), board.items.len());
        assert_eq!(view.rows[0].student_name, board.items[0].item.student_name);
        assert_eq!(view.rows[0].decision, ReviewDecision::Close);
        let closed = state
            .list_students()
            .expect("list")
            .into_iter()
            .find(|s| s.student_no == board.items[0].item.student_no)
            .expect("student");
        assert_eq!(closed.concern, None, "closed 销号 today");
        review_print(&mut state, &id).expect("print logged");
        assert_eq!(
            review_print(&mut state, "nope").unwrap_err().code,
            "meeting_not_found"
        );
    }
}
