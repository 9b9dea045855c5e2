//! Finding the header row and matching its cells to fields by their Chinese names.

use unicode_normalization::UnicodeNormalization;

use super::read::{Cell, Grid};
use super::{ColumnMapping, ColumnOverrides, RosterError, RosterField};

/// How many rows (non-blank ones) are searched for the header.
const HEADER_SEARCH_ROWS: usize = 30;

/// Header names, already in the form [`header_key`] produces (NFKC: half-width parentheses).
const ALIASES: &[(RosterField, &[&str])] = &[
    (
        RosterField::StudentNo,
        &["学号", "学生学号", "学籍号", "学生编号"],
    ),
    (RosterField::Name, &["姓名", "学生姓名"]),
    (RosterField::Gender, &["性别"]),
    (
        RosterField::BirthDate,
        &["出生日期", "出生年月", "生日", "出生年月日"],
    ),
    (
        RosterField::College,
        &["学院", "院系", "所在学院", "学院名称", "院(系)"],
    ),
    (RosterField::Major, &["专业", "专业名称", "所学专业"]),
    (
        RosterField::ClassName,
        &["班级", "行政班", "班级名称", "行政班级"],
    ),
    (
        RosterField::Dorm,
        &["宿舍", "寝室", "宿舍号", "寝室号", "宿舍楼栋", "宿舍信息"],
    ),
    (
        RosterField::Grade,
        &["年级", "入学年份", "年级(入学年份)", "入学年级"],
    ),
    (
        RosterField::Level,
        &["层次", "培养层次", "学历层次", "学生类别"],
    ),
    (RosterField::Status, &["学籍状态", "状态", "在校状态"]),
    (
        RosterField::Phone,
        &[
            "联系电话",
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "本人电话",
            "本人手机",
            "联系方式",
        ],
    ),
    (
        RosterField::HomeAddress,
        &["家庭住址", "籍贯", "家庭地址", "家庭详细地址"],
    ),
    (
        RosterField::GuardianName,
        &["家长姓名", "监护人", "监护人姓名"],
    ),
    (
        RosterField::GuardianPhone,
        &[
            "家长电话",
            "监护人电话",
            "家长联系电话",
            "家长手机",
            "家长手机号",
            "监护人联系电话",
        ],
    ),
    (
        RosterField::GuardianRelation,
        &["家长关系", "监护人关系", "与学生关系", "与本人关系"],
    ),
];

/// The comparable form of a header cell: NFKC, no white space, no required-field marks.
pub(super) fn header_key(s: &str) -> String {
    let mut k: String = s.nfkc().filter(|c| !c.is_whitespace()).collect();
    loop {
        let before = k.len();
        for mark in ["*", "(必填)", "(选填)", ":"] {
            if let Some(rest) = k.strip_suffix(mark) {
                k = rest.to_string();
            }
        }
        if let Some(rest) = k.strip_prefix('*') {
            k = rest.to_string();
        }
        if k.len() == before {
            return k;
        }
    }
}

fn field_for_key(key: &str) -> Option<RosterField> {
    let exact = |k: &str| {
        ALIASES
            .iter()
            .find(|(_, names)| names.contains(&k))
            .map(|(f, _)| *f)
    };
    if let Some(f) = exact(key) {
        return Some(f);
    }
    // "联系电话(本人)", "出生日期(YYYY-MM-DD)": try without a trailing parenthesis.
    if key.ends_with(')') {
        if let Some((base, _)) = key.rsplit_once('(') {
            return exact(base);
        }
    }
    None
}

/// The field a header text names, if any.
pub(super) fn field_for_header(text: &str) -> Option<RosterField> {
    field_for_key(&header_key(text))
}

fn header_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Text(s) => {
            let t = crate::normalize::text(s);
            (!t.is_empty()).then_some(t)
        }
        _ => None,
    }
}

/// Maps one row's cells as a header row; the first column naming a field wins.
fn map_row(grid: &Grid, row_index: usize) -> Vec<ColumnMapping> {
    let Some(row) = grid.rows.get(row_index) else {
        return Vec::new();
    };
    let mut taken = Vec::new();
    let mut out = Vec::new();
    for (i, cell) in row.cells.iter().enumerate() {
        let Some(header) = header_text(cell) else {
            continue;
        };
        let column = grid
            .first_col
            .saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        let field = field_for_header(&header).filter(|f| !taken.contains(f));
        if let Some(f) = field {
            taken.push(f);
        }
        out.push(ColumnMapping {
            column,
            header,
            field,
        });
    }
    out
}

fn has_required(columns: &[ColumnMapping]) -> bool {
    let has = |f| columns.iter().any(|c| c.field == Some(f));
    has(RosterField::StudentNo) && has(RosterField::Name)
}

/// The header row (index into `grid.rows`) and its mapping, after the caller's overrides.
pub(super) fn detect(
    grid: &Grid,
    overrides: &ColumnOverrides,
) -> Result<(usize, Vec<ColumnMapping>), RosterError> {
    let (index, mut columns) = match overrides.header_row {
        Some(number) => {
            let index = grid
                .rows
                .iter()
                .position(|r| r.number == number)
                .ok_or(RosterError::NoHeader)?;
            (index, map_row(grid, index))
        }
        None => {
            let found = (0..grid.rows.len().min(HEADER_SEARCH_ROWS))
                .map(|i| (i, map_row(grid, i)))
                .find(|(_, cols)| has_required(cols));
            match found {
                Some(found) => found,
                // Without a header the overrides cannot help unless they name the header row.
                None => return Err(RosterError::NoHeader),
            }
        }
    };
    for o in &overrides.columns {
        if let Some(field) = o.field {
            for c in columns.iter_mut() {
                if c.field == Some(field) {
                    c.field = None;
                }
            }
        }
        match columns.iter_mut().find(|c| c.column == o.column) {
            Some(c) => c.field = o.field,
            None => columns.push(ColumnMapping {
                column: o.column,
                header: String::new(),
                field: o.field,
            }),
        }
    }
    columns.sort_by_key(|c| c.column);
    if !has_required(&columns) {
        return Err(RosterError::NoHeader);
    }
    Ok((index, columns))
}
