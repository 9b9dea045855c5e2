//! Every worksheet of a roster workbook: each is parsed on its own (offices keep one sheet per
//! class), the results joined, and each sheet named with what became of it, so none is skipped
//! without a word.

use std::collections::HashMap;

use super::read::Sheet;
use super::{
    rows, ColumnOverrides, RosterError, RosterParse, RowErrorReason, SheetRead, SheetSkip,
};

/// A sheet that gave nothing.
fn skipped(name: &str, header_row: Option<u32>, why: SheetSkip) -> SheetRead {
    SheetRead {
        name: name.to_string(),
        header_row,
        rows: 0,
        errors: 0,
        skipped: Some(why),
    }
}

/// Parses every sheet and joins the results. A 学号 already read from an earlier sheet is a
/// `duplicate_student_no` of the later row, as within one sheet.
///
/// # Errors
/// `NoHeader` when no sheet has a header row, `Unreadable` when the sheets that might have
/// one could not be read, `Empty` when no sheet has a row below its header.
pub(super) fn parse_sheets(
    sheets: &[Sheet],
    overrides: &ColumnOverrides,
) -> Result<RosterParse, RosterError> {
    let mut joined: Option<RosterParse> = None;
    let mut notes = Vec::with_capacity(sheets.len());
    let mut seen: HashMap<String, (String, u32)> = HashMap::new();
    for sheet in sheets {
        let grid = match &sheet.grid {
            Err(()) => {
                notes.push(skipped(&sheet.name, None, SheetSkip::Unreadable));
                continue;
            }
            Ok(None) => {
                notes.push(skipped(&sheet.name, None, SheetSkip::Empty));
                continue;
            }
            Ok(Some(grid)) => grid,
        };
        let mut part = match rows::parse_grid(grid, overrides) {
            Ok(p) => p,
            Err(RosterError::NoHeader) => {
                notes.push(skipped(&sheet.name, None, SheetSkip::NoHeader));
                continue;
            }
            Err(RosterError::Empty) => {
                notes.push(skipped(&sheet.name, None, SheetSkip::NoRows));
                continue;
            }
            Err(e) => return Err(e),
        };
        for e in &mut part.errors {
            e.sheet.clone_from(&sheet.name);
        }
        // A student listed in two sheets: the first sheet's row is kept.
        let mut kept = Vec::with_capacity(part.rows.len());
        for r in part.rows.drain(..) {
            let no = r.profile.student_no.clone();
            if let Some((first_sheet, first_row)) = seen.get(&no) {
                part.errors.push(super::RowError {
                    sheet: sheet.name.clone(),
                    row: r.row,
                    reason: RowErrorReason::DuplicateStudentNo,
                    detail: format!(
                        "the student number already appears in sheet '{first_sheet}' row {first_row}; the first occurrence is kept"
                    ),
                });
            } else {
                seen.insert(no, (sheet.name.clone(), r.row));
                kept.push(r);
            }
        }
        part.rows = kept;
        part.errors.sort_by_key(|e| e.row);
        notes.push(SheetRead {
            name: sheet.name.clone(),
            header_row: Some(part.header_row),
            rows: u32::try_from(part.rows.len()).unwrap_or(u32::MAX),
            errors: u32::try_from(part.errors.len()).unwrap_or(u32::MAX),
            skipped: None,
        });
        match &mut joined {
            None => joined = Some(part),
            Some(j) => {
                // Columns of a field the first sheet lacks still count for the merge.
                for c in part.columns {
                    if c.field.is_some() && !j.columns.iter().any(|o| o.field == c.field) {
                        j.columns.push(c);
                    }
                }
                j.rows.append(&mut part.rows);
                j.errors.append(&mut part.errors);
                for i in part.ignored_columns {
                    if !j.ignored_columns.contains(&i) {
                        j.ignored_columns.push(i);
                    }
                }
            }
        }
    }
    let Some(mut out) = joined else {
        let has = |w: SheetSkip| notes.iter().any(|n| n.skipped == Some(w));
        return Err(if has(SheetSkip::NoHeader) {
            RosterError::NoHeader
        } else if has(SheetSkip::Unreadable) {
            RosterError::Unreadable(
                "the workbook is damaged, password-protected or not a spreadsheet",
            )
        } else {
            RosterError::Empty
        });
    };
    // One sheet read: row numbers say enough, as before.
    if notes.iter().filter(|n| n.skipped.is_none()).count() == 1 {
        for e in &mut out.errors {
            e.sheet.clear();
        }
    }
    out.sheets = notes;
    Ok(out)
}
