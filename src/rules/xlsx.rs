//! Writing the workbooks the offices receive (reports, the grid table): titled sheets of text and
//! number cells with Chinese headers, which Excel, WPS and LibreOffice open alike.

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, Workbook, XlsxError};

use crate::error::{Error, Result};

/// A cell: text or a number (counts and rates stay numbers so the office can sum them).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}
impl From<i32> for Cell {
    fn from(n: i32) -> Self {
        Cell::Number(n.into())
    }
}

/// One sheet: an optional title line above a header row and data rows.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// Sheet name (≤ 31 characters).
    pub name: String,
    /// A title line written above the table, e.g. the report's name and period.
    pub title: Option<String>,
    /// Column headers.
    pub columns: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<Cell>>,
}

/// Writes the sheets to `path` as .xlsx.
pub fn write(path: &Path, sheets: &[Sheet]) -> Result<()> {
    let mut wb = Workbook::new();
    fill(&mut wb, sheets).map_err(map_err)?;
    wb.save(path).map_err(map_err)
}

fn map_err(e: XlsxError) -> Error {
    match e {
        XlsxError::IoError(io) => Error::Io(io),
        XlsxError::SheetnameLengthExceeded(_)
        | XlsxError::SheetnameCannotBeBlank(_)
        | XlsxError::SheetnameContainsInvalidCharacter(_)
        | XlsxError::SheetnameReused(_) => Error::Workbook("a sheet name is not valid"),
        _ => Error::Workbook("the workbook writer failed"),
    }
}

fn fill(wb: &mut Workbook, sheets: &[Sheet]) -> Result<(), XlsxError> {
    let bold = Format::new()
        .set_bold()
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let title_fmt = Format::new()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Left);
    let cell_fmt = Format::new().set_border(rust_xlsxwriter::FormatBorder::Thin);
    for s in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(&s.name)?;
        let mut row = 0u32;
        if let Some(t) = &s.title {
            ws.write_string_with_format(0, 0, t, &title_fmt)?;
            row = 2;
        }
        for (c, h) in (0u16..).zip(&s.columns) {
            ws.write_string_with_format(row, c, h, &bold)?;
            // Chinese characters are about two columns wide.
            let widest = s
                .rows
                .iter()
                .filter_map(|r| r.get(usize::from(c)))
                .map(|cell| match cell {
                    Cell::Text(t) => t.chars().count(),
                    Cell::Number(_) => 6,
                })
                .chain([h.chars().count()])
                .max()
                .unwrap_or(4);
            ws.set_column_width(c, (widest.min(40) as f64) * 2.0 + 2.0)?;
        }
        let header_row = row;
        for r in &s.rows {
            row += 1;
            for (c, cell) in (0u16..).zip(r) {
                match cell {
                    Cell::Text(t) => ws.write_string_with_format(row, c, t, &cell_fmt)?,
                    Cell::Number(n) => ws.write_number_with_format(row, c, *n, &cell_fmt)?,
                };
            }
        }
        ws.set_freeze_panes(header_row + 1, 0)?;
        // Printed on several pages, each page repeats the header.
        ws.set_repeat_rows(header_row, header_row)?;
        ws.set_landscape();
        ws.set_paper_size(9); // A4
        ws.set_print_fit_to_pages(1, 0);
    }
    Ok(())
}
