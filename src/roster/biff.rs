//! What reading a legacy .xls (a BIFF8 workbook stream in a compound file) will cost calamine,
//! computed before calamine sees it.
//!
//! calamine 0.38 trusts the file for its memory: it reserves room for the cells a DIMENSIONS
//! record names, builds a dense rows × columns grid of the bounding box of a sheet's cells, and
//! reads every sheet a BoundSheet8 record points at, however many point at the same bytes. A
//! 5 KB file can so ask for tens of gigabytes, and a failed allocation aborts the process (found
//! by the `roster` fuzz target: tests/fixtures/roster/fuzz-*.xls). An abort cannot be caught, so
//! the cost is estimated here by walking the records exactly as calamine's `parse_workbook` does
//! (record framing, CONTINUE records, sheet offsets, nested substreams, the cell records), and a
//! workbook over [`LIMIT`] is refused.
//!
//! The walk is only sound on the bytes calamine will read, and a compound file can be read in
//! more than one way (a sheet offset landing mid-record in one reading and on a record in
//! another was the fifth finding). So calamine is never given the file itself: the workbook
//! stream is taken out (`cfb::workbook_stream`), checked, and handed over in a new compound
//! file of one stream whose layout has a single reading (`cfb::single_stream_file`).

use std::mem::size_of;

use calamine::{Cell, Data};

use super::{cfb, RosterError};

/// The most memory a workbook may make calamine and the importer take, as estimated by
/// [`estimate`] (an over-estimate for real files: a full 30,000-row roster of 40 text columns
/// comes to about a third of it).
pub(super) const LIMIT: u64 = 1 << 30;

/// Formula text is built with one `String::insert` per space of a PtgAttrSpace token (up to 255
/// per 4 token bytes), each shifting the text after it: quadratic time. The bytes so shifted, as
/// estimated, may not exceed this for one formula (about a second) nor [`MAX_SHIFTS`] in all;
/// beyond, reading would hang the app for minutes or hours.
const MAX_FORMULA_SHIFTS: u64 = 1 << 33;
const MAX_SHIFTS: u64 = 1 << 38;

/// calamine walks a sheet's records once per BoundSheet8 naming it: 100,000 names of one 3 MB
/// sheet would keep it busy for hours. The bytes walked in all may not exceed this (a real
/// workbook walks each sheet once, and is far smaller).
const MAX_WALKED: u64 = 1 << 31;

/// What reading one sheet costs: bytes allocated, bytes of formula text shifted, bytes of
/// records walked.
#[derive(Clone, Copy)]
struct SheetCost {
    memory: u64,
    shifts: u64,
    walked: u64,
}

/// The compound file calamine is given in place of `bytes`.
///
/// # Errors
/// `Unreadable` when the compound file is damaged or has no workbook stream, `TooLarge` when
/// reading it would take more than [`LIMIT`].
pub(super) fn contain(bytes: &[u8]) -> Result<Vec<u8>, RosterError> {
    if !cfb::chains_are_sane(bytes) {
        return Err(super::read::unreadable_workbook());
    }
    let mut stream = cfb::workbook_stream(bytes).ok_or_else(super::read::unreadable_workbook)?;
    // Below 4096 bytes a stream lives in the mini stream; padded, it has regular sectors. Zero
    // bytes are records of type 0 and length 0, which calamine skips (and `estimate` sees).
    if stream.len() < 4096 {
        stream.resize(4096, 0);
    }
    if estimate(&stream) > LIMIT {
        return Err(RosterError::TooLarge);
    }
    cfb::single_stream_file(&stream).ok_or(RosterError::TooLarge)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// BIFF records as calamine's `RecordIter` frames them: a u16 type, a u16 length, the data; the
/// CONTINUE records (0x003C) after a record belong to it. `None` items are the framing errors at
/// which calamine stops.
struct Records<'a> {
    rest: &'a [u8],
}

/// A record: type, data, and the data of its CONTINUE records.
type Record<'a> = (u16, &'a [u8], Vec<&'a [u8]>);

impl<'a> Iterator for Records<'a> {
    type Item = Option<Record<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let s = self.rest;
        if s.len() < 4 {
            self.rest = &[];
            return if s.is_empty() { None } else { Some(None) };
        }
        let typ = u16_at(s, 0).unwrap_or(0);
        let len = usize::from(u16_at(s, 2).unwrap_or(0));
        if s.len() < len + 4 {
            self.rest = &[];
            return Some(None);
        }
        let (record, next) = s.split_at(len + 4);
        self.rest = next;
        let mut cont = Vec::new();
        if next.len() > 4 && u16_at(next, 0) == Some(0x003C) {
            while self.rest.len() > 4 && u16_at(self.rest, 0) == Some(0x003C) {
                let l = usize::from(u16_at(self.rest, 2).unwrap_or(0));
                if self.rest.len() < l + 4 {
                    self.rest = &[];
                    return Some(None);
                }
                cont.push(&self.rest[4..l + 4]);
                self.rest = &self.rest[l + 4..];
            }
        }
        Some(Some((typ, &record[4..], cont)))
    }
}

/// The bounding box of a set of cells.
#[derive(Default)]
struct Bounds {
    any: bool,
    rows: (u64, u64),
    cols: (u64, u64),
}

impl Bounds {
    fn add(&mut self, row: u64, col: u64) {
        if self.any {
            self.rows = (self.rows.0.min(row), self.rows.1.max(row));
            self.cols = (self.cols.0.min(col), self.cols.1.max(col));
        } else {
            *self = Bounds {
                any: true,
                rows: (row, row),
                cols: (col, col),
            };
        }
    }

    fn area(&self) -> u64 {
        if self.any {
            (self.rows.1 - self.rows.0 + 1).saturating_mul(self.cols.1 - self.cols.0 + 1)
        } else {
            0
        }
    }
}

fn size<T>() -> u64 {
    size_of::<T>() as u64
}

/// An upper bound of the bytes calamine allocates reading the workbook stream `stream`, plus
/// what the importer copies of the sheets afterwards.
pub(super) fn estimate(stream: &[u8]) -> u64 {
    // The globals substream, up to its EOF: the sheets' offsets, and the longest sheet or
    // defined name (formulas spell them out).
    let mut offsets = Vec::new();
    let mut longest_name = 0u64;
    let mut sst = None;
    for record in (Records { rest: stream }) {
        // calamine stops at a framing error before reading any sheet.
        let Some((typ, data, cont)) = record else {
            return 0;
        };
        match typ {
            // BoundSheet8: the sheet's offset, then flags and a short string (cch at 6).
            0x0085 => {
                if let Some(pos) = u32_at(data, 0) {
                    offsets.push(pos as usize);
                }
                longest_name = longest_name.max(data.get(6).copied().map_or(0, u64::from));
            }
            // Lbl: cch at 3.
            0x0018 => {
                longest_name = longest_name.max(data.get(3).copied().map_or(0, u64::from));
            }
            // SST: the last one is the table (an unreadable one makes calamine fail, but is counted
            // as if every string were the longest possible).
            0x00FC => sst = shared_strings(data, &cont),
            0x000A => break,
            _ => {}
        }
    }
    // Every offset is read, once per BoundSheet8 record, even when several point at the same
    // bytes; an offset past the stream makes calamine stop (a caught panic).
    // Each BoundSheet8 also keeps its name (up to 255 characters) twice, and a sheet entry.
    let (mut memory, mut shifts, mut walked) = (2048 * offsets.len() as u64, 0u64, 0u64);
    // The same offset costs the same each time: walked once here, however often calamine does.
    let mut seen = std::collections::HashMap::new();
    for pos in offsets {
        let Some(sheet) = stream.get(pos..) else {
            continue;
        };
        let cost = *seen
            .entry(pos)
            .or_insert_with(|| sheet_cost(sheet, longest_name, sst.as_deref()));
        memory = memory.saturating_add(cost.memory);
        shifts = shifts.saturating_add(cost.shifts);
        walked = walked.saturating_add(cost.walked);
    }
    if shifts > MAX_SHIFTS || walked > MAX_WALKED {
        return u64::MAX;
    }
    memory
}

/// A record's data as calamine's `Record` reads it: the data, then each CONTINUE in turn.
struct Continued<'a> {
    data: &'a [u8],
    cont: std::collections::VecDeque<&'a [u8]>,
}

impl Continued<'_> {
    fn next_continue(&mut self) -> bool {
        match self.cont.pop_front() {
            Some(c) => {
                self.data = c;
                true
            }
            None => false,
        }
    }

    fn skip(&mut self, mut len: usize) -> Option<()> {
        while len > 0 {
            if self.data.is_empty() && !self.next_continue() {
                return None;
            }
            let l = len.min(self.data.len());
            self.data = &self.data[l..];
            len -= l;
        }
        Some(())
    }
}

/// The character count of each string of an SST record, walked as calamine's `parse_sst` and
/// `read_rich_extended_string` walk it (flags, rich-text runs, extended data, a character
/// array split across CONTINUE records with a new flag byte at each). `None` where calamine
/// would fail or panic: the caller then assumes the longest string for every one.
fn shared_strings(data: &[u8], cont: &[&[u8]]) -> Option<Vec<u16>> {
    let mut r = Continued {
        data: data.get(8..)?,
        cont: cont.iter().copied().collect(),
    };
    let mut out = Vec::new();
    while !r.data.is_empty() || r.next_continue() {
        if r.data.is_empty() {
            out.push(0);
            continue;
        }
        let cch = u16_at(r.data, 0)?;
        let flags = *r.data.get(2)?;
        r.data = &r.data[3..];
        let mut high_byte = flags & 0x1 != 0;
        let mut runs = 0usize;
        let mut ext = 0usize;
        if flags & 0x8 != 0 {
            runs = usize::from(u16_at(r.data, 0)?);
            r.data = &r.data[2..];
        }
        if flags & 0x4 != 0 {
            // A negative size is a huge usize in calamine too: it fails skipping it.
            ext = i32::from_le_bytes(r.data.get(..4)?.try_into().ok()?) as usize;
            r.data = &r.data[4..];
        }
        let mut left = usize::from(cch);
        while left > 0 {
            let unit = if high_byte { 2 } else { 1 };
            let n = (r.data.len() / unit).min(left);
            r.data = &r.data[n * unit..];
            left -= n;
            if left > 0 {
                if !r.next_continue() {
                    return None;
                }
                high_byte = *r.data.first()? & 0x1 != 0;
                r.data = &r.data[1..];
            }
        }
        out.push(cch);
        r.skip(runs * 4)?;
        r.skip(ext)?;
    }
    Some(out)
}

/// The rows × columns calamine reserves for a DIMENSIONS record, in its (release build's
/// wrapping) u32 arithmetic; `None` for a length it refuses.
fn dimensions(d: &[u8]) -> Option<u64> {
    let (rf, rl, mut cf, cl) = match d.len() {
        10 => (
            u32::from(u16_at(d, 0)?),
            u32::from(u16_at(d, 2)?),
            u32::from(u16_at(d, 4)?),
            u32::from(u16_at(d, 6)?),
        ),
        14 | 16 => (
            u32_at(d, 0)?,
            u32_at(d, 4)?,
            u32::from(u16_at(d, 8)?),
            u32::from(u16_at(d, 10)?),
        ),
        _ => return None,
    };
    if 0xFF < cf || cl < cf {
        cf = 0;
    }
    let (start, end) = if rl >= 1 && cl >= 1 {
        ((rf, cf), (rl - 1, cl - 1))
    } else {
        ((rf, cf), (rf, cf))
    };
    let rows = end.0.wrapping_sub(start.0).wrapping_add(1);
    let cols = end.1.wrapping_sub(start.1).wrapping_add(1);
    Some(u64::from(rows).saturating_mul(u64::from(cols)))
}

/// What calamine allocates for one sheet read from `sheet` (its records up to the sheet's EOF),
/// and the importer's copies of it; memory `u64::MAX` when one formula would take too long.
fn sheet_cost(sheet: &[u8], longest_name: u64, sst: Option<&[u16]>) -> SheetCost {
    let mut shifts = 0u64;
    let mut cells = Bounds::default();
    let mut formulas = Bounds::default();
    let (mut n_cells, mut n_formulas, mut reserved, mut heap) = (0u64, 0u64, 0u64, 0u64);
    // Formula text, which the importer does not copy.
    let mut formula_text = 0u64;
    let mut formula_at = (0u64, 0u64);
    let mut seen_bof = false;
    let mut depth = 0usize;
    let mut records = Records { rest: sheet };
    for record in records.by_ref() {
        let Some((typ, d, _)) = record else { break };
        // Nested substreams (embedded charts) are skipped by calamine.
        if depth > 0 {
            match typ {
                0x0809 => depth += 1,
                0x000A => depth -= 1,
                _ => {}
            }
            continue;
        }
        let row = u64::from(u16_at(d, 0).unwrap_or(0));
        let col = u64::from(u16_at(d, 2).unwrap_or(0));
        match typ {
            0x0809 if seen_bof => depth += 1,
            0x0809 => seen_bof = true,
            0x0200 => match dimensions(d) {
                Some(n) => reserved = reserved.saturating_add(n),
                None => break,
            },
            // Number, BoolErr, RK: one cell each.
            0x0203 | 0x0205 | 0x027E => {
                n_cells += 1;
                cells.add(row, col);
            }
            // LabelSst: one cell holding a copy of a shared string (up to 6 bytes a character:
            // UTF-16 units or bytes decoded by the workbook's code page). A few bytes of record
            // can copy a 65,535-character string, as often as the sheet repeats them.
            0x00FD => {
                n_cells += 1;
                cells.add(row, col);
                let i = u32_at(d, 6).unwrap_or(0) as usize;
                let cch = match sst {
                    Some(table) => table.get(i).copied().unwrap_or(0),
                    None => u16::MAX,
                };
                heap += 6 * u64::from(cch);
            }
            // Label, RString: one cell and a string of `cch` characters (reserved as `cch`
            // bytes, at most 3 bytes a character, at most doubled by growth).
            0x0204 | 0x00D6 => {
                n_cells += 1;
                cells.add(row, col);
                heap += 6 * u64::from(u16_at(d, 6).unwrap_or(0)) + 24;
            }
            // String: the text of the last formula's cell.
            0x0207 => {
                n_cells += 1;
                cells.add(formula_at.0, formula_at.1);
                heap += 6 * u64::from(u16_at(d, 0).unwrap_or(0)) + 24;
            }
            // MulRk: a row of RK cells from `first` on, if its length agrees with its last column
            // (u16 arithmetic, as calamine's release build wraps it).
            0x00BD => {
                if d.len() < 6 {
                    break;
                }
                let first = u16_at(d, 2).unwrap_or(0);
                let last = u16_at(d, d.len() - 2).unwrap_or(0);
                if d.len() != 6 + 6 * usize::from(last.wrapping_sub(first).wrapping_add(1)) {
                    break;
                }
                let n = ((d.len() - 6) / 6) as u64;
                if n > 0 {
                    n_cells += n;
                    cells.add(row, u64::from(first));
                    cells.add(row, u64::from(first) + n - 1);
                }
            }
            // MergeCells: 16 bytes each, as many as the record holds.
            0x00E5 => {
                let count = u64::from(u16_at(d, 0).unwrap_or(0));
                heap += 32 * count.min((d.len().saturating_sub(2) / 8) as u64);
            }
            // Formula: a cell of its value and one of its text, which spells out the sheet and
            // defined names its tokens refer to.
            0x0006 => {
                if d.len() < 20 {
                    break;
                }
                formula_at = (row, col);
                n_cells += 1;
                cells.add(row, col);
                n_formulas += 1;
                formulas.add(row, col);
                // At most 64 characters a token byte (PtgAttrSpace: 255 spaces for 4 bytes),
                // plus a name of up to `longest_name` characters (4 bytes each) per byte.
                let tokens = (d.len() - 20) as u64;
                let text = 128 + tokens * (64 + 4 * longest_name);
                formula_text += 2 * text;
                let shifted = (tokens / 4 * 255).saturating_mul(text);
                if shifted > MAX_FORMULA_SHIFTS {
                    return SheetCost {
                        memory: u64::MAX,
                        shifts,
                        walked: 0,
                    };
                }
                shifts = shifts.saturating_add(shifted);
            }
            0x000A => break,
            _ => {}
        }
    }
    // The cell lists (doubling growth) and the reservation, the sparse-to-dense grids, then the
    // importer's two copies of the grid and its strings (`worksheet_range`, `grid_from_range`).
    let lists = (2 * n_cells)
        .saturating_add(reserved)
        .saturating_mul(size::<Cell<Data>>())
        .saturating_add((2 * n_formulas).saturating_mul(size::<Cell<String>>()));
    let grids = cells
        .area()
        .saturating_mul(3 * size::<Data>())
        .saturating_add(formulas.area().saturating_mul(size::<String>()));
    let memory = lists
        .saturating_add(grids)
        .saturating_add(heap.saturating_mul(3))
        .saturating_add(formula_text);
    SheetCost {
        memory,
        shifts,
        walked: (sheet.len() - records.rest.len()) as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A BIFF record.
    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut out = typ.to_le_bytes().to_vec();
        out.extend_from_slice(&u16::try_from(data.len()).unwrap().to_le_bytes());
        out.extend_from_slice(data);
        out
    }

    fn number(row: u16, col: u16) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&[0; 10]);
        record(0x0203, &d)
    }

    /// A workbook stream of one sheet holding `cells`, the sheet named by `sheets` BoundSheet8
    /// records.
    fn stream(sheets: usize, cells: &[Vec<u8>]) -> Vec<u8> {
        stream_with(&[], sheets, cells)
    }

    /// [`stream`] with more records in the globals (an SST).
    fn stream_with(globals: &[Vec<u8>], sheets: usize, cells: &[Vec<u8>]) -> Vec<u8> {
        let bound_len = 4 + 8 + 2;
        let extra: usize = globals.iter().map(Vec::len).sum();
        let globals_len = 20 + extra + sheets * bound_len + 4;
        let mut s = record(0x0809, &[0, 6, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for g in globals {
            s.extend_from_slice(g);
        }
        for _ in 0..sheets {
            let mut d = u32::try_from(globals_len).unwrap().to_le_bytes().to_vec();
            d.extend_from_slice(&[0, 0, 2, 0, b'S', b'1']);
            s.extend(record(0x0085, &d));
        }
        s.extend(record(0x000A, &[]));
        assert_eq!(s.len(), globals_len);
        s.extend(record(
            0x0809,
            &[0, 6, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ));
        for c in cells {
            s.extend_from_slice(c);
        }
        s.extend(record(0x000A, &[]));
        s
    }

    #[test]
    fn shared_strings_are_walked_across_continue_records() {
        // "ab" (8-bit), then 5 UTF-16 characters: 2 in the record, 3 in a CONTINUE that starts
        // with its own flag byte; then one with a rich-text run (4 bytes skipped).
        let mut d = vec![0u8; 8];
        d.extend([2, 0, 0, b'a', b'b']);
        d.extend([5, 0, 1, 0x41, 0, 0x42, 0]);
        let cont = [
            1u8, 0x43, 0, 0x44, 0, 0x45, 0, 1, 0, 0x08, 1, 0, b'z', 9, 9, 9, 9,
        ];
        assert_eq!(shared_strings(&d, &[&cont]), Some(vec![2, 5, 1]));
        // A string longer than what is left: calamine fails, the caller assumes the worst.
        let mut short = vec![0u8; 8];
        short.extend([9, 0, 0, b'a']);
        assert_eq!(shared_strings(&short, &[]), None);
    }

    #[test]
    fn every_copy_of_a_long_shared_string_is_counted() {
        let long: u16 = 60_000;
        let mut sst = vec![1, 0, 0, 0, 1, 0, 0, 0];
        sst.extend(long.to_le_bytes());
        sst.push(0);
        sst.extend(std::iter::repeat_n(b'x', usize::from(long)));
        let refs: Vec<Vec<u8>> = (0..5_000u16)
            .map(|r| {
                let mut d = r.to_le_bytes().to_vec();
                d.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
                record(0x00FD, &d)
            })
            .collect();
        // A 120 KB stream whose cells copy 300 MB of text, three times over.
        let s = stream_with(&[record(0x00FC, &sst)], 1, &refs);
        assert!(s.len() < 150_000);
        assert!(estimate(&s) > LIMIT, "{}", estimate(&s));
        // The same cells referring to a short string cost little.
        let mut short = vec![1, 0, 0, 0, 1, 0, 0, 0, 3, 0, 0];
        short.extend(b"abc");
        let s = stream_with(&[record(0x00FC, &short)], 1, &refs);
        assert!(estimate(&s) < 10 << 20, "{}", estimate(&s));
    }

    #[test]
    fn the_estimate_follows_the_bounding_box_and_every_sheet_offset() {
        let small = estimate(&stream(1, &[number(0, 0), number(99, 9)]));
        let wide = estimate(&stream(1, &[number(0, 0), number(65_535, 255)]));
        assert!(small < 1 << 20, "{small}");
        assert!(wide > 300 << 20, "{wide}");
        // The same sheet named ten times is read ten times.
        let repeated = estimate(&stream(10, &[number(0, 0), number(65_535, 255)]));
        assert!(repeated > LIMIT && repeated >= 9 * wide, "{repeated}");
    }

    fn formula(row: u16, tokens: usize) -> Vec<u8> {
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&[0; 18]);
        d.extend(std::iter::repeat_n(0u8, tokens));
        record(0x0006, &d)
    }

    #[test]
    fn formulas_that_would_take_too_long_are_refused() {
        // Ordinary formulas (a few dozen token bytes each), 30,000 of them: fine.
        let ordinary: Vec<Vec<u8>> = (1..=30_000u16).map(|r| formula(r, 24)).collect();
        assert!(estimate(&stream(1, &ordinary)) < LIMIT / 4);
        // One formula of 60 KB of tokens could insert 3.8 million spaces one at a time.
        assert_eq!(estimate(&stream(1, &[formula(1, 60_000)])), u64::MAX);
        // Many middling ones, read again for every sheet record naming them.
        let middling: Vec<Vec<u8>> = (1..=40u16).map(|r| formula(r, 500)).collect();
        assert!(estimate(&stream(1, &middling)) < u64::MAX);
        assert_eq!(estimate(&stream(200, &middling)), u64::MAX);
    }

    #[test]
    fn a_sheet_named_by_many_records_is_walked_once_here_and_counted_each_time() {
        // A 1 MB sheet without cells, named by 3,000 BoundSheet8 records: calamine would walk
        // 3 GB of records.
        let filler: Vec<Vec<u8>> = (0..16_000).map(|_| record(0x1234, &[0; 60])).collect();
        assert!(estimate(&stream(100, &filler)) < 1 << 20);
        assert_eq!(estimate(&stream(3_000, &filler)), u64::MAX);
    }

    #[test]
    fn dimensions_are_read_as_calamine_reads_them() {
        // 10-byte (BIFF5) and 14-byte (BIFF8) forms: rows first..last+1, columns first..last+1.
        assert_eq!(dimensions(&[0, 0, 10, 0, 0, 0, 3, 0, 0, 0]), Some(30));
        let mut d = vec![0u8; 14];
        d[4..8].copy_from_slice(&100_000u32.to_le_bytes());
        d[10..12].copy_from_slice(&256u16.to_le_bytes());
        assert_eq!(dimensions(&d), Some(25_600_000));
        // A reversed row range wraps in calamine's u32 arithmetic: billions of rows.
        d[0..4].copy_from_slice(&200_000u32.to_le_bytes());
        assert!(dimensions(&d).unwrap() > 1 << 39);
        assert_eq!(dimensions(&[0; 12]), None);
    }

    #[test]
    fn continue_records_belong_to_the_record_before_them() {
        let mut s = record(0x0204, &[1, 2, 3, 4]);
        s.extend(record(0x003C, &[0x03, 0x02, 0, 0]));
        s.extend(record(0x000A, &[]));
        let seen: Vec<u16> = Records { rest: &s }
            .map(|r| r.map(|(t, _, _)| t).unwrap())
            .collect();
        assert_eq!(seen, [0x0204, 0x000A]);
        // A record longer than what is left is a framing error.
        let cut = &s[..6];
        assert!(Records { rest: cut }.next().unwrap().is_none());
    }

    /// A LABEL record in UTF-16 (BIFF8 XLUnicodeString).
    fn label(row: u16, col: u16, text: &str) -> Vec<u8> {
        let units: Vec<u16> = text.encode_utf16().collect();
        let mut d = row.to_le_bytes().to_vec();
        d.extend_from_slice(&col.to_le_bytes());
        d.extend_from_slice(&[0, 0]);
        d.extend_from_slice(&u16::try_from(units.len()).unwrap().to_le_bytes());
        d.push(1);
        for u in units {
            d.extend_from_slice(&u.to_le_bytes());
        }
        record(0x0204, &d)
    }

    /// A genuinely large but valid .xls (30,000 students, well past the 7 MB a compound file of
    /// 512-byte sectors addresses from its header alone) is read whole, through the contained
    /// copy: the limit refuses only what no roster needs.
    #[test]
    fn a_large_valid_workbook_still_imports() {
        let rows: u16 = 30_000;
        let mut cells = vec![
            label(0, 0, "学号"),
            label(0, 1, "姓名"),
            label(0, 2, "班级"),
        ];
        for r in 1..=rows {
            cells.push(label(r, 0, &format!("2025{r:06}")));
            cells.push(label(r, 1, "欧阳明月"));
            cells.push(label(r, 2, "心理学2025级1班"));
        }
        let s = stream(1, &cells);
        assert!(s.len() > 2_000_000, "{}", s.len());
        assert!(estimate(&s) < LIMIT / 4, "{}", estimate(&s));
        let file = cfb::single_stream_file(&s).unwrap();
        let parsed = crate::roster::parse_bytes("xls", &file).unwrap();
        assert_eq!(parsed.rows.len(), usize::from(rows));
        assert!(parsed.errors.is_empty(), "{:?}", parsed.errors.first());
    }
}
