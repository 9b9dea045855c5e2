//! The demo network's work, done as a college that mostly keeps up does it: the counselors' dorm
//! visits and backbone meetings, the backbones' dorm-head meetings and dorm visits, the trainings,
//! the college review meetings and the monthly reports of the semester so far, each a few days
//! before its due date. A small deterministic share slips, so the dashboard shows a few overdue
//! network duties, not every week of every counselor.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use super::rng::{mix64, Rng};
use crate::model::StudentProfile;
use crate::rules::calendar::minus;
use crate::rules::college::{self, ReportLog, ReportSubmission};
use crate::rules::network::{
    self, ActivityKind, Network, NetworkActivity, NetworkLog, NetworkRole,
};
use crate::rules::report::ReportKind;
use crate::rules::{Obligation, ObligationStatus, Policy};

const STREAM_NETWORK: u64 = 6;

/// Per 10,000: how often an overdue duty of this rule is left undone.
fn slip_rate(rule: &str) -> u64 {
    match rule {
        "dorm-visits.weekly" => 80,
        "dorm-visits.monthly" | "backbone.dorm-visits.monthly" => 40,
        "backbone-meeting" | "dorm-head-meeting" => 120,
        _ => 0,
    }
}

fn slips(seed: u64, o: &Obligation) -> bool {
    let mut h = mix64(seed ^ 0x6e65_7477_6f72_6b00);
    for part in [&*o.rule, &*o.person, &*o.subject, &o.due.to_string()] {
        for b in part.bytes() {
            h = mix64(h ^ u64::from(b));
        }
    }
    h % 10_000 < slip_rate(&o.rule)
}

/// A day in the duty's window, a few days before it is due.
fn day_for(rng: &mut Rng, o: &Obligation) -> NaiveDate {
    let span = (o.due - o.since).num_days().clamp(0, 4);
    let back = rng.range(0, i32::try_from(span).unwrap_or(0));
    minus(o.due, u32::try_from(back).unwrap_or(0)).max(o.since)
}

/// What the network and the college did by `today`, as activities and report submissions.
pub fn network_work(
    policy: &Policy,
    today: NaiveDate,
    net: &Network,
    students: &[&StudentProfile],
    seed: u64,
) -> (NetworkLog, ReportLog) {
    let mut log = NetworkLog::default();
    let mut reports = ReportLog::default();
    let mut rng = Rng::derive(seed, STREAM_NETWORK, 0);
    let reporting = |id: &str| -> Vec<String> {
        net.people
            .iter()
            .filter(|p| p.reports_to == id)
            .map(|p| p.id.clone())
            .collect()
    };
    // The dorms each counselor visits by the month rule, for the weekly visits' dorm.
    let mut dorms: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for o in network::obligations(policy, today, net, &log, students) {
        if &*o.rule == "dorm-visits.monthly" {
            dorms
                .entry(o.person.to_string())
                .or_default()
                .push(o.subject.to_string());
        }
    }
    let mut n = 0u64;
    let mut next_id = || {
        n += 1;
        (mix64(seed ^ mix64(n)) >> 1).to_string()
    };
    for _ in 0..4 {
        let mut todo: Vec<Obligation> = network::obligations(policy, today, net, &log, students);
        todo.extend(college::obligations(
            policy, today, net, &log, &reports, false,
        ));
        todo.retain(|o| o.status == ObligationStatus::Overdue && !slips(seed, o));
        if todo.is_empty() {
            break;
        }
        for o in &todo {
            let date = day_for(&mut rng, o);
            let person = o.person.to_string();
            let (kind, dorm, attendees, hours, person) = match &*o.rule {
                "dorm-visits.weekly" => {
                    let list = dorms.get(&person).map(Vec::as_slice).unwrap_or_default();
                    let dorm = if list.is_empty() {
                        String::new()
                    } else {
                        list[rng.below(list.len())].clone()
                    };
                    (ActivityKind::DormVisit, dorm, Vec::new(), 0.0, person)
                }
                "dorm-visits.monthly" | "backbone.dorm-visits.monthly" => (
                    ActivityKind::DormVisit,
                    o.subject.to_string(),
                    Vec::new(),
                    0.0,
                    person,
                ),
                "backbone-meeting" => {
                    let who = reporting(&person);
                    (
                        ActivityKind::BackboneMeeting,
                        String::new(),
                        who,
                        0.0,
                        person,
                    )
                }
                "dorm-head-meeting" => {
                    let who = reporting(&person);
                    (
                        ActivityKind::DormHeadMeeting,
                        String::new(),
                        who,
                        0.0,
                        person,
                    )
                }
                "network-training" | "training.backbone" | "training.dorm-head" => {
                    let hours = f64::from(
                        policy
                            .cadence
                            .backbone_training_hours
                            .max(policy.cadence.dorm_head_training_hours)
                            .max(2),
                    );
                    // A counselor trains everyone under them; a member short of hours goes to
                    // a training of their own counselor.
                    let organiser = if &*o.rule == "network-training" {
                        person.clone()
                    } else {
                        counselor_of(net, &person)
                    };
                    let mut who = reporting(&organiser);
                    let heads: Vec<String> = who.iter().flat_map(|b| reporting(b)).collect();
                    who.extend(heads);
                    if !who.contains(&person) && &*o.rule != "network-training" {
                        who.push(person.clone());
                    }
                    (ActivityKind::Training, String::new(), who, hours, organiser)
                }
                college::REVIEW_MEETING => {
                    let Some(c) = net.people.iter().find(|p| {
                        p.role == NetworkRole::Counselor && p.college.as_str() == &*o.college
                    }) else {
                        continue;
                    };
                    (
                        ActivityKind::CollegeReviewMeeting,
                        String::new(),
                        Vec::new(),
                        0.0,
                        c.id.clone(),
                    )
                }
                college::MONTHLY_REPORT => {
                    let first = o.due.with_day(1).unwrap_or(o.due);
                    reports.submissions.push(ReportSubmission {
                        id: next_id(),
                        kind: ReportKind::Monthly,
                        period_start: o.since,
                        period_end: minus(first, 1),
                        submitted: date.max(first),
                    });
                    continue;
                }
                _ => continue,
            };
            log.activities.push(NetworkActivity {
                id: next_id(),
                kind,
                date,
                person,
                dorm,
                attendees,
                hours,
                note: String::new(),
            });
        }
    }
    (log, reports)
}

/// The counselor above a backbone or dorm head (empty when the chain is broken).
fn counselor_of(net: &Network, id: &str) -> String {
    let mut at = id.to_string();
    for _ in 0..3 {
        let Some(p) = net.people.iter().find(|p| p.id == at) else {
            break;
        };
        if p.role == NetworkRole::Counselor {
            return at;
        }
        at.clone_from(&p.reports_to);
    }
    String::new()
}
