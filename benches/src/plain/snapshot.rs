//! The index snapshot of the baseline: the core's encoding (`xindang::session::snapshot`), in the
//! same chunks, written at close and read at open under the same data-stamp rule, but unsealed.
//! So unlock ratios keep measuring encryption alone: both sides decode the same bytes.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

use xindang::session::snapshot::{self, Decoder, Encoder, CHUNK};

use super::{Head, PResult, Student};

const FILE: &str = "plain.snapshot";
const MAGIC: &[u8; 8] = b"XDPLAIN\0";

fn io(e: std::io::Error) -> String {
    format!("plaintext baseline: snapshot: {e}")
}

pub(super) fn write(
    dir: &Path,
    stamp: &[u8; 16],
    students: &HashMap<i64, Student>,
    by_lookup: &HashMap<String, i64>,
) -> PResult<()> {
    let tmp = dir.join(format!("{FILE}.tmp"));
    let lookups: HashMap<i64, &String> = by_lookup.iter().map(|(l, s)| (*s, l)).collect();
    let mut out = BufWriter::new(File::create(&tmp).map_err(io)?);
    out.write_all(MAGIC).map_err(io)?;
    out.write_all(stamp).map_err(io)?;
    out.write_all(&(students.len() as u64).to_le_bytes())
        .map_err(io)?;
    let mut enc = Encoder::new();
    let flush = |enc: &mut Encoder, last: bool, out: &mut BufWriter<File>| -> PResult<()> {
        let plain = enc.finish();
        out.write_all(&[u8::from(last)]).map_err(io)?;
        out.write_all(&(plain.len() as u32).to_le_bytes())
            .map_err(io)?;
        out.write_all(&plain).map_err(io)
    };
    for s in students.values() {
        let Some(lookup) = lookups.get(&s.id) else {
            return Err("plaintext baseline: a student without lookup".into());
        };
        enc.begin_student();
        enc.i64(s.id);
        enc.i64(s.version);
        enc.str(lookup);
        enc.profile(&s.profile);
        enc.u32(s.heads.len() as u32);
        for h in &s.heads {
            enc.i64(h.id);
            enc.written_at(&h.written_at);
            enc.date(Some(h.date));
            enc.str(&h.kind);
            enc.opt_i64(h.amends.map(std::num::NonZeroI64::get));
            enc.value(&h.category);
            enc.value(&h.concern);
            enc.date(h.concern_until);
            enc.value(&h.crisis);
            enc.date(h.follow_up);
            enc.u8(u8::from(h.facts.is_some()));
            if let Some(f) = &h.facts {
                enc.json(f);
            }
        }
        if enc.len() >= CHUNK {
            flush(&mut enc, false, &mut out)?;
        }
    }
    flush(&mut enc, true, &mut out)?;
    out.flush().map_err(io)?;
    drop(out);
    std::fs::rename(&tmp, dir.join(FILE)).map_err(io)
}

pub(super) fn remove(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(FILE));
}

type Index = (HashMap<i64, Student>, HashMap<String, i64>);

pub(super) fn read(dir: &Path, stamp: &[u8; 16]) -> Option<Index> {
    let mut file = BufReader::with_capacity(1 << 16, File::open(dir.join(FILE)).ok()?);
    let mut head = [0u8; 32];
    file.read_exact(&mut head).ok()?;
    if &head[..8] != MAGIC || head[8..24] != stamp[..] {
        return None;
    }
    let count = u64::from_le_bytes(head[24..32].try_into().ok()?);
    let hint = usize::try_from(count.min(10_000_000)).ok()?;
    let mut students = HashMap::with_capacity(hint);
    let mut by_lookup = HashMap::with_capacity(hint);
    // As the core: the chunks are read on a second thread while the previous one is decoded
    // (the core opens them there too; here there is nothing to open).
    let (tx, rx) = std::sync::mpsc::sync_channel::<Option<(bool, Vec<u8>)>>(2);
    let done = std::thread::scope(|scope| {
        scope.spawn(move || loop {
            let mut len = [0u8; 5];
            let chunk = file.read_exact(&mut len).ok().and_then(|_| {
                let mut buf = vec![0u8; u32::from_le_bytes(len[1..].try_into().ok()?) as usize];
                file.read_exact(&mut buf).ok()?;
                Some((len[0] == 1, buf))
            });
            let end = chunk.as_ref().is_none_or(|(last, _)| *last);
            if tx.send(chunk).is_err() || end {
                return;
            }
        });
        let rx = rx;
        for chunk in rx.iter() {
            let (last, buf) = chunk?;
            decode(&buf, &mut students, &mut by_lookup)?;
            if last {
                return Some(());
            }
        }
        None
    });
    done?;
    (students.len() as u64 == count).then_some((students, by_lookup))
}

fn decode(
    buf: &[u8],
    students: &mut HashMap<i64, Student>,
    by_lookup: &mut HashMap<String, i64>,
) -> Option<()> {
    let mut d = Decoder::new(buf)?;
    let mut profile_caches = d.profile_caches();
    let (mut c0, mut c1, mut c2) = (d.cache(), d.cache(), d.cache());
    let n = d.u32()?;
    for _ in 0..n {
        let id = d.i64()?;
        let version = d.i64()?;
        let lookup = d.string()?;
        let profile = d.profile(&mut profile_caches)?;
        let h = d.u32()? as usize;
        let mut heads = Vec::with_capacity(h.min(4096));
        for _ in 0..h {
            heads.push(Head {
                id: d.i64()?,
                written_at: d.written_at()?,
                date: d.date()??,
                kind: snapshot::kind(std::str::from_utf8(d.bytes()?).ok()?),
                amends: match d.opt_i64()? {
                    Some(a) => Some(std::num::NonZeroI64::new(a)?),
                    None => None,
                },
                category: d.value(&mut c0)?,
                concern: d.value(&mut c1)?,
                concern_until: d.date()?,
                crisis: d.value(&mut c2)?,
                follow_up: d.date()?,
                facts: match d.u8()? {
                    0 => None,
                    _ => Some(Box::new(d.json()?)),
                },
            });
        }
        by_lookup.insert(lookup, id);
        students.insert(
            id,
            Student {
                id,
                version,
                profile,
                heads,
            },
        );
    }
    if !d.is_empty() {
        return None;
    }
    Some(())
}
