//! The triage inbox of observers' reports (班级心理晴雨表, 寝室长 reports, seeds 003 and 004): each
//! item waits until the counselor files it into the student's file as an observation record or
//! dismisses it with a reason. Reporters have no access to anything: their lists come in as
//! files. The inbox is one sealed settings row (`setting::INBOX`), so the schema is unchanged;
//! triaged items stay in it, so importing the same report again adds nothing.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::rules::setting;
use super::Session;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::model::{NewRecord, Observation, RecordBody};
use crate::reason::Reason;
use crate::roster::lists::ListEntry;

/// Where an inbox item stands.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboxStatus {
    /// Waiting for triage.
    Open,
    /// Filed into the student's file as an observation record.
    Filed,
    /// Dismissed, with a reason.
    Dismissed,
}

/// One observer's report about one student.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxItem {
    /// Its id in the inbox.
    pub id: String,
    /// The day it was imported.
    #[typeshare(serialized_as = "String")]
    pub received: NaiveDate,
    /// 学号.
    pub student_no: String,
    /// 姓名 as the report gave it.
    pub name: String,
    /// The day observed.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// What was reported.
    pub observation: Observation,
    /// Open, filed or dismissed.
    pub status: InboxStatus,
    /// The dismissal's reason, or the id of the record filed.
    pub resolution: String,
    /// When it was triaged.
    #[typeshare(serialized_as = "Option<String>")]
    pub resolved_on: Option<NaiveDate>,
}

impl InboxItem {
    /// Whether a list row is this item (the same report imported again).
    pub(super) fn is_entry(&self, e: &ListEntry, o: &Observation) -> bool {
        self.student_no == e.student_no
            && self.date == e.date
            && self.observation.text == o.text
            && self.observation.reporter == o.reporter
            && self.observation.place == o.place
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Inbox {
    items: Vec<InboxItem>,
}

impl Session {
    /// Every item of the inbox, oldest first.
    pub(super) fn inbox_items(&self) -> Result<Vec<InboxItem>> {
        Ok(self.json_setting::<Inbox>(setting::INBOX)?.items)
    }

    /// The inbox: open items first (oldest first), then the triaged ones, newest first.
    ///
    /// # Errors
    /// Storage or tamper errors.
    pub fn inbox(&self) -> Result<Vec<InboxItem>> {
        let mut items = self.visible_inbox()?;
        items.sort_by(|a, b| {
            let open = |i: &InboxItem| i.status != InboxStatus::Open;
            (open(a), a.received, a.date, &a.id).cmp(&(open(b), b.received, b.date, &b.id))
        });
        let split = items
            .iter()
            .position(|i| i.status != InboxStatus::Open)
            .unwrap_or(items.len());
        items[split..].reverse();
        Ok(items)
    }

    /// Open items received more than the policy's `triage_days` before `today` (none when the
    /// policy sets no deadline).
    ///
    /// # Errors
    /// Storage or tamper errors.
    pub fn inbox_overdue(&self, today: NaiveDate) -> Result<Vec<InboxItem>> {
        let days = i64::from(self.policy()?.cadence.triage_days);
        Ok(self
            .visible_inbox()?
            .into_iter()
            .filter(|i| {
                days > 0 && i.status == InboxStatus::Open && (today - i.received).num_days() > days
            })
            .collect())
    }

    /// Appends list rows to the inbox inside a running transaction.
    pub(super) fn add_to_inbox(
        &self,
        tx: &rusqlite::Connection,
        mut items: Vec<InboxItem>,
        entries: &[ListEntry],
        today: NaiveDate,
    ) -> Result<()> {
        for e in entries {
            let crate::roster::lists::ListBody::Observation(o) = &e.body else {
                continue;
            };
            items.push(InboxItem {
                id: crate::crypto::random_id().to_string(),
                received: today,
                student_no: e.student_no.clone(),
                name: e.name.clone(),
                date: e.date,
                observation: o.clone(),
                status: InboxStatus::Open,
                resolution: String::new(),
                resolved_on: None,
            });
        }
        self.store_inbox(tx, items)
    }

    /// The items this person may see: reports about their own students, and, for whoever holds
    /// every caseload (a leader, an administrator, the recovery key), reports about students no
    /// roster holds. Reports about another counselor's students are that counselor's.
    fn visible_inbox(&self) -> Result<Vec<InboxItem>> {
        let all = self.inbox_items()?;
        let unknowns = self
            .role
            .is_none_or(crate::people::Role::holds_every_caseload);
        let mut out = Vec::with_capacity(all.len());
        for i in all {
            let lookup = self.lookup(&i.student_no);
            let show = self.by_lookup.contains_key(&lookup)
                || (unknowns
                    && !self
                        .db
                        .prepare_cached("SELECT 1 FROM students WHERE lookup = ?1")?
                        .exists([&lookup[..]])?);
            if show {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// The open item `id` (one this person may see) and all the others.
    fn take_open(&self, id: &str) -> Result<(InboxItem, Vec<InboxItem>)> {
        let visible = self.visible_inbox()?;
        if !visible
            .iter()
            .any(|i| i.id == id.trim() && i.status == InboxStatus::Open)
        {
            return Err(Error::refused("item", Reason::InboxItemGone));
        }
        let mut items = self.inbox_items()?;
        let at = items
            .iter()
            .position(|i| i.id == id.trim() && i.status == InboxStatus::Open)
            .ok_or(Error::refused("item", Reason::InboxItemGone))?;
        let item = items.remove(at);
        Ok((item, items))
    }

    /// Files an open item into the student's file as an observation record dated as observed,
    /// with the counselor's note; the item and the record in one transaction. Returns the
    /// record's id.
    ///
    /// # Errors
    /// Refused (`inbox_item_gone`) for an unknown or triaged item, `StudentNotFound` when the student left the
    /// archive; storage errors.
    pub fn file_observation(
        &mut self,
        id: &str,
        note: &str,
        author: &str,
        today: NaiveDate,
    ) -> Result<String> {
        let (mut item, mut rest) = self.take_open(id)?;
        let sid = self.student_id(&item.student_no)?;
        let sno = self.students[&sid].profile.student_no.clone();
        let record = NewRecord {
            date: item.date,
            author: author.to_string(),
            amends: None,
            amend_reason: String::new(),
            body: RecordBody::Observation(Observation {
                note: note.trim().to_string(),
                ..item.observation.clone()
            }),
        };
        super::validate_record(&record)?;
        let head = self.write(
            AuditAction::Write,
            Some(&sno),
            "observation filed from the inbox".to_string(),
            |tx, me| {
                let head = me.insert_record(tx, sid, &me.students[&sid].key, &record, None)?;
                item.status = InboxStatus::Filed;
                item.resolution = head.id.to_string();
                item.resolved_on = Some(today);
                rest.push(item);
                me.store_inbox(tx, rest)?;
                Ok(head)
            },
        )?;
        let id = head.id.to_string();
        if let Some(s) = self.students.get_mut(&sid) {
            s.heads.push(head);
            s.heads
                .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
        }
        Ok(id)
    }

    /// Dismisses an open item with its reason (required); nothing reaches the student's file.
    ///
    /// # Errors
    /// Refused for a blank reason (`dismiss_reason_missing`) or an unknown or triaged item
    /// (`inbox_item_gone`); storage errors.
    pub fn dismiss_observation(&mut self, id: &str, reason: &str, today: NaiveDate) -> Result<()> {
        if reason.trim().is_empty() {
            return Err(Error::refused("reason", Reason::DismissReasonMissing));
        }
        let (mut item, mut rest) = self.take_open(id)?;
        let sno = item.student_no.clone();
        item.status = InboxStatus::Dismissed;
        item.resolution = reason.trim().to_string();
        item.resolved_on = Some(today);
        rest.push(item);
        self.write(
            AuditAction::Write,
            Some(&sno),
            "observation dismissed".to_string(),
            |tx, me| me.store_inbox(tx, rest),
        )
    }

    pub(super) fn store_inbox(
        &self,
        tx: &rusqlite::Connection,
        items: Vec<InboxItem>,
    ) -> Result<()> {
        self.put_setting_in(tx, setting::INBOX, &super::to_json(&Inbox { items })?)
    }
}
