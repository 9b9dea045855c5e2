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

/// Whether calamine can follow this compound file's chains without looping or indexing out of
/// bounds.
pub(crate) fn chains_are_sane(b: &[u8]) -> bool {
    check(b).unwrap_or(false)
}

/// The workbook stream as calamine finds it: the first directory entry named `Workbook`, else
/// `Book` (any case; the name is the entry's 64 bytes up to the first NUL, as calamine decodes
/// it), from the mini stream when shorter than 4096 bytes. Call after [`chains_are_sane`]; every
/// walk is bounded all the same. `None` when there is no such stream.
pub(crate) fn workbook_stream(b: &[u8]) -> Option<Vec<u8>> {
    let size = if u16_at(b, 0x1E)? == 12 { 4096 } else { 512 };
    let sectors = b.len().div_ceil(size);
    let mut difat: Vec<u32> = entries(b.get(0x4C..HEADER)?).collect();
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
    let entries_of: Vec<&[u8]> = dirs.chunks_exact(128).collect();
    let root = entries_of.first()?;
    let len_of = |e: &[u8]| -> Option<u64> {
        if size == 512 {
            u32_at(e, 0x78).map(u64::from)
        } else {
            u64_at(e, 0x78)
        }
    };
    let name = |e: &[u8]| -> String {
        let units: Vec<u16> = e[..64]
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        let s = String::from_utf16_lossy(&units);
        s.split('\0').next().unwrap_or("").to_ascii_lowercase()
    };
    let entry = entries_of
        .iter()
        .find(|e| name(e) == "workbook")
        .or_else(|| entries_of.iter().find(|e| name(e) == "book"))?;
    let (start, len) = (u32_at(entry, 0x74)?, len_of(entry)?);
    let len = usize::try_from(len).ok()?;
    let mut data = if (len as u64) < MINI_CUTOFF {
        let root_len = usize::try_from(len_of(root)?).unwrap_or(usize::MAX);
        let mut root_stream = chain_bytes(b, size, &fat, u32_at(root, 0x74)?);
        root_stream.truncate(root_len);
        let minifat: Vec<u32> = entries(&chain_bytes(b, size, &fat, u32_at(b, 0x3C)?)).collect();
        let mut out = Vec::new();
        let mut cur = start;
        let mut hops = 0;
        while cur < MAX_REGULAR && (cur as usize) < minifat.len() && hops <= minifat.len() {
            hops += 1;
            let at = cur as usize * 64;
            out.extend_from_slice(root_stream.get(at..(at + 64).min(root_stream.len()))?);
            if out.len() >= len {
                break;
            }
            cur = minifat[cur as usize];
        }
        out
    } else {
        chain_bytes(b, size, &fat, start)
    };
    data.truncate(len);
    Some(data)
}

/// Sector size of the compound file written by [`single_stream_file`] (version 4).
const OUT_SECTOR: usize = 4096;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FAT_SECTOR: u32 = 0xFFFF_FFFD;
const FREE: u32 = 0xFFFF_FFFF;

/// A minimal compound file holding only `stream` as `Workbook` (padded with zero bytes to at
/// least 4096, so it is read from regular sectors; a zero-length BIFF record of type 0 is one
/// calamine skips). Its layout has one reading: calamine then parses exactly the bytes checked
/// by `biff::check`. `None` when the stream needs more than the header's 109 FAT sectors
/// (over 450 MB).
pub(crate) fn single_stream_file(stream: &[u8]) -> Option<Vec<u8>> {
    let mut data = stream.to_vec();
    if data.len() < MINI_CUTOFF as usize {
        data.resize(MINI_CUTOFF as usize, 0);
    }
    let n = data.len().div_ceil(OUT_SECTOR);
    let per_fat = OUT_SECTOR / 4;
    // Stream sectors, one directory sector, then the FAT sectors (which count themselves).
    let mut fats = 1;
    while (n + 1 + fats).div_ceil(per_fat) > fats {
        fats += 1;
    }
    if fats > 109 {
        return None;
    }
    let declared = data.len() as u64;
    let dir = n;
    let mut fat = vec![FREE; fats * per_fat];
    for (i, e) in fat.iter_mut().enumerate().take(n) {
        *e = if i + 1 == n {
            END_OF_CHAIN
        } else {
            (i + 1) as u32
        };
    }
    fat[dir] = END_OF_CHAIN;
    for e in &mut fat[n + 1..n + 1 + fats] {
        *e = FAT_SECTOR;
    }
    let mut out = vec![0u8; OUT_SECTOR];
    out[..8].copy_from_slice(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let put16 = |o: &mut [u8], at: usize, v: u16| o[at..at + 2].copy_from_slice(&v.to_le_bytes());
    let put32 = |o: &mut [u8], at: usize, v: u32| o[at..at + 4].copy_from_slice(&v.to_le_bytes());
    put16(&mut out, 0x18, 0x003E);
    put16(&mut out, 0x1A, 4);
    put16(&mut out, 0x1C, 0xFFFE);
    put16(&mut out, 0x1E, 12);
    put16(&mut out, 0x20, 6);
    put32(&mut out, 0x28, 1);
    put32(&mut out, 0x2C, fats as u32);
    put32(&mut out, 0x30, dir as u32);
    put32(&mut out, 0x38, MINI_CUTOFF as u32);
    put32(&mut out, 0x3C, END_OF_CHAIN);
    put32(&mut out, 0x44, END_OF_CHAIN);
    for i in 0..109 {
        let id = if i < fats { (n + 1 + i) as u32 } else { FREE };
        put32(&mut out, 0x4C + 4 * i, id);
    }
    data.resize(n * OUT_SECTOR, 0);
    out.extend_from_slice(&data);
    let mut dirs = vec![0u8; OUT_SECTOR];
    let entry = |d: &mut [u8], name: &str, typ: u8, child: u32, start: u32, len: u64| {
        let units: Vec<u16> = name.encode_utf16().collect();
        for (i, u) in units.iter().enumerate() {
            d[2 * i..2 * i + 2].copy_from_slice(&u.to_le_bytes());
        }
        d[0x40..0x42].copy_from_slice(&(((units.len() + 1) * 2) as u16).to_le_bytes());
        d[0x42] = typ;
        d[0x43] = 1;
        d[0x44..0x48].copy_from_slice(&FREE.to_le_bytes());
        d[0x48..0x4C].copy_from_slice(&FREE.to_le_bytes());
        d[0x4C..0x50].copy_from_slice(&child.to_le_bytes());
        d[0x74..0x78].copy_from_slice(&start.to_le_bytes());
        d[0x78..0x80].copy_from_slice(&len.to_le_bytes());
    };
    // The root has no mini stream; its start is not END_OF_CHAIN, which calamine refuses in a
    // version 4 file.
    entry(&mut dirs[..128], "Root Entry", 5, 1, 0, 0);
    entry(&mut dirs[128..256], "Workbook", 2, FREE, 0, declared);
    for e in dirs[256..].chunks_exact_mut(128) {
        e[0x44..0x50].copy_from_slice(&[0xFF; 12]);
    }
    out.extend_from_slice(&dirs);
    for e in &fat {
        out.extend_from_slice(&e.to_le_bytes());
    }
    Some(out)
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
