//! The lists a student-work office receives each semester (名单), read as the roster is: every
//! sheet, the header row found under titles, columns matched by their Chinese names, each row
//! either read whole or refused with its row number and a stable code.
//!
//! - 心理普查 / 测评 results: 学号, 姓名, date, instrument, score, result or 预警等级;
//! - trigger lists: 学业预警 / 试读, 奖励 / 处分, 家庭经济困难认定, 突发灾害或变故, 特殊群体, each row an
//!   event calling for the must-talk of its category;
//! - observers' reports (班级心理晴雨表, 寝室长 reports): class or dorm, reporter, student, what was
//!   observed, date.
//!
//! Reading is pure: whether a 学号 is in the archive is the session's question
//! (`Session::import_list`).

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::read::{self, Cell, Grid, GridRow};
use super::values::{self, Bad};
use super::{header::header_key, RosterError, RowError, RowErrorReason, SheetRead, SheetSkip};
use crate::model::{MustTalkEvent, Observation, Screening, ScreeningResult, TalkCategory};

/// The kinds of list, with the command line's names.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListKind {
    /// 心理普查 / 测评 results.
    Screening,
    /// 学业预警 / 退学试读.
    Academic,
    /// 奖励 / 批评 / 处分.
    RewardDiscipline,
    /// 家庭经济困难认定.
    Hardship,
    /// 突发灾害或变故.
    Disaster,
    /// 特殊学生群体.
    SpecialGroup,
    /// 班级心理晴雨表, 寝室长 reports.
    Observations,
}

impl ListKind {
    /// Every kind.
    pub const ALL: [ListKind; 7] = [
        Self::Screening,
        Self::Academic,
        Self::RewardDiscipline,
        Self::Hardship,
        Self::Disaster,
        Self::SpecialGroup,
        Self::Observations,
    ];

    /// The command-line spelling.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Screening => "screening",
            Self::Academic => "academic",
            Self::RewardDiscipline => "reward-discipline",
            Self::Hardship => "hardship",
            Self::Disaster => "disaster",
            Self::SpecialGroup => "special-group",
            Self::Observations => "observations",
        }
    }

    /// Parses the command-line spelling.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The must-talk a row of this list calls for (trigger lists only).
    #[must_use]
    pub fn trigger(self) -> Option<TalkCategory> {
        match self {
            Self::Academic => Some(TalkCategory::Academic),
            Self::RewardDiscipline => Some(TalkCategory::RewardDiscipline),
            Self::Hardship | Self::Disaster => Some(TalkCategory::Hardship),
            Self::SpecialGroup => Some(TalkCategory::SpecialGroup),
            Self::Screening | Self::Observations => None,
        }
    }

    /// The list's Chinese name, which starts the note of each event it records.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Screening => "心理普查",
            Self::Academic => "学业预警",
            Self::RewardDiscipline => "奖励/处分",
            Self::Hardship => "家庭经济困难认定",
            Self::Disaster => "突发灾害或变故",
            Self::SpecialGroup => "特殊群体",
            Self::Observations => "观察员报告",
        }
    }
}

impl fmt::Display for ListKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A column of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    StudentNo,
    Name,
    Date,
    Instrument,
    Score,
    Result,
    /// What happened or was observed (事由, 内容, 备注 …).
    Text,
    /// Class or dorm.
    Place,
    Reporter,
}

impl Field {
    fn label(self) -> &'static str {
        match self {
            Field::StudentNo => "学号",
            Field::Name => "姓名",
            Field::Date => "日期",
            Field::Instrument => "量表",
            Field::Score => "得分",
            Field::Result => "结果",
            Field::Text => "内容",
            Field::Place => "班级/宿舍",
            Field::Reporter => "报告人",
        }
    }
}

/// Header names, in [`header_key`]'s form; the first column naming a field wins.
const ALIASES: &[(Field, &[&str])] = &[
    (
        Field::StudentNo,
        &["学号", "学生学号", "学籍号", "学生编号"],
    ),
    (Field::Name, &["姓名", "学生姓名"]),
    (
        Field::Date,
        &[
            "日期",
            "时间",
            "测评日期",
            "测评时间",
            "施测日期",
            "普查日期",
            "测试日期",
            "预警日期",
            "预警时间",
            "发布日期",
            "处分日期",
            "奖励日期",
            "获奖日期",
            "奖惩日期",
            "认定日期",
            "认定时间",
            "发生日期",
            "发生时间",
            "报告日期",
            "上报日期",
            "上报时间",
            "记录日期",
            "观察日期",
            "处理日期",
            "纳入日期",
        ],
    ),
    (
        Field::Instrument,
        &[
            "量表",
            "测评量表",
            "测评工具",
            "测评问卷",
            "问卷",
            "测评项目",
            "测评名称",
            "测评类型",
        ],
    ),
    (
        Field::Score,
        &[
            "得分",
            "总分",
            "分数",
            "测评得分",
            "量表得分",
            "总均分",
            "得分(总分)",
        ],
    ),
    (
        Field::Result,
        &[
            "结果",
            "测评结果",
            "筛查结果",
            "普查结果",
            "预警等级",
            "预警级别",
            "风险等级",
            "等级",
            "结论",
        ],
    ),
    (
        Field::Text,
        &[
            "事由",
            "原因",
            "说明",
            "情况",
            "内容",
            "事件",
            "情况说明",
            "具体情况",
            "预警原因",
            "预警类型",
            "预警内容",
            "处分类型",
            "处分事由",
            "奖励名称",
            "奖励类型",
            "奖惩类型",
            "奖惩内容",
            "认定等级",
            "困难等级",
            "困难类型",
            "群体类别",
            "特殊群体类别",
            "类别",
            "类型",
            "观察内容",
            "异常情况",
            "异常表现",
            "表现",
            "反映情况",
            "备注",
        ],
    ),
    (
        Field::Place,
        &[
            "班级",
            "行政班",
            "班级名称",
            "宿舍",
            "寝室",
            "宿舍号",
            "寝室号",
        ],
    ),
    (
        Field::Reporter,
        &[
            "报告人",
            "上报人",
            "填报人",
            "反映人",
            "观察员",
            "心理委员",
            "寝室长",
        ],
    ),
];

/// The fields a list's header row must name.
fn required(kind: ListKind) -> &'static [Field] {
    match kind {
        ListKind::Screening => &[Field::StudentNo, Field::Date, Field::Result],
        ListKind::Observations => &[Field::StudentNo, Field::Date, Field::Text],
        _ => &[Field::StudentNo, Field::Date],
    }
}

fn field_for(text: &str) -> Option<Field> {
    let key = header_key(text);
    let exact = |k: &str| {
        ALIASES
            .iter()
            .find(|(_, names)| names.contains(&k))
            .map(|(f, _)| *f)
    };
    exact(&key).or_else(|| {
        // "日期(YYYY-MM-DD)", "得分(SCL-90)": the name before a trailing parenthesis.
        key.strip_suffix(')')
            .and_then(|k| k.rsplit_once('('))
            .and_then(|(base, _)| exact(base))
    })
}

/// One row of a list, read.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListEntry {
    /// The worksheet (empty for CSV).
    pub sheet: String,
    /// 1-based row number as Excel shows it.
    pub row: u32,
    /// 学号, normalised.
    pub student_no: String,
    /// 姓名 as the list gives it (empty when it has no such column).
    pub name: String,
    /// The day of the result, event or observation.
    #[typeshare(serialized_as = "String")]
    pub date: NaiveDate,
    /// What the row says.
    pub body: ListBody,
}

/// What a list row records.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum ListBody {
    /// A screening result, one record.
    Screening(Screening),
    /// A must-talk trigger, one record.
    Event(MustTalkEvent),
    /// An observer's report, for the triage inbox.
    Observation(Observation),
}

/// A list read: its sheets, its rows, its refused rows.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListParse {
    /// The kind of list.
    pub kind: ListKind,
    /// Every worksheet and what became of it.
    pub sheets: Vec<SheetRead>,
    /// Rows read, in file order.
    pub entries: Vec<ListEntry>,
    /// Rows refused, in file order.
    pub errors: Vec<RowError>,
}

/// The band a result or 预警等级 cell names. Levels follow the usual reading of school screening
/// sheets: 一级 the most severe, 三级 the mildest.
fn result_of(text: &str) -> Option<ScreeningResult> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["无异常", "未见异常", "无预警", "未预警"]) {
        Some(ScreeningResult::Normal)
    } else if has(&["重度", "严重", "一级", "红"]) {
        Some(ScreeningResult::Severe)
    } else if has(&["中度", "二级", "橙"]) {
        Some(ScreeningResult::Moderate)
    } else if has(&["轻度", "三级", "黄", "关注", "异常", "预警"]) {
        Some(ScreeningResult::Mild)
    } else if has(&["正常", "无", "未见", "绿", "通过", "健康", "良好"]) || t == "-" {
        Some(ScreeningResult::Normal)
    } else {
        None
    }
}

/// Reads a list file of `kind` (.xlsx/.xls/.ods/.csv, every sheet).
///
/// # Errors
/// A [`RosterError`] when the file cannot be read at all, or no sheet has a header row with the
/// list's columns (`NoHeader`) or any row (`Empty`). Bad rows are in [`ListParse::errors`].
pub fn parse_file(path: &std::path::Path, kind: ListKind) -> Result<ListParse, RosterError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    read::Format::from_extension(&ext)?;
    let bytes = std::fs::read(path)?;
    parse_bytes(&ext, &bytes, kind)
}

/// [`parse_file`] on bytes; `name_or_ext` is a file name or an extension.
///
/// # Errors
/// As [`parse_file`].
pub fn parse_bytes(
    name_or_ext: &str,
    bytes: &[u8],
    kind: ListKind,
) -> Result<ListParse, RosterError> {
    let ext = match name_or_ext.rsplit_once('.') {
        Some((_, ext)) => ext,
        None => name_or_ext,
    }
    .to_ascii_lowercase();
    let sheets = read::read_sheets(read::Format::from_extension(&ext)?, bytes)?;
    let mut out = ListParse {
        kind,
        sheets: Vec::new(),
        entries: Vec::new(),
        errors: Vec::new(),
    };
    // The same row twice (a list pasted twice): the first is kept.
    let mut seen: HashMap<String, (String, u32)> = HashMap::new();
    for sheet in &sheets {
        let note = |header_row, why| SheetRead {
            name: sheet.name.clone(),
            header_row,
            rows: 0,
            errors: 0,
            skipped: Some(why),
        };
        let grid = match &sheet.grid {
            Err(()) => {
                out.sheets.push(note(None, SheetSkip::Unreadable));
                continue;
            }
            Ok(None) => {
                out.sheets.push(note(None, SheetSkip::Empty));
                continue;
            }
            Ok(Some(g)) => g,
        };
        let Some((header, columns)) = detect(grid, kind) else {
            out.sheets.push(note(None, SheetSkip::NoHeader));
            continue;
        };
        let header_row = grid.rows.get(header).map_or(0, |r| r.number);
        let (before_rows, before_errors) = (out.entries.len(), out.errors.len());
        for row in grid.rows.iter().skip(header + 1) {
            if row.is_footer()
                || columns
                    .iter()
                    .all(|(_, c, _)| grid.cell(row, *c).is_blank())
            {
                continue;
            }
            match read_row(grid, row, &columns, kind) {
                Ok(entry) => {
                    let key = serde_json::to_string(&(&entry.student_no, entry.date, &entry.body))
                        .unwrap_or_default();
                    if let Some((s, r)) = seen.get(&key) {
                        out.errors.push(RowError {
                            sheet: sheet.name.clone(),
                            row: row.number,
                            reason: RowErrorReason::DuplicateStudentNo,
                            detail: format!(
                                "the same entry as sheet '{s}' row {r}; the first occurrence is kept"
                            ),
                        });
                    } else {
                        seen.insert(key, (sheet.name.clone(), row.number));
                        out.entries.push(entry);
                    }
                }
                Err(mut errs) => out.errors.append(&mut errs),
            }
        }
        let rows = out.entries.len() - before_rows;
        let errors = out.errors.len() - before_errors;
        out.sheets.push(if rows + errors == 0 {
            note(Some(header_row), SheetSkip::NoRows)
        } else {
            SheetRead {
                name: sheet.name.clone(),
                header_row: Some(header_row),
                rows: u32::try_from(rows).unwrap_or(u32::MAX),
                errors: u32::try_from(errors).unwrap_or(u32::MAX),
                skipped: None,
            }
        });
    }
    if out.entries.is_empty() && out.errors.is_empty() {
        let has = |w: SheetSkip| out.sheets.iter().any(|n| n.skipped == Some(w));
        return Err(if has(SheetSkip::NoHeader) {
            RosterError::NoHeader
        } else {
            RosterError::Empty
        });
    }
    for e in &mut out.errors {
        e.sheet = entry_sheet(&sheets, &e.sheet);
    }
    for e in &mut out.entries {
        e.sheet = entry_sheet(&sheets, &e.sheet);
    }
    Ok(out)
}

/// CSV has no sheet names; a workbook's sheet names stay.
fn entry_sheet(sheets: &[read::Sheet], name: &str) -> String {
    if sheets.len() == 1 && sheets[0].name.is_empty() {
        String::new()
    } else {
        name.to_string()
    }
}

type Columns = Vec<(Field, u32, String)>;

/// The header row (index into `grid.rows`) and its columns with their labels for messages.
fn detect(grid: &Grid, kind: ListKind) -> Option<(usize, Columns)> {
    (0..grid.rows.len().min(30)).find_map(|i| {
        let row = &grid.rows[i];
        let mut columns: Columns = Vec::new();
        for (j, cell) in row.cells.iter().enumerate() {
            let Cell::Text(text) = cell else { continue };
            let Some(field) = field_for(text) else {
                continue;
            };
            if columns.iter().any(|(f, ..)| *f == field) {
                continue;
            }
            let column = grid
                .first_col
                .saturating_add(u32::try_from(j).unwrap_or(u32::MAX));
            let label = format!(
                "column {} ({})",
                super::rows::column_letter(column),
                field.label()
            );
            columns.push((field, column, label));
        }
        let ok = required(kind)
            .iter()
            .all(|f| columns.iter().any(|(c, ..)| c == f));
        ok.then_some((i, columns))
    })
}

/// One row read, or its errors.
fn read_row(
    grid: &Grid,
    row: &GridRow,
    columns: &Columns,
    kind: ListKind,
) -> Result<ListEntry, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut fail = |reason, detail: String| {
        errors.push(RowError {
            sheet: grid.sheet.clone(),
            row: row.number,
            reason,
            detail,
        });
    };
    let col = |f: Field| columns.iter().find(|(c, ..)| *c == f);
    let cell = |f: Field| col(f).map_or(&Cell::Empty, |(_, c, _)| grid.cell(row, *c));
    let label = |f: Field| col(f).map_or(String::new(), |(.., l)| l.clone());
    let mut refuse = |f: Field, bad: Bad, invalid: RowErrorReason| match bad {
        Bad::Formula => fail(
            RowErrorReason::FormulaError,
            format!("{} holds a formula error (such as #N/A)", label(f)),
        ),
        Bad::Invalid(why) => fail(invalid, format!("{}: {why}", label(f))),
    };
    let text = |f: Field, refuse: &mut dyn FnMut(Field, Bad, RowErrorReason)| {
        values::text(cell(f)).unwrap_or_else(|bad| {
            refuse(f, bad, RowErrorReason::FormulaError);
            String::new()
        })
    };
    let student_no = match values::student_no(cell(Field::StudentNo)) {
        Ok(Some(no)) => Some(no),
        Ok(None) => {
            refuse(
                Field::StudentNo,
                Bad::Invalid("is empty".into()),
                RowErrorReason::MissingStudentNo,
            );
            None
        }
        Err(bad) => {
            refuse(Field::StudentNo, bad, RowErrorReason::InvalidStudentNo);
            None
        }
    };
    let name = values::name(cell(Field::Name)).unwrap_or_else(|bad| {
        refuse(Field::Name, bad, RowErrorReason::FormulaError);
        String::new()
    });
    let date = match values::date(cell(Field::Date)) {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            refuse(
                Field::Date,
                Bad::Invalid("is empty".into()),
                RowErrorReason::MissingDate,
            );
            None
        }
        Err(bad) => {
            refuse(Field::Date, bad, RowErrorReason::InvalidDate);
            None
        }
    };
    let what = text(Field::Text, &mut refuse);
    let body = match kind {
        ListKind::Screening => {
            let shown = text(Field::Result, &mut refuse);
            match result_of(&shown) {
                Some(result) => Some(ListBody::Screening(Screening {
                    instrument: text(Field::Instrument, &mut refuse),
                    score: text(Field::Score, &mut refuse),
                    result,
                    // Every abnormal band calls for the follow-up interview (002 第八条(三):
                    // 轻中度异常学生约谈).
                    flagged: result != ScreeningResult::Normal,
                    notes: what,
                })),
                None => {
                    let why = if shown.is_empty() {
                        "is empty"
                    } else {
                        "is none of 正常, 轻度, 中度, 重度 (or 一级/二级/三级预警)"
                    };
                    refuse(
                        Field::Result,
                        Bad::Invalid(why.into()),
                        RowErrorReason::InvalidResult,
                    );
                    None
                }
            }
        }
        ListKind::Observations => {
            if what.is_empty() {
                refuse(
                    Field::Text,
                    Bad::Invalid("is empty".into()),
                    RowErrorReason::MissingText,
                );
                None
            } else {
                Some(ListBody::Observation(Observation {
                    reporter: text(Field::Reporter, &mut refuse),
                    place: text(Field::Place, &mut refuse),
                    text: what,
                    note: String::new(),
                }))
            }
        }
        _ => kind.trigger().map(|trigger| {
            ListBody::Event(MustTalkEvent {
                trigger,
                note: if what.is_empty() {
                    kind.label().to_string()
                } else {
                    format!("{}：{what}", kind.label())
                },
            })
        }),
    };
    match (student_no, date, body) {
        (Some(student_no), Some(date), Some(body)) if errors.is_empty() => Ok(ListEntry {
            sheet: grid.sheet.clone(),
            row: row.number,
            student_no,
            name,
            date,
            body,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str, kind: ListKind) -> ListParse {
        parse_bytes("csv", text.as_bytes(), kind).unwrap()
    }

    #[test]
    fn a_screening_sheet_under_a_title_is_read_with_its_bad_rows() {
        let p = csv(
            "2026年秋季心理普查结果,,,,,\n\
             学号,姓 名,测评日期,量表,总分,预警等级\n\
             2025010101,王芳,2026-09-20,SCL-90,210,二级预警\n\
             2025010102,李雷,2026/9/20,SCL-90,120,正常\n\
             2025010103,韩梅,,SCL-90,150,轻度\n\
             2025010104,赵四,2026-09-20,SCL-90,150,不知道\n\
             合计,,,,,\n",
            ListKind::Screening,
        );
        assert_eq!(p.entries.len(), 2);
        let ListBody::Screening(s) = &p.entries[0].body else {
            panic!("screening expected")
        };
        assert_eq!(s.result, ScreeningResult::Moderate);
        assert!(s.flagged);
        assert_eq!(s.instrument, "SCL-90");
        let ListBody::Screening(s) = &p.entries[1].body else {
            panic!("screening expected")
        };
        assert!(!s.flagged);
        let codes: Vec<(u32, &str)> = p.errors.iter().map(|e| (e.row, e.code())).collect();
        // The 合计 footer is no row.
        assert_eq!(codes, [(5, "missing_date"), (6, "invalid_result")]);
    }

    #[test]
    fn trigger_lists_give_events_of_their_category_and_a_list_pasted_twice_is_read_once() {
        let p = csv(
            "学号,姓名,预警日期,预警原因\n\
             2025010101,王芳,2026-10-08,不及格课程学分超过10分\n\
             2025010101,王芳,2026-10-08,不及格课程学分超过10分\n\
             2025010102,李雷,2026-10-08,\n",
            ListKind::Academic,
        );
        assert_eq!(p.entries.len(), 2);
        assert_eq!(
            p.entries[0].body,
            ListBody::Event(MustTalkEvent {
                trigger: TalkCategory::Academic,
                note: "学业预警：不及格课程学分超过10分".into()
            })
        );
        assert_eq!(
            p.entries[1].body,
            ListBody::Event(MustTalkEvent {
                trigger: TalkCategory::Academic,
                note: "学业预警".into()
            })
        );
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].code(), "duplicate_student_no");
        assert_eq!(p.errors[0].row, 3);
    }

    #[test]
    fn a_list_without_its_columns_has_no_header() {
        let e = parse_bytes(
            "csv",
            "学号,姓名\n2025010101,王芳\n".as_bytes(),
            ListKind::Academic,
        )
        .unwrap_err();
        assert_eq!(e.code(), "roster_no_header");
        let e = parse_bytes(
            "csv",
            "学号,日期\n2025010101,2026-10-01\n".as_bytes(),
            ListKind::Screening,
        )
        .unwrap_err();
        assert_eq!(e.code(), "roster_no_header");
    }

    #[test]
    fn observations_need_what_was_observed() {
        let p = csv(
            "班级,报告人,学号,姓名,观察内容,日期\n\
             计科2401,心理委员 张某,2025010101,王芳,连续三天未去上课,2026-11-02\n\
             计科2401,心理委员 张某,2025010102,李雷,,2026-11-02\n",
            ListKind::Observations,
        );
        assert_eq!(p.entries.len(), 1);
        let ListBody::Observation(o) = &p.entries[0].body else {
            panic!("observation expected")
        };
        assert_eq!(o.place, "计科2401");
        assert_eq!(o.reporter, "心理委员 张某");
        assert_eq!(p.errors[0].code(), "missing_text");
    }

    #[test]
    fn results_and_warning_levels_map_to_bands() {
        for (t, r) in [
            ("正常", ScreeningResult::Normal),
            ("无异常", ScreeningResult::Normal),
            ("轻度异常", ScreeningResult::Mild),
            ("三级预警", ScreeningResult::Mild),
            ("中度", ScreeningResult::Moderate),
            ("一级预警", ScreeningResult::Severe),
            ("重度异常", ScreeningResult::Severe),
        ] {
            assert_eq!(result_of(t), Some(r), "{t}");
        }
        assert_eq!(result_of("?"), None);
    }

    #[test]
    fn every_kind_round_trips_its_name() {
        for k in ListKind::ALL {
            assert_eq!(ListKind::parse(k.as_str()), Some(k));
        }
    }
}
