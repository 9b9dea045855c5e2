//! Creating, unlocking, passphrases, the recovery key, and what lands on disk.

use crate::support::*;

pub fn profile(sno: &str, name: &str, phone: &str) -> xindang::model::StudentProfile {
    xindang::model::StudentProfile {
        student_no: sno.into(),
        name: name.into(),
        college: "计算机学院".into(),
        major: "计算机科学与技术".into(),
        class_name: "计科2501".into(),
        dorm: "6栋-302".into(),
        grade: "2025".into(),
        phone: phone.into(),
        ..Default::default()
    }
}

fn column(x: &Xd, sql: &str) -> Vec<Vec<u8>> {
    x.db()
        .prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn init_prints_the_recovery_key_once_and_refuses_a_second_init() {
    let x = Xd::empty();
    let out = x.run(&["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let key = stdout(&out).trim().to_string();
    assert_eq!(key.len(), 39, "recovery key printed on stdout: {key}");
    assert!(xindang::RecoveryKey::parse(&key).is_some());
    let again = x.run(&["init"]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("already exists"));
}

#[test]
fn a_weak_passphrase_is_refused() {
    let mut x = Xd::empty();
    x.pass = "short".into();
    let out = x.run(&["init"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: passphrase too weak"));
    assert!(!x.dir().join("archive.db").exists());
}

#[test]
fn wrong_passphrase_fails_shows_nothing_changes_nothing_and_is_audited() {
    let x = Xd::init();
    x.import(&[profile("2025010101", "欧阳明月", "13800001111")]);
    let before = column(&x, "SELECT profile FROM students");

    let out = x.run_env(
        &["student", "list"],
        &[("XINDANG_PASSPHRASE", "not the passphrase")],
    );
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(stderr(&out).trim(), "error: wrong passphrase");
    assert!(stdout(&out).is_empty(), "nothing shown");
    assert_eq!(
        before,
        column(&x, "SELECT profile FROM students"),
        "student data unchanged"
    );

    let log = x.json(&["audit", "list", "--json"]);
    let actions: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    let failed = actions
        .iter()
        .position(|a| *a == "failed_unlock")
        .expect("failed unlock audited");
    assert_eq!(
        actions[failed + 1],
        "unlock",
        "audited when the next unlock succeeds"
    );
}

#[test]
fn failed_unlocks_slow_down_further_attempts() {
    let x = Xd::init();
    for _ in 0..3 {
        let out = x.run_env(
            &["student", "list"],
            &[("XINDANG_PASSPHRASE", "wrong wrong wrong")],
        );
        assert_eq!(stderr(&out).trim(), "error: wrong passphrase");
    }
    // The fourth attempt within a second is turned away even with the right passphrase.
    let out = x.run(&["student", "list"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("try again in"), "{}", stderr(&out));
    std::thread::sleep(std::time::Duration::from_millis(1500));
    x.ok(&["student", "list"]);
    assert_eq!(xindang::archive::throttle_delay_secs(2), 0);
    assert_eq!(xindang::archive::throttle_delay_secs(4), 2);
    assert_eq!(xindang::archive::throttle_delay_secs(40), 300);
}

#[test]
fn passphrase_change_rewrites_one_slot_and_the_recovery_key_resets_it() {
    let x = Xd::empty();
    let out = x.run(&["init"]);
    let recovery = stdout(&out).trim().to_string();
    x.import(&[profile("2025010102", "李雷", "13800001112")]);
    let slots_before = column(&x, "SELECT wrapped FROM key_slots ORDER BY id");
    let data_before = column(&x, "SELECT profile FROM students");
    let out = x.run_env(
        &["passphrase", "change"],
        &[("XINDANG_NEW_PASSPHRASE", "新的口令 new passphrase")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let slots_after = column(&x, "SELECT wrapped FROM key_slots ORDER BY id");
    assert_eq!(slots_before.len(), slots_after.len());
    let changed = slots_before
        .iter()
        .zip(&slots_after)
        .filter(|(a, b)| a != b)
        .count();
    assert_eq!(changed, 1, "exactly one slot rewritten");
    assert_eq!(
        data_before,
        column(&x, "SELECT profile FROM students"),
        "the data is not re-encrypted"
    );

    assert_eq!(
        x.run(&["student", "list"]).status.code(),
        Some(3),
        "old passphrase no longer works"
    );
    let list = x.run_env(
        &["student", "list", "--json"],
        &[("XINDANG_PASSPHRASE", "新的口令 new passphrase")],
    );
    assert!(list.status.success());

    // Forgotten passphrase: the recovery key sets a new one.
    let out = x.run_env(
        &["passphrase", "reset"],
        &[
            ("XINDANG_RECOVERY_KEY", &recovery.to_lowercase()),
            ("XINDANG_NEW_PASSPHRASE", "第三个口令 third one"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = x.run_env(
        &["student", "show", "2025010102", "--json"],
        &[("XINDANG_PASSPHRASE", "第三个口令 third one")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let bad = x.run_env(
        &["passphrase", "reset"],
        &[
            (
                "XINDANG_RECOVERY_KEY",
                "0000-0000-0000-0000-0000-0000-0000-0000",
            ),
            ("XINDANG_NEW_PASSPHRASE", "whatever whatever"),
        ],
    );
    assert_eq!(stderr(&bad).trim(), "error: wrong recovery key");
}

#[test]
fn nothing_readable_on_disk_after_import_and_talk() {
    let x = Xd::init();
    x.import(&[
        profile("2025990001", "司马青衫", "13912345678"),
        profile("2025990002", "诸葛晓月", "15887654321"),
    ]);
    let marker = "独特标记XQ7-谈话内容-宿舍矛盾已调解";
    x.ok(&[
        "talk",
        "add",
        "--student",
        "2025990001",
        "--category",
        "relationship",
        "--date",
        "2026-10-09",
        "--text",
        marker,
    ]);
    let needles = [
        "司马青衫",
        "诸葛晓月",
        "2025990001",
        "2025990002",
        "13912345678",
        "15887654321",
        marker,
        "宿舍矛盾",
        "计算机学院",
        "2026-10-09",
    ];
    // While another connection keeps the WAL in place, and after everything is closed.
    let hold = x.db();
    let _: i64 = hold
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .unwrap();
    for needle in needles {
        let hits = find_plaintext(&x.dir(), needle);
        assert!(hits.is_empty(), "{needle} readable in {hits:?}");
    }
    drop(hold);
    for needle in needles {
        assert!(find_plaintext(&x.dir(), needle).is_empty(), "{needle}");
    }
    // The key holder reads it all back.
    let file = x.json(&["student", "show", "2025990001", "--json"]);
    assert_eq!(file["profile"]["name"], "司马青衫");
    assert_eq!(file["records"][0]["record"]["body"]["data"]["text"], marker);
}

#[test]
fn a_flipped_byte_in_any_sealed_value_is_reported_as_tampering() {
    let x = Xd::init();
    x.import(&[profile("2025010103", "韩梅梅", "13800001113")]);
    x.ok(&[
        "talk",
        "add",
        "--student",
        "2025010103",
        "--category",
        "freshman",
        "--date",
        "2025-09-10",
        "--text",
        "入学适应良好",
    ]);
    for (table, column) in [
        ("records", "body"),
        ("records", "header"),
        ("students", "profile"),
        ("student_wraps", "wrapped"),
        ("caseloads", "scope"),
        ("students", "lookup"),
    ] {
        let db = x.db();
        db.execute_batch("DROP TRIGGER IF EXISTS records_append_only_u")
            .unwrap();
        let (id, mut value): (i64, Vec<u8>) = db
            .query_row(
                &format!("SELECT rowid, {column} FROM {table} LIMIT 1"),
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let original = value.clone();
        let at = value.len() / 2;
        value[at] ^= 0x20;
        db.execute(
            &format!("UPDATE {table} SET {column} = ?1 WHERE rowid = ?2"),
            rusqlite::params![value, id],
        )
        .unwrap();
        let out = x.run(&["student", "show", "2025010103", "--json"]);
        assert_eq!(
            out.status.code(),
            Some(4),
            "{table}.{column}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains("tamper"),
            "{table}.{column}: {}",
            stderr(&out)
        );
        assert!(stdout(&out).is_empty());
        db.execute(
            &format!("UPDATE {table} SET {column} = ?1 WHERE rowid = ?2"),
            rusqlite::params![original, id],
        )
        .unwrap();
        x.ok(&["student", "show", "2025010103", "--json"]);
    }
}

#[test]
fn a_value_moved_to_another_row_is_tampering() {
    let x = Xd::init();
    x.import(&[
        profile("2025010104", "张三", "13800001114"),
        profile("2025010105", "李四", "13800001115"),
    ]);
    // Swap the two sealed profiles: each is valid ciphertext, but bound to its own row.
    x.db()
        .execute_batch("UPDATE students SET profile = (SELECT profile FROM students s2 WHERE s2.id != students.id)")
        .unwrap();
    let out = x.run(&["student", "list"]);
    assert_eq!(out.status.code(), Some(4));
    assert!(stderr(&out).contains("tamper"), "{}", stderr(&out));
}

#[test]
fn the_archive_refuses_a_newer_schema_and_a_non_archive() {
    let x = Xd::init();
    x.db().pragma_update(None, "user_version", 99).unwrap();
    let out = x.run(&["student", "list"]);
    assert!(stderr(&out).contains("newer version"), "{}", stderr(&out));
    let y = Xd::empty();
    std::fs::create_dir_all(y.dir()).unwrap();
    std::fs::write(
        y.dir().join("archive.db"),
        "not sqlite at all, some text to fill a page ".repeat(100),
    )
    .unwrap();
    let out = y.run(&["student", "list"]);
    assert!(
        stderr(&out).contains("not a XinDang archive"),
        "{}",
        stderr(&out)
    );
    let z = Xd::empty();
    assert_eq!(
        stderr(&z.run(&["student", "list"])).trim(),
        "error: no archive in this folder"
    );
}

#[test]
fn archives_of_every_earlier_schema_version_open() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for version in 1..=xindang::SCHEMA_VERSION {
        let src = fixtures.join(format!("archive-v{version}"));
        assert!(
            src.join("archive.db").is_file(),
            "a fixture for schema version {version}"
        );
        let x = Xd::empty();
        std::fs::create_dir_all(x.dir()).unwrap();
        std::fs::copy(src.join("archive.db"), x.dir().join("archive.db")).unwrap();
        let pass = std::fs::read_to_string(src.join("passphrase.txt")).unwrap();
        let env = [("XINDANG_PASSPHRASE", pass.trim())];
        let out = x.run_env(&["student", "show", "2024000001", "--json"], &env);
        assert!(out.status.success(), "v{version}: {}", stderr(&out));
        let file: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(file["profile"]["name"], "样例学生");
        assert_eq!(
            file["records"][0]["record"]["body"]["data"]["category"],
            "freshman"
        );
        let out = x.run_env(&["audit", "verify"], &env);
        assert!(out.status.success(), "v{version}: {}", stderr(&out));
        let now: u32 = x
            .db()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(now, xindang::SCHEMA_VERSION, "migrated on open");
    }
}

/// Writes `tests/fixtures/archive-vN` for the current schema version. Run once whenever the schema
/// version goes up: `cargo test --test tests make_schema_fixture -- --ignored`.
#[test]
#[ignore = "writes a fixture; run when the schema version changes"]
fn make_schema_fixture() {
    let out_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("archive-v{}", xindang::SCHEMA_VERSION));
    let x = Xd::init();
    x.import(&[xindang::model::StudentProfile {
        grade: "2024".into(),
        ..profile("2024000001", "样例学生", "13800000000")
    }]);
    x.ok(&[
        "talk",
        "add",
        "--student",
        "2024000001",
        "--category",
        "freshman",
        "--date",
        "2024-09-15",
        "--text",
        "样例谈话",
    ]);
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::copy(x.dir().join("archive.db"), out_dir.join("archive.db")).unwrap();
    std::fs::write(out_dir.join("passphrase.txt"), format!("{PASS}\n")).unwrap();
}
