//! The file of a student who left school goes to the center: 004 二（一）8 "待学生结束学校生活(如毕业、
//! 退学、转学等),则将其心理健康档案移送至心理中心留档". Under a policy with `[archive]`
//! `handover_days`, each student whose 学籍状态 is graduated, withdrawn or transferred owes the
//! handover, due that many days after the status changed; it is done once a handover bundle holds
//! the file (read-only here until the receipt retires it, and then the student is gone), or
//! waived with its reason.
//!
//! The day of the change is the latest profile amendment that changed the status. A status that
//! came in another way (a roster, a profile put by the command line) has no day of its own: the
//! end of the last semester ended by today stands in (students graduate, withdraw and transfer
//! at a semester's end far more often than during one).

use std::collections::HashSet;

use chrono::NaiveDate;

use super::Session;
use crate::error::Result;
use crate::model::StudentStatus;
use crate::rules::calendar::plus;
use crate::rules::engine::fulfil::{self, HANDOVER};
use crate::rules::{Obligation, ObligationKind, ObligationStatus, Policy};

impl Session {
    /// The handover duty of each student who left school, under a policy that asks for it.
    pub(super) fn handover_obligations(
        &self,
        policy: &Policy,
        today: NaiveDate,
    ) -> Result<Vec<Obligation>> {
        let Some(rules) = policy.archive.as_ref().filter(|a| a.handover_days > 0) else {
            return Ok(Vec::new());
        };
        let held: HashSet<i64> = self
            .db
            .prepare_cached("SELECT student_id FROM handovers")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let fallback = policy
            .calendar
            .semesters
            .iter()
            .map(|s| s.end)
            .filter(|end| *end <= today)
            .max();
        let mut out = Vec::new();
        for (sid, s) in self.students.iter() {
            let p = &s.profile;
            if !matches!(
                p.status,
                StudentStatus::Graduated | StudentStatus::Withdrawn | StudentStatus::Transferred
            ) {
                continue;
            }
            let superseded: HashSet<i64> = s.heads.iter().filter_map(|h| h.amends()).collect();
            let changed = s
                .heads
                .iter()
                .filter(|h| h.date <= today && !superseded.contains(&h.id))
                .filter(|h| h.facts.as_ref().is_some_and(|f| f.status_changed))
                .map(|h| h.date)
                .max();
            let Some(since) = changed.or(fallback) else {
                continue;
            };
            let due = plus(since, rules.handover_days);
            // A waiver of this rule and due day (e.g. the file left with the student by another
            // way), with its reason, as for every student duty.
            let waived = s
                .heads
                .iter()
                .filter(|h| !superseded.contains(&h.id))
                .filter_map(|h| h.facts.as_ref()?.waiver.as_ref())
                .find(|(rule, on, _)| rule == HANDOVER && *on == due)
                .map(|(_, _, reason)| reason.clone());
            let (status, fulfilled_by) = if held.contains(sid) {
                (ObligationStatus::Done, Some("handover".into()))
            } else if waived.is_some() {
                (ObligationStatus::Waived, None)
            } else if due < today {
                (ObligationStatus::Overdue, None)
            } else {
                (ObligationStatus::Due, None)
            };
            out.push(Obligation {
                student_no: p.student_no.as_str().into(),
                student_name: p.name.as_str().into(),
                college: p.college.as_str().into(),
                class_name: p.class_name.as_str().into(),
                person: "".into(),
                person_name: "".into(),
                subject: "".into(),
                kind: ObligationKind::Handover,
                rule: HANDOVER.into(),
                label: format!("离校学生档案移送{}留档", rules.handover_to).into(),
                source: policy.source_of_rule(HANDOVER).into(),
                since,
                due,
                due_at: None,
                status,
                fulfilled_by,
                fulfilled_on: None,
                waived_reason: waived.map(Into::into),
                fulfil: fulfil::of(HANDOVER, None),
            });
        }
        Ok(out)
    }
}
