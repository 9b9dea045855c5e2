//! Queries and small settings the desktop app's administrative screens need (settings, the audit
//! log viewer 审计日志, the obligations list, the center's overview by college). They read the
//! in-memory index or the audit chain; the only writes are sealed settings, each audited.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::Session;
use crate::archive::{slot_binding, Archive, SiteKind};
use crate::audit::{AuditAction, AuditEntry};
use crate::crypto::{self, kdf::KdfParams};
use crate::error::{Error, Result};
use crate::rules::policy::{Policy, PRESETS};
use crate::rules::{Obligation, ObligationFilter, ObligationKind, ObligationStatus};

/// Row of the sealed `settings` table holding [`AppSettings`]; far from the rows the rules use
/// (1, 2, …) so the two never collide.
const APP_SETTINGS_ROW: i64 = 1001;

/// Shortest and longest auto-lock times the settings accept, in seconds.
pub const AUTO_LOCK_RANGE: (u32, u32) = (60, 4 * 60 * 60);

/// Archive-wide settings of the app, sealed like the policy.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSettings {
    /// Seconds without activity before the app locks itself; `None` keeps the default.
    pub auto_lock_seconds: Option<u32>,
}

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

/// Which obligations to list, and which page.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationQuery {
    /// Only this status.
    pub status: Option<ObligationStatus>,
    /// Only this kind.
    pub kind: Option<ObligationKind>,
    /// 学号 or 姓名 contains this (of the student, or of the network person of a network duty),
    /// or the duty's subject does (a dorm, a college).
    pub search: String,
    /// Only those due on or before this day.
    #[typeshare(serialized_as = "Option<String>")]
    pub due_before: Option<NaiveDate>,
    /// Page, from 1.
    pub page: u32,
    /// Rows per page (1–500).
    pub page_size: u32,
}

/// A page of obligations with the counts the filter tabs show.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligationPage {
    /// Rows of the page, by due date.
    pub items: Vec<Obligation>,
    /// Rows matching the whole filter.
    pub total: i32,
    /// Open, due date not passed (ignoring the status filter).
    pub due: i32,
    /// Open, due date passed.
    pub overdue: i32,
    /// Fulfilled.
    pub done: i32,
    /// Waived.
    pub waived: i32,
}

/// A policy that fails validation: where and why (policy text only, never student data).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyProblem {
    /// 1-based line.
    pub line: u32,
    /// Dotted field path.
    pub field: String,
    /// Why (English, from the parser).
    pub reason: String,
}

/// A shipped policy preset.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPreset {
    /// Id, e.g. "000".
    pub id: String,
    /// The school's name.
    pub school: String,
}

fn page_bounds(total: usize, page: u32, page_size: u32) -> (usize, usize) {
    let size = page_size.clamp(1, 500) as usize;
    let start = (page.max(1) as usize - 1).saturating_mul(size).min(total);
    (start, (start + size).min(total))
}

/// The shipped presets with their schools' names.
pub fn policy_presets() -> Vec<PolicyPreset> {
    PRESETS
        .iter()
        .map(|(id, text)| PolicyPreset {
            id: (*id).to_string(),
            school: Policy::parse(text)
                .map(|p| p.school.name)
                .unwrap_or_default(),
        })
        .collect()
}

/// The text of a shipped preset.
pub fn policy_preset_text(id: &str) -> Result<&'static str> {
    PRESETS
        .iter()
        .find(|(p, _)| *p == id)
        .map(|(_, t)| *t)
        .ok_or(Error::Invalid {
            field: "preset",
            reason: "no preset with that id",
        })
}

/// Validates a policy text without storing it: `None` when good, else where it breaks.
pub fn check_policy(text: &str) -> Result<Option<PolicyProblem>> {
    match Policy::parse(text) {
        Ok(_) => Ok(None),
        Err(Error::Policy {
            line,
            field,
            reason,
        }) => Ok(Some(PolicyProblem {
            line,
            field,
            reason,
        })),
        Err(e) => Err(e),
    }
}

/// Column headers of the obligations workbook (待办事项表).
const OBLIGATION_HEADERS: [&str; 10] = [
    "学号",
    "姓名",
    "学院",
    "班级",
    "事项",
    "起始日期",
    "截止日期",
    "状态",
    "完成日期",
    "免除原因",
];

fn status_text(s: ObligationStatus) -> &'static str {
    match s {
        ObligationStatus::Due => "待办",
        ObligationStatus::Overdue => "已逾期",
        ObligationStatus::Done => "已完成",
        ObligationStatus::Waived => "已免除",
    }
}

/// The obligations as an .xlsx workbook in memory (nothing is written to a temporary file).
fn obligations_workbook(
    rows: &[Obligation],
) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("待办事项")?;
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    for (col, (h, width)) in (0u16..).zip(
        OBLIGATION_HEADERS
            .iter()
            .zip([14.0, 9.0, 16.0, 14.0, 28.0, 12.0, 12.0, 8.0, 12.0, 20.0]),
    ) {
        sheet.write_string_with_format(0, col, *h, &bold)?;
        sheet.set_column_width(col, width)?;
    }
    sheet.set_column_format(0, &text)?;
    for (r, o) in (1u32..).zip(rows) {
        let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
        let cells = [
            o.student_no.to_string(),
            o.student_name.to_string(),
            o.college.to_string(),
            o.class_name.to_string(),
            o.label.to_string(),
            day(o.since),
            day(o.due),
            status_text(o.status).to_string(),
            o.fulfilled_on.map(day).unwrap_or_default(),
            o.waived_reason.as_deref().unwrap_or_default().to_string(),
        ];
        for (c, v) in (0u16..).zip(cells) {
            sheet.write_string(r, c, v)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}

impl Session {
    /// Checks `passphrase` against the passphrase slots without unlocking anything (the old
    /// passphrase of a change). Costs one key derivation per slot.
    pub fn verify_passphrase(&self, passphrase: &str) -> Result<()> {
        let mut stmt = self.db.prepare(
            "SELECT id, kdf, salt, wrapped FROM key_slots WHERE kind = 'passphrase' \
             ORDER BY (id = ?1) DESC, id",
        )?;
        let slots = stmt
            .query_map([self.slot], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (id, kdf, salt, wrapped) in slots {
            let params: KdfParams =
                serde_json::from_str(&kdf).map_err(|_| Error::Tamper("key slot parameters"))?;
            let kek = params.derive(passphrase.as_bytes(), &salt)?;
            if crypto::open(&kek, &slot_binding(&self.id, id), &wrapped, "key slot").is_ok() {
                return Ok(());
            }
        }
        Err(Error::WrongPassphrase)
    }

    /// The app's archive-wide settings (defaults when never saved).
    pub fn app_settings(&self) -> Result<AppSettings> {
        match self.setting(APP_SETTINGS_ROW)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|_| Error::Tamper("a setting")),
            None => Ok(AppSettings::default()),
        }
    }

    /// Stores the auto-lock time (seconds, within [`AUTO_LOCK_RANGE`]); audited.
    pub fn set_auto_lock_seconds(&mut self, seconds: u32) -> Result<AppSettings> {
        if !(AUTO_LOCK_RANGE.0..=AUTO_LOCK_RANGE.1).contains(&seconds) {
            return Err(Error::Invalid {
                field: "auto_lock_seconds",
                reason: "between 1 minute and 4 hours",
            });
        }
        let mut settings = self.app_settings()?;
        settings.auto_lock_seconds = Some(seconds);
        let bytes = serde_json::to_vec(&settings).map_err(|_| Error::Invalid {
            field: "settings",
            reason: "cannot be encoded",
        })?;
        self.put_setting(APP_SETTINGS_ROW, &bytes, "app settings: auto-lock time")?;
        Ok(settings)
    }

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

    /// The obligations on `today` matching `q` (all of them, by due date) and the counts by status
    /// ignoring `q.status` (due, overdue, done, waived).
    fn obligation_rows(
        &self,
        today: NaiveDate,
        q: &ObligationQuery,
    ) -> Result<(Vec<Obligation>, [i32; 4])> {
        let all = self.obligations(
            today,
            &ObligationFilter {
                due_before: q.due_before.and_then(|d| d.succ_opt()),
                open_only: false,
                ..ObligationFilter::default()
            },
        )?;
        let needle = q.search.trim();
        let matching: Vec<Obligation> = all
            .into_iter()
            .filter(|o| q.kind.is_none_or(|k| o.kind == k))
            .filter(|o| {
                needle.is_empty()
                    || o.student_no.contains(needle)
                    || o.student_name.contains(needle)
                    || o.person.contains(needle)
                    || o.person_name.contains(needle)
                    || o.subject.contains(needle)
            })
            .collect();
        let count = |s: ObligationStatus| matching.iter().filter(|o| o.status == s).count() as i32;
        let counts = [
            count(ObligationStatus::Due),
            count(ObligationStatus::Overdue),
            count(ObligationStatus::Done),
            count(ObligationStatus::Waived),
        ];
        let mut rows: Vec<Obligation> = matching
            .into_iter()
            .filter(|o| q.status.is_none_or(|s| o.status == s))
            .collect();
        rows.sort_by(|a, b| (a.due, &a.student_no, &a.rule).cmp(&(b.due, &b.student_no, &b.rule)));
        Ok((rows, counts))
    }

    /// A page of the obligations on `today`, filtered, with the counts by status.
    pub fn obligation_page(&self, today: NaiveDate, q: &ObligationQuery) -> Result<ObligationPage> {
        let (mut rows, [due, overdue, done, waived]) = self.obligation_rows(today, q)?;
        let total = rows.len();
        let (start, end) = page_bounds(total, q.page, q.page_size);
        Ok(ObligationPage {
            items: rows.drain(start..end).collect(),
            total: total as i32,
            due,
            overdue,
            done,
            waived,
        })
    }

    /// Writes every obligation matching `q` (all pages) to an .xlsx file at `out`, atomically;
    /// audited as an export. Returns the number of rows written.
    pub fn export_obligations_xlsx(
        &mut self,
        today: NaiveDate,
        q: &ObligationQuery,
        out: &std::path::Path,
    ) -> Result<i32> {
        let (rows, _) = self.obligation_rows(today, q)?;
        let bytes = obligations_workbook(&rows).map_err(|e| match e {
            rust_xlsxwriter::XlsxError::IoError(io) => Error::Io(io),
            _ => Error::Io(std::io::Error::other("could not build the workbook")),
        })?;
        crate::bundle::write_atomic(out, &bytes)?;
        self.log(
            AuditAction::Export,
            None,
            &format!("obligations workbook, {} rows", rows.len()),
        )?;
        Ok(rows.len() as i32)
    }

    /// College or center.
    pub fn archive_site_kind(&self) -> Result<SiteKind> {
        Archive::open(&self.dir)?.site_kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{self, SynthConfig};

    const PASSPHRASE: &str = "app-queries-口令-2026";

    fn archive(kind: SiteKind, students: usize) -> (tempfile::TempDir, Session) {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let dir = tempfile::tempdir().expect("temp dir");
        let (mut s, _) =
            Session::create_as(&dir.path().join("a"), PASSPHRASE, kind, "辅导员").expect("create");
        if students > 0 {
            let today = chrono::Local::now().date_naive();
            let items = synth::generate(&SynthConfig::new(11, students, today))
                .into_iter()
                .map(|st| (st.profile, st.records))
                .collect();
            s.load_students(items, |_, new| new).expect("load");
        }
        (dir, s)
    }

    #[test]
    fn the_old_passphrase_is_checked_without_unlocking() {
        let (_dir, mut s) = archive(SiteKind::College, 0);
        s.verify_passphrase(PASSPHRASE).expect("right one");
        assert!(matches!(
            s.verify_passphrase("not the passphrase"),
            Err(Error::WrongPassphrase)
        ));
        let before = s.audit_log().expect("log").len();
        s.change_passphrase("另一个口令-2027").expect("change");
        assert!(matches!(
            s.verify_passphrase(PASSPHRASE),
            Err(Error::WrongPassphrase)
        ));
        s.verify_passphrase("另一个口令-2027").expect("new one");
        assert_eq!(
            s.audit_log().expect("log").len(),
            before + 1,
            "checks are not audited, the change is"
        );
    }

    #[test]
    fn auto_lock_is_sealed_validated_and_audited() {
        let (dir, mut s) = archive(SiteKind::College, 0);
        assert_eq!(s.app_settings().expect("settings"), AppSettings::default());
        assert!(matches!(
            s.set_auto_lock_seconds(10),
            Err(Error::Invalid { .. })
        ));
        assert!(matches!(
            s.set_auto_lock_seconds(5 * 60 * 60),
            Err(Error::Invalid { .. })
        ));
        s.set_auto_lock_seconds(600).expect("set");
        let last = s.audit_log().expect("log").pop().expect("entry");
        assert_eq!(last.action, AuditAction::Write);
        assert!(last.detail.contains("auto-lock"));
        s.lock();
        let s = Session::unlock(
            &Archive::open(&dir.path().join("a")).expect("open"),
            PASSPHRASE,
        )
        .expect("unlock");
        assert_eq!(
            s.app_settings().expect("settings").auto_lock_seconds,
            Some(600)
        );
        // The policy row is untouched by the app's settings.
        assert!(s.policy().is_ok());
    }

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

    #[test]
    fn network_duties_are_found_by_person_and_subject() {
        let (_dir, mut s) = archive(SiteKind::College, 120);
        s.demo_network().expect("network");
        let today = chrono::Local::now().date_naive();
        let net = s.network().expect("network");
        let c = net
            .people
            .iter()
            .find(|p| p.role == crate::rules::network::NetworkRole::Counselor)
            .expect("a counselor");
        let q = ObligationQuery {
            search: c.id.clone(),
            page: 1,
            page_size: 500,
            ..ObligationQuery::default()
        };
        let mine = s.obligation_page(today, &q).expect("page");
        assert!(mine.total > 0, "a counselor has duties in term");
        assert!(mine.items.iter().all(|o| *o.person == *c.id));
        let dorm = mine
            .items
            .iter()
            .find(|o| &*o.rule == "dorm-visits.monthly")
            .map(|o| o.subject.clone())
            .expect("a dorm to visit");
        let by_dorm = s
            .obligation_page(
                today,
                &ObligationQuery {
                    search: dorm.to_string(),
                    ..q.clone()
                },
            )
            .expect("page");
        assert!(by_dorm.total > 0);
        assert!(by_dorm.items.iter().all(|o| o.subject.contains(&*dorm)));
    }

    #[test]
    fn obligation_pages_count_by_status_and_filter() {
        let (_dir, s) = archive(SiteKind::College, 40);
        let today = chrono::Local::now().date_naive();
        let q = ObligationQuery {
            page: 1,
            page_size: 500,
            ..ObligationQuery::default()
        };
        let all = s.obligation_page(today, &q).expect("page");
        assert!(all.total > 0, "synthetic students owe something");
        assert_eq!(all.due + all.overdue + all.done + all.waived, all.total);
        let overdue = s
            .obligation_page(
                today,
                &ObligationQuery {
                    status: Some(ObligationStatus::Overdue),
                    ..q.clone()
                },
            )
            .expect("page");
        assert_eq!(overdue.total, all.overdue);
        assert_eq!(overdue.due, all.due, "counts ignore the status filter");
        assert!(overdue
            .items
            .iter()
            .all(|o| o.status == ObligationStatus::Overdue));
        let one = &all.items[0];
        let mine = s
            .obligation_page(
                today,
                &ObligationQuery {
                    search: one.student_no.to_string(),
                    ..q.clone()
                },
            )
            .expect("page");
        assert!(mine.items.iter().all(|o| o.student_no == one.student_no));
        let due_by = one.due;
        let early = s
            .obligation_page(
                today,
                &ObligationQuery {
                    due_before: Some(due_by),
                    ..q.clone()
                },
            )
            .expect("page");
        assert!(early.items.iter().all(|o| o.due <= due_by));
        assert!(early.items.iter().any(|o| o.due == due_by), "inclusive");
        let paged = s
            .obligation_page(
                today,
                &ObligationQuery {
                    page: 2,
                    page_size: 1,
                    ..q
                },
            )
            .expect("page");
        assert_eq!(paged.items.len(), 1);
        assert_eq!(paged.items[0], all.items[1]);
    }

    #[test]
    fn the_site_kind_is_read_from_the_archive() {
        let (_dir, s) = archive(SiteKind::Center, 0);
        assert_eq!(s.archive_site_kind().expect("kind"), SiteKind::Center);
        let (_dir, college) = archive(SiteKind::College, 0);
        assert_eq!(
            college.archive_site_kind().expect("kind"),
            SiteKind::College
        );
    }

    #[test]
    fn the_obligations_workbook_reads_back_in_chinese() {
        use calamine::{open_workbook_auto, Data, Reader};
        let (dir, mut s) = archive(SiteKind::College, 20);
        let today = chrono::Local::now().date_naive();
        let q = ObligationQuery {
            status: Some(ObligationStatus::Overdue),
            page: 1,
            page_size: 1,
            ..ObligationQuery::default()
        };
        let expected = s.obligation_page(today, &q).expect("page").total;
        let out = dir.path().join("待办事项.xlsx");
        let n = s.export_obligations_xlsx(today, &q, &out).expect("export");
        assert_eq!(n, expected, "every row, not one page");
        let mut book = open_workbook_auto(&out).expect("open");
        let range = book.worksheet_range("待办事项").expect("sheet");
        let rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(Data::to_string).collect())
            .collect();
        assert_eq!(rows[0][..3], ["学号", "姓名", "学院"]);
        assert_eq!(rows.len() as i32, n + 1);
        assert!(rows[1..].iter().all(|r| r[7] == "已逾期"));
        let last = s.audit_log().expect("log").pop().expect("entry");
        assert_eq!(last.action, AuditAction::Export);
        assert!(last.detail.contains(&format!("{n} rows")));
    }

    #[test]
    fn policy_checks_name_line_and_field_and_presets_have_schools() {
        let presets = policy_presets();
        assert_eq!(presets.len(), PRESETS.len());
        assert!(presets.iter().all(|p| !p.school.is_empty()));
        let text = policy_preset_text(&presets[0].id).expect("preset");
        assert_eq!(check_policy(text).expect("check"), None);
        assert!(matches!(
            policy_preset_text("nope"),
            Err(Error::Invalid { .. })
        ));
        let broken = text.replacen("[school]", "[school]\nbogus_field = 1", 1);
        let problem = check_policy(&broken).expect("check").expect("a problem");
        let line = broken
            .lines()
            .position(|l| l.starts_with("bogus_field"))
            .expect("line") as u32
            + 1;
        assert_eq!(problem.line, line);
        assert!(problem.field.contains("bogus_field") || problem.field.contains("school"));
    }
}
