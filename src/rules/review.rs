//! The weekly review 周研判 (seed 001 "周周研判") as a meeting: an agenda built from the key-concern
//! list and what changed since the last meeting, a decision per student (keep 维持, raise 升级,
//! lower 降级, close 销号) with its reason, attendees, minutes and a sign-off. On sign-off each
//! decision becomes a `review` record in the student's file, which sets the concern level and
//! fulfils that week's review obligation.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use crate::error::{Error, Reason, Result};
use crate::model::{ConcernLevel, ReviewDecision};

/// One student on the agenda.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgendaItem {
    /// 学号
    pub student_no: String,
    /// 姓名
    pub student_name: String,
    /// 学院
    pub college: String,
    /// 班级
    pub class_name: String,
    /// Concern level on the meeting day.
    pub level: ConcernLevel,
    /// Newly on the list since the last meeting.
    pub new_on_list: bool,
    /// What happened since the last meeting, in Chinese (kinds and dates, never record text).
    pub changes: Vec<String>,
    /// The last decision taken for this student, if any.
    pub last_decision: Option<ReviewDecision>,
}

/// The agenda of a weekly review.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewAgenda {
    /// The meeting day.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// The day of the last signed meeting, if any.
    #[typeshare(serialized_as = "Option<String>")]
    pub last_meeting: Option<NaiveDate>,
    /// Every key-concern student on the meeting day, highest level first.
    pub items: Vec<AgendaItem>,
}

/// The decision for one student.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// 学号
    pub student_no: String,
    /// The decision.
    pub decision: ReviewDecision,
    /// The new level after a raise or lower.
    pub level: Option<ConcernLevel>,
    /// Why (required).
    pub reason: String,
}

/// A weekly review meeting as signed off.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewMeeting {
    /// Id, assigned at sign-off (empty when submitting).
    #[serde(default)]
    pub id: String,
    /// The meeting day.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// 参会人员 (at least one).
    pub attendees: Vec<String>,
    /// 会议纪要 (required).
    pub minutes: String,
    /// 签字 who signed the minutes off (required).
    pub signed_by: String,
    /// A decision per student of the agenda (and any other student raised onto the list).
    pub items: Vec<ReviewItem>,
}

/// A meeting as lists show it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewMeetingSummary {
    /// Id.
    pub id: String,
    /// The meeting day.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// Who signed it off.
    pub signed_by: String,
    /// Number of attendees.
    pub attendees: i32,
    /// Students decided on.
    pub students: i32,
    /// Of which closed 销号.
    pub closed: i32,
    /// Of which raised.
    pub raised: i32,
}

impl ReviewMeeting {
    /// The summary of this meeting.
    pub fn summary(&self) -> ReviewMeetingSummary {
        let n = |d: ReviewDecision| self.items.iter().filter(|i| i.decision == d).count() as i32;
        ReviewMeetingSummary {
            id: self.id.clone(),
            date: self.date,
            signed_by: self.signed_by.clone(),
            attendees: self.attendees.len() as i32,
            students: self.items.len() as i32,
            closed: n(ReviewDecision::Close),
            raised: n(ReviewDecision::Raise),
        }
    }
}

/// The Chinese name of a decision.
pub fn decision_zh(d: ReviewDecision) -> &'static str {
    match d {
        ReviewDecision::Keep => "维持",
        ReviewDecision::Raise => "升级",
        ReviewDecision::Lower => "降级",
        ReviewDecision::Close => "销号",
    }
}

/// The Chinese name of a concern level.
pub fn level_zh(l: ConcernLevel) -> &'static str {
    match l {
        ConcernLevel::General => "一般关注",
        ConcernLevel::Key => "重点关注",
        ConcernLevel::Special => "特别关注",
    }
}

/// The sign-off rule of a meeting's decisions against the agenda of its day: every decision gives
/// its reason, a raise 升级 names a level above the student's current one and a lowering 降级 one
/// below it (levels are ordered General < Key < Special). (Attendees, minutes and one decision per agenda student are checked at sign-off.)
pub fn check_decisions(items: &[ReviewItem], agenda: &ReviewAgenda) -> Result<()> {
    if items.iter().any(|i| i.reason.trim().is_empty()) {
        return Err(Error::refused("reason", Reason::ReviewReasonMissing));
    }
    for it in items {
        let current = agenda
            .items
            .iter()
            .find(|a| a.student_no == crate::normalize::identifier(&it.student_no))
            .map(|a| a.level);
        let (Some(cur), Some(new)) = (current, it.level) else {
            continue;
        };
        match it.decision {
            ReviewDecision::Raise if new <= cur => {
                return Err(Error::refused("level", Reason::RaiseNotHigher));
            }
            ReviewDecision::Lower if new >= cur => {
                return Err(Error::refused("level", Reason::LowerNotLower));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agenda(level: ConcernLevel) -> ReviewAgenda {
        ReviewAgenda {
            date: NaiveDate::from_ymd_opt(2026, 3, 2).expect("day"),
            last_meeting: None,
            items: vec![AgendaItem {
                student_no: "2025010101".into(),
                student_name: String::new(),
                college: String::new(),
                class_name: String::new(),
                level,
                new_on_list: false,
                changes: Vec::new(),
                last_decision: None,
            }],
        }
    }

    fn item(decision: ReviewDecision, level: Option<ConcernLevel>, reason: &str) -> ReviewItem {
        ReviewItem {
            student_no: " 2025010101 ".into(),
            decision,
            level,
            reason: reason.into(),
        }
    }

    #[test]
    fn a_raise_goes_up_a_lowering_down_and_each_gives_its_reason() {
        use ConcernLevel::*;
        use ReviewDecision::*;
        let key = agenda(Key);
        let refused = |i: ReviewItem| check_decisions(&[i], &key).err().and_then(|e| e.reason());
        assert_eq!(
            refused(item(Raise, Some(General), "r")),
            Some(Reason::RaiseNotHigher)
        );
        assert_eq!(
            refused(item(Raise, Some(Key), "r")),
            Some(Reason::RaiseNotHigher)
        );
        assert_eq!(
            refused(item(Lower, Some(Special), "r")),
            Some(Reason::LowerNotLower)
        );
        assert_eq!(
            refused(item(Lower, Some(Key), "r")),
            Some(Reason::LowerNotLower)
        );
        assert_eq!(
            refused(item(Keep, None, " ")),
            Some(Reason::ReviewReasonMissing)
        );
        assert_eq!(refused(item(Raise, Some(Special), "r")), None);
        assert_eq!(refused(item(Lower, Some(General), "r")), None);
        assert_eq!(refused(item(Close, None, "r")), None);
        let e = check_decisions(&[item(Raise, Some(General), "r")], &key).unwrap_err();
        assert_eq!((e.code(), e.field()), ("invalid_input", Some("level")));
    }
}
