//! The tamper suite: every single-byte flip of every sealed or MAC'd value of a small archive,
//! swapped rows, removed rows and a rolled-back file. Each is either detected where
//! docs/security.md says it is, or shown to pass undetected where the doc says it does.
//!
//! Flips are made in the database file itself (the value's bytes found in the page image), so
//! SQL triggers play no part; each probe unlocks with the recovery key, whose slot needs no
//! Argon2id, to keep thousands of probes fast.

use std::path::Path;

use rusqlite::Connection;
use xindang::crypto::{self, Binding};
use xindang::Archive;

use super::archive::profile;
use crate::support::*;

const A: &str = "2025030101";
const B: &str = "2025030102";
const TALK_A: &str = "篡改测试：谈话原文，不得被改动";
const FILE_A: &[u8] = b"%PDF-1.4 scanned certificate, tamper suite";

struct Small {
    x: Xd,
    recovery: String,
    attachment: String,
}

/// Two students, two talks for A, one for B, an attachment for A; closed and checkpointed.
fn small() -> Small {
    let x = Xd::empty();
    let out = x.run(&["init"]);
    assert!(out.status.success());
    let recovery = stdout(&out).trim().to_string();
    x.import(&[
        profile(A, "欧阳篡改", "13800003001"),
        profile(B, "上官校验", "13800003002"),
    ]);
    for (sno, text) in [(A, TALK_A), (A, "第二次谈话"), (B, "乙的谈话")] {
        x.ok(&[
            "talk",
            "add",
            "--student",
            sno,
            "--category",
            "academic",
            "--date",
            "2026-03-01",
            "--text",
            text,
        ]);
    }
    let file = x.path("cert.pdf");
    std::fs::write(&file, FILE_A).unwrap();
    let attachment = x
        .ok(&[
            "attachment",
            "add",
            "--student",
            A,
            "--file",
            file.to_str().unwrap(),
        ])
        .trim()
        .to_string();
    assert!(
        !x.dir().join("archive.db-wal").exists(),
        "checkpointed on close"
    );
    Small {
        x,
        recovery,
        attachment,
    }
}

/// Everything a counselor can read, read in full: unlock (profiles, data keys, index, record
/// headers), the audit chain, both files with every record body, the attachment.
fn probe(dir: &Path, recovery: &str, attachment: &str) -> Result<(), String> {
    let run = || -> xindang::Result<()> {
        let mut s = xindang::Session::unlock_with_recovery(&Archive::open(dir)?, recovery)?;
        s.audit_log()?;
        let a = s.student_file(A)?;
        let b = s.student_file(B)?;
        // Whatever opens must be what was written: no silently altered plaintext.
        assert_eq!(a.profile.name, "欧阳篡改");
        assert_eq!(b.profile.name, "上官校验");
        assert_eq!(a.records.len(), 3);
        assert_eq!(b.records.len(), 1);
        assert!(a
            .records
            .iter()
            .any(|r| format!("{:?}", r.record).contains(TALK_A)));
        assert_eq!(&s.attachment(A, attachment)?[..], FILE_A);
        Ok(())
    };
    run().map_err(|e| {
        if e.code() == "database" {
            eprintln!("{e}");
        }
        e.code().to_string()
    })
}

fn reset(dir: &Path, image: &[u8]) {
    for f in ["archive.db-wal", "archive.db-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    std::fs::write(dir.join("archive.db"), image).unwrap();
}

/// Where `value` is stored in the file image, outside `avoid` (the audit head, which repeats the
/// last chain value).
fn find_unique(
    image: &[u8],
    value: &[u8],
    avoid: &std::ops::Range<usize>,
    table: &std::ops::Range<usize>,
) -> usize {
    let hits: Vec<usize> = image
        .windows(value.len())
        .enumerate()
        .filter(|(i, w)| *w == value && !avoid.contains(i))
        .map(|(i, _)| i)
        .collect();
    // A UNIQUE column (students.lookup) is also stored in its index: flip the table's copy,
    // the one the archive reads (the index is only used by SQL lookups, which it does not make).
    let hits = if hits.len() > 1 {
        let in_table: Vec<usize> = hits.iter().copied().filter(|i| table.contains(i)).collect();
        in_table
    } else {
        hits
    };
    assert_eq!(hits.len(), 1, "a value stored once, contiguously");
    hits[0]
}

fn values(db: &Connection, sql: &str) -> Vec<(i64, Vec<u8>)> {
    db.prepare(sql)
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn every_single_byte_flip_of_every_sealed_value_is_detected() {
    let s = small();
    let dir = s.x.dir();
    probe(&dir, &s.recovery, &s.attachment).expect("the pristine archive reads");
    let image = std::fs::read(dir.join("archive.db")).unwrap();
    let db = s.x.db();
    // (what, query of (row, value), the error every flip must give)
    let columns: [(&str, &str, &str); 11] = [
        (
            "recovery slot",
            "SELECT id, wrapped FROM key_slots WHERE kind = 'recovery'",
            "wrong_recovery_key",
        ),
        (
            "student data keys",
            "SELECT student_id, wrapped FROM student_wraps",
            "tamper",
        ),
        (
            // The recovery slot's grants: the probe unlocks with the recovery key.
            "caseload keys",
            "SELECT caseload_id, wrapped FROM grants WHERE slot_id IN (SELECT id FROM key_slots WHERE kind = 'recovery')",
            "tamper",
        ),
        (
            "student profiles",
            "SELECT id, profile FROM students",
            "tamper",
        ),
        (
            "student lookups",
            "SELECT id, lookup FROM students",
            "tamper",
        ),
        ("record headers", "SELECT id, header FROM records", "tamper"),
        ("record bodies", "SELECT id, body FROM records", "tamper"),
        (
            "attachments",
            "SELECT id, content FROM attachments",
            "tamper",
        ),
        (
            "audit entries",
            "SELECT seq, entry FROM audit",
            "audit_broken",
        ),
        (
            "audit chain",
            "SELECT seq, chain FROM audit",
            "audit_broken",
        ),
        (
            "audit head",
            "SELECT 0, value FROM meta WHERE key = 'audit_head'",
            "audit_broken",
        ),
    ];
    let columns: Vec<_> = columns
        .into_iter()
        .map(|(what, sql, code)| (what, values(&db, sql), code))
        .collect();
    let head: Vec<u8> = db
        .query_row("SELECT value FROM meta WHERE key = 'audit_head'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let nowhere = 0..0;
    let head_at = find_unique(&image, &head, &nowhere, &nowhere);
    let page = db
        .query_row("PRAGMA page_size", [], |r| r.get::<_, i64>(0))
        .unwrap() as usize;
    let students_root = db
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'students'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .unwrap() as usize;
    let students_page = (students_root - 1) * page..students_root * page;
    let head_range = head_at..head_at + head.len();
    // No connection may stay open while the file is replaced under it.
    drop(db);
    // Every byte of every value; of the audit log (a dozen entries alike), the first, a middle
    // and the last entry.
    let mut jobs = Vec::new();
    for (what, mut vals, code) in columns {
        assert!(!vals.is_empty(), "{what}");
        if what.starts_with("audit") && vals.len() > 3 {
            vals = vec![
                vals[0].clone(),
                vals[vals.len() / 2].clone(),
                vals[vals.len() - 1].clone(),
            ];
        }
        for (row, value) in vals {
            let avoid = if what == "audit head" {
                &nowhere
            } else {
                &head_range
            };
            let at = find_unique(&image, &value, avoid, &students_page);
            for i in 0..value.len() {
                jobs.push((what, row, at, i, code));
            }
        }
    }
    let mut flips = jobs.len();
    // Two workers, each on its own copy in memory-backed storage: each probe commits (an unlock is
    // audited), and fsync on a disk would make thousands of them slow.
    let shm = Path::new("/dev/shm");
    let base = if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    std::thread::scope(|scope| {
        for chunk in jobs.chunks(jobs.len().div_ceil(2)) {
            let (image, recovery, attachment, base) = (&image, &s.recovery, &s.attachment, &base);
            scope.spawn(move || {
                let tmp = tempfile::tempdir_in(base).unwrap();
                let dir = tmp.path().join("archive");
                std::fs::create_dir(&dir).unwrap();
                for &(what, row, at, i, code) in chunk {
                    let mut t = image.clone();
                    t[at + i] ^= 1 << (i % 8);
                    reset(&dir, &t);
                    let got = probe(&dir, recovery, attachment);
                    assert_eq!(got, Err(code.to_string()), "{what}, row {row}, byte {i}");
                }
            });
        }
    });

    // The passphrase slot: the key-encryption key is derived once (Argon2id), then every flip of
    // the wrapped master key is opened as `unlock` opens it; three flips also end to end.
    reset(&dir, &image);
    let db = s.x.db();
    let (id, kdf, salt, wrapped): (i64, String, Vec<u8>, Vec<u8>) = db
        .query_row(
            "SELECT id, kdf, salt, wrapped FROM key_slots WHERE kind = 'passphrase'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    let archive_id: Vec<u8> = db
        .query_row("SELECT value FROM meta WHERE key = 'archive_id'", [], |r| {
            r.get(0)
        })
        .unwrap();
    drop(db);
    let archive_id: [u8; 16] = archive_id.try_into().unwrap();
    let params: xindang::crypto::kdf::KdfParams = serde_json::from_str(&kdf).unwrap();
    let kek = params.derive(PASS.as_bytes(), &salt).unwrap();
    let binding = Binding {
        archive: &archive_id,
        table: "key_slots",
        row: id,
        student: 0,
        version: 0,
    };
    crypto::open(&kek, &binding, &wrapped, "slot").expect("the pristine slot opens");
    for i in 0..wrapped.len() {
        let mut t = wrapped.clone();
        t[i] ^= 1 << (i % 8);
        assert!(
            crypto::open(&kek, &binding, &t, "slot").is_err(),
            "byte {i}"
        );
        flips += 1;
    }
    let at = find_unique(&image, &wrapped, &(0..0), &(0..0));
    for i in [0, wrapped.len() / 2, wrapped.len() - 1] {
        let mut t = image.clone();
        t[at + i] ^= 0x40;
        reset(&dir, &t);
        let err = xindang::Session::unlock(&Archive::open(&dir).unwrap(), PASS)
            .err()
            .unwrap();
        assert_eq!(err.code(), "wrong_passphrase", "passphrase slot byte {i}");
    }
    reset(&dir, &image);
    probe(&dir, &s.recovery, &s.attachment).unwrap();
    println!("{flips} single-byte flips, each detected");
}

/// Runs raw SQL on the closed archive as a curious colleague with sqlite3 would (triggers dropped
/// first, foreign keys off as in the sqlite3 shell).
fn raw(x: &Xd, sql: &str) {
    let db = x.db();
    db.execute_batch(
        "PRAGMA foreign_keys = OFF;
         DROP TRIGGER IF EXISTS records_append_only_u; DROP TRIGGER IF EXISTS records_append_only_d;
         DROP TRIGGER IF EXISTS audit_append_only_u; DROP TRIGGER IF EXISTS audit_append_only_d;
         DROP TRIGGER IF EXISTS attachments_append_only_u;",
    )
    .unwrap();
    db.execute_batch(sql).unwrap();
}

fn talk_id(x: &Xd, sno: &str, text: &str) -> i64 {
    let file = x.json(&["student", "show", sno, "--json"]);
    let r = file["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record"]["body"]["data"]["text"] == text)
        .unwrap();
    r["id"].as_str().unwrap().parse().unwrap()
}

#[test]
fn swapped_rows_are_detected() {
    let s = small();
    let dir = s.x.dir();
    let image = std::fs::read(dir.join("archive.db")).unwrap();
    let talk = talk_id(&s.x, A, TALK_A);
    let sid = |sno: &str| -> i64 {
        let f = s.x.json(&["student", "show", sno, "--json"]);
        f["id"].as_str().unwrap().parse().unwrap()
    };
    let (sa, sb) = (sid(A), sid(B));
    let cases = [
        // A record moved into another student's file.
        (format!("UPDATE records SET student_id = {sb} WHERE id = {talk}"), "tamper"),
        // Two records of one student swapped (header and body exchanged).
        (
            format!(
                "CREATE TEMP TABLE t AS SELECT id, header, body FROM records WHERE student_id = {sa};
                 UPDATE records SET header = (SELECT header FROM t WHERE t.id != records.id LIMIT 1),
                                    body = (SELECT body FROM t WHERE t.id != records.id LIMIT 1)
                 WHERE id IN (SELECT id FROM t LIMIT 2);"
            ),
            "tamper",
        ),
        // Only the bodies of two students' records exchanged.
        (
            format!(
                "CREATE TEMP TABLE t AS SELECT student_id, body FROM records WHERE student_id IN ({sa}, {sb});
                 UPDATE records SET body = (SELECT body FROM t WHERE t.student_id != records.student_id LIMIT 1)
                 WHERE student_id = {sb};"
            ),
            "tamper",
        ),
        // Two students' data keys exchanged, and their lookups.
        (
            "CREATE TEMP TABLE t AS SELECT student_id, wrapped FROM student_wraps;
             UPDATE student_wraps SET wrapped = (SELECT wrapped FROM t WHERE t.student_id != student_wraps.student_id);"
                .into(),
            "tamper",
        ),
        (
            "CREATE TEMP TABLE t AS SELECT id, lookup FROM students;
             UPDATE students SET lookup = randomblob(16);
             UPDATE students SET lookup = (SELECT lookup FROM t WHERE t.id != students.id);"
                .into(),
            "tamper",
        ),
        // Two audit entries exchanged.
        (
            "CREATE TEMP TABLE t AS SELECT seq, entry, chain FROM audit WHERE seq IN (2, 3);
             UPDATE audit SET entry = (SELECT entry FROM t WHERE t.seq != audit.seq),
                              chain = (SELECT chain FROM t WHERE t.seq != audit.seq)
             WHERE seq IN (2, 3);"
                .into(),
            "audit_broken",
        ),
        // The attachment moved to another record id.
        (
            format!("UPDATE attachments SET id = {talk}"),
            "record_not_found",
        ),
    ];
    for (sql, code) in &cases {
        reset(&dir, &image);
        raw(&s.x, sql);
        assert_eq!(
            probe(&dir, &s.recovery, &s.attachment),
            Err(code.to_string()),
            "{sql}"
        );
    }

    // The two key slots' wrapped keys exchanged: the archive no longer opens with either secret
    // (detected, and a denial of service: keep a backup).
    reset(&dir, &image);
    raw(
        &s.x,
        "CREATE TEMP TABLE t AS SELECT id, wrapped FROM key_slots;
         UPDATE key_slots SET wrapped = (SELECT wrapped FROM t WHERE t.id != key_slots.id);",
    );
    assert_eq!(
        probe(&dir, &s.recovery, &s.attachment),
        Err("wrong_recovery_key".into())
    );
    let err = xindang::Session::unlock(&Archive::open(&dir).unwrap(), PASS)
        .err()
        .unwrap();
    assert_eq!(err.code(), "wrong_passphrase");
}

#[test]
fn removed_rows_and_a_rolled_back_file_measured() {
    let s = small();
    let dir = s.x.dir();
    let image = std::fs::read(dir.join("archive.db")).unwrap();
    let talk = talk_id(&s.x, A, TALK_A);
    let sb: i64 = s.x.json(&["student", "show", B, "--json"])["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Detected: the last or a middle audit entry removed.
    for sql in [
        "DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)",
        "DELETE FROM audit WHERE seq = 3",
    ] {
        reset(&dir, &image);
        raw(&s.x, sql);
        assert_eq!(
            probe(&dir, &s.recovery, &s.attachment),
            Err("audit_broken".into()),
            "{sql}"
        );
    }
    // Detected: a student removed while their records remain.
    reset(&dir, &image);
    raw(&s.x, &format!("DELETE FROM students WHERE id = {sb}"));
    assert_eq!(
        xindang::Session::unlock_with_recovery(&Archive::open(&dir).unwrap(), &s.recovery)
            .err()
            .map(|e| e.code()),
        Some("tamper")
    );

    // NOT detected by sealing: a record removed (with the triggers dropped). The archive opens,
    // the audit chain verifies (its `write` entry for that student stays), the file shows one
    // record fewer. docs/security.md says so.
    reset(&dir, &image);
    raw(&s.x, &format!("DELETE FROM records WHERE id = {talk}"));
    let mut sess =
        xindang::Session::unlock_with_recovery(&Archive::open(&dir).unwrap(), &s.recovery).unwrap();
    sess.audit_log().expect("the audit chain still verifies");
    let f = sess.student_file(A).unwrap();
    assert_eq!(f.records.len(), 2, "the talk is silently gone");
    drop(sess);

    // NOT detected: a whole student removed with their records (and the blind index row).
    reset(&dir, &image);
    raw(
        &s.x,
        &format!(
            "DELETE FROM records WHERE student_id = {sb}; DELETE FROM students WHERE id = {sb};"
        ),
    );
    let mut sess =
        xindang::Session::unlock_with_recovery(&Archive::open(&dir).unwrap(), &s.recovery).unwrap();
    sess.audit_log().unwrap();
    assert_eq!(sess.student_count(), 1);
    assert_eq!(
        sess.student_file(B).err().map(|e| e.code()),
        Some("student_not_found")
    );
    drop(sess);

    // NOT detected: the whole file rolled back to an older copy. The older copy is a consistent
    // archive with a consistent audit chain; nothing inside it knows a later state existed.
    reset(&dir, &image);
    s.x.ok(&[
        "talk",
        "add",
        "--student",
        B,
        "--category",
        "other",
        "--date",
        "2026-04-01",
        "--text",
        "回滚后会消失的谈话",
    ]);
    let after = s.x.json(&["student", "show", B, "--json"]);
    assert_eq!(after["records"].as_array().unwrap().len(), 2);
    reset(&dir, &image);
    probe(&dir, &s.recovery, &s.attachment).expect("the rolled-back copy opens and verifies");
    let before = s.x.json(&["student", "show", B, "--json"]);
    assert_eq!(
        before["records"].as_array().unwrap().len(),
        1,
        "the later talk is gone, undetected"
    );
    s.x.ok(&["audit", "verify"]);
}
