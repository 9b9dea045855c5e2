//! Lists into the archive (src/roster/lists.rs reads them): each row checked against the
//! archive, previewed, then written in one transaction with one audit entry.
//!
//! - A 学号 not in the archive is a row error (`unknown_student`), never a new student; a 姓名
//!   that differs from the archive's is one too (`name_mismatch`): the wrong student's file
//!   would get the record.
//! - Idempotent: a row whose record is already in the student's file (same day, kind and
//!   content, amended since or not) is counted unchanged, and an observation already in the
//!   inbox (open or triaged) likewise; the same file twice changes nothing.
//! - Sealed like every record: screening and event rows are records of the student's file,
//!   observations sealed items of the inbox (src/session/inbox.rs).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::{body_binding, from_json, Session};
use crate::audit::AuditAction;
use crate::crypto;
use crate::error::{Error, Result};
use crate::model::{ConcernLevel, NewRecord, RecordBody, ScreeningResult};
use crate::normalize;
use crate::roster::lists::{ListBody, ListEntry, ListKind, ListParse};
use crate::roster::{RowError, RowErrorReason, SheetRead};

/// A key-concern entry the import suggests for a flagged screening result; never written by it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcernProposal {
    /// 学号.
    pub student_no: String,
    /// The list's sheet and row.
    pub sheet: String,
    /// 1-based row number.
    pub row: u32,
    /// The level suggested.
    pub level: ConcernLevel,
    /// Why, in Chinese, ready for the entry's reason.
    pub reason: String,
}

/// What importing a list did, or would do (`dry_run`).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListImportReport {
    /// The kind of list.
    pub kind: ListKind,
    /// Nothing was written: a preview.
    pub dry_run: bool,
    /// Every worksheet and what became of it.
    pub sheets: Vec<SheetRead>,
    /// Rows read from the file without error.
    pub rows: i32,
    /// Records (or inbox items) written, or to be written.
    pub added: i32,
    /// Rows already in the archive.
    pub unchanged: i32,
    /// Rows refused: the file's and the archive's reasons, in sheet and row order.
    pub errors: Vec<RowError>,
    /// Key-concern entries suggested for flagged screening results.
    pub proposals: Vec<ConcernProposal>,
    /// The first rows to be written (at most [`LIST_SAMPLE`]), as the preview shows them.
    pub sample: Vec<ListEntry>,
}

/// Rows of a list shown before importing it.
pub const LIST_SAMPLE: usize = 50;

/// The level a flagged result suggests (DOMAIN.md: results feed the key-concern list).
fn proposed_level(result: ScreeningResult) -> Option<ConcernLevel> {
    match result {
        ScreeningResult::Normal => None,
        ScreeningResult::Mild => Some(ConcernLevel::General),
        ScreeningResult::Moderate => Some(ConcernLevel::Key),
        ScreeningResult::Severe => Some(ConcernLevel::Special),
    }
}

fn result_zh(r: ScreeningResult) -> &'static str {
    match r {
        ScreeningResult::Normal => "正常",
        ScreeningResult::Mild => "轻度异常",
        ScreeningResult::Moderate => "中度异常",
        ScreeningResult::Severe => "重度异常",
    }
}

fn row_error(e: &ListEntry, reason: RowErrorReason, detail: &str) -> RowError {
    RowError {
        sheet: e.sheet.clone(),
        row: e.row,
        reason,
        detail: detail.to_string(),
    }
}

/// Names compared as offices write them: without spaces, NFKC.
fn same_name(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String {
        normalize::text(s)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    key(a) == key(b)
}

impl Session {
    /// The body of one record of a student (not audited: the caller compares, shows nothing).
    pub(super) fn record_body(&self, sid: i64, rid: i64) -> Result<NewRecord> {
        let s = self.students.get(&sid).ok_or(Error::StudentNotFound)?;
        let sealed: Vec<u8> = self.db.query_row(
            "SELECT body FROM records WHERE id = ?1 AND student_id = ?2",
            [rid, sid],
            |r| r.get(0),
        )?;
        let plain = crypto::open(
            &s.key,
            &body_binding(&self.id, rid, sid),
            &sealed,
            "a record",
        )?;
        from_json(&plain, "a record")
    }

    /// Whether the student's file already holds `body` on `date`.
    fn has_record(&self, sid: i64, date: NaiveDate, body: &RecordBody) -> Result<bool> {
        let kind = body.kind_name();
        let Some(s) = self.students.get(&sid) else {
            return Ok(false);
        };
        for h in s.heads.iter().filter(|h| h.date == date && h.kind == kind) {
            if self.record_body(sid, h.id)?.body == *body {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Checks a list against the archive and, unless `dry_run`, writes its new rows in one
    /// transaction (one audit entry naming the kind and the counts). Records are dated by the
    /// list and signed by `author`.
    ///
    /// # Errors
    /// Storage or tamper errors; bad rows are in the report, not errors.
    pub fn import_list(
        &mut self,
        parsed: &ListParse,
        today: NaiveDate,
        author: &str,
        dry_run: bool,
    ) -> Result<ListImportReport> {
        let mut report = ListImportReport {
            kind: parsed.kind,
            dry_run,
            sheets: parsed.sheets.clone(),
            rows: 0,
            added: 0,
            unchanged: 0,
            errors: parsed.errors.clone(),
            proposals: Vec::new(),
            sample: Vec::new(),
        };
        let inbox = self.inbox_items()?;
        let mut records: Vec<(i64, NewRecord)> = Vec::new();
        let mut observations = Vec::new();
        for e in &parsed.entries {
            report.rows += 1;
            let Ok(sid) = self.student_id(&e.student_no) else {
                report.errors.push(row_error(
                    e,
                    RowErrorReason::UnknownStudent,
                    "column 学号: no student with this number in the archive; import the roster first",
                ));
                continue;
            };
            let profile = &self.students[&sid].profile;
            if !e.name.is_empty() && !same_name(&e.name, &profile.name) {
                report.errors.push(row_error(
                    e,
                    RowErrorReason::NameMismatch,
                    "column 姓名 differs from the name the archive has for this 学号",
                ));
                continue;
            }
            if e.date > today {
                report.errors.push(row_error(
                    e,
                    RowErrorReason::InvalidDate,
                    "the date is after today",
                ));
                continue;
            }
            let body = match &e.body {
                ListBody::Screening(s) => RecordBody::Screening(s.clone()),
                ListBody::Event(ev) => RecordBody::Event(ev.clone()),
                ListBody::Observation(o) => {
                    if inbox.iter().any(|i| i.is_entry(e, o)) {
                        report.unchanged += 1;
                    } else {
                        if report.sample.len() < LIST_SAMPLE {
                            report.sample.push(e.clone());
                        }
                        observations.push(e.clone());
                    }
                    continue;
                }
            };
            if self.has_record(sid, e.date, &body)? {
                report.unchanged += 1;
                continue;
            }
            if let RecordBody::Screening(s) = &body {
                let current = self.students[&sid].concern(today);
                if let Some(level) = proposed_level(s.result) {
                    if current.is_none_or(|c| c < level) {
                        report.proposals.push(ConcernProposal {
                            student_no: e.student_no.clone(),
                            sheet: e.sheet.clone(),
                            row: e.row,
                            level,
                            reason: format!(
                                "{} {}{}（{}）",
                                e.date.format("%Y-%m-%d"),
                                s.instrument,
                                "测评",
                                result_zh(s.result)
                            ),
                        });
                    }
                }
            }
            if report.sample.len() < LIST_SAMPLE {
                report.sample.push(e.clone());
            }
            records.push((
                sid,
                NewRecord {
                    date: e.date,
                    author: author.to_string(),
                    amends: None,
                    amend_reason: String::new(),
                    body,
                },
            ));
        }
        report
            .errors
            .sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
        report.added = (records.len() + observations.len()) as i32;
        if dry_run || report.added == 0 {
            return Ok(report);
        }
        for (_, r) in &records {
            super::validate_record(r)?;
        }
        let detail = format!(
            "list {}: {} rows, {} added, {} unchanged, {} refused",
            parsed.kind,
            report.rows + parsed.errors.len() as i32,
            report.added,
            report.unchanged,
            report.errors.len()
        );
        let heads = self.write(AuditAction::Import, None, detail, |tx, me| {
            let mut heads = Vec::with_capacity(records.len());
            for (sid, r) in &records {
                heads.push((
                    *sid,
                    me.insert_record(tx, *sid, &me.students[sid].key, r, None)?,
                ));
            }
            if !observations.is_empty() {
                me.add_to_inbox(tx, inbox, &observations, today)?;
            }
            Ok(heads)
        })?;
        for (sid, head) in heads {
            if let Some(s) = self.students.get_mut(&sid) {
                s.heads.push(head);
                s.heads
                    .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
            }
        }
        Ok(report)
    }
}
