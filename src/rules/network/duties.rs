//! The duties of the network's people as dated obligations, matched to the activity log.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};

use super::*;
use crate::model::{StudentProfile, StudentStatus};
use crate::rules::calendar::{minus, monday, periods, plus, split_ends};
use crate::rules::engine::{Obligation, ObligationKind, ObligationStatus, Text};
use crate::rules::policy::Policy;

/// One duty of a network person before matching.
struct Duty<'a> {
    rule: &'static str,
    kind: ObligationKind,
    label: String,
    person: &'a NetworkPerson,
    subject: String,
    since: NaiveDate,
    until: NaiveDate,
    due: NaiveDate,
}

/// The network people's duties on `today`: the counselor's dorm visits (so many a week, every dorm
/// each month), backbone meetings and network trainings; the backbone's dorm-head meetings and
/// monthly visits of their linked dorms; training hours per semester of backbones and dorm heads.
pub fn obligations(
    policy: &Policy,
    today: NaiveDate,
    net: &Network,
    log: &NetworkLog,
    students: &[&StudentProfile],
) -> Vec<Obligation> {
    let Some(sem) = policy.semester_at(today) else {
        return Vec::new();
    };
    let cad = &policy.cadence;
    let through = today.min(sem.end);
    let done: Vec<&NetworkActivity> = {
        let mut v: Vec<_> = log
            .activities
            .iter()
            .filter(|a| a.date >= sem.start && a.date <= through)
            .collect();
        v.sort_by_key(|a| a.date);
        v
    };
    let mut out = Vec::new();
    let mut duties: Vec<Duty<'_>> = Vec::new();
    for c in net
        .people
        .iter()
        .filter(|p| p.role == NetworkRole::Counselor)
    {
        // Dorm and classroom visits: so many each week the term is on (weeks mostly on holiday
        // are skipped).
        let weekly = [
            (
                "dorm-visits.weekly",
                cad.dorm_visits_per_week,
                ObligationKind::DormVisit,
                "辅导员·每周走访宿舍",
            ),
            (
                "classroom-visits.weekly",
                cad.classroom_visits_per_week,
                ObligationKind::ClassroomVisit,
                "辅导员·每周深入课堂",
            ),
        ];
        let mut week = monday(sem.start);
        while week <= through {
            let weekdays_off = (0..5).filter(|d| policy.is_holiday(plus(week, *d))).count();
            let sunday = plus(week, 6);
            for (rule, n, kind, label) in weekly {
                if weekdays_off >= 3 {
                    break;
                }
                for k in 0..n {
                    duties.push(Duty {
                        rule,
                        kind,
                        label: format!("{label}{n}次（第{}次）", k + 1),
                        person: c,
                        // Tells the visits of one week apart.
                        subject: format!("第{}次", k + 1),
                        since: week,
                        until: sunday,
                        due: sunday,
                    });
                }
            }
            week = plus(week, 7);
        }
        // Every dorm of the counselor's students each month.
        if cad.every_dorm_monthly {
            let dorms: BTreeSet<&str> = students
                .iter()
                .filter(|s| s.status == StudentStatus::Enrolled && s.off_campus.is_none())
                .filter(|s| s.college == c.college && s.level == c.level)
                .filter(|s| c.classes.is_empty() || c.classes.contains(&s.class_name))
                .map(|s| s.dorm.as_str())
                .filter(|d| !d.is_empty())
                .collect();
            for (first, last) in months(sem.start, sem.end, through) {
                for d in &dorms {
                    duties.push(Duty {
                        rule: "dorm-visits.monthly",
                        kind: ObligationKind::DormVisit,
                        label: "辅导员·每月遍访所负责宿舍".into(),
                        person: c,
                        subject: d.to_string(),
                        since: first,
                        until: last,
                        due: last,
                    });
                }
            }
        }
        // Backbone meetings.
        for (start, end) in periods(sem.start, cad.backbone_meeting_days, through) {
            duties.push(Duty {
                rule: "backbone-meeting",
                kind: ObligationKind::BackboneMeeting,
                label: format!("辅导员·每{}天召开朋辈骨干例会", cad.backbone_meeting_days),
                person: c,
                subject: String::new(),
                since: start,
                until: end.min(sem.end),
                due: end.min(sem.end),
            });
        }
    }
    for c in net
        .people
        .iter()
        .filter(|p| p.role == NetworkRole::Counselor)
    {
        // Trainings of the network the counselor organises (000: at least two a semester).
        let n = cad.network_trainings_per_semester;
        for (k, due) in split_ends(sem.start, sem.end, n).into_iter().enumerate() {
            duties.push(Duty {
                rule: "network-training",
                kind: ObligationKind::Training,
                label: format!("辅导员·每学期组织网格员培训{n}次（第{}次）", k + 1),
                person: c,
                subject: format!("第{}次", k + 1),
                since: sem.start,
                until: sem.end,
                due,
            });
        }
    }
    for b in net
        .people
        .iter()
        .filter(|p| p.role == NetworkRole::Backbone)
    {
        // A backbone meets their dorm heads every two weeks (003).
        if cad.dorm_head_meeting_days > 0 {
            for (start, end) in periods(sem.start, cad.dorm_head_meeting_days, through) {
                duties.push(Duty {
                    rule: "dorm-head-meeting",
                    kind: ObligationKind::DormHeadMeeting,
                    label: format!("心理委员·每{}天召开寝室长会议", cad.dorm_head_meeting_days),
                    person: b,
                    subject: String::new(),
                    since: start,
                    until: end.min(sem.end),
                    due: end.min(sem.end),
                });
            }
        }
        // And visits each linked dorm (of their dorm heads) every month (003).
        if cad.backbone_dorm_visits_monthly {
            let dorms: BTreeSet<&str> = net
                .people
                .iter()
                .filter(|h| h.role == NetworkRole::DormHead && h.reports_to == b.id)
                .flat_map(|h| h.dorms.iter())
                .chain(b.dorms.iter())
                .map(String::as_str)
                .collect();
            for (first, last) in months(sem.start, sem.end, through) {
                for d in &dorms {
                    duties.push(Duty {
                        rule: "backbone.dorm-visits.monthly",
                        kind: ObligationKind::DormVisit,
                        label: "心理委员·每月走访所联系寝室".into(),
                        person: b,
                        subject: d.to_string(),
                        since: first,
                        until: last,
                        due: last,
                    });
                }
            }
        }
    }
    out.extend(match_duties(policy, today, duties, &done, log));

    // Training hours per semester.
    for p in &net.people {
        let (rule, need) = match p.role {
            NetworkRole::Backbone => ("training.backbone", cad.backbone_training_hours),
            NetworkRole::DormHead => ("training.dorm-head", cad.dorm_head_training_hours),
            NetworkRole::Counselor | NetworkRole::HeadTeacher => continue,
        };
        if need == 0 {
            continue;
        }
        let mut sum = 0.0;
        let mut reached = None;
        for a in done.iter().filter(|a| a.kind == ActivityKind::Training) {
            if a.attendees.contains(&p.id) {
                sum += a.hours;
                if sum + 1e-9 >= f64::from(need) {
                    reached = Some(*a);
                    break;
                }
            }
        }
        let label = format!("{}·每学期培训不少于{}学时", p.role.zh(), need);
        out.push(status_of(
            policy,
            today,
            Duty {
                rule,
                kind: ObligationKind::Training,
                label,
                person: p,
                subject: String::new(),
                since: sem.start,
                until: sem.end,
                due: sem.end,
            },
            reached,
            log,
        ));
    }
    out
}

/// A fingerprint of what [`obligations`] reads of the students: each one's status, whether off
/// campus, college, level, class and dorm. Equal fingerprints give equal duties (with the same
/// policy, network, log and day), which lets the session keep the duties between calls. The
/// students' order does not matter.
pub fn places_fingerprint(students: &[&StudentProfile]) -> u64 {
    let mut sum = students.len() as u64;
    for s in students {
        // FNV-1a, each field closed by a byte no UTF-8 text holds: SipHash took a tenth of a
        // dashboard at 30,000 students, and nothing here needs a keyed hash.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for b in bytes.iter().chain([&0xff]) {
                h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
        };
        eat(&[s.status as u8, s.off_campus.is_some() as u8, s.level as u8]);
        eat(s.college.as_bytes());
        eat(s.class_name.as_bytes());
        eat(s.dorm.as_bytes());
        sum = sum.wrapping_add(h);
    }
    sum
}

/// The calendar months of a semester that have begun by `through`, clipped to the semester; a
/// first part shorter than 15 days (a term starting on the 31st) joins the next month.
pub(crate) fn months(
    start: NaiveDate,
    end: NaiveDate,
    through: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let mut month = start.with_day(1).unwrap_or(start);
    while month <= end {
        let next = plus(month, 31).with_day(1).unwrap_or(end);
        out.push((month.max(start), minus(next, 1).min(end)));
        month = next;
    }
    if out.len() > 1 && (out[0].1 - out[0].0).num_days() < 14 {
        out[1].0 = out[0].0;
        out.remove(0);
    }
    out.retain(|(first, _)| *first <= through);
    out
}

/// Matches duties to activities rule by rule, each activity fulfilling at most one duty of a rule.
fn match_duties(
    policy: &Policy,
    today: NaiveDate,
    mut duties: Vec<Duty<'_>>,
    done: &[&NetworkActivity],
    log: &NetworkLog,
) -> Vec<Obligation> {
    duties.retain(|d| d.since <= today);
    duties.sort_by(|a, b| {
        (a.rule, &a.person.id, &a.subject, a.due).cmp(&(b.rule, &b.person.id, &b.subject, b.due))
    });
    // Each person's activities, in date order: scanning the whole log for every duty was
    // quadratic (a minute at 100,000 students, whose demo logs tens of thousands of visits).
    let mut by_person: HashMap<&str, Vec<&NetworkActivity>> = HashMap::new();
    debug_assert!(done.windows(2).all(|w| w[0].date <= w[1].date));
    for a in done.iter().copied() {
        by_person.entry(a.person.as_str()).or_default().push(a);
    }
    let mut used: HashSet<(&str, &str)> = HashSet::new();
    let mut out = Vec::with_capacity(duties.len());
    for d in duties {
        // `done` is in date order, so each person's list is: only the duty's dates are read (a
        // counselor of a large college logs hundreds of visits, and owes hundreds of duties).
        let acts = by_person
            .get(d.person.id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let from = acts.partition_point(|a| a.date < d.since);
        let hit = acts[from..]
            .iter()
            .copied()
            .take_while(|a| a.date <= d.until)
            .filter(|a| match d.rule {
                "dorm-visits.weekly" => a.kind == ActivityKind::DormVisit,
                "classroom-visits.weekly" => a.kind == ActivityKind::ClassroomVisit,
                "dorm-visits.monthly" | "backbone.dorm-visits.monthly" => {
                    a.kind == ActivityKind::DormVisit && a.dorm == d.subject
                }
                "dorm-head-meeting" => a.kind == ActivityKind::DormHeadMeeting,
                "network-training" => a.kind == ActivityKind::Training,
                _ => a.kind == ActivityKind::BackboneMeeting,
            })
            .find(|a| !used.contains(&(d.rule, a.id.as_str())));
        if let Some(a) = hit {
            used.insert((d.rule, a.id.as_str()));
        }
        out.push(status_of(policy, today, d, hit, log));
    }
    out
}

fn status_of(
    policy: &Policy,
    today: NaiveDate,
    d: Duty<'_>,
    hit: Option<&NetworkActivity>,
    log: &NetworkLog,
) -> Obligation {
    let waiver = log.waivers.iter().find(|w| {
        w.rule == d.rule && w.person == d.person.id && w.subject == d.subject && w.due == d.due
    });
    let (status, fulfilled_by, fulfilled_on, waived_reason) = match (hit, waiver) {
        (Some(a), _) => (
            ObligationStatus::Done,
            Some(a.id.clone()),
            Some(a.date),
            None,
        ),
        (None, Some(w)) => (ObligationStatus::Waived, None, None, Some(w.reason.clone())),
        (None, None) if d.due < today => (ObligationStatus::Overdue, None, None, None),
        (None, None) => (ObligationStatus::Due, None, None, None),
    };
    Obligation {
        student_no: "".into(),
        student_name: "".into(),
        college: d.person.college.as_str().into(),
        class_name: "".into(),
        person: d.person.id.as_str().into(),
        person_name: d.person.name.as_str().into(),
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
    }
}
