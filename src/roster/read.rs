//! From bytes to a grid of cells: workbooks through calamine, delimited text through csv after
//! guessing the encoding (UTF-8 with or without BOM, UTF-16 with BOM, else GBK).

use std::io::Cursor;

use calamine::{Data, DataRef, Ods, Range, Reader, SheetType, SheetVisible, Xls, Xlsx, XlsxError};
use chrono::NaiveDate;

use super::RosterError;

/// The reader a file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Xlsx,
    Xls,
    Ods,
    Text,
}

impl Format {
    pub(super) fn from_extension(ext: &str) -> Result<Format, RosterError> {
        let ext = ext.trim_start_matches('.');
        match ext {
            "xlsx" | "xlsm" => Ok(Format::Xlsx),
            "xls" => Ok(Format::Xls),
            "ods" => Ok(Format::Ods),
            "csv" | "tsv" | "txt" => Ok(Format::Text),
            _ => Err(RosterError::UnsupportedFormat {
                extension: ext.chars().take(16).collect(),
            }),
        }
    }
}

/// One cell as the importer sees it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A date-formatted cell; `None` when the serial is not a real date (Excel's 1900-02-29).
    Date(Option<NaiveDate>),
    Bool(bool),
    /// A formula error such as `#N/A`.
    Error,
}

impl Cell {
    pub(super) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.chars().all(char::is_whitespace),
            _ => false,
        }
    }
}

/// A row with its 1-based spreadsheet row number; `cells[i]` is column `first_col + i`.
#[derive(Debug, Clone)]
pub(super) struct GridRow {
    pub(super) number: u32,
    pub(super) cells: Vec<Cell>,
}

impl GridRow {
    /// A footer below the data (合计, 制表人 …): its first filled cell says so.
    pub(super) fn is_footer(&self) -> bool {
        const FOOTERS: [&str; 9] = [
            "合计",
            "总计",
            "小计",
            "共计",
            "总人数",
            "制表",
            "填表",
            "审核",
            "签字",
        ];
        match self.cells.iter().find(|c| !c.is_blank()) {
            Some(Cell::Text(t)) => {
                let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
                FOOTERS.iter().any(|f| t.starts_with(f))
            }
            _ => false,
        }
    }
}

/// The sheet that was read.
#[derive(Debug, Clone)]
pub(super) struct Grid {
    pub(super) sheet: String,
    pub(super) first_col: u32,
    pub(super) rows: Vec<GridRow>,
}

impl Grid {
    /// About the bytes the grid holds.
    fn weight(&self) -> u64 {
        let cell = std::mem::size_of::<Cell>() as u64;
        self.rows
            .iter()
            .map(|r| {
                let text: usize = r
                    .cells
                    .iter()
                    .map(|c| match c {
                        Cell::Text(s) => s.len(),
                        _ => 0,
                    })
                    .sum();
                r.cells.len() as u64 * cell + text as u64
            })
            .sum()
    }

    /// The cell at an absolute 0-based column.
    pub(super) fn cell<'a>(&self, row: &'a GridRow, column: u32) -> &'a Cell {
        column
            .checked_sub(self.first_col)
            .and_then(|i| row.cells.get(i as usize))
            .unwrap_or(&Cell::Empty)
    }
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const CFB_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// One worksheet of a workbook as read: its grid, or why it holds nothing to import.
#[derive(Debug, Clone)]
pub(super) struct Sheet {
    pub(super) name: String,
    /// `Ok(None)`: the sheet has no cells; `Err(())`: calamine could not read it.
    pub(super) grid: Result<Option<Grid>, ()>,
}

/// Every worksheet of the file, visible ones first, each group in workbook order (CSV: one
/// unnamed sheet). Fails only when the file cannot be read at all or no sheet holds a cell.
pub(super) fn read_sheets(format: Format, bytes: &[u8]) -> Result<Vec<Sheet>, RosterError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(RosterError::Empty);
    }
    // The content decides when it contradicts the extension: offices rename files freely.
    let format = if bytes.starts_with(ZIP_MAGIC) {
        match format {
            Format::Ods => Format::Ods,
            _ => Format::Xlsx,
        }
    } else if bytes.starts_with(CFB_MAGIC) {
        Format::Xls
    } else {
        match format {
            Format::Xlsx | Format::Ods => {
                return Err(RosterError::Unreadable(
                    "the workbook is damaged or is not a spreadsheet",
                ))
            }
            // Web systems often export tab-separated text or HTML named .xls.
            Format::Xls | Format::Text => Format::Text,
        }
    };
    // calamine panics on some damaged workbooks (a sheet offset past the stream, found by the
    // `roster` fuzz target): a bad file must be refused, not take the app down.
    let sheets = std::panic::catch_unwind(|| read_workbook_bytes(format, bytes))
        .unwrap_or_else(|_| Err(unreadable_workbook()))?;
    if sheets.iter().any(|s| matches!(s.grid, Ok(Some(_)))) {
        Ok(sheets)
    } else if sheets.iter().any(|s| s.grid.is_err()) {
        Err(unreadable_workbook())
    } else {
        Err(RosterError::Empty)
    }
}

fn read_workbook_bytes(format: Format, bytes: &[u8]) -> Result<Vec<Sheet>, RosterError> {
    match format {
        Format::Xlsx => {
            let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
                .map_err(|_| unreadable_workbook())?;
            read_all(&mut wb, xlsx_range)
        }
        Format::Xls => {
            // calamine reads a copy holding only the checked workbook stream (src/roster/biff.rs).
            let contained = super::biff::contain(bytes)?;
            let wb: Xls<_> = calamine::open_workbook_from_rs(Cursor::new(contained))
                .map_err(|_| unreadable_workbook())?;
            read_workbook(wb)
        }
        Format::Ods => {
            let wb: Ods<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
                .map_err(|_| unreadable_workbook())?;
            read_workbook(wb)
        }
        Format::Text => Ok(vec![Sheet {
            name: String::new(),
            grid: Ok(Some(read_text(bytes)?)),
        }]),
    }
}

pub(super) fn unreadable_workbook() -> RosterError {
    RosterError::Unreadable("the workbook is damaged, password-protected or not a spreadsheet")
}

/// Every worksheet, visible ones first.
fn read_workbook<RS, R>(mut wb: R) -> Result<Vec<Sheet>, RosterError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
{
    read_all(&mut wb, |wb, name| {
        wb.worksheet_range(name).map_err(|_| unreadable_workbook())
    })
}

/// [`read_workbook`] with the sheet reader given: `TooLarge` from it ends the import, any other
/// error marks the sheet unreadable (the caller names it).
fn read_all<RS, R>(
    wb: &mut R,
    mut range: impl FnMut(&mut R, &str) -> Result<Range<Data>, RosterError>,
) -> Result<Vec<Sheet>, RosterError>
where
    RS: std::io::Read + std::io::Seek,
    R: Reader<RS>,
{
    let mut names: Vec<(bool, String)> = wb
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| (s.visible != SheetVisible::Visible, s.name.clone()))
        .collect();
    // Stable: visible sheets first, each group in workbook order.
    names.sort_by_key(|(hidden, _)| *hidden);
    let mut out = Vec::with_capacity(names.len());
    // Each sheet is measured as it is read; the grids kept of all of them are measured too.
    let mut kept = 0u64;
    for (_, name) in names {
        let grid = match range(wb, &name) {
            Ok(r) => {
                let grid = grid_from_range(&name, &r);
                kept = kept.saturating_add(grid.as_ref().map_or(0, Grid::weight));
                if kept > super::biff::LIMIT {
                    return Err(RosterError::TooLarge);
                }
                Ok(grid)
            }
            Err(RosterError::TooLarge) => return Err(RosterError::TooLarge),
            Err(_) => Err(()),
        };
        out.push(Sheet { name, grid });
    }
    Ok(out)
}

/// An .xlsx sheet as calamine's `worksheet_range` reads it (its non-empty cells, then a dense
/// grid of their bounding box), but counted while streaming: a few hundred zipped bytes can name
/// cells A1 and XFD1048576, a grid of 17 billion cells whose allocation would abort the process,
/// or expand to millions of cells. Over [`super::biff::LIMIT`], as estimated for .xls, the
/// workbook is refused.
fn xlsx_range<RS: std::io::Read + std::io::Seek>(
    wb: &mut Xlsx<RS>,
    name: &str,
) -> Result<Range<Data>, RosterError> {
    let mut reader = match wb.worksheet_cells_reader(name) {
        Ok(r) => r,
        Err(XlsxError::NotAWorksheet(_)) => return Ok(Range::empty()),
        Err(_) => return Err(unreadable_workbook()),
    };
    let cell_size = std::mem::size_of::<calamine::Cell<Data>>() as u64;
    let data_size = std::mem::size_of::<Data>() as u64;
    let (mut n, mut text) = (0u64, 0u64);
    let (mut rows, mut cols) = ((u32::MAX, 0u32), (u32::MAX, 0u32));
    let mut cells = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|_| unreadable_workbook())? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let (r, c) = cell.get_position();
        let value = Data::from(cell.get_value().clone());
        if let Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) = &value {
            text += s.len() as u64;
        }
        n += 1;
        rows = (rows.0.min(r), rows.1.max(r));
        cols = (cols.0.min(c), cols.1.max(c));
        // The list (doubling growth) and the importer's copies of the text.
        if 2 * n * cell_size + 3 * text > super::biff::LIMIT {
            return Err(RosterError::TooLarge);
        }
        cells.push(calamine::Cell::new((r, c), value));
    }
    if n > 0 {
        let area = u64::from(rows.1 - rows.0 + 1) * u64::from(cols.1 - cols.0 + 1);
        let grids = area.saturating_mul(3 * data_size);
        if grids.saturating_add(2 * n * cell_size + 3 * text) > super::biff::LIMIT {
            return Err(RosterError::TooLarge);
        }
    }
    Ok(Range::from_sparse(cells))
}

fn grid_from_range(name: &str, range: &Range<Data>) -> Option<Grid> {
    let (first_row, first_col) = range.start()?;
    let mut rows = Vec::with_capacity(range.height());
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<Cell> = row.iter().map(cell_from_data).collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        let number = first_row.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        rows.push(GridRow {
            number: number.saturating_add(1),
            cells,
        });
    }
    if rows.is_empty() {
        return None;
    }
    Some(Grid {
        sheet: name.to_string(),
        first_col,
        rows,
    })
}

fn cell_from_data(d: &Data) -> Cell {
    match d {
        Data::Empty => Cell::Empty,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Float(f) => Cell::Number(*f),
        // Exact for every magnitude a roster holds (学号 and phone numbers are far below 2^53).
        #[allow(clippy::cast_precision_loss)]
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => {
            if dt.is_duration() {
                Cell::Number(dt.as_f64())
            } else {
                let (y, m, d, ..) = dt.to_ymd_hms_milli();
                Cell::Date(NaiveDate::from_ymd_opt(
                    i32::from(y),
                    u32::from(m),
                    u32::from(d),
                ))
            }
        }
        Data::Error(_) => Cell::Error,
    }
}

/// Decodes delimited text: UTF-8 (BOM or not), UTF-16 with BOM, else GBK (Chinese Excel's "CSV").
fn decode_text(bytes: &[u8]) -> Result<String, RosterError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return std::str::from_utf8(rest)
            .map(str::to_string)
            .map_err(|_| RosterError::Unreadable("the text is marked UTF-8 but is not"));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let (text, _, had_errors) = encoding_rs::UTF_16LE.decode(bytes);
        if had_errors {
            return Err(RosterError::Unreadable(
                "the text is marked UTF-16 but is not",
            ));
        }
        return Ok(text.into_owned());
    }
    if bytes.contains(&0) {
        return Err(RosterError::Unreadable(
            "the file is binary, not a spreadsheet or CSV",
        ));
    }
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(bytes);
    if had_errors {
        return Err(RosterError::Unreadable(
            "the text is neither UTF-8, UTF-16 nor GBK",
        ));
    }
    Ok(text.into_owned())
}

/// Comma unless the first lines hold more tabs (Excel's "Unicode text") or only semicolons.
fn sniff_delimiter(text: &str) -> u8 {
    let (mut commas, mut tabs, mut semis) = (0usize, 0usize, 0usize);
    for line in text.lines().filter(|l| !l.trim().is_empty()).take(30) {
        for c in line.chars() {
            match c {
                ',' => commas += 1,
                '\t' => tabs += 1,
                ';' => semis += 1,
                _ => {}
            }
        }
    }
    if tabs > commas {
        b'\t'
    } else if commas == 0 && semis > 0 {
        b';'
    } else {
        b','
    }
}

fn read_text(bytes: &[u8]) -> Result<Grid, RosterError> {
    let text = decode_text(bytes)?;
    let head = text.trim_start();
    if head.starts_with('<') {
        return Err(RosterError::Unreadable(
            "the file is a web page or XML, not a spreadsheet; open it in Excel and save it as .xlsx",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(&text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // Excel shows a quoted field with line breaks as one row: count records, not lines. The csv
    // reader skips empty lines, which Excel shows as rows, so the line number minus the line
    // breaks inside earlier fields gives the row Excel shows.
    let bytes_of_text = text.as_bytes();
    let (mut counted, mut breaks_before) = (0usize, 0u64);
    let mut inner_breaks: u64 = 0;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(_) => {
                return Err(RosterError::Unreadable(
                    "the CSV text is malformed (unbalanced quotes)",
                ))
            }
        }
        // The reported line lags behind after CRLF, so count line breaks up to the record's first
        // byte ourselves.
        let mut start = record
            .position()
            .map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX))
            .min(bytes_of_text.len());
        while matches!(bytes_of_text.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        breaks_before += bytes_of_text
            .get(counted..start)
            .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count() as u64);
        counted = counted.max(start);
        let number =
            u32::try_from((breaks_before + 1).saturating_sub(inner_breaks)).unwrap_or(u32::MAX);
        inner_breaks += record
            .iter()
            .map(|f| f.bytes().filter(|b| *b == b'\n').count() as u64)
            .sum::<u64>();
        let cells: Vec<Cell> = record
            .iter()
            .map(|f| {
                if f.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(f.to_string())
                }
            })
            .collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        rows.push(GridRow { number, cells });
    }
    if rows.is_empty() {
        return Err(RosterError::Empty);
    }
    Ok(Grid {
        sheet: String::new(),
        first_col: 0,
        rows,
    })
}
