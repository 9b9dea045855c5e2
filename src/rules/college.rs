//! The duties of a college 院系 or of the school as a whole, owned by no student and no single
//! network person: the meetings analysing its students' mental health 心理工作研判会 (seed 001:
//! "各学院(校区)每学期需开展两次本学院(校区)心理工作研判会议"), the sweeps 学期始、学期末摸排 (001),
//! the monthly report 月报 (seed 002: "定期做好全院学生心理健康状况月报工作"), the school's trainings
//! of the network (000: "每学期至少举办两场以上心理危机干预培训") and the warning that the calendar
//! runs out. Their obligations carry the college (or the archive) and a subject, with `student_no`
//! and `person` empty.

use std::collections::{BTreeSet, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::calendar::{minus, plus, split_ends};
use super::engine::{Obligation, ObligationKind, ObligationStatus, Text};
use super::network::{months, ActivityKind, Network, NetworkLog, NetworkRole};
use super::policy::{Policy, Semester};
use super::report::ReportKind;

/// Rule id of the college review meetings.
pub const REVIEW_MEETING: &str = "college-review-meeting";
/// Rule id of the monthly report.
pub const MONTHLY_REPORT: &str = "monthly-report";
/// Rule ids of the sweeps at the start and the end of a semester (seed 001).
pub const SWEEP_START: &str = "sweep.start";
/// See [`SWEEP_START`].
pub const SWEEP_END: &str = "sweep.end";
/// Rule id of the school's trainings of the network (seed 000), the school's duty.
pub const SCHOOL_TRAINING: &str = "school-training";
/// Rule id of the warning that the calendar runs out.
pub const CALENDAR_END: &str = "calendar.end";
/// Days before the calendar's last day its warning appears.
pub const CALENDAR_WARNING_DAYS: u32 = 60;

/// Whether a rule is a college's or the school's duty (waived with an empty person and the duty's
/// subject).
pub fn is_college_rule(rule: &str) -> bool {
    [
        REVIEW_MEETING,
        MONTHLY_REPORT,
        SWEEP_START,
        SWEEP_END,
        SCHOOL_TRAINING,
        CALENDAR_END,
    ]
    .contains(&rule)
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

/// The college and school duties on `today`: for each college of the network's counselors, the
/// review meetings of the semester (spread over it like the network trainings), fulfilled by a
/// `college_review_meeting` activity of a counselor of that college, and the sweeps at its start
/// and end, fulfilled by a `sweep` of such a counselor; for the archive, the monthly report of each
/// month of the semester begun by `today`, due on the policy's day of the next month, fulfilled by
/// exporting that month's report; the school's trainings, fulfilled by any training, in the
/// school's own archive only (`school`: the center's, whose staff hold them; a college archive
/// does not owe them); and the warning that the calendar runs out.
pub fn obligations(
    policy: &Policy,
    today: NaiveDate,
    net: &Network,
    log: &NetworkLog,
    reports: &ReportLog,
    school: bool,
) -> Vec<Obligation> {
    let mut duties = Vec::new();
    calendar_end(policy, today, &mut duties);
    if let Some(sem) = policy.semester_at(today) {
        semester_duties(policy, today, sem, net, &mut duties);
    }
    if !school {
        duties.retain(|d| d.rule != SCHOOL_TRAINING);
    }
    duties.retain(|d| d.since <= today);
    duties.sort_by(|a, b| (a.rule, &a.college, a.due).cmp(&(b.rule, &b.college, b.due)));
    resolve(policy, today, duties, net, log, reports)
}

/// The duties of semester `sem`: review meetings, monthly reports, sweeps, school trainings.
fn semester_duties(
    policy: &Policy,
    today: NaiveDate,
    sem: &Semester,
    net: &Network,
    duties: &mut Vec<Duty>,
) {
    let cad = &policy.cadence;
    let colleges: BTreeSet<&str> = net
        .people
        .iter()
        .filter(|p| p.role == NetworkRole::Counselor && !p.college.is_empty())
        .map(|p| p.college.as_str())
        .collect();
    let n = cad.college_review_meetings_per_semester;
    if n > 0 {
        for &college in &colleges {
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
    // The sweeps 学期始、学期末摸排 (001): each college, in the first and the last days of the
    // semester.
    let w = cad.sweep_window_days.max(1);
    if cad.semester_sweeps {
        for &college in &colleges {
            for (rule, label, since, due) in [
                (
                    SWEEP_START,
                    "院系·学期始心理问题摸排",
                    sem.start,
                    plus(sem.start, w - 1).min(sem.end),
                ),
                (
                    SWEEP_END,
                    "院系·学期末心理问题摸排",
                    minus(sem.end, w - 1).max(sem.start),
                    sem.end,
                ),
            ] {
                duties.push(Duty {
                    rule,
                    kind: ObligationKind::Sweep,
                    label: label.to_string(),
                    college: college.to_string(),
                    subject: college.to_string(),
                    since,
                    until: due,
                    due,
                });
            }
        }
    }
    // The school's trainings of the network (000), spread over the semester like the meetings.
    let n = cad.school_trainings_per_semester;
    for (k, due) in split_ends(sem.start, sem.end, n).into_iter().enumerate() {
        duties.push(Duty {
            rule: SCHOOL_TRAINING,
            kind: ObligationKind::Training,
            label: format!("学校·每学期举办心理危机干预培训{n}场（第{}场）", k + 1),
            college: String::new(),
            subject: format!("第{}场", k + 1),
            since: sem.start,
            until: sem.end,
            due,
        });
    }
}

/// The warning that the calendar runs out (never silently: obligations and reports stop at its
/// last day): from [`CALENDAR_WARNING_DAYS`] before the last semester ends, due on that day,
/// overdue after it, and gone once the school adds semesters.
fn calendar_end(policy: &Policy, today: NaiveDate, duties: &mut Vec<Duty>) {
    let Some(end) = policy.calendar.semesters.iter().map(|s| s.end).max() else {
        return;
    };
    if today < minus(end, CALENDAR_WARNING_DAYS) {
        return;
    }
    duties.push(Duty {
        rule: CALENDAR_END,
        kind: ObligationKind::Calendar,
        label: format!("校历·将于{end}结束，请在设置中添加下一学年"),
        college: String::new(),
        subject: end.to_string(),
        since: minus(end, CALENDAR_WARNING_DAYS),
        until: end,
        due: end,
    });
}

/// Matches college and school duties to what fulfils them and builds their obligations.
fn resolve(
    policy: &Policy,
    today: NaiveDate,
    duties: Vec<Duty>,
    net: &Network,
    log: &NetworkLog,
    reports: &ReportLog,
) -> Vec<Obligation> {
    let counselor_college = |id: &str| {
        net.people
            .iter()
            .find(|p| p.id == id && p.role == NetworkRole::Counselor)
            .map(|p| p.college.as_str())
    };
    let mut activities: Vec<_> = log.activities.iter().filter(|a| a.date <= today).collect();
    activities.sort_by_key(|a| a.date);
    let mut submissions: Vec<_> = reports
        .submissions
        .iter()
        .filter(|r| r.kind == ReportKind::Monthly && r.submitted <= today)
        .collect();
    submissions.sort_by_key(|r| r.submitted);

    let mut used: HashSet<(&str, &str)> = HashSet::new();
    let mut out = Vec::with_capacity(duties.len());
    for d in duties {
        // The activity kind that fulfils the duty, and whether it must be a counselor's of the
        // duty's college.
        let wanted = match d.rule {
            REVIEW_MEETING => Some((ActivityKind::CollegeReviewMeeting, true)),
            SWEEP_START | SWEEP_END => Some((ActivityKind::Sweep, true)),
            SCHOOL_TRAINING => Some((ActivityKind::Training, false)),
            _ => None,
        };
        let hit: Option<(&str, NaiveDate)> = match (d.rule, wanted) {
            (_, Some((kind, own_college))) => activities
                .iter()
                .find(|a| {
                    a.kind == kind
                        && a.date >= d.since
                        && a.date <= d.until
                        && (!own_college
                            || counselor_college(&a.person) == Some(d.college.as_str()))
                        && !used.contains(&(d.rule, a.id.as_str()))
                })
                .map(|a| (a.id.as_str(), a.date)),
            // The report of the month (a merged first part counts with the month it joins).
            (MONTHLY_REPORT, None) => submissions
                .iter()
                .find(|r| r.period_start >= d.since && r.period_start <= d.until)
                .map(|r| (r.id.as_str(), r.submitted)),
            // The calendar's warning ends when the calendar is extended, not by a record.
            _ => None,
        };
        if let Some((id, _)) = hit {
            used.insert((d.rule, id));
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
            source: policy.source_of_rule(d.rule).into(),
            since: d.since,
            due: d.due,
            status,
            fulfilled_by: fulfilled_by.map(Text::from),
            fulfilled_on,
            waived_reason: waived_reason.map(Text::from),
            due_at: None,
            fulfil: None,
        });
    }
    out
}
