//! A hospital-diagnosed student 经医院确诊的学生 (000 四（一）3): the student and the parents are
//! contacted every `diagnosed_contact_days`, and each revisit date set gets a reminder. The duty
//! goes on over breaks (a break changes the channel, not the duty) and while the student is on
//! leave; it ends with a recorded recovery 康复 (a treatment record), or when the student leaves
//! school (the engine owes nothing then), or per period with a waiver and its reason.

use chrono::NaiveDate;

use super::need::{any_talk, facts, parent_contact, Accept, Label, Need};
use super::{ObligationKind, StudentInput};
use crate::rules::calendar::{minus, periods};
use crate::rules::policy::Policy;

/// The diagnosed student's needs on `today` (enrolled or on leave).
pub(super) fn needs(
    policy: &Policy,
    today: NaiveDate,
    s: &StudentInput<'_>,
    needs: &mut Vec<Need>,
) {
    let cad = &policy.cadence;
    // The latest diagnosis, and a recovery recorded on or after it.
    let Some(diag) = s.records.iter().rev().find(|r| facts(r).diagnosed) else {
        return;
    };
    let recovered = s
        .records
        .iter()
        .find(|r| facts(r).recovered && r.date >= diag.date)
        .map(|r| r.date);
    let through = recovered.map_or(today, |d| d.min(today));

    // The contacts, from the start of the semester in force (its break included), so a list
    // stays the size of a semester; periods run on through the break and leave.
    if cad.diagnosed_contact_days > 0 {
        let from = match policy.semester_at(today) {
            Some(sem) => diag.date.max(sem.start),
            None => diag.date,
        };
        for (start, end) in periods(from, cad.diagnosed_contact_days, through) {
            for (rule, kind, label, accept) in [
                (
                    "diagnosed.student",
                    ObligationKind::Talk,
                    "确诊学生·每半月联系学生",
                    any_talk as Accept,
                ),
                (
                    "diagnosed.parents",
                    ObligationKind::ParentContact,
                    "确诊学生·每半月联系家长",
                    parent_contact as Accept,
                ),
            ] {
                needs.push(Need {
                    rule,
                    kind,
                    label: Label::Fixed(label),
                    since: start,
                    until: Some(end),
                    due: end,
                    accept,
                    not_id: None,
                });
            }
        }
    }

    // Each revisit date set since the diagnosis (not after a recovery): a reminder from
    // `revisit_reminder_days` before it, due on it, done by a treatment record of a revisit.
    if cad.revisit_reminder_days > 0 {
        for d in s
            .records
            .iter()
            .filter(|r| r.date >= diag.date)
            .filter_map(|r| facts(r).next_revisit)
            .filter(|d| recovered.is_none_or(|end| *d <= end))
        {
            needs.push(Need {
                rule: "diagnosed.revisit",
                kind: ObligationKind::Revisit,
                label: Label::Fixed("确诊学生·复诊提醒（按时服药、定期复诊）"),
                since: minus(d, cad.revisit_reminder_days),
                until: None,
                due: d,
                accept: |r| r.kind == "treatment" && facts(r).revisited,
                not_id: None,
            });
        }
    }
}
