//! A sanity check of a legacy .xls container (Compound File Binary, [MS-CFB]) before calamine
//! reads it. calamine 0.38 follows sector chains without detecting cycles: a 5 KB file whose
//! directory chain loops makes it allocate until the process aborts (found by the `roster` fuzz
//! target, tests/fixtures/roster/fuzz-cfb-cycle.xls), and a chain pointing past the allocation
//! table makes it index out of bounds. A damaged or hostile roster must be refused, not crash
//! the app, so the chains are checked here first.

const HEADER: usize = 512;
/// Sector ids from here on are markers (end of chain, free, FAT, DIFAT), not sectors.
const MAX_REGULAR: u32 = 0xFFFF_FFFA;
/// Streams smaller than this live in the mini stream, chained by the mini FAT.
const MINI_CUTOFF: u64 = 4096;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The bytes of sector `id`, as far as the file holds them.
fn sector(b: &[u8], size: usize, id: u32) -> &[u8] {
    let start = (id as usize + 1).saturating_mul(size);
    let end = start.saturating_add(size).min(b.len());
    b.get(start..end).unwrap_or(&[])
}

fn entries(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// Whether every chain of `table` ends: no cycle, no link past the table.
fn acyclic(table: &[u32]) -> bool {
    // 0: not seen, 1: on the walk in progress, 2: known to end.
    let mut state = vec![0u8; table.len()];
    let mut path = Vec::new();
    for start in 0..table.len() {
        let mut cur = start as u32;
        while cur < MAX_REGULAR {
            let i = cur as usize;
            match state.get(i) {
                None => return false,
                Some(1) => return false,
                Some(2) => break,
                _ => {}
            }
            state[i] = 1;
            path.push(i);
            cur = table[i];
        }
        for i in path.drain(..) {
            state[i] = 2;
        }
    }
    true
}

/// The entries of the chain starting at `start` in `fat`, read from the sectors (bounded: the
/// FAT is acyclic when this is called).
fn chain_bytes(b: &[u8], size: usize, fat: &[u32], start: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut cur = start;
    while cur < MAX_REGULAR && (cur as usize) < fat.len() {
        out.extend_from_slice(sector(b, size, cur));
        cur = fat[cur as usize];
    }
    out
}

/// Whether calamine can read this compound file without looping, indexing out of bounds or
/// reserving memory for more cells than a .xls sheet can hold.
pub(crate) fn chains_are_sane(b: &[u8]) -> bool {
    check(b).unwrap_or(false) && dimensions_are_sane(b).unwrap_or(false)
}

/// The largest sheet of the .xls format (BIFF8): 65,536 rows by 256 columns.
const MAX_ROWS: u64 = 65_536;
const MAX_COLS: u64 = 256;

/// Every DIMENSIONS record of the workbook stream names at most a whole sheet: calamine reserves
/// room for rows × columns cells from it before reading any (a 5 KB file asked for 59 GB, found by
/// the `roster` fuzz target, tests/fixtures/roster/fuzz-dimensions.xls); and no cell lies past the
/// last column (tests/fixtures/roster/fuzz-cell-column.xls). Call after [`check`].
fn dimensions_are_sane(b: &[u8]) -> Option<bool> {
    let size = if u16_at(b, 0x1E)? == 12 { 4096 } else { 512 };
    let sectors = b.len().div_ceil(size);
    let mut difat: Vec<u32> = entries(&b[0x4C..HEADER]).collect();
    let mut next = u32_at(b, 0x44)?;
    let mut hops = 0;
    while next < MAX_REGULAR && hops <= sectors {
        hops += 1;
        let mut ids: Vec<u32> = entries(sector(b, size, next)).collect();
        next = ids.pop().unwrap_or(u32::MAX);
        difat.extend(ids);
    }
    let fat: Vec<u32> = difat
        .iter()
        .filter(|&&id| id < MAX_REGULAR)
        .flat_map(|&id| entries(sector(b, size, id)).collect::<Vec<_>>())
        .collect();
    let dirs = chain_bytes(b, size, &fat, u32_at(b, 0x30)?);
    let minifat: Vec<u32> = entries(&chain_bytes(b, size, &fat, u32_at(b, 0x3C)?)).collect();
    let name = |e: &[u8]| -> String {
        let n = (u16_at(e, 0x40).unwrap_or(0) as usize).min(64);
        let units: Vec<u16> = e[..n]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .take_while(|&u| u != 0)
            .collect();
        String::from_utf16_lossy(&units).to_ascii_lowercase()
    };
    let mut root_stream = Vec::new();
    let mut stream = None;
    for e in dirs.chunks_exact(128) {
        let (start, len) = (u32_at(e, 0x74)?, u64_at(e, 0x78)?);
        match (e[0x42], name(e).as_str()) {
            (5, _) => root_stream = chain_bytes(b, size, &fat, start),
            (2, "workbook" | "book") if stream.is_none() => stream = Some((start, len)),
            _ => {}
        }
    }
    let Some((start, len)) = stream else {
        // No workbook stream: calamine refuses the file itself.
        return Some(true);
    };
    let mut data = if len < MINI_CUTOFF {
        let mut out = Vec::new();
        let mut cur = start;
        while cur < MAX_REGULAR && (cur as usize) < minifat.len() {
            let at = cur as usize * 64;
            out.extend_from_slice(root_stream.get(at..(at + 64).min(root_stream.len()))?);
            cur = minifat[cur as usize];
        }
        out
    } else {
        chain_bytes(b, size, &fat, start)
    };
    data.truncate(usize::try_from(len).unwrap_or(usize::MAX));
    // BIFF records: u16 type, u16 length, data.
    let mut at = 0;
    while at + 4 <= data.len() {
        let typ = u16_at(&data, at)?;
        let n = u16_at(&data, at + 2)? as usize;
        let r = &data[at + 4..(at + 4 + n).min(data.len())];
        at += 4 + n;
        // Cell records (number, label, bool/error, rich string, shared string, RK, formula,
        // blank; MULRK and MULBLANK span columns): calamine makes a dense rows × columns grid of
        // their bounding box, so a column past the format's 256 (a 5 KB file asked for 62 GB)
        // is refused. Rows are 16 bits, so at most 65,536 anyway.
        match typ {
            0x0203 | 0x0204 | 0x0205 | 0x00D6 | 0x00FD | 0x027E | 0x0006 | 0x0201 => {
                if u64::from(u16_at(r, 2).unwrap_or(0)) >= MAX_COLS {
                    return Some(false);
                }
                continue;
            }
            0x00BD | 0x00BE => {
                let last = r.len().saturating_sub(2);
                let first = u16_at(r, 2).unwrap_or(0);
                let end = u16_at(r, last).unwrap_or(0);
                if u64::from(first.max(end)) >= MAX_COLS {
                    return Some(false);
                }
                continue;
            }
            0x0200 => {}
            _ => continue,
        }
        // As calamine reads it (xls.rs, parse_dimensions).
        let (rf, rl, mut cf, cl) = match r.len() {
            10 => (
                u64::from(u16_at(r, 0)?),
                u64::from(u16_at(r, 2)?),
                u64::from(u16_at(r, 4)?),
                u64::from(u16_at(r, 6)?),
            ),
            14 | 16 => (
                u64::from(u32_at(r, 0)?),
                u64::from(u32_at(r, 4)?),
                u64::from(u16_at(r, 8)?),
                u64::from(u16_at(r, 10)?),
            ),
            _ => continue,
        };
        if 0xFF < cf || cl < cf {
            cf = 0;
        }
        if rl >= 1 && cl >= 1 {
            let (rows, cols) = (rl.checked_sub(rf), cl.checked_sub(cf));
            match (rows, cols) {
                (Some(r), Some(c)) if r <= MAX_ROWS && c <= MAX_COLS => {}
                _ => return Some(false),
            }
        }
    }
    Some(true)
}

fn check(b: &[u8]) -> Option<bool> {
    let size = match u16_at(b, 0x1E)? {
        9 => 512,
        12 => 4096,
        _ => return Some(false),
    };
    if b.len() < HEADER {
        return Some(false);
    }
    let sectors = b.len().div_ceil(size);
    // The DIFAT: 109 entries in the header, then a chain of DIFAT sectors (each ends with the next).
    let mut difat: Vec<u32> = entries(&b[0x4C..HEADER]).collect();
    let mut next = u32_at(b, 0x44)?;
    let mut hops = 0;
    while next < MAX_REGULAR {
        hops += 1;
        if hops > sectors {
            return Some(false);
        }
        let s = sector(b, size, next);
        let mut ids: Vec<u32> = entries(s).collect();
        next = ids.pop().unwrap_or(u32::MAX);
        difat.extend(ids);
    }
    let fat: Vec<u32> = difat
        .iter()
        .filter(|&&id| id < MAX_REGULAR)
        .flat_map(|&id| entries(sector(b, size, id)).collect::<Vec<_>>())
        .collect();
    if !acyclic(&fat) {
        return Some(false);
    }
    let in_fat = |id: u32| id >= MAX_REGULAR || (id as usize) < fat.len();
    let dir_start = u32_at(b, 0x30)?;
    let minifat_start = u32_at(b, 0x3C)?;
    if !in_fat(dir_start) || !in_fat(minifat_start) {
        return Some(false);
    }
    let minifat: Vec<u32> = entries(&chain_bytes(b, size, &fat, minifat_start)).collect();
    if !acyclic(&minifat) {
        return Some(false);
    }
    // Every stream's first sector is in its table.
    for entry in chain_bytes(b, size, &fat, dir_start).chunks_exact(128) {
        let (start, len) = (u32_at(entry, 0x74)?, u64_at(entry, 0x78)?);
        let ok = match entry[0x42] {
            // The root entry: the mini stream itself, in the FAT.
            5 => in_fat(start),
            2 if len < MINI_CUTOFF => start >= MAX_REGULAR || (start as usize) < minifat.len(),
            2 => in_fat(start),
            // Storages and unused entries have no data.
            _ => true,
        };
        if !ok {
            return Some(false);
        }
    }
    Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_and_links_past_the_table_are_found() {
        assert!(acyclic(&[1, 2, 0xFFFF_FFFE, 0xFFFF_FFFF]));
        assert!(!acyclic(&[1, 2, 0]));
        assert!(!acyclic(&[0]));
        assert!(!acyclic(&[5]));
        assert!(acyclic(&[]));
    }
}
