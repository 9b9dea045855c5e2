//! Queries and small settings the desktop app's administrative screens need (settings, the audit
//! log viewer 审计日志, the obligations list, the center's overview by college). They read the
//! in-memory index or the audit chain; the only writes are sealed settings, each audited.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::Session;
use crate::archive::{slot_binding, Archive, SiteKind};
use crate::audit::{AuditAction, AuditEntry};
use crate::crypto::{self, kdf::KdfParams};
use crate::error::{Error, Result};
use crate::model::{ConcernLevel, StudentStatus};
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
    /// 学号 or 姓名 contains this.
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

/// One college's line of the center's overview (全校概况).
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollegeOverview {
    /// 学院 (empty when the roster had none).
    pub college: String,
    /// Students held.
    pub students: i32,
    /// Enrolled 在读.
    pub enrolled: i32,
    /// On leave 休学.
    pub on_leave: i32,
    /// Graduated, withdrawn or transferred.
    pub left: i32,
    /// 一般关注.
    pub general_concern: i32,
    /// 重点关注.
    pub key_concern: i32,
    /// 特别关注.
    pub special_concern: i32,
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

    /// A page of the obligations on `today`, filtered, with the counts by status.
    pub fn obligation_page(&self, today: NaiveDate, q: &ObligationQuery) -> Result<ObligationPage> {
        let all = self.obligations(
            today,
            &ObligationFilter {
                due_before: q.due_before.and_then(|d| d.succ_opt()),
                student_no: None,
                open_only: false,
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
            })
            .collect();
        let count = |s: ObligationStatus| matching.iter().filter(|o| o.status == s).count() as i32;
        let (due, overdue, done, waived) = (
            count(ObligationStatus::Due),
            count(ObligationStatus::Overdue),
            count(ObligationStatus::Done),
            count(ObligationStatus::Waived),
        );
        let mut rows: Vec<Obligation> = matching
            .into_iter()
            .filter(|o| q.status.is_none_or(|s| o.status == s))
            .collect();
        rows.sort_by(|a, b| (a.due, &a.student_no, &a.rule).cmp(&(b.due, &b.student_no, &b.rule)));
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

    /// College or center.
    pub fn archive_site_kind(&self) -> Result<SiteKind> {
        Archive::open(&self.dir)?.site_kind()
    }

    /// Students by college with their status and concern levels today (the center's overview).
    pub fn college_overview(&self) -> Vec<CollegeOverview> {
        let mut by: BTreeMap<String, CollegeOverview> = BTreeMap::new();
        for s in self.list_students() {
            let row = by
                .entry(s.college.clone())
                .or_insert_with(|| CollegeOverview {
                    college: s.college.clone(),
                    ..CollegeOverview::default()
                });
            row.students += 1;
            match s.status {
                StudentStatus::Enrolled => row.enrolled += 1,
                StudentStatus::OnLeave => row.on_leave += 1,
                _ => row.left += 1,
            }
            match s.concern {
                Some(ConcernLevel::General) => row.general_concern += 1,
                Some(ConcernLevel::Key) => row.key_concern += 1,
                Some(ConcernLevel::Special) => row.special_concern += 1,
                None => {}
            }
        }
        by.into_values().collect()
    }
}
