//! The sealed snapshot of the unlocked index (profiles, data keys, record headers), written when a
//! session closes and read at the next unlock instead of opening every sealed row one by one.
//!
//! Valid only for the data it was written from: the snapshot carries the archive's data stamp
//! (`meta.data_stamp`, replaced by a trigger on every change to `students` or `records`, by any
//! writer), and is used only when that stamp is still current. Anything else (no file, another
//! stamp, a bad tag, a short file, another build) means a full rebuild from the rows, and a fresh
//! snapshot when the session closes. Layout: docs/archive-format.md, "Index snapshot".

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};
use zeroize::Zeroizing;

use super::StudentEntry;
use crate::crypto::{self, Binding, Key};
use crate::error::Result;

mod codec;

pub use codec::*;

/// The snapshot file, next to `archive.db`.
pub const SNAPSHOT_FILE: &str = "index.snapshot";

/// The data stamp's schema (migration 3), re-exported where the benchmarks' baseline reads it.
pub use crate::db::DATA_STAMP_SQL;
const MAGIC: &[u8; 8] = b"XDINDEX\0";
/// Bumped whenever the encoding below changes; with the build's version it is part of every
/// chunk's binding, so a snapshot from another build is never decoded, only rebuilt.
const FORMAT: u32 = 1;
/// Plaintext per sealed chunk: small enough that unlock never holds the whole snapshot in memory.
pub const CHUNK: usize = 1 << 20;

/// What the index is built from, as a snapshot holds it.
pub(super) struct Index {
    pub(super) students: HashMap<i64, StudentEntry>,
    pub(super) by_lookup: HashMap<[u8; 16], i64>,
}

/// The current data stamp, `None` in an archive that has none (a schema before version 3).
#[doc(hidden)]
pub fn read_stamp(db: &Connection) -> Result<Option<[u8; 16]>> {
    let v: Option<Vec<u8>> = db
        .query_row("SELECT value FROM meta WHERE key = 'data_stamp'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(v.and_then(|v| v.try_into().ok()))
}

/// SQLite's count of commits by other connections, to tell whether the index in memory may have
/// been overtaken by another writer.
#[doc(hidden)]
pub fn data_version(db: &Connection) -> Result<i64> {
    Ok(db.pragma_query_value(None, "data_version", |r| r.get(0))?)
}

/// What every chunk is bound to besides the archive: the format, this build, the data stamp and
/// the student count of the file's header, so no byte of the file goes unauthenticated.
/// Counts and id sums of the rows the index is built from: what a snapshot must agree with before
/// it is written, so an index that missed a committed change (a write path that failed between
/// its commit and its update of memory) is never made permanent. Low 32 bits of the random ids,
/// so the sums cannot overflow.
pub(super) fn rows_fingerprint(db: &Connection) -> Result<[i64; 5]> {
    let (a, b, c) = db.query_row(
        "SELECT count(*), coalesce(sum(id & 4294967295), 0), coalesce(sum(version), 0) FROM students",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let (d, e) = db.query_row(
        "SELECT count(*), coalesce(sum(id & 4294967295), 0) FROM records",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok([a, b, c, d, e])
}

/// The same over the index in memory.
pub(super) fn index_fingerprint(students: &HashMap<i64, StudentEntry>) -> [i64; 5] {
    let mut f = [0i64; 5];
    for s in students.values() {
        f[0] += 1;
        f[1] += s.id & 0xFFFF_FFFF;
        f[2] += s.version;
        for h in &s.heads {
            f[3] += 1;
            f[4] += h.id & 0xFFFF_FFFF;
        }
    }
    f
}

fn binding_table(stamp: &[u8; 16], count: u64) -> String {
    let hex: String = stamp.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "index.snapshot/{FORMAT}/{}/{hex}/{count}",
        env!("CARGO_PKG_VERSION")
    )
}

fn chunk_binding<'a>(archive: &'a [u8; 16], table: &'a str, n: i64, last: bool) -> Binding<'a> {
    Binding {
        archive,
        table,
        row: n,
        student: 0,
        version: i64::from(last),
    }
}

/// Overwrites a file with zeros, syncs it, then removes it (a retirement's old snapshot: sealed,
/// but under the archive's key, not the retired students' destroyed ones). Missing is fine.
pub(super) fn shred(path: &Path) -> std::io::Result<()> {
    let mut f = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let mut left = f.metadata()?.len();
    let zeros = vec![0u8; 1 << 16];
    while left > 0 {
        let n = usize::try_from(left.min(zeros.len() as u64)).unwrap_or(zeros.len());
        f.write_all(&zeros[..n])?;
        left -= n as u64;
    }
    f.sync_all()?;
    drop(f);
    std::fs::remove_file(path)
}

/// Writes the snapshot of `students` taken at `stamp`: to a temporary file, then renamed, so a
/// crash leaves the old snapshot or the new one, never half of one.
pub(super) fn write(
    path: &Path,
    archive: &[u8; 16],
    key: &Key,
    stamp: &[u8; 16],
    students: &HashMap<i64, StudentEntry>,
    by_lookup: &HashMap<[u8; 16], i64>,
) -> Result<()> {
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    let lookups: HashMap<i64, &[u8; 16]> = by_lookup.iter().map(|(l, s)| (*s, l)).collect();
    let table = binding_table(stamp, students.len() as u64);
    let mut out = BufWriter::new(create_private(&tmp)?);
    out.write_all(MAGIC)?;
    out.write_all(stamp)?;
    out.write_all(&(students.len() as u64).to_le_bytes())?;
    let mut enc = Encoder::new();
    let mut n = 0i64;
    let mut flush = |enc: &mut Encoder, last: bool, out: &mut BufWriter<File>| -> Result<()> {
        let plain = enc.finish();
        let sealed = crypto::seal(key, &chunk_binding(archive, &table, n, last), &plain);
        out.write_all(&(sealed.len() as u32).to_le_bytes())?;
        out.write_all(&sealed)?;
        n += 1;
        Ok(())
    };
    for s in students.values() {
        // Every student in the index has its lookup; one without would be rebuilt, not guessed.
        let Some(lookup) = lookups.get(&s.id) else {
            let _ = std::fs::remove_file(&tmp);
            return Ok(());
        };
        enc.student(s, lookup);
        if enc.body.len() >= CHUNK {
            flush(&mut enc, false, &mut out)?;
        }
    }
    flush(&mut enc, true, &mut out)?;
    out.flush()?;
    drop(out);
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Created `0600` like the database: sealed, but no other account need even copy it.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path)
}

/// The index as the snapshot in `dir` holds it, if that snapshot is intact, from this build, and
/// taken at `stamp`; `None` otherwise (the caller rebuilds).
pub(super) fn read(path: &Path, archive: &[u8; 16], key: &Key, stamp: &[u8; 16]) -> Option<Index> {
    let mut file = BufReader::with_capacity(1 << 16, File::open(path).ok()?);
    let mut head = [0u8; 8 + 16 + 8];
    file.read_exact(&mut head).ok()?;
    if &head[..8] != MAGIC || head[8..24] != stamp[..] {
        return None;
    }
    let count = u64::from_le_bytes(head[24..32].try_into().ok()?);
    // Authenticated only with the first chunk: bounded so a damaged file cannot ask for terabytes.
    let hint = usize::try_from(count.min(10_000_000)).ok()?;
    let mut index = Index {
        students: HashMap::with_capacity(hint),
        by_lookup: HashMap::with_capacity(hint),
    };
    let table = binding_table(stamp, count);
    // Chunk i+1 is read and opened on a second thread while chunk i is decoded here, so the
    // AES-GCM passes hide behind the decoding on a machine with two cores. The opener stops at
    // the first bad chunk and says so; a decoder that gives up drops the channel, which stops it.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Opened>(2);
    let decoded = std::thread::scope(|scope| {
        scope.spawn(move || open_chunks(file, archive, key, &table, &tx));
        // Owned here, so returning early drops it before the scope waits for the opener.
        let rx = rx;
        for chunk in rx.iter() {
            match chunk {
                Opened::Chunk(plain) => Decoder::new(&plain)?.students(&mut index)?,
                Opened::End => return Some(()),
                Opened::Bad => return None,
            }
        }
        // The opener ended without a verdict (it panicked): never trust a partial index.
        None
    });
    decoded?;
    if index.students.len() as u64 != count {
        return None;
    }
    Some(index)
}

/// What the opening thread of [`read`] hands to the decoder.
enum Opened {
    /// The next chunk's plaintext, authenticated.
    Chunk(Zeroizing<Vec<u8>>),
    /// The last chunk was handed over and nothing follows it.
    End,
    /// A chunk failed (short, too long, bad tag, out of order) or bytes follow the last one.
    Bad,
}

/// Reads and opens the sealed chunks in order, handing each to `tx`; ends with `End` or `Bad`.
fn open_chunks(
    mut file: BufReader<File>,
    archive: &[u8; 16],
    key: &Key,
    table: &str,
    tx: &std::sync::mpsc::SyncSender<Opened>,
) {
    let mut sealed = Vec::new();
    let mut n = 0i64;
    loop {
        let Some((plain, last)) = open_chunk(&mut file, &mut sealed, archive, key, table, n) else {
            let _ = tx.send(Opened::Bad);
            return;
        };
        // A decoder that gave up has dropped its end: stop reading.
        if tx.send(Opened::Chunk(plain)).is_err() {
            return;
        }
        n += 1;
        if last {
            break;
        }
    }
    // Nothing may follow the last chunk.
    let mut extra = [0u8; 1];
    let end = match file.read(&mut extra) {
        Ok(0) => Opened::End,
        _ => Opened::Bad,
    };
    let _ = tx.send(end);
}

/// Reads chunk `n` and opens it: its plaintext and whether it was sealed as the last one.
fn open_chunk(
    file: &mut BufReader<File>,
    sealed: &mut Vec<u8>,
    archive: &[u8; 16],
    key: &Key,
    table: &str,
    n: i64,
) -> Option<(Zeroizing<Vec<u8>>, bool)> {
    let mut len = [0u8; 4];
    file.read_exact(&mut len).ok()?;
    let len = u32::from_le_bytes(len) as usize;
    // A chunk is 1 MiB of plaintext plus the largest single student beyond it.
    if len > 1 << 30 {
        return None;
    }
    sealed.resize(len, 0);
    file.read_exact(sealed).ok()?;
    // The last chunk is sealed as last: a file cut after a whole chunk does not pass.
    match crypto::open(
        key,
        &chunk_binding(archive, table, n, false),
        sealed,
        "index snapshot",
    ) {
        Ok(p) => Some((p, false)),
        Err(_) => crypto::open(
            key,
            &chunk_binding(archive, table, n, true),
            sealed,
            "index snapshot",
        )
        .ok()
        .map(|p| (p, true)),
    }
}

#[cfg(test)]
mod tests {
    use crate::archive::Archive;
    use crate::session::Session;
    use crate::synth::{self, SynthConfig};

    const PASSPHRASE: &str = "snapshot-口令-2026";

    #[test]
    fn an_index_that_missed_a_committed_change_is_not_snapshotted() {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("a");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let people = synth::generate(&SynthConfig::new(3, 5, today));
        let record = people
            .iter()
            .find_map(|p| p.records.first().cloned())
            .expect("a record");
        let (mut s, _) = Session::create(&dir, PASSPHRASE).expect("create");
        let items = people.into_iter().map(|p| (p.profile, p.records)).collect();
        s.load_students(items, |_, new| new).expect("load");
        drop(s);
        let unlock = || {
            Archive::open(&dir)
                .and_then(|a| Session::unlock(&a, PASSPHRASE))
                .expect("unlock")
        };
        let s = unlock();
        assert!(s.index_from_snapshot());
        let count = |s: &super::super::Session| -> usize {
            s.students.values().map(|e| e.heads.len()).sum()
        };
        let before = count(&s);
        // A write path that commits and then fails before it updates the index: the row is in
        // the database, not in memory, and the stamp has moved on this session's own connection.
        let sid = *s.students.keys().next().expect("a student");
        let key = s.students[&sid].key.clone();
        s.insert_record(&s.db, sid, &key, &record, None)
            .expect("insert");
        let snap = dir.join(super::SNAPSHOT_FILE);
        let old = std::fs::read(&snap).expect("snapshot");
        drop(s);
        assert_eq!(
            std::fs::read(&snap).expect("snapshot"),
            old,
            "not rewritten"
        );
        let s = unlock();
        assert!(!s.index_from_snapshot());
        assert_eq!(count(&s), before + 1);
    }

    /// The index holds a header per record (a million at 100,000 students): each byte here is
    /// a megabyte there (docs/benchmarks.md, "Memory").
    /// A snapshot of several chunks, as the opening thread and the decoder pass them along:
    /// read back whole, and refused when its chunks are reordered, dropped, repeated or cut.
    #[test]
    fn a_snapshot_of_several_chunks_reads_back_and_refuses_any_reordering() {
        use super::super::StudentEntry;
        use std::collections::HashMap;
        let tmp = tempfile::tempdir().expect("temp dir");
        let (archive, key, stamp) = ([7u8; 16], crate::crypto::random_key(), [9u8; 16]);
        let mut students = HashMap::new();
        let mut by_lookup = HashMap::new();
        for i in 1..=7i64 {
            let mut profile = crate::model::StudentProfile {
                student_no: format!("2026{i:04}"),
                ..Default::default()
            };
            // 0.4 MiB each: three students fill a chunk, so seven make three chunks.
            profile.home_address = "址".repeat(140_000);
            let entry = StudentEntry {
                id: i,
                key: crate::crypto::random_key(),
                version: 1,
                profile,
                heads: Vec::new(),
            };
            students.insert(i, entry);
            by_lookup.insert([i as u8; 16], i);
        }
        let path = tmp.path().join(super::SNAPSHOT_FILE);
        super::write(&path, &archive, &key, &stamp, &students, &by_lookup).expect("write");
        let good = std::fs::read(&path).expect("snapshot");
        let read = || super::read(&path, &archive, &key, &stamp);
        let index = read().expect("reads back");
        assert_eq!(index.students.len(), 7);
        assert_eq!(index.by_lookup, by_lookup);
        for (id, s) in &students {
            assert_eq!(index.students[id].profile, s.profile);
            assert_eq!(index.students[id].key, s.key);
        }
        // Split into the header and the length-prefixed chunks.
        let mut chunks: Vec<&[u8]> = Vec::new();
        let mut at = 32;
        while at < good.len() {
            let len = u32::from_le_bytes(good[at..at + 4].try_into().expect("len")) as usize;
            chunks.push(&good[at..at + 4 + len]);
            at += 4 + len;
        }
        assert!(chunks.len() >= 3, "{} chunks", chunks.len());
        let with = |order: &[usize]| -> Vec<u8> {
            let mut out = good[..32].to_vec();
            for &i in order {
                out.extend_from_slice(chunks[i]);
            }
            out
        };
        let n = chunks.len();
        let all: Vec<usize> = (0..n).collect();
        let mut swapped = all.clone();
        swapped.swap(0, 1);
        let mut dropped = all.clone();
        dropped.remove(1);
        let mut repeated = all.clone();
        repeated.insert(1, 1);
        let cases = [
            ("swapped", swapped),
            ("a middle chunk dropped", dropped),
            ("the last chunk dropped", all[..n - 1].to_vec()),
            ("a chunk repeated", repeated),
            ("a chunk after the last", [all.clone(), vec![0]].concat()),
        ];
        for (what, order) in cases {
            std::fs::write(&path, with(&order)).expect("write");
            assert!(read().is_none(), "{what}");
        }
        std::fs::write(&path, with(&all)).expect("write");
        assert!(read().is_some());
    }
}
