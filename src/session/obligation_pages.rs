//! The obligations 待办 list as pages with counts (searched by student, network person or subject)
//! and its .xlsx export (待办事项表).

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::audit_pages::page_bounds;
use super::Session;
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::rules::{engine, Obligation, ObligationFilter, ObligationKind, ObligationStatus};

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
    rows: &[&Obligation],
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

/// The filter of the lists a query reads ([`ObligationQuery::due_before`] is inclusive).
fn page_filter(q: &ObligationQuery) -> ObligationFilter {
    ObligationFilter {
        due_before: q.due_before.and_then(|d| d.succ_opt()),
        open_only: false,
        ..ObligationFilter::default()
    }
}

impl Session {
    /// The lists the obligations on `today` asked by `q` come from ([`Session::obligation_rows`]).
    fn page_sources(
        &self,
        today: NaiveDate,
        q: &ObligationQuery,
    ) -> Result<[Arc<Vec<Obligation>>; 4]> {
        self.obligation_sources(&self.policy()?, today, &page_filter(q))
    }

    /// The obligations of `sources` matching `q`, in no order, and the counts by status ignoring
    /// `q.status` (due, overdue, done, waived). Borrowed: the 待办 page's default query keeps
    /// every obligation, a hundred thousand at 30,000 students, of which it shows one page.
    fn obligation_rows<'a>(
        sources: &'a [Arc<Vec<Obligation>>],
        q: &ObligationQuery,
    ) -> (Vec<&'a Obligation>, [i32; 4]) {
        let filter = page_filter(q);
        let keep = engine::matcher(&filter);
        let needle = q.search.trim();
        let mut rows: Vec<&Obligation> = sources
            .iter()
            .flat_map(|list| list.iter())
            .filter(|o| {
                keep(o)
                    && q.kind.is_none_or(|k| o.kind == k)
                    && (needle.is_empty()
                        || o.student_no.contains(needle)
                        || o.student_name.contains(needle)
                        || o.person.contains(needle)
                        || o.person_name.contains(needle)
                        || o.subject.contains(needle))
            })
            .collect();
        let mut counts = [0; 4];
        for o in &rows {
            counts[match o.status {
                ObligationStatus::Due => 0,
                ObligationStatus::Overdue => 1,
                ObligationStatus::Done => 2,
                ObligationStatus::Waived => 3,
            }] += 1;
        }
        rows.retain(|o| q.status.is_none_or(|s| o.status == s));
        (rows, counts)
    }

    /// A page of the obligations on `today`, filtered, with the counts by status; by due date,
    /// 学号 and rule ([`engine::page_order`]).
    pub fn obligation_page(&self, today: NaiveDate, q: &ObligationQuery) -> Result<ObligationPage> {
        let sources = self.page_sources(today, q)?;
        let (mut rows, [due, overdue, done, waived]) = Self::obligation_rows(&sources, q);
        let total = rows.len();
        let (start, end) = page_bounds(total, q.page, q.page_size);
        engine::sort_range(&mut rows, start..end, |a, b| engine::page_order(a, b));
        Ok(ObligationPage {
            items: rows[start..end].iter().map(|o| (*o).clone()).collect(),
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
        let sources = self.page_sources(today, q)?;
        let (mut rows, _) = Self::obligation_rows(&sources, q);
        rows.sort_unstable_by(|a, b| engine::page_order(a, b));
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::SiteKind;
    use crate::session::test_archive::archive;

    #[test]
    fn the_pages_are_the_sorted_list_cut() {
        let (_dir, mut s) = archive(SiteKind::College, 200);
        s.demo_network().expect("network");
        let today = chrono::Local::now().date_naive();
        let mut all = s
            .obligations(today, &ObligationFilter::default())
            .expect("all");
        all.sort_by(|a, b| (a.due, &a.student_no, &a.rule).cmp(&(b.due, &b.student_no, &b.rule)));
        let mut paged = Vec::new();
        for page in 1.. {
            let p = s
                .obligation_page(
                    today,
                    &ObligationQuery {
                        page,
                        page_size: 37,
                        ..ObligationQuery::default()
                    },
                )
                .expect("page");
            assert_eq!(p.total as usize, all.len());
            if p.items.is_empty() {
                break;
            }
            paged.extend(p.items);
        }
        assert_eq!(paged, all);
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
}
