//! Acting where the work shows: the triage inbox as the app shows it (each item's age and whether
//! it is overdue), the inbox's items as obligations of their students (so an untriaged report
//! older than the policy's `cadence.triage_days` is overdue in 待办 like any other duty; a policy
//! without that deadline owes none), and one student's open and recent obligations for the top
//! of the student file.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::inbox::{InboxItem, InboxStatus};
use super::Session;
use crate::error::Result;
use crate::rules::calendar::plus;
use crate::rules::engine::fulfil::{self, TRIAGE};
use crate::rules::{Obligation, ObligationFilter, ObligationKind, ObligationStatus, Policy};

/// Days a done or waived obligation stays on the student file's list.
pub const RECENT_DAYS: i64 = 30;

/// One inbox item as the triage page shows it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxRow {
    /// The item.
    pub item: InboxItem,
    /// 班级 of the student as the archive has it (empty when the student left the archive).
    pub class_name: String,
    /// Days since it came in.
    pub age_days: i32,
    /// Open and waiting longer than the limit.
    pub overdue: bool,
}

/// The triage inbox on a day.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxView {
    /// Open items first (oldest first), then the triaged ones, newest first.
    pub rows: Vec<InboxRow>,
    /// Items waiting for triage.
    pub open: i32,
    /// Of those, the overdue ones.
    pub overdue: i32,
    /// Days an item may wait (the policy's; 0 = no deadline).
    pub triage_days: i32,
}

/// The day an item's triage is due, `days` after it came in; none without a deadline.
fn due_of(item: &InboxItem, days: u32) -> Option<NaiveDate> {
    (days > 0).then(|| plus(item.received, days))
}

impl Session {
    /// The inbox with each item's age on `today`.
    ///
    /// # Errors
    /// Storage or tamper errors.
    pub fn inbox_view(&self, today: NaiveDate) -> Result<InboxView> {
        let days = self.policy()?.cadence.triage_days;
        let mut view = InboxView {
            rows: Vec::new(),
            open: 0,
            overdue: 0,
            triage_days: days as i32,
        };
        for item in self.inbox()? {
            let open = item.status == InboxStatus::Open;
            let overdue = open && due_of(&item, days).is_some_and(|d| d < today);
            view.open += i32::from(open);
            view.overdue += i32::from(overdue);
            let class_name = self
                .student_id(&item.student_no)
                .map(|sid| self.students[&sid].profile.class_name.clone())
                .unwrap_or_default();
            view.rows.push(InboxRow {
                age_days: (today - item.received).num_days().max(0) as i32,
                class_name,
                overdue,
                item,
            });
        }
        Ok(view)
    }

    /// The triage duty of each inbox item received by `today` whose student is in the archive:
    /// due the policy's `triage_days` after it came in (none when the policy sets no deadline),
    /// done on the day it was filed or dismissed.
    pub(super) fn inbox_obligations(
        &self,
        policy: &Policy,
        today: NaiveDate,
    ) -> Result<Vec<Obligation>> {
        let mut out = Vec::new();
        for item in self.inbox_items()? {
            if item.received > today {
                continue;
            }
            let Ok(sid) = self.student_id(&item.student_no) else {
                continue;
            };
            let p = &self.students[&sid].profile;
            let Some(due) = due_of(&item, policy.cadence.triage_days) else {
                continue;
            };
            let (status, fulfilled_by, fulfilled_on) = match item.status {
                InboxStatus::Open if due < today => (ObligationStatus::Overdue, None, None),
                InboxStatus::Open => (ObligationStatus::Due, None, None),
                InboxStatus::Filed => (
                    ObligationStatus::Done,
                    Some(item.resolution.as_str().into()),
                    item.resolved_on,
                ),
                InboxStatus::Dismissed => (ObligationStatus::Done, None, item.resolved_on),
            };
            out.push(Obligation {
                student_no: p.student_no.as_str().into(),
                student_name: p.name.as_str().into(),
                college: p.college.as_str().into(),
                class_name: p.class_name.as_str().into(),
                person: "".into(),
                person_name: "".into(),
                subject: "".into(),
                kind: ObligationKind::Triage,
                rule: TRIAGE.into(),
                label: "观察员报告·分拣".into(),
                source: policy.source_of_rule(TRIAGE).into(),
                since: item.received,
                due,
                status,
                fulfilled_by,
                fulfilled_on,
                waived_reason: None,
                fulfil: fulfil::of(TRIAGE, None),
                due_at: None,
            });
        }
        Ok(out)
    }

    /// One student's obligations for the top of the file: the open ones, then those done or
    /// waived in the last [`RECENT_DAYS`] (waived ones by their due date), by due date.
    ///
    /// # Errors
    /// `StudentNotFound`; storage or tamper errors.
    pub fn student_obligations(
        &self,
        student_no: &str,
        today: NaiveDate,
    ) -> Result<Vec<Obligation>> {
        let sid = self.student_id(student_no)?;
        let sno = self.students[&sid].profile.student_no.clone();
        let filter = ObligationFilter {
            student_no: Some(sno),
            ..ObligationFilter::default()
        };
        let recent = |d: NaiveDate| (today - d).num_days() <= RECENT_DAYS;
        let mut list: Vec<Obligation> = self
            .obligations(today, &filter)?
            .into_iter()
            .filter(|o| match o.status {
                ObligationStatus::Due | ObligationStatus::Overdue => true,
                ObligationStatus::Done => o.fulfilled_on.is_some_and(recent),
                ObligationStatus::Waived => recent(o.due),
            })
            .collect();
        let open =
            |o: &Obligation| !matches!(o.status, ObligationStatus::Due | ObligationStatus::Overdue);
        list.sort_by_key(|a| (open(a), a.due));
        Ok(list)
    }
}
