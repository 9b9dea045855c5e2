//! The weekly review meeting 周研判 as its screen shows it: the board (the agenda with each
//! student's open obligations grouped by rule), a signed meeting with its students' names, and the
//! audit entry of a printed minutes. The sign-off rule itself is `rules::review::check_decisions`,
//! applied by `Session::sign_review` for the app and the command line alike.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::Session;
use crate::audit::AuditAction;
use crate::error::Result;
use crate::model::{ConcernLevel, ReviewDecision};
use crate::rules::review::AgendaItem;
use crate::rules::{ObligationFilter, ObligationStatus};

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

impl Session {
    /// The board of a meeting on `date`: the agenda with each student's open obligations.
    pub fn review_board(&self, date: NaiveDate) -> Result<ReviewBoard> {
        let agenda = self.review_agenda(date)?;
        let filter = ObligationFilter {
            open_only: true,
            ..ObligationFilter::default()
        };
        let mut open: HashMap<String, Vec<OpenDuty>> = HashMap::new();
        for o in self.obligations(date, &filter)? {
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
        let signed = self
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

    /// One signed meeting with its students' names.
    pub fn review_meeting_view(&self, id: &str) -> Result<MeetingView> {
        let m = self.review_meeting(id)?;
        let rows = m
            .items
            .iter()
            .map(|it| {
                let p = self.profile(&it.student_no).ok();
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

    /// Notes in the audit log that a meeting's minutes were printed (only a stored meeting can
    /// be; its date is not student data).
    pub fn log_review_print(&mut self, id: &str) -> Result<()> {
        let m = self.review_meeting(id)?;
        self.log(
            AuditAction::Export,
            None,
            &format!("print weekly review {}", m.date),
        )
    }
}
