//! Reading typed values out of messy cells: numbers that are really text, dates in every form
//! offices type them, phone numbers, 学号.

use chrono::{Datelike, NaiveDate};
use unicode_normalization::UnicodeNormalization;

use super::read::Cell;
use crate::model::{DegreeLevel, Gender, StudentStatus};
use crate::normalize;

/// Why a cell was refused; the caller turns it into a row error naming the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Bad {
    /// A formula error cell.
    Formula,
    /// The value is wrong; the text explains how (and may quote a date, nothing else).
    Invalid(String),
}

/// Formats a number the way the office meant it: integers without `.0` or exponent.
pub(super) fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        // Exact: integral and far inside i64.
        #[allow(clippy::cast_possible_truncation)]
        let i = f as i64;
        i.to_string()
    } else {
        f.to_string()
    }
}

/// Removes the wrappers spreadsheets use to force text: `="0123"` and a leading apostrophe.
fn unwrap_forced_text(s: &str) -> &str {
    let t = s.trim();
    if let Some(inner) = t.strip_prefix("=\"").and_then(|r| r.strip_suffix('"')) {
        return inner;
    }
    t.strip_prefix('\'').unwrap_or(t)
}

/// The raw text of a cell (not yet normalised), `None` when empty.
pub(super) fn raw_text(cell: &Cell) -> Result<Option<String>, Bad> {
    let s = match cell {
        Cell::Empty => return Ok(None),
        Cell::Text(s) => unwrap_forced_text(s).to_string(),
        Cell::Number(f) => number_text(*f),
        Cell::Date(Some(d)) => d.format("%Y-%m-%d").to_string(),
        Cell::Date(None) => return Err(Bad::Invalid("a date cell holds no real date".into())),
        Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Cell::Error => return Err(Bad::Formula),
    };
    Ok((!s.chars().all(char::is_whitespace)).then_some(s))
}

/// Free text (college, class, address…): NFKC, spaces folded.
pub(super) fn text(cell: &Cell) -> Result<String, Bad> {
    Ok(raw_text(cell)?
        .map(|s| normalize::text(&s))
        .unwrap_or_default())
}

fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F | 0x00B7 | 0x30FB)
}

/// A person's name: as [`text`], and without the padding spaces offices put inside two-character
/// Chinese names to align them ("王　芳" → "王芳"). Spaces in Latin names stay.
pub(super) fn name(cell: &Cell) -> Result<String, Bad> {
    Ok(strip_cjk_padding(&text(cell)?))
}

fn strip_cjk_padding(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let prev = i.checked_sub(1).and_then(|j| chars.get(j));
            let next = chars.get(i + 1);
            if prev.is_some_and(|p| is_cjk(*p)) && next.is_some_and(|n| is_cjk(*n)) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// 学号: 4–20 of `[0-9A-Z]` after normalisation; numbers stored as numbers become their digits.
pub(super) fn student_no(cell: &Cell) -> Result<Option<String>, Bad> {
    if let Cell::Number(f) = cell {
        if !(f.is_finite() && f.fract() == 0.0 && *f >= 0.0) {
            return Err(Bad::Invalid(
                "is a number with a fraction; 学号 must be 4–20 letters or digits".into(),
            ));
        }
    }
    let Some(raw) = raw_text(cell)? else {
        return Ok(None);
    };
    let id = normalize::identifier(&raw);
    if id.is_empty() {
        return Ok(None);
    }
    let ok = (4..=20).contains(&id.chars().count())
        && id
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if ok {
        return Ok(Some(id));
    }
    let scientific = id.contains('E') && (id.contains('+') || id.contains('.'));
    Err(Bad::Invalid(if scientific {
        "looks like a number in scientific notation (e.g. 2.03E+09): format the 学号 column as text in Excel and export again".into()
    } else {
        "must be 4–20 letters or digits".into()
    }))
}

/// 性别; empty is allowed.
pub(super) fn gender(cell: &Cell) -> Result<Option<Gender>, Bad> {
    let Some(raw) = raw_text(cell)? else {
        return Ok(None);
    };
    let v = normalize::identifier(&raw).to_ascii_lowercase();
    match v.as_str() {
        "男" | "男性" | "m" | "male" => Ok(Some(Gender::Male)),
        "女" | "女性" | "f" | "female" => Ok(Some(Gender::Female)),
        _ => Err(Bad::Invalid("must be 男 or 女 (or M/F)".into())),
    }
}

/// 层次; empty means undergraduate (the default of the model).
pub(super) fn level(cell: &Cell) -> Result<DegreeLevel, Bad> {
    let Some(raw) = raw_text(cell)? else {
        return Ok(DegreeLevel::default());
    };
    let v = normalize::identifier(&raw).to_ascii_lowercase();
    if [
        "研究生",
        "硕士",
        "博士",
        "专硕",
        "学硕",
        "graduate",
        "postgraduate",
    ]
    .iter()
    .any(|k| v.contains(k))
    {
        Ok(DegreeLevel::Graduate)
    } else if ["本科", "专科", "高职", "专升本", "undergraduate"]
        .iter()
        .any(|k| v.contains(k))
    {
        Ok(DegreeLevel::Undergraduate)
    } else {
        Err(Bad::Invalid(
            "must be 本科, 专科, 硕士, 博士 or 研究生".into(),
        ))
    }
}

/// 学籍状态; empty means enrolled.
pub(super) fn status(cell: &Cell) -> Result<StudentStatus, Bad> {
    let Some(raw) = raw_text(cell)? else {
        return Ok(StudentStatus::default());
    };
    let v = normalize::identifier(&raw);
    let s = match v.as_str() {
        "在读" | "在校" | "在籍" | "正常" | "注册" | "已注册" | "复学" => {
            StudentStatus::Enrolled
        }
        "休学" | "保留学籍" => StudentStatus::OnLeave,
        "毕业" | "已毕业" | "结业" => StudentStatus::Graduated,
        "退学" | "已退学" => StudentStatus::Withdrawn,
        "转学" | "转出" | "已转学" => StudentStatus::Transferred,
        _ => {
            return Err(Bad::Invalid(
                "must be 在读, 休学, 毕业, 退学 or 转学".into(),
            ))
        }
    };
    Ok(s)
}

/// 年级: "2025", "2025级" and 2025.0 all give "2025"; other text is kept as written.
pub(super) fn grade(cell: &Cell) -> Result<String, Bad> {
    let t = text(cell)?;
    match t.strip_suffix('级') {
        Some(year) if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(year.to_string())
        }
        _ => Ok(t),
    }
}

const MIN_YEAR: i32 = 1900;
const MAX_YEAR: i32 = 2100;

fn checked_date(y: i32, m: u32, d: u32, shown: &str) -> Result<NaiveDate, Bad> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&y) {
        return Err(Bad::Invalid(format!(
            "date '{shown}' has a year outside {MIN_YEAR}–{MAX_YEAR}"
        )));
    }
    NaiveDate::from_ymd_opt(y, m, d)
        .ok_or_else(|| Bad::Invalid(format!("date '{shown}' is not a real date")))
}

/// An Excel serial day number in the 1900 date system (with its fictitious 1900-02-29).
fn serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)]
    let days = serial.floor() as i64;
    let (epoch, days) = match days {
        60 => return None,
        d if d > 60 => (NaiveDate::from_ymd_opt(1899, 12, 30)?, d),
        d => (NaiveDate::from_ymd_opt(1899, 12, 31)?, d),
    };
    epoch.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

fn digits_date(digits: &str, shown: &str) -> Option<Result<NaiveDate, Bad>> {
    let num = |r: std::ops::Range<usize>| digits.get(r).and_then(|s| s.parse::<u32>().ok());
    match digits.len() {
        // 20050307
        8 => {
            let y = i32::try_from(num(0..4)?).ok()?;
            Some(checked_date(y, num(4..6)?, num(6..8)?, shown))
        }
        // 200503: 出生年月 without a day; the first of the month.
        6 => {
            let y = i32::try_from(num(0..4)?).ok()?;
            Some(checked_date(y, num(4..6)?, 1, shown))
        }
        // An Excel serial that lost its date format (e.g. 38418).
        5 => {
            let serial = f64::from(num(0..5)?);
            Some(
                serial_date(serial)
                    .ok_or_else(|| Bad::Invalid(format!("date '{shown}' is not a real date"))),
            )
        }
        _ => None,
    }
}

fn text_date(raw: &str) -> Result<NaiveDate, Bad> {
    let nfkc: String = raw.nfkc().collect();
    let trimmed = nfkc.trim();
    // Drop a time part: "2005-03-07 00:00:00", "2005-03-07T00:00:00".
    let date_part = trimmed
        .split(|c: char| c.is_whitespace() || c == 'T')
        .next()
        .unwrap_or_default();
    let shown: String = trimmed.chars().take(20).collect();
    let bad_form = || {
        Bad::Invalid(format!(
            "date '{shown}' is not in a known form (e.g. 2005-03-07, 2005/3/7, 2005年3月7日, 20050307)"
        ))
    };
    if date_part.bytes().all(|b| b.is_ascii_digit()) {
        return digits_date(date_part, &shown).unwrap_or_else(|| Err(bad_form()));
    }
    let unified: String = date_part
        .trim_end_matches('日')
        .trim_end_matches('号')
        .chars()
        .map(|c| match c {
            '年' | '月' | '/' | '.' => '-',
            c => c,
        })
        .collect();
    let parts: Vec<&str> = unified.trim_end_matches('-').split('-').collect();
    let nums: Option<Vec<u32>> = parts
        .iter()
        .map(|p| {
            if p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect();
    let nums = nums.ok_or_else(bad_form)?;
    if parts.first().is_none_or(|y| y.len() != 4) {
        return Err(bad_form());
    }
    let y = i32::try_from(nums[0]).map_err(|_| bad_form())?;
    match nums.as_slice() {
        [_, m, d] => checked_date(y, *m, *d, &shown),
        // "2005-03", "2005年3月": 出生年月 without a day; the first of the month.
        [_, m] => checked_date(y, *m, 1, &shown),
        _ => Err(bad_form()),
    }
}

/// 出生日期 from a date cell, an Excel serial, or text in the forms offices type.
pub(super) fn date(cell: &Cell) -> Result<Option<NaiveDate>, Bad> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Error => Err(Bad::Formula),
        Cell::Date(Some(d)) => {
            let s = d.format("%Y-%m-%d").to_string();
            checked_date(d.year(), d.month(), d.day(), &s).map(Some)
        }
        Cell::Date(None) => Err(Bad::Invalid("the date cell holds no real date".into())),
        Cell::Number(f) => {
            let shown = number_text(*f);
            if f.fract() == 0.0 {
                if let Some(r) = digits_date(&shown, &shown) {
                    return r.map(Some);
                }
            }
            // A date-time serial that lost its format (38418.5); smaller numbers are no birth date.
            match serial_date(*f) {
                Some(d) if (10_000.0..100_000.0).contains(f) => {
                    checked_date(d.year(), d.month(), d.day(), &shown).map(Some)
                }
                _ => Err(Bad::Invalid(format!("date '{shown}' is not a date"))),
            }
        }
        Cell::Bool(_) => Err(Bad::Invalid("a true/false cell is not a date".into())),
        Cell::Text(s) => {
            if s.chars().all(char::is_whitespace) {
                Ok(None)
            } else {
                text_date(unwrap_forced_text(s)).map(Some)
            }
        }
    }
}

/// A phone number: an 11-digit mobile starting with 1, a landline (7–12 digits, dashes and
/// parentheses allowed, not starting with 1), or an international number with `+`/`00`.
/// Mobiles are stored as bare digits; others as [`normalize::phone`] gives them.
pub(super) fn phone_value(raw: &str) -> Result<String, Bad> {
    let s: String = unwrap_forced_text(raw)
        .nfkc()
        .filter(|c| !c.is_whitespace())
        .collect();
    let bad = || {
        Bad::Invalid("must be an 11-digit mobile number, a landline with area code, or +86…".into())
    };
    let allowed = s
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, '-' | '(' | ')') || (c == '+' && i == 0));
    if !allowed {
        return Err(bad());
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let international = s.starts_with('+') || s.starts_with("00");
    if international {
        let rest = if s.starts_with('+') {
            digits.as_str()
        } else {
            digits.get(2..).unwrap_or_default()
        };
        if let Some(national) = rest.strip_prefix("86") {
            let mobile = national.len() == 11 && national.starts_with('1');
            let landline = (7..=12).contains(&national.len()) && !national.starts_with('1');
            return if mobile || landline {
                Ok(format!("+86{national}"))
            } else {
                Err(bad())
            };
        }
        return if (7..=15).contains(&rest.len()) {
            Ok(format!("+{rest}"))
        } else {
            Err(bad())
        };
    }
    if digits.len() == 11 && digits.starts_with('1') {
        return Ok(digits);
    }
    if (7..=12).contains(&digits.len()) && !digits.starts_with('1') {
        return Ok(normalize::phone(&s));
    }
    Err(bad())
}

/// [`phone_value`] of a cell; empty is allowed.
pub(super) fn phone(cell: &Cell) -> Result<Option<String>, Bad> {
    match raw_text(cell)? {
        None => Ok(None),
        Some(raw) => phone_value(&raw).map(Some),
    }
}

/// Splits a cell listing several guardians ("张伟;李娜", "张伟、李娜", "张伟/李娜"). Empty entries
/// between separators are kept so that the lists of names and phones stay aligned; an empty
/// cell gives an empty list.
pub(super) fn split_list(s: &str) -> Vec<String> {
    let nfkc: String = s.nfkc().collect();
    let parts: Vec<String> = nfkc
        .split([';', '、', '/', '|', ',', '\n'])
        .map(normalize::text)
        .collect();
    if parts.iter().all(String::is_empty) {
        Vec::new()
    } else {
        parts
    }
}
