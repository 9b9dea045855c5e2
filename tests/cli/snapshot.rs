//! The index snapshot 索引快照: an unlock reads it only while it is current and intact; a stale,
//! damaged or foreign one is rebuilt from the rows, silently and with the same result.

use std::path::Path;

use chrono::NaiveDate;
use xindang::rules::engine::ObligationFilter;
use xindang::session::SNAPSHOT_FILE;
use xindang::{Archive, Session};

use crate::support::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
}

/// An archive with synthetic students of every record kind, loaded in-process; the session's
/// close writes the snapshot.
fn seeded() -> Xd {
    let x = Xd::init();
    let config = xindang::synth::SynthConfig::new(7, 40, today());
    let items: Vec<_> = xindang::synth::students(&config)
        .map(|s| (s.profile, s.records))
        .collect();
    let mut s = unlock(&x.dir());
    s.load_students(items, |_, new| new).unwrap();
    drop(s);
    // Records of one student written in the same second keep their order of writing in the
    // session that wrote them, and come in row order from a rebuild; the snapshot keeps the order
    // of the index it was taken from. So the snapshot here is taken from a rebuilt index, to
    // compare like with like.
    std::fs::remove_file(x.dir().join(SNAPSHOT_FILE)).unwrap();
    drop(unlock(&x.dir()));
    x
}

fn unlock(dir: &Path) -> Session {
    Session::unlock(&Archive::open(dir).unwrap(), PASS).unwrap()
}

/// Everything the index serves: the list, every file, the obligations (which read the engine
/// facts of the headers) and the dashboard.
fn everything(s: &mut Session) -> serde_json::Value {
    let mut list = s.list_students();
    list.sort_by(|a, b| a.student_no.cmp(&b.student_no));
    let files: Vec<_> = list
        .iter()
        .map(|st| serde_json::to_value(s.student_file(&st.student_no).unwrap()).unwrap())
        .collect();
    let obligations = s
        .obligations(today(), &ObligationFilter::default())
        .unwrap();
    let mut dashboard = serde_json::to_value(s.dashboard(today()).unwrap()).unwrap();
    // The most recent records: all written in the same second here, so which of them make the
    // list depends on the index's hash order, which differs from one unlock to the next.
    dashboard.as_object_mut().unwrap().remove("recent");
    serde_json::json!({
        "list": list,
        "files": files,
        "obligations": obligations,
        "dashboard": dashboard,
    })
}

fn first_student(s: &Session) -> String {
    let mut list = s.list_students();
    list.sort_by(|a, b| a.student_no.cmp(&b.student_no));
    list[0].student_no.clone()
}

fn record_count(s: &Session, sno: &str) -> i32 {
    s.list_students()
        .into_iter()
        .find(|x| x.student_no == sno)
        .unwrap()
        .record_count
}

#[test]
fn a_current_snapshot_gives_the_same_index_as_the_rows() {
    let x = seeded();
    let snap = x.dir().join(SNAPSHOT_FILE);
    let mut s = unlock(&x.dir());
    assert!(s.index_from_snapshot());
    let from_snapshot = everything(&mut s);
    drop(s);
    std::fs::remove_file(&snap).unwrap();
    let mut s = unlock(&x.dir());
    assert!(!s.index_from_snapshot());
    let rebuilt = everything(&mut s);
    drop(s);
    // Not assert_eq!: the whole archive in a failure message would be unreadable.
    assert!(
        from_snapshot == rebuilt,
        "the snapshot's index differs from the rows'"
    );
    assert!(!from_snapshot["obligations"].as_array().unwrap().is_empty());
    // The rebuild wrote a fresh snapshot on close.
    assert!(unlock(&x.dir()).index_from_snapshot());
}

#[test]
fn a_snapshot_overtaken_by_a_write_is_not_used() {
    let x = seeded();
    let snap = x.dir().join(SNAPSHOT_FILE);
    let old = std::fs::read(&snap).unwrap();
    let sno = first_student(&unlock(&x.dir()));
    let before = record_count(&unlock(&x.dir()), &sno);
    // A write through the CLI (another process), after which the old snapshot comes back: as
    // after a crash before the close, or a file restored from elsewhere.
    x.ok(&[
        "talk",
        "add",
        "--student",
        &sno,
        "--category",
        "academic",
        "--date",
        "2026-10-30",
        "--text",
        "快照之后的谈话",
    ]);
    std::fs::write(&snap, &old).unwrap();
    let s = unlock(&x.dir());
    assert!(
        !s.index_from_snapshot(),
        "a stale snapshot must not be read"
    );
    assert_eq!(record_count(&s, &sno), before + 1);
    drop(s);
    assert_ne!(std::fs::read(&snap).unwrap(), old, "rewritten on close");
    let s = unlock(&x.dir());
    assert!(s.index_from_snapshot());
    assert_eq!(record_count(&s, &sno), before + 1);
}

#[test]
fn a_session_overtaken_by_another_writer_does_not_snapshot_its_index() {
    let x = seeded();
    std::fs::remove_file(x.dir().join(SNAPSHOT_FILE)).unwrap();
    // Rebuilt from the rows, so this session would snapshot its index on close.
    let a = unlock(&x.dir());
    assert!(!a.index_from_snapshot());
    let sno = first_student(&a);
    let before = record_count(&a, &sno);
    // Another process writes (and snapshots) while `a` is open: `a`'s index lacks that record,
    // and the data stamp `a` would find on close is the new one.
    x.ok(&[
        "talk",
        "add",
        "--student",
        &sno,
        "--category",
        "academic",
        "--date",
        "2026-10-30",
        "--text",
        "另一个进程的谈话",
    ]);
    assert_eq!(record_count(&a, &sno), before);
    drop(a);
    let s = unlock(&x.dir());
    assert_eq!(record_count(&s, &sno), before + 1);
}

#[test]
fn a_damaged_snapshot_is_rebuilt_without_an_error() {
    let x = seeded();
    let snap = x.dir().join(SNAPSHOT_FILE);
    let good = std::fs::read(&snap).unwrap();
    let expected = everything(&mut unlock(&x.dir()));
    let len = good.len();
    // The magic, the stamp, the count hint, a chunk length, inside the sealed data, the tag.
    let cases: Vec<(&str, Vec<u8>)> = [0, 10, 30, 33, 40, len / 2, len - 1]
        .into_iter()
        .map(|i| {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            ("flipped byte", bad)
        })
        .chain([
            ("truncated", good[..len - 100].to_vec()),
            ("cut to the header", good[..32].to_vec()),
            ("trailing bytes", [&good[..], b"x"].concat()),
            ("empty", Vec::new()),
        ])
        .collect();
    for (what, bytes) in cases {
        std::fs::write(&snap, &bytes).unwrap();
        let mut s = unlock(&x.dir());
        assert!(!s.index_from_snapshot(), "{what}");
        assert!(everything(&mut s) == expected, "{what}");
    }
    // A snapshot of another archive (same rows, other keys) does not open either.
    let y = seeded();
    std::fs::copy(y.dir().join(SNAPSHOT_FILE), &snap).unwrap();
    let s = unlock(&x.dir());
    assert!(!s.index_from_snapshot());
}

#[test]
fn an_archive_from_before_the_snapshot_opens_and_gets_one() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archive-v2");
    let x = Xd::empty();
    std::fs::create_dir_all(x.dir()).unwrap();
    std::fs::copy(src.join("archive.db"), x.dir().join("archive.db")).unwrap();
    let pass = std::fs::read_to_string(src.join("passphrase.txt")).unwrap();
    let open = |dir: &Path| Session::unlock(&Archive::open(dir).unwrap(), pass.trim()).unwrap();
    let s = open(&x.dir());
    assert!(!s.index_from_snapshot());
    assert_eq!(s.profile("2024000001").unwrap().name, "样例学生");
    drop(s);
    let s = open(&x.dir());
    assert!(s.index_from_snapshot());
    assert_eq!(s.profile("2024000001").unwrap().name, "样例学生");
    assert_eq!(record_count(&s, "2024000001"), 1);
}

#[test]
fn the_snapshot_holds_no_readable_student_data() {
    let x = seeded();
    let s = unlock(&x.dir());
    let names: Vec<String> = s.list_students().into_iter().map(|x| x.name).collect();
    drop(s);
    let bytes = std::fs::read(x.dir().join(SNAPSHOT_FILE)).unwrap();
    for name in names {
        let needle = name.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "a name in clear"
        );
    }
}
