//! What fulfils a student's obligation, said once for the app: the record to write (and its talk
//! category, or the step of a return to school) or the page to act on. The window offers 记录 from
//! this hint and never guesses from a rule id; the engine's own matching (`need.rs`) stays the
//! judge of whether a record counts.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use crate::model::TalkCategory;

/// The action that fulfils an obligation.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfilAction {
    /// A talk 谈心谈话 (of [`Fulfil::category`]).
    Talk,
    /// A contact with the parents 家校联系.
    ParentContact,
    /// An individual plan 一人一策, restated or reviewed.
    Plan,
    /// A screening result 心理普查.
    Screening,
    /// The return record 复学 with the hospital's certificate.
    ReturnCertificate,
    /// The return record with the psychological assessment.
    ReturnAssessment,
    /// The return record with the approval.
    ReturnApproval,
    /// The weekly review 周研判, decided on its own page.
    WeeklyReview,
    /// An observer's report waiting in the triage inbox 收件箱.
    Triage,
    /// The file handed over 移交 on the sync page (a handover bundle exported).
    Handover,
    /// A step of the open crisis case, recorded with 完成 in the case at the top of the file.
    CrisisStep,
    /// A treatment record 用药与复诊 noting the revisit.
    Treatment,
}

/// How to fulfil one obligation of a student.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fulfil {
    /// What to do.
    pub action: FulfilAction,
    /// The talk's category (talks only; `other` when any talk counts).
    pub category: Option<TalkCategory>,
    /// The last day a record still counts (a semester's or a week's window), if the rule has one:
    /// a late record must be dated on or before it.
    #[typeshare(serialized_as = "Option<String>")]
    pub until: Option<NaiveDate>,
}

/// The hint of a student's rule, `None` for a rule no record fulfils.
pub fn of(rule: &str, until: Option<NaiveDate>) -> Option<Fulfil> {
    let hint = |action, category| {
        Some(Fulfil {
            action,
            category,
            until,
        })
    };
    if let Some(c) = rule.strip_prefix("must-talk.") {
        return hint(FulfilAction::Talk, Some(TalkCategory::parse(c)?));
    }
    match rule {
        "screening.follow-up" | "crisis.follow-up" | "diagnosed.student" | "off-campus.student" => {
            hint(FulfilAction::Talk, Some(TalkCategory::Other))
        }
        "diagnosed.parents" | "parents.all" | "parents.key-concern" | "off-campus.parents" => {
            hint(FulfilAction::ParentContact, None)
        }
        "plan.review" => hint(FulfilAction::Plan, None),
        "screening.semester" | "screening.freshman" => hint(FulfilAction::Screening, None),
        "return.certificate" => hint(FulfilAction::ReturnCertificate, None),
        "return.assessment" => hint(FulfilAction::ReturnAssessment, None),
        "return.approval" => hint(FulfilAction::ReturnApproval, None),
        "weekly-review" => hint(FulfilAction::WeeklyReview, None),
        HANDOVER => hint(FulfilAction::Handover, None),
        "diagnosed.revisit" => hint(FulfilAction::Treatment, None),
        _ if rule.starts_with("crisis.step.")
            || rule.starts_with("crisis.after.")
            || rule == "crisis.assessment" =>
        {
            hint(FulfilAction::CrisisStep, None)
        }
        TRIAGE => hint(FulfilAction::Triage, None),
        _ => None,
    }
}

/// Rule id of an observer's report waiting for triage (src/session/inbox.rs).
pub const TRIAGE: &str = "inbox.triage";

/// Rule id of the handover of a departed student's file (src/session/departures.rs).
pub const HANDOVER: &str = "archive.handover";

#[cfg(test)]
mod tests {
    use super::super::{compute, Facts, ObligationStatus, RecordInput, StudentInput};
    use super::*;
    use crate::model::{LeaveKind, StudentProfile};

    #[test]
    fn every_must_talk_names_its_category() {
        for c in TalkCategory::ALL {
            let f = of(&format!("must-talk.{}", c.as_str()), None).unwrap();
            assert_eq!((f.action, f.category), (FulfilAction::Talk, Some(c)));
        }
        assert_eq!(of("must-talk.nonsense", None), None);
        assert_eq!(of("dorm-visits.monthly", None), None);
    }

    /// The record kind and facts a hint asks for.
    fn record_of(f: Fulfil) -> (&'static str, Facts) {
        let back = |certificate, assessed, approved| Facts {
            leave: Some(LeaveKind::Return),
            certificate,
            assessed,
            approved,
            ..Facts::default()
        };
        match f.action {
            FulfilAction::Talk => ("talk", Facts::default()),
            FulfilAction::ParentContact => ("parent_contact", Facts::default()),
            FulfilAction::Plan => ("plan", Facts::default()),
            FulfilAction::Screening => ("screening", Facts::default()),
            FulfilAction::WeeklyReview => ("review", Facts::default()),
            FulfilAction::ReturnCertificate => ("leave_review", back(true, false, false)),
            FulfilAction::ReturnAssessment => ("leave_review", back(false, true, false)),
            FulfilAction::ReturnApproval => ("leave_review", back(false, false, true)),
            FulfilAction::Triage => ("observation", Facts::default()),
            // A bundle, not a record (tests/cli/departures.rs); the engine never lists this rule.
            FulfilAction::Handover => ("handover", Facts::default()),
            FulfilAction::Treatment => (
                "treatment",
                Facts {
                    revisited: true,
                    ..Facts::default()
                },
            ),
            FulfilAction::CrisisStep => ("crisis_step", Facts::default()),
        }
    }

    /// Under every preset, each open obligation of a freshman back from leave is done once a
    /// record of the shape its hint names is added, dated as the hint allows.
    #[test]
    fn the_record_a_hint_names_fulfils_its_rule() {
        let mut tried = std::collections::HashSet::new();
        for (id, _) in crate::rules::PRESETS {
            hints_fulfil(&crate::rules::Policy::preset(id).unwrap(), &mut tried);
        }
        for action in [
            FulfilAction::Talk,
            FulfilAction::ParentContact,
            FulfilAction::Screening,
            FulfilAction::ReturnCertificate,
            FulfilAction::ReturnAssessment,
            FulfilAction::ReturnApproval,
        ] {
            assert!(tried.contains(&action), "{action:?} never tried");
        }
    }

    fn hints_fulfil(
        policy: &crate::rules::Policy,
        tried: &mut std::collections::HashSet<FulfilAction>,
    ) {
        let today = NaiveDate::from_ymd_opt(2026, 10, 20).unwrap();
        let profile = StudentProfile {
            student_no: "2026010101".into(),
            grade: "2026".into(),
            ..StudentProfile::default()
        };
        let leave: &'static Facts = Box::leak(Box::new(Facts {
            leave: Some(LeaveKind::Return),
            ..Facts::default()
        }));
        let back = RecordInput {
            id: 1,
            date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap(),
            kind: "leave_review",
            category: None,
            concern: None,
            concern_until: None,
            crisis: None,
            facts: Some(leave),
        };
        let input = |extra: Option<RecordInput<'static>>| StudentInput {
            profile: &profile,
            records: [back].into_iter().chain(extra).collect(),
        };
        let open: Vec<_> = compute(policy, today, &[input(None)])
            .into_iter()
            .filter(|o| o.status != ObligationStatus::Done)
            .collect();
        for o in &open {
            let f = o.fulfil.expect("a student's obligation has its hint");
            tried.insert(f.action);
            let (kind, facts) = record_of(f);
            let facts: &'static Facts = Box::leak(Box::new(facts));
            let record = RecordInput {
                id: 7,
                date: f.until.map_or(today, |u| u.min(today)),
                kind,
                category: f.category,
                concern: None,
                concern_until: None,
                crisis: None,
                facts: Some(facts),
            };
            let after = compute(policy, today, &[input(Some(record))]);
            assert!(
                after.iter().any(|a| a.rule == o.rule
                    && a.due == o.due
                    && a.status == ObligationStatus::Done),
                "{} due {} not fulfilled by its hint",
                o.rule,
                o.due
            );
        }
    }
}
