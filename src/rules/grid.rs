//! The grid table 网格管理表 (seed 003): the network as the colleges submit it, one row per person,
//! and a sheet of one-to-one liaisons. Export writes what import reads back.

use std::path::Path;

use calamine::{Data, Reader};

use super::network::{
    split_list, Liaison, LiaisonReason, Network, NetworkCheck, NetworkPerson, NetworkRole,
};
use super::xlsx::{self, Cell, Sheet};
use crate::error::{Error, Reason, Result};
use crate::model::DegreeLevel;

/// Sheet of the people.
pub const PEOPLE_SHEET: &str = "网格管理表";
/// Sheet of the liaisons.
pub const LIAISON_SHEET: &str = "一对一联系";
/// Sheet of the check's findings (export only).
pub const CHECK_SHEET: &str = "网格检查";

const PEOPLE_COLUMNS: [&str; 8] = [
    "角色",
    "工号/学号",
    "姓名",
    "学院",
    "学生类别",
    "负责班级",
    "负责寝室",
    "上级工号/学号",
];
const LIAISON_COLUMNS: [&str; 3] = ["学号", "联系人工号/学号", "原因"];

fn level_zh(l: DegreeLevel) -> &'static str {
    match l {
        DegreeLevel::Undergraduate => "本科",
        DegreeLevel::Graduate => "研究生",
    }
}

/// Writes the grid table, with the check's findings on a third sheet.
pub fn export(path: &Path, net: &Network, check: &NetworkCheck) -> Result<()> {
    let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut people: Vec<&NetworkPerson> = net.people.iter().collect();
    people.sort_by(|a, b| (a.role, &a.college, &a.id).cmp(&(b.role, &b.college, &b.id)));
    let sheets = [
        Sheet {
            name: PEOPLE_SHEET.into(),
            title: None,
            columns: cols(&PEOPLE_COLUMNS),
            rows: people
                .iter()
                .map(|p| {
                    vec![
                        Cell::from(p.role.zh()),
                        p.id.clone().into(),
                        p.name.clone().into(),
                        p.college.clone().into(),
                        level_zh(p.level).into(),
                        p.classes.join("、").into(),
                        p.dorms.join("、").into(),
                        p.reports_to.clone().into(),
                    ]
                })
                .collect(),
        },
        Sheet {
            name: LIAISON_SHEET.into(),
            title: None,
            columns: cols(&LIAISON_COLUMNS),
            rows: net
                .liaisons
                .iter()
                .map(|l| {
                    vec![
                        Cell::from(l.student_no.clone()),
                        l.person.clone().into(),
                        l.reason.zh().into(),
                    ]
                })
                .collect(),
        },
        Sheet {
            name: CHECK_SHEET.into(),
            title: Some(format!(
                "辅导员{}人，心理委员{}人，寝室长{}人；在读学生{}人，已覆盖{}人",
                check.counselors, check.backbones, check.dorm_heads, check.students, check.covered
            )),
            columns: cols(&["问题", "对象"]),
            rows: check
                .issues
                .iter()
                .map(|i| vec![Cell::from(i.detail.clone()), i.subject.clone().into()])
                .collect(),
        },
    ];
    xlsx::write(path, &sheets)
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => crate::normalize::text(s),
        // Ids typed as numbers come back as floats: 1001.0 is "1001".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => crate::normalize::text(&other.to_string()),
    }
}

/// Finds the header row (within the first 10) holding `first` and `second`, and the column of each
/// header; a missing optional column is `None`.
fn header(
    rows: &[Vec<String>],
    sheet: &'static str,
    want: &[&'static str],
    required: &[&'static str],
) -> Result<(usize, Vec<Option<usize>>)> {
    for (i, r) in rows.iter().take(10).enumerate() {
        let cols: Vec<Option<usize>> = want.iter().map(|w| r.iter().position(|c| c == w)).collect();
        if required.iter().all(|req| {
            want.iter()
                .position(|w| w == req)
                .and_then(|k| cols[k])
                .is_some()
        }) {
            return Ok((i, cols));
        }
    }
    Err(Error::Grid {
        sheet,
        row: 1,
        field: required.first().copied().unwrap_or(""),
        reason: Reason::GridNoHeader,
    })
}

/// Reads a grid table (.xlsx, .xls or .ods); errors name sheet, row and column.
pub fn import(path: &Path) -> Result<Network> {
    let mut wb = calamine::open_workbook_auto(path).map_err(|e| match e {
        calamine::Error::Io(io) => Error::Io(io),
        _ => Error::Grid {
            sheet: PEOPLE_SHEET,
            row: 0,
            field: "",
            reason: Reason::GridUnreadable,
        },
    })?;
    let read = |wb: &mut calamine::Sheets<_>, name: &str| -> Option<Vec<Vec<String>>> {
        let range = wb.worksheet_range(name).ok()?;
        Some(range.rows().map(|r| r.iter().map(text).collect()).collect())
    };
    let first = wb.sheet_names().first().cloned().unwrap_or_default();
    let people_rows = read(&mut wb, PEOPLE_SHEET)
        .or_else(|| read(&mut wb, &first))
        .ok_or(Error::Grid {
            sheet: PEOPLE_SHEET,
            row: 0,
            field: "",
            reason: Reason::GridNoSheet,
        })?;
    let (h, cols) = header(
        &people_rows,
        PEOPLE_SHEET,
        &PEOPLE_COLUMNS,
        &["角色", "工号/学号", "姓名"],
    )?;
    let mut net = Network::default();
    for (i, r) in people_rows.iter().enumerate().skip(h + 1) {
        let row = i as u32 + 1;
        let get = |k: usize| {
            cols[k]
                .and_then(|c| r.get(c))
                .map(String::as_str)
                .unwrap_or("")
        };
        if r.iter().all(String::is_empty) {
            continue;
        }
        let bad = |field: &'static str, reason: Reason| Error::Grid {
            sheet: PEOPLE_SHEET,
            row,
            field,
            reason,
        };
        let role = NetworkRole::parse(get(0)).ok_or_else(|| bad("角色", Reason::GridRole))?;
        let id = crate::normalize::identifier(get(1));
        if id.is_empty() {
            return Err(bad("工号/学号", Reason::GridRequired));
        }
        let name = get(2).to_string();
        if name.is_empty() {
            return Err(bad("姓名", Reason::GridRequired));
        }
        let level = match get(4) {
            "" | "本科" | "本科生" => DegreeLevel::Undergraduate,
            "研究生" | "硕士" | "博士" => DegreeLevel::Graduate,
            _ => return Err(bad("学生类别", Reason::GridDegree)),
        };
        if net.people.iter().any(|p| p.id == id) {
            return Err(bad("工号/学号", Reason::GridDuplicate));
        }
        net.people.push(NetworkPerson {
            id,
            name,
            role,
            college: get(3).to_string(),
            level,
            classes: split_list(get(5)),
            dorms: split_list(get(6)),
            reports_to: crate::normalize::identifier(get(7)),
        });
    }
    if let Some(rows) = read(&mut wb, LIAISON_SHEET) {
        if rows.iter().any(|r| r.iter().any(|c| !c.is_empty())) {
            let (h, cols) = header(&rows, LIAISON_SHEET, &LIAISON_COLUMNS, &LIAISON_COLUMNS)?;
            for (i, r) in rows.iter().enumerate().skip(h + 1) {
                if r.iter().all(String::is_empty) {
                    continue;
                }
                let row = i as u32 + 1;
                let get = |k: usize| {
                    cols[k]
                        .and_then(|c| r.get(c))
                        .map(String::as_str)
                        .unwrap_or("")
                };
                let bad = |field: &'static str, reason: Reason| Error::Grid {
                    sheet: LIAISON_SHEET,
                    row,
                    field,
                    reason,
                };
                let student_no = crate::normalize::identifier(get(0));
                let person = crate::normalize::identifier(get(1));
                if student_no.is_empty() {
                    return Err(bad("学号", Reason::GridRequired));
                }
                if person.is_empty() {
                    return Err(bad("联系人工号/学号", Reason::GridRequired));
                }
                let reason =
                    LiaisonReason::parse(get(2)).ok_or_else(|| bad("原因", Reason::GridLiaison))?;
                net.liaisons.push(Liaison {
                    student_no,
                    person,
                    reason,
                });
            }
        }
    }
    net.validate()
}
