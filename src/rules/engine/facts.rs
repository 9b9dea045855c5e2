//! What the engine reads of a record and a student: the facts kept in the sealed header, and the
//! inputs the session builds from its in-memory index.

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::*;
use crate::reason::Reason;
use crate::rules::calendar::minus;
use crate::rules::policy::{Policy, Semester};

/// What the engine needs from a record beyond the common header, kept in the sealed header so the
/// engine runs on the in-memory index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// A screening result flagged for follow-up.
    #[serde(default, skip_serializing_if = "is_false")]
    pub flagged: bool,
    /// A hospital diagnosis.
    #[serde(default, skip_serializing_if = "is_false")]
    pub diagnosed: bool,
    /// A plan's review dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub review_dates: Vec<NaiveDate>,
    /// Leave or return, with the steps the record shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave: Option<LeaveKind>,
    /// A certificate was presented.
    #[serde(default, skip_serializing_if = "is_false")]
    pub certificate: bool,
    /// An assessment is recorded.
    #[serde(default, skip_serializing_if = "is_false")]
    pub assessed: bool,
    /// Approved.
    #[serde(default, skip_serializing_if = "is_false")]
    pub approved: bool,
    /// A must-talk trigger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<TalkCategory>,
    /// A waiver: rule, due date, reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiver: Option<(String, NaiveDate, String)>,
    /// A weekly review's decision (for the reports; the level change is in the header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ReviewDecision>,
    /// A profile amendment that changed 学籍状态 (the day a student left school starts the
    /// handover's clock).
    #[serde(default, skip_serializing_if = "is_false")]
    pub status_changed: bool,
    /// A revisit 复诊 done (a treatment record).
    #[serde(default, skip_serializing_if = "is_false")]
    pub revisited: bool,
    /// The next revisit date set (a referral or a treatment record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_revisit: Option<NaiveDate>,
    /// The hospital found the student recovered (a treatment record).
    #[serde(default, skip_serializing_if = "is_false")]
    pub recovered: bool,
    /// What the crisis case reads of a crisis record (report, assessment, step, closing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crisis: Option<CrisisFact>,
}

/// A crisis record as the crisis case reads it: when, and for a step which one and by whom (the
/// level of an assessment is in the header).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrisisFact {
    /// The time of day; absent: the start of the record's day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    /// The step done (a `crisis_step`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub step: String,
    /// Who did the step, or approved the closing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
}

fn crisis(time: Option<NaiveTime>, step: &str, by: &str) -> Facts {
    Facts {
        crisis: Some(CrisisFact {
            time,
            step: step.to_string(),
            by: by.to_string(),
        }),
        ..Facts::default()
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Facts {
    /// The facts of a record body, if it has any the engine uses.
    pub fn of(body: &RecordBody) -> Option<Facts> {
        let f = match body {
            RecordBody::Screening(s) if s.flagged => Facts {
                flagged: true,
                ..Facts::default()
            },
            RecordBody::Referral(r) if r.hospital_diagnosed || r.next_revisit.is_some() => Facts {
                diagnosed: r.hospital_diagnosed,
                next_revisit: r.next_revisit,
                ..Facts::default()
            },
            RecordBody::Treatment(t) => Facts {
                revisited: t.revisited,
                next_revisit: t.next_revisit,
                recovered: t.recovered,
                ..Facts::default()
            },
            RecordBody::Plan(p) if !p.review_dates.is_empty() => Facts {
                review_dates: p.review_dates.clone(),
                ..Facts::default()
            },
            RecordBody::LeaveReview(l) => Facts {
                leave: Some(l.kind),
                certificate: l.certificate,
                assessed: !l.assessment.trim().is_empty(),
                approved: l.approved,
                ..Facts::default()
            },
            RecordBody::Event(e) => Facts {
                trigger: Some(e.trigger),
                ..Facts::default()
            },
            RecordBody::Waiver(w) => Facts {
                waiver: Some((w.rule.trim().to_string(), w.due, w.reason.clone())),
                ..Facts::default()
            },
            RecordBody::Review(r) => Facts {
                decision: Some(r.decision),
                ..Facts::default()
            },
            RecordBody::ProfileAmendment(a) if a.changes.iter().any(|c| c.field == "status") => {
                Facts {
                    status_changed: true,
                    ..Facts::default()
                }
            }
            RecordBody::Crisis(c) if c.time.is_some() => crisis(c.time, "", ""),
            RecordBody::CrisisReport(c) => crisis(c.time, "", ""),
            RecordBody::CrisisStep(c) => crisis(c.time, c.step.trim(), c.by.trim()),
            RecordBody::CrisisClose(c) => crisis(c.time, "", c.approved_by.trim()),
            _ => return None,
        };
        Some(f)
    }
}

impl Review {
    /// The concern level and end date this decision sets, as a key-concern record would: a raise
    /// or lower sets the new level, a close 销号 ends the concern the day before, keep changes nothing.
    pub fn concern_change(&self, date: NaiveDate) -> (Option<ConcernLevel>, Option<NaiveDate>) {
        match self.decision {
            ReviewDecision::Keep => (None, None),
            ReviewDecision::Raise | ReviewDecision::Lower => (self.level, None),
            ReviewDecision::Close => (
                Some(self.level.unwrap_or(ConcernLevel::General)),
                Some(minus(date, 1)),
            ),
        }
    }
}

fn refused(field: &'static str, reason: Reason) -> Result<()> {
    Err(Error::Refused { field, reason })
}

/// Checks the record kinds the rules add.
pub fn validate_body(body: &RecordBody) -> Result<()> {
    let blank = |s: &str| s.trim().is_empty();
    match body {
        RecordBody::Event(e) if e.trigger == TalkCategory::Other => Err(Error::Invalid {
            field: "trigger",
            reason: "must be one of the eight must-talk categories",
        }),
        RecordBody::Waiver(w) if blank(&w.rule) => Err(Error::Invalid {
            field: "rule",
            reason: "is required",
        }),
        RecordBody::Waiver(w) if blank(&w.reason) => Err(Error::refused(
            "reason",
            crate::reason::Reason::WaiverReasonMissing,
        )),
        RecordBody::CrisisReport(c) if blank(&c.text) => refused("text", Reason::CrisisTextMissing),
        RecordBody::CrisisStep(c) if blank(&c.step) => refused("step", Reason::CrisisStepUnknown),
        RecordBody::CrisisStep(c) if blank(&c.by) => refused("by", Reason::CrisisWhoMissing),
        RecordBody::CrisisClose(c) if blank(&c.reason) => {
            refused("reason", Reason::CrisisReasonMissing)
        }
        RecordBody::CrisisClose(c) if blank(&c.approved_by) => {
            refused("approved_by", Reason::CrisisWhoMissing)
        }
        RecordBody::Review(r) if blank(&r.reason) => Err(Error::Invalid {
            field: "reason",
            reason: "a review decision needs its reason",
        }),
        RecordBody::Review(r)
            if matches!(r.decision, ReviewDecision::Raise | ReviewDecision::Lower)
                && r.level.is_none() =>
        {
            Err(Error::Invalid {
                field: "level",
                reason: "a raise or lower needs the new level",
            })
        }
        _ => Ok(()),
    }
}

/// One record as the engine sees it: not superseded, dated on or before today.
#[derive(Debug, Clone, Copy)]
pub struct RecordInput<'a> {
    /// Record id.
    pub id: i64,
    /// The day it happened.
    pub date: NaiveDate,
    /// Kind name (`RecordBody::kind_name`).
    pub kind: &'a str,
    /// Talk category.
    pub category: Option<TalkCategory>,
    /// Concern level set.
    pub concern: Option<ConcernLevel>,
    /// Concern end.
    pub concern_until: Option<NaiveDate>,
    /// Crisis level of a crisis assessment.
    pub crisis: Option<CrisisLevel>,
    /// Engine facts.
    pub facts: Option<&'a Facts>,
}

/// One student as the engine sees it; records sorted by date.
#[derive(Debug, Clone)]
pub struct StudentInput<'a> {
    /// Profile.
    pub profile: &'a StudentProfile,
    /// Records, oldest first.
    pub records: Vec<RecordInput<'a>>,
}

impl StudentInput<'_> {
    /// The first semester of this student's intake when they belong to the intake of the academic
    /// year of `sem` (their 年级 starts with that year): the freshman rules count from it.
    pub fn intake<'p>(&self, policy: &'p Policy, sem: &Semester) -> Option<&'p Semester> {
        let year = sem.academic_year();
        let grade: String = self.profile.grade.chars().take(4).collect();
        (grade.parse::<i32>().ok() == Some(year))
            .then(|| policy.first_semester_of(year))
            .flatten()
    }

    /// The concern level on `day`: the latest concern-setting record up to it, unless ended.
    pub fn concern_at(&self, day: NaiveDate) -> Option<ConcernLevel> {
        let r = self
            .records
            .iter()
            .rev()
            .find(|r| r.concern.is_some() && r.date <= day)?;
        match r.concern_until {
            Some(until) if until < day => None,
            _ => r.concern,
        }
    }
}
