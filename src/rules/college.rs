//! The duties of a college 院系 as a whole, owned by no student and no single network person: the
//! meetings analysing its students' mental health 心理工作研判会 (seed 001: "各学院(校区)每学期需
//! 开展两次本学院(校区)心理工作研判会议") and the monthly report 月报 (seed 002: "定期做好全院学生
//! 心理健康状况月报工作"). Their obligations carry the college (or the archive) and a subject, with
//! `student_no` and `person` empty.

use std::collections::{BTreeSet, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::calendar::{plus, split_ends};
use super::engine::{Obligation, ObligationKind, ObligationStatus, Text};
use super::network::{months, ActivityKind, Network, NetworkLog, NetworkRole};
use super::policy::Policy;
use super::report::ReportKind;

/// Rule id of the college review meetings.
pub const REVIEW_MEETING: &str = "college-review-meeting";
/// Rule id of the monthly report.
pub const MONTHLY_REPORT: &str = "monthly-report";

/// Whether a rule is a college's duty (waived with an empty person and the duty's subject).
pub fn is_college_rule(rule: &str) -> bool {
    rule == REVIEW_MEETING || rule == MONTHLY_REPORT
}

/// A report exported (submitted 报送), as kept in the archive's report log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportSubmission {
    /// Id.
    pub id: String,
    /// Which report.
    pub kind: ReportKind,
    /// First day of the period it covers.
    pub period_start: NaiveDate,
    /// Last day.
    pub period_end: NaiveDate,
    /// The day it was made as of (the `today` of the export).
    pub submitted: NaiveDate,
}

/// The log of exported reports (a sealed setting).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLog {
    /// Submissions in the order made.
    pub submissions: Vec<ReportSubmission>,
}

/// One college duty before matching.
struct Duty {
    rule: &'static str,
    kind: ObligationKind,
    label: String,
    college: String,
    subject: String,
    since: NaiveDate,
    until: NaiveDate,
    due: NaiveDate,
}

/// The college duties on `today`: for each college of the network's counselors, the review
/// meetings of the semester (spread over it like the network trainings), fulfilled by a
/// `college_review_meeting` activity of a counselor of that college; and for the archive, the
/// monthly report of each month of the semester begun by `today`, due on the policy's day of the
/// next month, fulfilled by exporting that month's report.
pub fn obligations(
    policy: &Policy,
    today: NaiveDate,
    net: &Network,
    log: &NetworkLog,
    reports: &ReportLog,
) -> Vec<Obligation> {
    let Some(sem) = policy.semester_at(today) else {
        return Vec::new();
    };
    let cad = &policy.cadence;
    let mut duties = Vec::new();
    let n = cad.college_review_meetings_per_semester;
    if n > 0 {
        let colleges: BTreeSet<&str> = net
            .people
            .iter()
            .filter(|p| p.role == NetworkRole::Counselor && !p.college.is_empty())
            .map(|p| p.college.as_str())
            .collect();
        for college in colleges {
            for (k, due) in split_ends(sem.start, sem.end, n).into_iter().enumerate() {
                duties.push(Duty {
                    rule: REVIEW_MEETING,
                    kind: ObligationKind::CollegeReviewMeeting,
                    label: format!("院系·每学期召开心理工作研判会议{n}次（第{}次）", k + 1),
                    college: college.to_string(),
                    subject: college.to_string(),
                    since: sem.start,
                    until: sem.end,
                    due,
                });
            }
        }
    }
    let day = cad.monthly_report_day;
    if day > 0 {
        for (first, last) in months(sem.start, sem.end, today.min(sem.end)) {
            // Due on the policy's day of the month after the period's last month.
            let next = plus(last, 1);
            let due = NaiveDate::from_ymd_opt(next.year(), next.month(), day).unwrap_or(next);
            duties.push(Duty {
                rule: MONTHLY_REPORT,
                kind: ObligationKind::MonthlyReport,
                label: format!("院系·月报（{}年{}月）", last.year(), last.month()),
                college: String::new(),
                subject: format!("{:04}-{:02}", last.year(), last.month()),
                since: first,
                until: last,
                due,
            });
        }
    }
    duties.retain(|d| d.since <= today);
    duties.sort_by(|a, b| (a.rule, &a.college, a.due).cmp(&(b.rule, &b.college, b.due)));

    let counselor_college = |id: &str| {
        net.people
            .iter()
            .find(|p| p.id == id && p.role == NetworkRole::Counselor)
            .map(|p| p.college.as_str())
    };
    let mut meetings: Vec<_> = log
        .activities
        .iter()
        .filter(|a| a.kind == ActivityKind::CollegeReviewMeeting)
        .filter(|a| a.date >= sem.start && a.date <= sem.end && a.date <= today)
        .collect();
    meetings.sort_by_key(|a| a.date);
    let mut submissions: Vec<_> = reports
        .submissions
        .iter()
        .filter(|r| r.kind == ReportKind::Monthly && r.submitted <= today)
        .collect();
    submissions.sort_by_key(|r| r.submitted);

    let mut used: HashSet<&str> = HashSet::new();
    let mut out = Vec::with_capacity(duties.len());
    for d in duties {
        let hit: Option<(&str, NaiveDate)> = match d.rule {
            REVIEW_MEETING => meetings
                .iter()
                .find(|a| {
                    counselor_college(&a.person) == Some(d.college.as_str())
                        && !used.contains(a.id.as_str())
                })
                .map(|a| (a.id.as_str(), a.date)),
            // The report of the month (a merged first part counts with the month it joins).
            _ => submissions
                .iter()
                .find(|r| r.period_start >= d.since && r.period_start <= d.until)
                .map(|r| (r.id.as_str(), r.submitted)),
        };
        if let Some((id, _)) = hit {
            used.insert(id);
        }
        let waiver = log.waivers.iter().find(|w| {
            w.rule == d.rule && w.person.is_empty() && w.subject == d.subject && w.due == d.due
        });
        let (status, fulfilled_by, fulfilled_on, waived_reason) = match (hit, waiver) {
            (Some((id, on)), _) => (ObligationStatus::Done, Some(id.to_string()), Some(on), None),
            (None, Some(w)) => (ObligationStatus::Waived, None, None, Some(w.reason.clone())),
            (None, None) if d.due < today => (ObligationStatus::Overdue, None, None, None),
            (None, None) => (ObligationStatus::Due, None, None, None),
        };
        out.push(Obligation {
            student_no: "".into(),
            student_name: "".into(),
            college: d.college.into(),
            class_name: "".into(),
            person: "".into(),
            person_name: "".into(),
            subject: d.subject.into(),
            kind: d.kind,
            rule: d.rule.into(),
            label: d.label.into(),
            since: d.since,
            due: d.due,
            status,
            fulfilled_by: fulfilled_by.map(Text::from),
            fulfilled_on,
            waived_reason: waived_reason.map(Text::from),
        });
    }
    out
}
