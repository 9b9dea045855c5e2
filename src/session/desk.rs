//! The counselor's desk: what the app's 工作台 (dashboard) and 学生档案 (student list) need beyond
//! the plain reads of the session. Everything here is computed from the in-memory index (profiles
//! and sealed-header facts); no record body is opened. Exporting a list is the one write: the file
//! goes where the user chose, and the export is in the audit log in the same transaction.

use std::path::Path;

use chrono::NaiveDate;
use pinyin::ToPinyin;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::{Session, StudentEntry};
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::model::{ConcernLevel, StudentProfile, StudentStatus, StudentSummary, TalkCategory};
use crate::roster::RosterError;
use crate::rules::{engine, Obligation, ObligationFilter, ObligationStatus};

/// Obligations due within this many days (from today) appear on the dashboard with the overdue ones.
pub const DUE_SOON_DAYS: i64 = 7;

/// At most this many obligations cross to the dashboard; the counts are always complete.
pub const DASHBOARD_OBLIGATIONS: usize = 30;

/// At most this many key-concern students cross to the dashboard; the count is complete, and the
/// student list filtered by concern shows them all.
pub const DASHBOARD_KEY_CONCERN: usize = 30;

/// At most this many recent records on the dashboard.
pub const RECENT_RECORDS: usize = 20;

/// At most this many students in a list export (more than any college has).
pub const EXPORT_LIMIT: usize = 200_000;

/// A record header as the concern level sees it (the core's sealed header, or another index's).
#[derive(Debug, Clone, Copy)]
pub struct ConcernMark<'a> {
    /// Record id.
    pub id: i64,
    /// The record it amends, if any.
    pub amends: Option<i64>,
    /// The day it happened.
    pub date: NaiveDate,
    /// When it was written: orders two records of one day.
    pub written_at: &'a crate::session::snapshot::WrittenAt,
    /// The concern level it sets.
    pub concern: Option<ConcernLevel>,
    /// The end of that concern.
    pub concern_until: Option<NaiveDate>,
}

/// The concern level in force on `today` over a student's record headers: the latest
/// concern-setting record not superseded by an amendment, unless ended.
pub fn concern_level<'a, H>(
    heads: &'a [H],
    mark: impl Fn(&'a H) -> ConcernMark<'a>,
    today: NaiveDate,
) -> Option<ConcernLevel> {
    let superseded: Vec<i64> = heads.iter().filter_map(|h| mark(h).amends).collect();
    heads
        .iter()
        .map(&mark)
        .filter(|m| m.concern.is_some() && !superseded.contains(&m.id))
        .max_by(|a, b| (a.date, a.written_at).cmp(&(b.date, b.written_at)))
        .and_then(|m| match m.concern_until {
            Some(until) if until < today => None,
            _ => m.concern,
        })
}

/// A student's line in lists (学生档案), from the profile and what the headers give.
pub fn student_summary(
    id: i64,
    p: &StudentProfile,
    concern: Option<ConcernLevel>,
    record_count: usize,
) -> StudentSummary {
    StudentSummary {
        id: id.to_string(),
        student_no: p.student_no.clone(),
        name: p.name.clone(),
        initials: initials(&p.name),
        college: p.college.clone(),
        class_name: p.class_name.clone(),
        dorm: p.dorm.clone(),
        grade: p.grade.clone(),
        status: p.status,
        concern,
        record_count: record_count as i32,
    }
}

/// 拼音首字母: the first letter of each Chinese character's pinyin, lower case; other letters and
/// digits are kept (lower case), everything else dropped. "张三" → "zs", "李Anna" → "lanna".
pub fn initials(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().chars().next(),
            None if c.is_alphanumeric() => c.to_lowercase().next(),
            None => None,
        })
        .collect()
}

/// The headline numbers of the dashboard.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeskCounts {
    /// Open obligations due today.
    pub due_today: i32,
    /// Open obligations past their due date.
    pub overdue: i32,
    /// Open obligations due within [`DUE_SOON_DAYS`] days after today.
    pub due_soon: i32,
    /// Students on the key-concern list today.
    pub key_concern: i32,
    /// Students with an open crisis case.
    pub open_crises: i32,
    /// Students in the archive.
    pub students: i32,
}

pub use crate::rules::crisis_case::CrisisCase;

/// One recently written record, as the activity list shows it (header facts only, no text).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentRecord {
    /// Record id.
    pub id: String,
    /// 学号
    pub student_no: String,
    /// 姓名
    pub student_name: String,
    /// The record kind, e.g. `talk` (see `RecordBody::kind_name`).
    pub kind: String,
    /// The must-talk category of a talk.
    pub category: Option<TalkCategory>,
    /// The day it happened.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// When it was written (RFC 3339).
    pub written_at: String,
    /// Whether it amends an earlier record.
    pub amendment: bool,
}

/// Everything the dashboard shows, in one answer.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// The day it was computed for.
    #[typeshare(serialized_as = "String")]
    pub today: NaiveDate,
    /// The counts.
    pub counts: DeskCounts,
    /// Overdue and soon-due obligations, most urgent first (at most [`DASHBOARD_OBLIGATIONS`]).
    pub obligations: Vec<Obligation>,
    /// Students on the key-concern list, highest level first, then by 学号 (at most
    /// [`DASHBOARD_KEY_CONCERN`]; `counts.key_concern` counts them all).
    pub key_concern: Vec<StudentSummary>,
    /// Open crisis cases, highest level first, with their next due step.
    pub crises: Vec<CrisisCase>,
    /// The latest records written, newest first.
    pub recent: Vec<RecentRecord>,
}

impl Session {
    /// The dashboard on `today`: open obligations (overdue, then due soonest), key-concern
    /// students, open crisis cases and the latest records. Computed in memory; not audited, as it
    /// opens no file (the student list is not either).
    pub fn dashboard(&self, today: NaiveDate) -> Result<Dashboard> {
        let soon = today + chrono::Days::new(DUE_SOON_DAYS as u64);
        // Only what is overdue or due by `soon` is copied out of the kept obligations (duties.rs):
        // most are done, waived or due later.
        let mut obligations = self.obligations_unsorted(
            &self.policy()?,
            today,
            &ObligationFilter {
                open_only: true,
                due_before: soon.succ_opt(),
                ..ObligationFilter::default()
            },
        )?;
        let mut counts = DeskCounts {
            students: self.students.len() as i32,
            ..DeskCounts::default()
        };
        for o in &obligations {
            match o.status {
                ObligationStatus::Overdue => counts.overdue += 1,
                ObligationStatus::Due if o.due == today => counts.due_today += 1,
                _ => counts.due_soon += 1,
            }
        }
        engine::sort_range(
            &mut obligations,
            0..DASHBOARD_OBLIGATIONS,
            engine::page_order,
        );
        obligations.truncate(DASHBOARD_OBLIGATIONS);

        // Thousands at a large school: ordered by level and 学号 without building their
        // summaries, and only the first few cross (the count is complete).
        let mut key_concern: Vec<(ConcernLevel, &StudentEntry)> = self
            .students
            .values()
            .filter_map(|s| Some((s.concern(today)?, s)))
            .collect();
        counts.key_concern = key_concern.len() as i32;
        let shown = DASHBOARD_KEY_CONCERN.min(key_concern.len());
        let by_level = |a: &(ConcernLevel, &StudentEntry), b: &(ConcernLevel, &StudentEntry)| {
            b.0.cmp(&a.0)
                .then_with(|| a.1.profile.student_no.cmp(&b.1.profile.student_no))
        };
        if shown < key_concern.len() {
            key_concern.select_nth_unstable_by(shown, by_level);
        }
        key_concern.truncate(shown);
        key_concern.sort_unstable_by(by_level);
        let key_concern = key_concern
            .into_iter()
            .map(|(_, s)| s.summary(today))
            .collect();

        let crises = self.crisis_cases(crate::rules::calendar::moment_of(today))?;
        counts.open_crises = crises.len() as i32;

        Ok(Dashboard {
            today,
            counts,
            obligations,
            key_concern,
            crises,
            recent: self.recent_records(RECENT_RECORDS),
        })
    }

    /// The `n` records written last, newest first (by the time they were written).
    fn recent_records(&self, n: usize) -> Vec<RecentRecord> {
        let mut all: Vec<(&StudentEntry, &super::RecordHead)> = self
            .students
            .values()
            .flat_map(|s| s.heads.iter().map(move |h| (s, h)))
            .collect();
        // written_at is RFC 3339 in local time with a fixed offset; equal offsets sort as text.
        // Ties broken by record id, so the same records come whatever the index's order.
        let newest = |a: &(&StudentEntry, &super::RecordHead),
                      b: &(&StudentEntry, &super::RecordHead)| {
            b.1.written_at
                .cmp(&a.1.written_at)
                .then_with(|| b.1.id.cmp(&a.1.id))
        };
        if n < all.len() {
            all.select_nth_unstable_by(n, newest);
            all.truncate(n);
        }
        all.sort_unstable_by(newest);
        all.into_iter()
            .map(|(s, h)| RecentRecord {
                id: h.id.to_string(),
                student_no: s.profile.student_no.clone(),
                student_name: s.profile.name.clone(),
                kind: h.kind.to_string(),
                category: h.category,
                date: h.date,
                written_at: h.written_at.to_string(),
                amendment: h.amends.is_some(),
            })
            .collect()
    }

    /// Writes the students with these 学号 (in this order) to an .xlsx at `path`: 学号 姓名 学院 班级
    /// 宿舍 年级 学籍状态 关注等级 记录数. Unknown 学号, and those this person does not see, are
    /// skipped. Audited as an export, in one transaction with the file being written: if the file
    /// cannot be written, no audit entry remains, and if the audit entry cannot be written the file
    /// is removed. Returns the number of rows written.
    pub fn export_student_list(&mut self, student_nos: &[String], path: &Path) -> Result<i32> {
        if student_nos.len() > EXPORT_LIMIT {
            return Err(Error::Invalid {
                field: "student_nos",
                reason: "too many students for one list",
            });
        }
        let today = chrono::Local::now().date_naive();
        let rows: Vec<StudentSummary> = student_nos
            .iter()
            .filter_map(|sno| self.student_id(sno).ok())
            .filter_map(|sid| self.students.get(&sid))
            .map(|s| s.summary(today))
            .collect();
        let count = rows.len() as i32;
        let detail = format!("student list, {count} rows");
        let result = self.write(AuditAction::Export, None, detail, |_, _| {
            write_student_list(path, &rows)
        });
        if result.is_err() && path.exists() {
            // The audit entry failed after the file was written: take the file back.
            let _ = std::fs::remove_file(path);
        }
        result.map(|()| count)
    }
}

/// The Chinese header row of a student-list export (the order of [`write_student_list`]).
pub const LIST_HEADERS: [&str; 9] = [
    "学号",
    "姓名",
    "学院",
    "班级",
    "宿舍",
    "年级",
    "学籍状态",
    "关注等级",
    "记录数",
];

fn status_text(s: StudentStatus) -> &'static str {
    match s {
        StudentStatus::Enrolled => "在读",
        StudentStatus::OnLeave => "休学",
        StudentStatus::Graduated => "毕业",
        StudentStatus::Withdrawn => "退学",
        StudentStatus::Transferred => "转学",
    }
}

fn concern_text(c: Option<ConcernLevel>) -> &'static str {
    match c {
        None => "",
        Some(ConcernLevel::General) => "一般关注",
        Some(ConcernLevel::Key) => "重点关注",
        Some(ConcernLevel::Special) => "特别关注",
    }
}

fn write_student_list(path: &Path, rows: &[StudentSummary]) -> Result<()> {
    let mut workbook = Workbook::new();
    fill_student_list(&mut workbook, rows).map_err(|e| Error::Roster(RosterError::Write(e)))?;
    workbook.save(path).map_err(|e| match e {
        XlsxError::IoError(io) => Error::Io(io),
        e => Error::Roster(RosterError::Write(e)),
    })
}

fn fill_student_list(
    workbook: &mut Workbook,
    rows: &[StudentSummary],
) -> std::result::Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let sheet = workbook.add_worksheet();
    sheet.set_name("学生名单")?;
    for (col, (title, width)) in (0u16..).zip(
        LIST_HEADERS
            .iter()
            .zip([14.0, 10.0, 18.0, 18.0, 12.0, 8.0, 10.0, 10.0, 8.0]),
    ) {
        sheet.write_string_with_format(0, col, *title, &bold)?;
        sheet.set_column_width(col, width)?;
    }
    // 学号 stays text so leading zeros survive Excel.
    sheet.set_column_format(0, &text)?;
    for (row, s) in (1u32..).zip(rows) {
        sheet.write_string(row, 0, &s.student_no)?;
        sheet.write_string(row, 1, &s.name)?;
        sheet.write_string(row, 2, &s.college)?;
        sheet.write_string(row, 3, &s.class_name)?;
        sheet.write_string(row, 4, &s.dorm)?;
        sheet.write_string(row, 5, &s.grade)?;
        sheet.write_string(row, 6, status_text(s.status))?;
        sheet.write_string(row, 7, concern_text(s.concern))?;
        sheet.write_number(row, 8, f64::from(s.record_count))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SiteKind;
    use crate::session::test_archive::archive;

    #[test]
    fn the_dashboard_is_the_head_of_the_whole_sorted_list() {
        let (_dir, mut s) = archive(SiteKind::College, 400);
        s.demo_network().expect("network");
        let today = chrono::Local::now().date_naive();
        let soon = today + chrono::Days::new(DUE_SOON_DAYS as u64);
        let all = s
            .obligations(today, &ObligationFilter::default())
            .expect("all");
        // What the dashboard showed when it sorted every open obligation.
        let mut open: Vec<Obligation> = all
            .into_iter()
            .filter(|o| {
                o.status == ObligationStatus::Overdue
                    || (o.status == ObligationStatus::Due && o.due <= soon)
            })
            .collect();
        open.sort_by(|a, b| (a.due, &a.student_no, &a.rule).cmp(&(b.due, &b.student_no, &b.rule)));
        let d = s.dashboard(today).expect("dashboard");
        assert!(
            open.len() > DASHBOARD_OBLIGATIONS,
            "enough to cut: {}",
            open.len()
        );
        assert_eq!(d.obligations, open[..DASHBOARD_OBLIGATIONS].to_vec());
        let count = |f: &dyn Fn(&Obligation) -> bool| open.iter().filter(|o| f(o)).count() as i32;
        assert_eq!(
            d.counts.overdue,
            count(&|o| o.status == ObligationStatus::Overdue)
        );
        assert_eq!(
            d.counts.due_today,
            count(&|o| o.status == ObligationStatus::Due && o.due == today)
        );
        assert_eq!(
            d.counts.due_soon,
            count(&|o| o.status == ObligationStatus::Due && o.due > today)
        );

        let mut concern: Vec<StudentSummary> = s
            .list_students()
            .into_iter()
            .filter(|st| st.concern.is_some())
            .collect();
        concern.sort_by(|a, b| {
            b.concern
                .cmp(&a.concern)
                .then_with(|| a.student_no.cmp(&b.student_no))
        });
        assert_eq!(d.counts.key_concern as usize, concern.len());
        concern.truncate(DASHBOARD_KEY_CONCERN);
        assert_eq!(d.key_concern, concern);
        assert_eq!(d.recent.len(), RECENT_RECORDS);
        assert!(d
            .recent
            .windows(2)
            .all(|w| w[0].written_at >= w[1].written_at));
    }

    #[test]
    fn the_columns_hold_the_list() {
        let (_dir, s) = archive(SiteKind::College, 120);
        let rows = s.list_students();
        let c = s.student_columns();
        assert_eq!(c.student_no.len(), rows.len());
        assert!(c.colleges.len() < rows.len() && c.dorms.len() < rows.len());
        for (i, r) in rows.iter().enumerate() {
            let at = |values: &[String], k: &[i32]| values[k[i] as usize].clone();
            let back = StudentSummary {
                id: r.id.clone(),
                student_no: c.student_no[i].clone(),
                name: c.name[i].clone(),
                initials: c.initials[i].clone(),
                college: at(&c.colleges, &c.college),
                class_name: at(&c.classes, &c.class_name),
                dorm: at(&c.dorms, &c.dorm),
                grade: at(&c.grades, &c.grade),
                status: c.status[i],
                concern: c
                    .concern_index
                    .iter()
                    .position(|k| *k as usize == i)
                    .map(|k| c.concern_level[k]),
                record_count: c.record_count[i],
            };
            assert_eq!(&back, r);
        }
    }

    #[test]
    fn the_list_is_sent_again_only_when_it_changed() {
        let (_dir, mut s) = archive(SiteKind::College, 60);
        let first = s.student_list(None);
        assert_eq!(first.columns, Some(s.student_columns()));
        let same = s.student_list(Some(&first.version));
        assert_eq!(same.version, first.version);
        assert_eq!(same.columns, None, "the app's list is current");
        assert!(s.student_list(Some("1-2020-01-01")).columns.is_some());

        // A record changes the count the list shows.
        let sno = s.list_students()[0].student_no.clone();
        s.add_record(
            &sno,
            crate::model::NewRecord {
                date: chrono::Local::now().date_naive(),
                author: "李老师".into(),
                amends: None,
                amend_reason: String::new(),
                body: crate::model::RecordBody::Talk(crate::model::Talk {
                    category: crate::model::TalkCategory::KeyTime,
                    place: "辅导员办公室".into(),
                    text: "学期初谈话，状态良好".into(),
                    follow_up: None,
                }),
            },
        )
        .expect("record");
        let after = s.student_list(Some(&first.version));
        assert_ne!(after.version, first.version);
        let columns = after.columns.expect("sent again");
        let i = columns
            .student_no
            .iter()
            .position(|n| *n == sno)
            .expect("listed");
        let j = first
            .columns
            .as_ref()
            .and_then(|c| c.student_no.iter().position(|n| *n == sno))
            .expect("listed");
        let before = first.columns.as_ref().map(|c| c.record_count[j]);
        assert_eq!(Some(columns.record_count[i] - 1), before);
    }

    #[test]
    fn initials_of_chinese_and_latin_names() {
        assert_eq!(initials("张三"), "zs");
        assert_eq!(initials("欧阳 娜娜"), "oynn");
        assert_eq!(initials("李Anna"), "lanna");
        assert_eq!(initials("·"), "");
    }
}
