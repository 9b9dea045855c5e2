//! The audit log 审计日志 as the viewer pages it, filtered, and the chain check as a result.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::Session;
use crate::audit::{AuditAction, AuditEntry};
use crate::error::{Error, Result};

/// Which audit entries to show, and which page of them.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Only this action.
    pub action: Option<AuditAction>,
    /// Only entries on or after this day (YYYY-MM-DD).
    #[typeshare(serialized_as = "Option<String>")]
    pub from: Option<NaiveDate>,
    /// Only entries on or before this day (YYYY-MM-DD).
    #[typeshare(serialized_as = "Option<String>")]
    pub to: Option<NaiveDate>,
    /// Page, from 1.
    pub page: u32,
    /// Entries per page (1–500).
    pub page_size: u32,
}

/// One page of the audit log, newest first.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The entries of the page.
    pub entries: Vec<AuditEntry>,
    /// Entries matching the filter.
    pub total: i32,
}

/// The result of walking the audit chain.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCheck {
    /// Every entry verifies and none is missing.
    pub ok: bool,
    /// Entries checked.
    pub entries: i32,
    /// The first entry that fails, when not ok.
    pub broken_seq: Option<i32>,
    /// Why it fails (English), when not ok.
    pub reason: Option<String>,
}

/// The rows `[start, end)` of 1-based page `page` of `page_size` (1..=500) rows out of `total`
/// (the obligations pages use it too).
pub(super) fn page_bounds(total: usize, page: u32, page_size: u32) -> (usize, usize) {
    let size = page_size.clamp(1, 500) as usize;
    let start = (page.max(1) as usize - 1).saturating_mul(size).min(total);
    (start, (start + size).min(total))
}

impl Session {
    /// Verifies the whole audit chain; a broken chain is a result, not an error.
    pub fn check_audit(&self) -> Result<AuditCheck> {
        match self.audit_log() {
            Ok(all) => Ok(AuditCheck {
                ok: true,
                entries: all.len() as i32,
                broken_seq: None,
                reason: None,
            }),
            Err(Error::AuditBroken { seq, reason }) => Ok(AuditCheck {
                ok: false,
                entries: (seq.max(1) - 1) as i32,
                broken_seq: Some(seq as i32),
                reason: Some(reason.to_string()),
            }),
            Err(e) => Err(e),
        }
    }

    /// One page of the (verified) audit log, newest first.
    pub fn audit_page(&self, q: &AuditQuery) -> Result<AuditPage> {
        let day = |e: &AuditEntry| {
            e.at.get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        };
        let mut hits: Vec<AuditEntry> = self
            .audit_log()?
            .into_iter()
            .filter(|e| q.action.is_none_or(|a| e.action == a))
            .filter(|e| q.from.is_none_or(|f| day(e).is_some_and(|d| d >= f)))
            .filter(|e| q.to.is_none_or(|t| day(e).is_some_and(|d| d <= t)))
            .collect();
        hits.reverse();
        let total = hits.len();
        let (start, end) = page_bounds(total, q.page, q.page_size);
        Ok(AuditPage {
            entries: hits.drain(start..end).collect(),
            total: total as i32,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SiteKind;
    use crate::session::test_archive::archive;

    #[test]
    fn audit_pages_filter_and_the_chain_check_reports_a_break() {
        let (_dir, mut s) = archive(SiteKind::College, 5);
        for _ in 0..4 {
            s.log(AuditAction::Export, None, "test export")
                .expect("log");
        }
        let all = s.audit_log().expect("log");
        let q = |action, page, page_size| AuditQuery {
            action,
            from: None,
            to: None,
            page,
            page_size,
        };
        let p = s.audit_page(&q(None, 1, 3)).expect("page");
        assert_eq!(p.total as usize, all.len());
        assert_eq!(p.entries.len(), 3);
        assert_eq!(p.entries[0].seq as usize, all.len(), "newest first");
        let exports = s
            .audit_page(&q(Some(AuditAction::Export), 2, 3))
            .expect("page");
        assert_eq!(exports.total, 4);
        assert_eq!(exports.entries.len(), 1, "the second page holds the rest");
        assert!(exports
            .entries
            .iter()
            .all(|e| e.action == AuditAction::Export));
        let tomorrow = chrono::Local::now().date_naive().succ_opt().expect("date");
        let none = s
            .audit_page(&AuditQuery {
                from: Some(tomorrow),
                ..q(None, 1, 50)
            })
            .expect("page");
        assert_eq!(none.total, 0);

        let ok = s.check_audit().expect("check");
        assert!(ok.ok);
        assert_eq!(ok.entries as usize, all.len());

        // Remove an entry in the middle: the check names it instead of failing.
        s.db.execute_batch("DROP TRIGGER IF EXISTS audit_no_delete")
            .expect("drop trigger");
        let triggers: Vec<String> = s
            .db
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'")
            .expect("prepare")
            .query_map([], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        for t in triggers {
            s.db.execute_batch(&format!("DROP TRIGGER \"{t}\""))
                .expect("drop");
        }
        s.db.execute("DELETE FROM audit WHERE seq = 3", [])
            .expect("delete");
        let broken = s.check_audit().expect("check");
        assert!(!broken.ok);
        assert_eq!(broken.broken_seq, Some(3));
        assert!(matches!(
            s.audit_page(&q(None, 1, 10)),
            Err(Error::AuditBroken { seq: 3, .. })
        ));
    }

    /// The audit log names a student only to a session that can open the student's data key;
    /// the entry itself, opened with the audit key every slot derives, holds no 学号.
    #[test]
    fn an_entry_names_its_student_only_under_the_students_own_key() {
        use crate::audit::StudentWithheld;
        let (_dir, mut s) = archive(SiteKind::College, 2);
        let sno = s.list_students()[0].student_no.clone();
        s.student_file(&sno).expect("open");
        let last = s.audit_log().expect("log").pop().expect("entry");
        assert_eq!(last.action, AuditAction::OpenFile);
        assert_eq!(
            (last.student_no.as_deref(), last.student_withheld),
            (Some(sno.as_str()), None)
        );
        let seq = i64::from(last.seq);
        let raw: Vec<u8> =
            s.db.query_row("SELECT entry FROM audit WHERE seq = ?1", [seq], |r| {
                r.get(0)
            })
            .expect("row");
        let binding = crate::crypto::Binding {
            archive: &s.id,
            table: "audit",
            row: seq,
            student: 0,
            version: 0,
        };
        let plain = crate::crypto::open(&s.keys.audit, &binding, &raw, "audit").expect("open");
        assert!(!String::from_utf8_lossy(&plain).contains(&sno));

        // A session without the student's key (issue 18's caseloads): the entry, not the 学号.
        let sid = s.student_id(&sno).expect("sid");
        let entry = s.students.remove(&sid).expect("entry");
        let last = s.audit_log().expect("log").pop().expect("entry");
        assert_eq!(
            (last.student_no, last.student_withheld),
            (None, Some(StudentWithheld::NoAccess))
        );
        s.students.insert(sid, entry);
        assert!(s.check_audit().expect("check").ok);
    }
}
