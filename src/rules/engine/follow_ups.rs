//! Follow-ups a record starts: the interview after a flagged screening, the talks after a crisis,
//! a plan's review dates, the steps of the return to school.

use super::need::{any_talk, facts, plan_or_review, return_record, Accept, Label, Need};
use super::{ObligationKind, StudentInput};
use crate::model::LeaveKind;
use crate::rules::calendar::{minus, plus};
use crate::rules::policy::Cadence;

/// The follow-ups of one student's records.
pub(super) fn needs(cad: &Cadence, s: &StudentInput<'_>, needs: &mut Vec<Need>) {
    // Screening follow-up interviews for flagged results.
    for r in s
        .records
        .iter()
        .filter(|r| cad.screening_follow_up_days > 0 && facts(r).flagged)
    {
        needs.push(Need {
            rule: "screening.follow-up",
            kind: ObligationKind::Talk,
            label: Label::Fixed("筛查阳性·回访谈话"),
            since: r.date,
            until: None,
            due: plus(r.date, cad.screening_follow_up_days),
            accept: any_talk,
            not_id: None,
        });
    }

    // Post-crisis follow-ups, counted from the day after the assessment, until the case is
    // closed: a closed case owes nothing.
    let closed = |d| {
        s.records
            .iter()
            .any(|c| c.kind == "crisis_close" && c.date >= d)
    };
    for r in s
        .records
        .iter()
        .filter(|r| r.kind == "crisis" && !closed(r.date))
    {
        for (k, days) in cad.crisis_follow_up_days.iter().enumerate() {
            needs.push(Need {
                rule: "crisis.follow-up",
                kind: ObligationKind::Talk,
                label: Label::CrisisFollowUp(k + 1),
                since: plus(r.date, 1),
                until: None,
                due: plus(r.date, *days),
                accept: any_talk,
                not_id: None,
            });
        }
    }

    // The plan's own review dates (superseded plans are not in the input).
    for r in &s.records {
        for &d in &facts(r).review_dates {
            needs.push(Need {
                rule: "plan.review",
                kind: ObligationKind::PlanReview,
                label: Label::Fixed("一人一策·复核"),
                since: minus(d, cad.plan_review_early_days).max(plus(r.date, 0)),
                until: None,
                due: d,
                accept: plan_or_review,
                not_id: Some(r.id),
            });
        }
    }

    // Return to school: the first return record after each leave starts the three steps.
    let mut open_cycle = true;
    for r in &s.records {
        match facts(r).leave {
            Some(LeaveKind::Leave) => open_cycle = true,
            Some(LeaveKind::Return) if open_cycle && cad.return_review_days > 0 => {
                open_cycle = false;
                let due = plus(r.date, cad.return_review_days);
                let steps: [(&str, &str, Accept); 3] = [
                    ("return.certificate", "复学·医院诊断证明", |r| {
                        return_record(r) && facts(r).certificate
                    }),
                    ("return.assessment", "复学·心理评估", |r| {
                        return_record(r) && facts(r).assessed
                    }),
                    ("return.approval", "复学·审批", |r| {
                        return_record(r) && facts(r).approved
                    }),
                ];
                for (rule, label, accept) in steps {
                    needs.push(Need {
                        rule,
                        kind: ObligationKind::ReturnStep,
                        label: Label::Fixed(label),
                        since: r.date,
                        until: None,
                        due,
                        accept,
                        not_id: None,
                    });
                }
            }
            _ => {}
        }
    }
}
