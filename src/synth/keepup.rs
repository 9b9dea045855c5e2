//! A college whose counselors mostly keep up. The stories (story.rs) give each student the events
//! of their years at school; here the default policy's obligations are computed on them, and what
//! has fallen overdue is done, as a counselor who keeps up does it: the talk of that category, the
//! parent contact, the plan review, the semester screening, the return-to-school steps, each a few
//! days before its due date. A small, deterministic share is left undone, weighted towards what
//! really slips (a parent contact, a late plan review), so a demo dashboard shows a handful of
//! overdue items per counselor instead of thousands.

use chrono::NaiveDate;

use super::rng::{mix64, Rng};
use super::texts::{self, ContactKind, Ctx};
use crate::model::*;
use crate::rules::calendar::minus;
use crate::rules::engine::{
    self, Facts, ObligationKind, ObligationStatus, RecordInput, Scratch, Selection, StudentInput,
};
use crate::rules::policy::Policy;
use crate::rules::{Obligation, ObligationFilter};

/// Who writes the records that catch up.
pub(crate) struct Writer<'a> {
    pub counselor: &'a str,
    /// A counseling-center member, for screenings.
    pub center: &'a str,
    pub ctx: Ctx<'a>,
}

/// Per 10,000: how often an overdue obligation of this rule is left undone.
fn slip_rate(rule: &str) -> u64 {
    match rule {
        "parents.all" | "parents.key-concern" => 60,
        "plan.review" => 400,
        "diagnosed.parents" => 60,
        "screening.follow-up" | "crisis.follow-up" => 150,
        "return.certificate" | "return.assessment" | "return.approval" => 150,
        "weekly-review" | "diagnosed.student" => 8,
        "screening.semester" => 3,
        _ => 40,
    }
}

/// Whether the student's obligation `o` is one the demo leaves overdue: fixed by the student, the
/// rule and the due date, so every pass agrees.
fn slips(key: u64, o: &Obligation) -> bool {
    let mut h = key;
    for b in o.rule.bytes() {
        h = mix64(h ^ u64::from(b));
    }
    h = mix64(
        h ^ o
            .due
            .to_string()
            .bytes()
            .fold(0, |a, b| a * 31 + u64::from(b)),
    );
    h % 10_000 < slip_rate(&o.rule)
}

/// The record that fulfils `o`, dated in its window.
fn fulfilment(rng: &mut Rng, o: &Obligation, w: &Writer<'_>, guardians: &[Guardian]) -> NewRecord {
    // A few days before the due date, never before the window opens.
    let span = (o.due - o.since).num_days().clamp(0, 5);
    let back = i64::from(rng.range(0, i32::try_from(span).unwrap_or(0)));
    let date = minus(o.due, u32::try_from(back).unwrap_or(0)).max(o.since);
    let ctx = &w.ctx;
    let (author, body) = match o.kind {
        ObligationKind::ParentContact => {
            let kind = if o.rule.starts_with("diagnosed") {
                ContactKind::Diagnosed
            } else if o.rule.contains("key-concern") {
                ContactKind::Concern
            } else {
                ContactKind::Routine
            };
            let contact = guardians.first().map_or("家长".to_string(), |g| {
                format!("{} {}", g.relation, g.name)
            });
            let body = RecordBody::ParentContact(ParentContact {
                contact,
                method: ContactMethod::Phone,
                text: texts::contact(kind, ctx, rng),
            });
            (w.counselor, body)
        }
        ObligationKind::WeeklyReview | ObligationKind::PlanReview => {
            let reason = if o.kind == ObligationKind::PlanReview {
                "按期复核一人一策：措施落实，继续执行。"
            } else {
                "周研判：情况平稳，维持关注等级，继续跟踪。"
            };
            let body = RecordBody::Review(Review {
                decision: ReviewDecision::Keep,
                level: None,
                reason: reason.to_string(),
                meeting: None,
            });
            (w.counselor, body)
        }
        ObligationKind::Screening => {
            let body = RecordBody::Screening(Screening {
                instrument: "UPI".to_string(),
                score: rng.range(2, 18).to_string(),
                result: ScreeningResult::Normal,
                flagged: false,
                notes: texts::screening_notes(ScreeningResult::Normal, ctx, rng),
            });
            (w.center, body)
        }
        ObligationKind::ReturnStep => {
            let (assessment, notes) = texts::return_texts(rng);
            let body = RecordBody::LeaveReview(LeaveReview {
                kind: LeaveKind::Return,
                certificate: true,
                assessment,
                approved: true,
                notes,
            });
            (w.counselor, body)
        }
        _ => {
            let category = TalkCategory::ALL
                .into_iter()
                .find(|c| o.rule.strip_prefix("must-talk.") == Some(c.as_str()))
                .unwrap_or(TalkCategory::Other);
            let text = match category {
                TalkCategory::Freshman => texts::freshman(ctx, rng),
                TalkCategory::Academic => texts::academic(ctx, rng),
                TalkCategory::Relationship => texts::relationship(ctx, rng),
                TalkCategory::Hardship => texts::hardship(ctx, rng),
                TalkCategory::RewardDiscipline => texts::reward_discipline(ctx, rng),
                TalkCategory::Requested => texts::requested(ctx, rng),
                _ if &*o.rule == "screening.follow-up" => texts::screening_follow_up(ctx, rng),
                _ => texts::other(ctx, rng),
            };
            let body = RecordBody::Talk(Talk {
                category,
                place: "辅导员办公室".to_string(),
                text,
                follow_up: None,
            });
            (w.counselor, body)
        }
    };
    NewRecord {
        date,
        author: author.to_string(),
        amends: None,
        amend_reason: String::new(),
        body,
    }
}

/// The student's overdue obligations under `policy` on `today`.
fn overdue(
    policy: &Policy,
    today: NaiveDate,
    profile: &StudentProfile,
    records: &[NewRecord],
) -> Vec<Obligation> {
    let facts: Vec<Option<Facts>> = records.iter().map(|r| Facts::of(&r.body)).collect();
    let mut input = StudentInput {
        profile,
        records: Vec::with_capacity(records.len()),
    };
    for (i, (r, f)) in records.iter().zip(&facts).enumerate() {
        let (mut concern, mut concern_until, mut crisis, mut category) = (None, None, None, None);
        match &r.body {
            RecordBody::Talk(t) => category = Some(t.category),
            RecordBody::KeyConcern(k) => (concern, concern_until) = (Some(k.level), k.until),
            RecordBody::Crisis(c) => crisis = Some(c.level),
            RecordBody::Review(v) => (concern, concern_until) = v.concern_change(r.date),
            _ => {}
        }
        input.records.push(RecordInput {
            id: i64::try_from(i).unwrap_or(i64::MAX) + 1,
            date: r.date,
            kind: r.body.kind_name(),
            category,
            concern,
            concern_until,
            crisis,
            facts: f.as_ref(),
        });
    }
    let select = Selection::new(&ObligationFilter {
        open_only: true,
        due_before: Some(today),
        ..ObligationFilter::default()
    });
    let mut out = Vec::new();
    engine::compute_student(
        policy,
        today,
        &input,
        &select,
        &mut Scratch::default(),
        &mut out,
    );
    out.retain(|o| o.status == ObligationStatus::Overdue);
    out
}

/// Does what the student's counselor would have done by `today`, leaving the few slips.
pub(crate) fn catch_up(
    rng: &mut Rng,
    key: u64,
    policy: &Policy,
    today: NaiveDate,
    profile: &StudentProfile,
    records: &mut Vec<NewRecord>,
    w: &Writer<'_>,
) {
    // A record added may take the place of one that served another obligation; a few passes
    // settle it.
    for _ in 0..4 {
        let todo: Vec<Obligation> = overdue(policy, today, profile, records)
            .into_iter()
            .filter(|o| !slips(key, o))
            .collect();
        if todo.is_empty() {
            return;
        }
        for o in &todo {
            records.push(fulfilment(rng, o, w, &profile.guardians));
        }
        records.sort_by_key(|r| r.date);
    }
}
