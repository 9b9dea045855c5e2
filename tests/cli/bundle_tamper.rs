//! The tamper suite of bundles and receipts: every single-byte flip of the age file's header and
//! samples of its encrypted payload, every flip of the container's magic, manifest length, manifest and signature
//! (re-encrypted to the recipient, as an insider holding the recipient's age identity could),
//! samples of the frames, two frames swapped, a frame removed; all through the real import
//! (`Session::import_bundle`, `Session::import_receipt`), and each must be refused with no change to
//! the archive. docs/security.md says where each is caught.

use std::collections::BTreeMap;
use std::str::FromStr;

use xindang::Archive;

use crate::support::*;

fn s(p: &std::path::Path) -> &str {
    p.to_str().unwrap()
}

/// Where the age header ends (after the `---` MAC line).
fn header_end(file: &[u8]) -> usize {
    let at = file
        .windows(5)
        .position(|w| w == b"\n--- ")
        .expect("an age header");
    at + 5 + file[at + 5..].iter().position(|&b| b == b'\n').unwrap() + 1
}

/// Every single-byte flip of `file`'s age header, of the first and last 64 bytes of its payload
/// and of every 29th byte between them (each 64 KiB chunk of the payload is authenticated whole,
/// so every byte is alike) is refused by `import`; returns the error codes counted by region.
fn flip_every_byte(
    file: &[u8],
    mut import: impl FnMut(&[u8]) -> xindang::Result<()>,
) -> BTreeMap<(&'static str, String), usize> {
    let end = header_end(file);
    let mut codes = BTreeMap::new();
    let positions = (0..file.len())
        .filter(|&i| i < end + 64 || i + 64 >= file.len() || (i - end).is_multiple_of(29));
    for i in positions {
        let mut t = file.to_vec();
        t[i] ^= 1 << (i % 8);
        let region = if i < end { "age header" } else { "age payload" };
        match import(&t) {
            Ok(()) => panic!("{region}: the flip of byte {i} was accepted"),
            Err(e) => *codes.entry((region, e.code().to_string())).or_insert(0) += 1,
        }
    }
    codes
}

/// The container inside an age file, and a way to put an edited container back.
struct Inside {
    identity: age::x25519::Identity,
}

impl Inside {
    fn open(&self, file: &[u8]) -> Vec<u8> {
        age::decrypt(&self.identity, file).unwrap()
    }
    fn seal(&self, plain: &[u8]) -> Vec<u8> {
        age::encrypt(&self.identity.to_public(), plain).unwrap()
    }
}

/// Offsets in a container: (end of magic, end of length, end of manifest, end of signature).
fn layout(plain: &[u8]) -> (usize, usize, usize, usize) {
    let m = xindang::bundle::MAGIC.len();
    let len = u32::from_be_bytes(plain[m..m + 4].try_into().unwrap()) as usize;
    (m, m + 4, m + 4 + len, m + 4 + len + 64)
}

/// The frames of a container: (start, end) of each.
fn frames(plain: &[u8]) -> Vec<(usize, usize)> {
    let (.., mut at) = layout(plain);
    let mut out = Vec::new();
    while at < plain.len() {
        let len = u32::from_be_bytes(plain[at + 1..at + 5].try_into().unwrap()) as usize;
        out.push((at, at + 5 + len));
        at += 5 + len;
    }
    out
}

/// Every flip of the container's head and every 61st byte of its frames, re-encrypted.
fn flip_container(
    inside: &Inside,
    file: &[u8],
    mut import: impl FnMut(&[u8]) -> xindang::Result<()>,
) -> BTreeMap<(&'static str, String), usize> {
    let plain = inside.open(file);
    let (magic, length, manifest, signature) = layout(&plain);
    let mut codes = BTreeMap::new();
    let positions = (0..signature).chain((signature..plain.len()).step_by(61));
    for i in positions {
        let region = match i {
            i if i < magic => "magic",
            i if i < length => "manifest length",
            i if i < manifest => "manifest",
            i if i < signature => "signature",
            _ => "frames",
        };
        let mut t = plain.clone();
        t[i] ^= 1 << (i % 8);
        match import(&inside.seal(&t)) {
            Ok(()) => panic!("{region}: the flip of byte {i} was accepted"),
            Err(e) => *codes.entry((region, e.code().to_string())).or_insert(0) += 1,
        }
    }
    codes
}

fn center() -> Xd {
    let c = Xd::empty();
    c.ok(&["init", "--center"]);
    c
}

fn snapshot(x: &Xd) -> Vec<String> {
    let db = x.db();
    let mut out = Vec::new();
    for t in [
        "students",
        "records",
        "attachments",
        "ops",
        "peers",
        "bundles_in",
        "bundles_out",
        "handovers",
        "tombstones",
    ] {
        let mut stmt = db.prepare(&format!("SELECT * FROM {t}")).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut line = t.to_string();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!("|{v:?}"));
                }
                Ok(line)
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out.sort();
    out
}

fn report(what: &str, codes: &BTreeMap<(&'static str, String), usize>) -> usize {
    let mut n = 0;
    for ((region, code), k) in codes {
        println!("{what}: {region}: {k} flips refused as `{code}`");
        n += k;
    }
    n
}

#[test]
fn every_flip_of_a_bundle_and_of_a_receipt_is_refused() {
    let col = Xd::init();
    let cen = center();
    let (pc, pz) = (col.path("my-profile.json"), cen.path("my-profile.json"));
    col.ok(&["profile", "export", "--out", s(&pc), "--name", "哲学学院"]);
    cen.ok(&["profile", "export", "--out", s(&pz)]);
    col.ok(&["profile", "import", s(&pz)]);
    cen.ok(&["profile", "import", s(&pc)]);
    col.ok(&["demo", "--students", "2", "--seed", "17"]);
    let b = col.path("b.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b)]);
    let bundle = std::fs::read(&b).unwrap();
    // The center's copy before the import receives the flipped bundles.
    let fresh = Xd::empty();
    crate::support::soak::copy_dir(&cen.dir(), &fresh.dir());
    let r = cen.path("r.age");
    cen.ok(&["bundle", "import", s(&b), "--receipt-out", s(&r)]);
    let receipt = std::fs::read(&r).unwrap();

    // At the center: the bundle.
    let before = snapshot(&fresh);
    let mut center = xindang::Session::unlock(&Archive::open(&fresh.dir()).unwrap(), PASS).unwrap();
    let inside = Inside {
        identity: age::x25519::Identity::from_str(center.export_identity().unwrap().trim())
            .unwrap(),
    };
    let mut import = |t: &[u8]| center.import_bundle(t).map(|_| ());
    let mut flips = report("bundle", &flip_every_byte(&bundle, &mut import));
    flips += report("bundle", &flip_container(&inside, &bundle, &mut import));
    // Frames swapped or removed (rows of the bundle), the content hash unchanged.
    let plain = inside.open(&bundle);
    let f = frames(&plain);
    assert!(f.len() >= 3, "{} frames", f.len());
    let head = &plain[..f[0].0];
    let frame = |i: usize| &plain[f[i].0..f[i].1];
    let rest = |from: usize| plain[f[from].0..].to_vec();
    let swapped = [head, frame(1), frame(0), &rest(2)].concat();
    let removed = [head, &rest(1)].concat();
    let truncated = plain[..f[f.len() - 1].0].to_vec();
    for (what, t) in [
        ("two frames swapped", swapped),
        ("the first frame removed", removed),
        ("the last frame removed", truncated),
    ] {
        let e = import(&inside.seal(&t))
            .err()
            .unwrap_or_else(|| panic!("{what}: accepted"));
        assert_eq!(e.code(), "bundle_damaged", "{what}");
        flips += 1;
    }
    drop(center);
    assert_eq!(
        snapshot(&fresh),
        before,
        "a refused bundle changed the center"
    );

    // At the college: the receipt.
    let before = snapshot(&col);
    let mut college = xindang::Session::unlock(&Archive::open(&col.dir()).unwrap(), PASS).unwrap();
    let inside = Inside {
        identity: age::x25519::Identity::from_str(college.export_identity().unwrap().trim())
            .unwrap(),
    };
    let mut import = |t: &[u8]| college.import_receipt(t).map(|_| ());
    flips += report("receipt", &flip_every_byte(&receipt, &mut import));
    flips += report("receipt", &flip_container(&inside, &receipt, &mut import));
    drop(college);
    assert_eq!(
        snapshot(&col),
        before,
        "a refused receipt changed the college"
    );
    // The untouched receipt still imports.
    col.ok(&["receipt", "import", s(&r)]);
    println!("{flips} tampered bundles and receipts, each refused");
}
