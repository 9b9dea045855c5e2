//! The roster importer: the student lists (名单) that colleges keep in Excel/WPS, read into
//! [`StudentProfile`]s with a row-level report of what could not be imported.
//!
//! Offices send `.xlsx`, `.xls` and `.csv` files (UTF-8 with or without BOM, GBK as Chinese Excel
//! saves it, or UTF-16 "Unicode text"). The header row is found wherever it is in the first 30 rows
//! (a merged title such as "2025级新生名单" and blank rows often sit above it), columns are matched by
//! their Chinese names and aliases, and every cell goes through [`crate::normalize`]. A row is either
//! imported whole or reported with its spreadsheet row number and a stable error code; it is never
//! imported partially.
//!
//! Rules worth knowing when reading the results:
//! - A row whose mapped cells are all empty is skipped silently (also when an ignored column such
//!   as 序号 is filled down below the data).
//! - The first row carrying a valid 学号 claims it, even when that row is rejected for another
//!   reason; every later row with the same 学号 is a `duplicate_student_no` naming that first row.
//! - A 出生年月 with no day ("2005-03", "2005年3月", 200503) gives the first of the month.
//! - Mobile numbers are stored as 11 bare digits, landlines as typed with their dashes, +86 numbers
//!   as `+86` and the digits.
//! - Several guardians in one cell ("张伟；李娜" with "139…；138…") give several guardians; a guardian
//!   without a relation gets "家长".
//!
//! Privacy: [`RosterError`] never carries cell contents; [`RowError::detail`] names the column and
//! the row, and only echoes a value for dates.
//!
//! [`write_xlsx`] writes the standard layout that [`parse_file`] reads back losslessly.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use crate::model::StudentProfile;

mod biff;
mod cfb;
mod header;
pub mod lists;
mod read;
mod rows;
mod sheets;
mod values;
mod write;

#[cfg(test)]
mod tests;

pub use write::write_xlsx;

/// A roster column that maps to a part of [`StudentProfile`].
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterField {
    /// 学号
    StudentNo,
    /// 姓名
    Name,
    /// 性别
    Gender,
    /// 出生日期
    BirthDate,
    /// 学院
    College,
    /// 专业
    Major,
    /// 班级
    ClassName,
    /// 宿舍
    Dorm,
    /// 年级
    Grade,
    /// 层次 (本科 / 研究生)
    Level,
    /// 学籍状态
    Status,
    /// 联系电话 (the student's own)
    Phone,
    /// 家庭住址 / 籍贯
    HomeAddress,
    /// 家长姓名
    GuardianName,
    /// 家长关系
    GuardianRelation,
    /// 家长电话
    GuardianPhone,
}

impl RosterField {
    /// Every field, in the order of the standard roster layout written by [`write_xlsx`].
    pub const ALL: [RosterField; 16] = [
        RosterField::StudentNo,
        RosterField::Name,
        RosterField::Gender,
        RosterField::BirthDate,
        RosterField::College,
        RosterField::Major,
        RosterField::ClassName,
        RosterField::Dorm,
        RosterField::Grade,
        RosterField::Level,
        RosterField::Status,
        RosterField::Phone,
        RosterField::HomeAddress,
        RosterField::GuardianName,
        RosterField::GuardianRelation,
        RosterField::GuardianPhone,
    ];

    /// The standard Chinese column header, as [`write_xlsx`] writes it.
    #[must_use]
    pub fn header(self) -> &'static str {
        match self {
            RosterField::StudentNo => "学号",
            RosterField::Name => "姓名",
            RosterField::Gender => "性别",
            RosterField::BirthDate => "出生日期",
            RosterField::College => "学院",
            RosterField::Major => "专业",
            RosterField::ClassName => "班级",
            RosterField::Dorm => "宿舍",
            RosterField::Grade => "年级",
            RosterField::Level => "层次",
            RosterField::Status => "学籍状态",
            RosterField::Phone => "联系电话",
            RosterField::HomeAddress => "家庭住址",
            RosterField::GuardianName => "家长姓名",
            RosterField::GuardianRelation => "家长关系",
            RosterField::GuardianPhone => "家长电话",
        }
    }
}

/// How one column of the header row was understood.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// Column index, 0-based from column A (A = 0, B = 1, …).
    pub column: u32,
    /// The header text as found (normalised: NFKC, spaces folded). Empty for a column that only an
    /// override named.
    pub header: String,
    /// The field the column feeds, or `None` when it is ignored.
    pub field: Option<RosterField>,
}

/// One imported student and the row it came from.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    /// 1-based row number as Excel shows it (for CSV: the record number, as Excel would show it).
    pub row: u32,
    /// The student.
    pub profile: StudentProfile,
}

/// Why a row was not imported. Each has a stable [`code`](RowErrorReason::code) that the UI maps
/// to a Chinese message.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowErrorReason {
    /// The 学号 cell is empty.
    MissingStudentNo,
    /// The 姓名 cell is empty.
    MissingName,
    /// The 学号 already appeared in an earlier row (which is the one kept).
    DuplicateStudentNo,
    /// The 学号 is not 4–20 letters or digits.
    InvalidStudentNo,
    /// A date is not in a known form, or is not a real date.
    InvalidDate,
    /// A phone number is neither a mobile, a landline with area code, nor +86….
    InvalidPhone,
    /// 性别 is not 男/女/M/F.
    InvalidGender,
    /// 层次 is not 本科/专科/研究生/硕士/博士.
    InvalidLevel,
    /// 学籍状态 is not 在读/休学/毕业/退学/转学.
    InvalidStatus,
    /// A cell holds a formula error such as `#N/A`.
    FormulaError,
    /// The 学号 names no student of the archive (lists only add to existing files).
    UnknownStudent,
    /// The 姓名 differs from the archive's for that 学号.
    NameMismatch,
    /// A list row without its date.
    MissingDate,
    /// A screening result that is none of the known bands.
    InvalidResult,
    /// A list row without what happened or was observed.
    MissingText,
}

impl RowErrorReason {
    /// The stable code, e.g. `"duplicate_student_no"`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            RowErrorReason::MissingStudentNo => "missing_student_no",
            RowErrorReason::MissingName => "missing_name",
            RowErrorReason::DuplicateStudentNo => "duplicate_student_no",
            RowErrorReason::InvalidStudentNo => "invalid_student_no",
            RowErrorReason::InvalidDate => "invalid_date",
            RowErrorReason::InvalidPhone => "invalid_phone",
            RowErrorReason::InvalidGender => "invalid_gender",
            RowErrorReason::InvalidLevel => "invalid_level",
            RowErrorReason::InvalidStatus => "invalid_status",
            RowErrorReason::FormulaError => "formula_error",
            RowErrorReason::UnknownStudent => "unknown_student",
            RowErrorReason::NameMismatch => "name_mismatch",
            RowErrorReason::MissingDate => "missing_date",
            RowErrorReason::InvalidResult => "invalid_result",
            RowErrorReason::MissingText => "missing_text",
        }
    }
}

impl fmt::Display for RowErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RowErrorReason::MissingStudentNo => "missing student number",
            RowErrorReason::MissingName => "missing name",
            RowErrorReason::DuplicateStudentNo => "duplicate student number",
            RowErrorReason::InvalidStudentNo => "invalid student number",
            RowErrorReason::InvalidDate => "invalid date",
            RowErrorReason::InvalidPhone => "invalid phone number",
            RowErrorReason::InvalidGender => "invalid gender",
            RowErrorReason::InvalidLevel => "invalid degree level",
            RowErrorReason::InvalidStatus => "invalid enrolment status",
            RowErrorReason::FormulaError => "formula error in a cell",
            RowErrorReason::UnknownStudent => "student not in the archive",
            RowErrorReason::NameMismatch => "name differs from the archive",
            RowErrorReason::MissingDate => "missing date",
            RowErrorReason::InvalidResult => "unknown screening result",
            RowErrorReason::MissingText => "missing text",
        })
    }
}

/// A row that was not imported, and why. A row may have several; it is skipped as a whole.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The worksheet, when the file had more than one (empty otherwise).
    #[serde(default)]
    pub sheet: String,
    /// 1-based row number as Excel shows it.
    pub row: u32,
    /// The reason, with a stable code.
    pub reason: RowErrorReason,
    /// English detail naming the column; no names or phone numbers.
    pub detail: String,
}

impl RowError {
    /// The stable code of the reason, e.g. `"invalid_date"`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.reason.code()
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sheet.is_empty() {
            write!(f, "row {}: {}", self.row, self.detail)
        } else {
            write!(
                f,
                "sheet '{}' row {}: {}",
                self.sheet, self.row, self.detail
            )
        }
    }
}

/// The result of reading a roster: the mapping a UI previews, the students, and the rejected rows.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterParse {
    /// The first worksheet read (empty for CSV); every sheet is in `sheets`.
    pub sheet: String,
    /// Every worksheet of the file and what became of it, so none is skipped without a word.
    #[serde(default)]
    pub sheets: Vec<SheetRead>,
    /// 1-based row number of the header row.
    pub header_row: u32,
    /// Every non-empty header cell (and every column an override named), left to right.
    pub columns: Vec<ColumnMapping>,
    /// Imported students, in file order.
    pub rows: Vec<RosterRow>,
    /// Rejected rows, in file order.
    pub errors: Vec<RowError>,
    /// Header texts of the columns that feed no field.
    pub ignored_columns: Vec<String>,
}

impl RosterParse {
    /// The column (0-based from A) that feeds `field`, if any.
    #[must_use]
    pub fn column_of(&self, field: RosterField) -> Option<u32> {
        self.columns
            .iter()
            .find(|c| c.field == Some(field))
            .map(|c| c.column)
    }
}

/// Why a worksheet gave nothing.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetSkip {
    /// No cells at all.
    Empty,
    /// No header row with the columns the file needs (a notes sheet, a chart's data).
    NoHeader,
    /// A header but no data rows below it.
    NoRows,
    /// The sheet is damaged.
    Unreadable,
}

impl SheetSkip {
    /// English, for the command line.
    #[must_use]
    pub fn text(self) -> &'static str {
        match self {
            SheetSkip::Empty => "empty",
            SheetSkip::NoHeader => "no header row with the required columns",
            SheetSkip::NoRows => "a header but no rows",
            SheetSkip::Unreadable => "damaged, could not be read",
        }
    }
}

/// One worksheet of the file and what was read of it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SheetRead {
    /// The sheet's name (empty for CSV).
    pub name: String,
    /// 1-based header row, when one was found.
    pub header_row: Option<u32>,
    /// Rows read from it.
    pub rows: u32,
    /// Rows refused.
    pub errors: u32,
    /// Why it gave nothing, when it did.
    pub skipped: Option<SheetSkip>,
}

impl fmt::Display for SheetRead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = if self.name.is_empty() {
            "(text)"
        } else {
            &self.name
        };
        match self.skipped {
            Some(why) => write!(f, "sheet '{name}': skipped, {}", why.text()),
            None => write!(
                f,
                "sheet '{name}': {} rows read, {} refused",
                self.rows, self.errors
            ),
        }
    }
}

/// One column assignment chosen in the UI's column-mapping step.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnOverride {
    /// Column index, 0-based from column A.
    pub column: u32,
    /// The field it feeds, or `None` to ignore the column.
    pub field: Option<RosterField>,
}

/// Corrections to the detected layout. A field assigned to a column is taken away from any other
/// column, so each field has at most one column.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ColumnOverrides {
    /// 1-based row number of the header row; `None` detects it.
    pub header_row: Option<u32>,
    /// Column assignments, applied in order after detection.
    pub columns: Vec<ColumnOverride>,
}

/// A roster file that cannot be read at all. Messages carry no cell contents.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RosterError {
    /// The file could not be opened or read.
    #[error("could not read the roster file: {0}")]
    Io(#[from] std::io::Error),
    /// Not a spreadsheet, or a damaged or password-protected one.
    #[error("the roster file cannot be read: {0}")]
    Unreadable(&'static str),
    /// An extension that is not .xlsx, .xlsm, .xls, .ods, .csv, .tsv or .txt.
    #[error("unsupported roster format '{extension}': use .xlsx, .xls or .csv")]
    UnsupportedFormat {
        /// The extension given, lower case.
        extension: String,
    },
    /// No row in the first 30 has both a 学号 and a 姓名 column.
    #[error(
        "no header row found: none of the first 30 rows has both a 学号 (student number) and a 姓名 (name) column"
    )]
    NoHeader,
    /// The file, or its sheet below the header, holds no student rows.
    #[error("the roster contains no student rows")]
    Empty,
    /// A legacy .xls whose reading would take more memory than XinDang allows (damaged, hostile,
    /// or far larger than a roster): calamine would abort the process on it.
    #[error(
        "the workbook is too large to read safely: its sheets would take over 1 GB of memory (damaged, or far more than a roster); keep only the roster sheet or save it as .xlsx or .csv"
    )]
    TooLarge,
    /// Writing a roster workbook failed.
    #[error("could not write the roster workbook")]
    Write(#[source] rust_xlsxwriter::XlsxError),
}

impl RosterError {
    /// The stable code, e.g. `"roster_no_header"`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RosterError::Io(_) => "roster_io",
            RosterError::Unreadable(_) => "roster_unreadable",
            RosterError::UnsupportedFormat { .. } => "roster_unsupported_format",
            RosterError::NoHeader => "roster_no_header",
            RosterError::Empty => "roster_empty",
            RosterError::TooLarge => "roster_too_large",
            RosterError::Write(_) => "roster_write",
        }
    }
}

/// Reads a roster file, choosing the reader by extension (.xlsx/.xlsm, .xls, .ods, .csv/.tsv/.txt)
/// and checking it against the content (an .xls that is really an .xlsx is read as one).
///
/// # Errors
/// A [`RosterError`] when the file cannot be read at all: unsupported extension, I/O error, not
/// a spreadsheet or damaged, no header row, no student rows. Bad rows are not errors: they are
/// reported in [`RosterParse::errors`].
pub fn parse_file(path: &Path) -> Result<RosterParse, RosterError> {
    parse_file_with(path, &ColumnOverrides::default())
}

/// [`parse_file`] with the layout corrected by the caller (the UI's column-mapping step).
///
/// # Errors
/// A [`RosterError`] when the file cannot be read at all: unsupported extension, I/O error, not
/// a spreadsheet or damaged, no header row, no student rows. Bad rows are not errors: they are
/// reported in [`RosterParse::errors`].
pub fn parse_file_with(
    path: &Path,
    overrides: &ColumnOverrides,
) -> Result<RosterParse, RosterError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    // Refuse unknown formats before reading a possibly large file.
    read::Format::from_extension(&ext)?;
    let bytes = std::fs::read(path)?;
    parse_bytes_with(&ext, &bytes, overrides)
}

/// Reads a roster held in memory. `name_or_ext` is a file name (`"名单.xlsx"`) or an extension
/// (`"xlsx"`, `".csv"`).
///
/// # Errors
/// A [`RosterError`] when the file cannot be read at all: unsupported extension, I/O error, not
/// a spreadsheet or damaged, no header row, no student rows. Bad rows are not errors: they are
/// reported in [`RosterParse::errors`].
pub fn parse_bytes(name_or_ext: &str, bytes: &[u8]) -> Result<RosterParse, RosterError> {
    parse_bytes_with(name_or_ext, bytes, &ColumnOverrides::default())
}

/// [`parse_bytes`] with the layout corrected by the caller.
///
/// # Errors
/// A [`RosterError`] when the file cannot be read at all: unsupported extension, I/O error, not
/// a spreadsheet or damaged, no header row, no student rows. Bad rows are not errors: they are
/// reported in [`RosterParse::errors`].
pub fn parse_bytes_with(
    name_or_ext: &str,
    bytes: &[u8],
    overrides: &ColumnOverrides,
) -> Result<RosterParse, RosterError> {
    let ext = match name_or_ext.rsplit_once('.') {
        Some((_, ext)) => ext,
        None => name_or_ext,
    }
    .to_ascii_lowercase();
    let format = read::Format::from_extension(&ext)?;
    let sheets = read::read_sheets(format, bytes)?;
    sheets::parse_sheets(&sheets, overrides)
}
