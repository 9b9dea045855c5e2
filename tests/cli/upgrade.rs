//! Upgrades: a newer build opens the archive of every earlier schema version (the fixtures in
//! `tests/fixtures/archive-vN`, one per version) and works in it; an archive written by a newer
//! build is refused before anything is written, with no migration attempted.

use std::path::{Path, PathBuf};

use super::archive::profile;
use crate::support::{files_below, stderr, Xd};

fn fixture(version: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(format!("archive-v{version}"))
}

/// A copy of the fixture of `version` in a fresh temporary folder, with its passphrase.
fn copy_of(version: u32) -> Xd {
    let src = fixture(version);
    let mut x = Xd::empty();
    std::fs::create_dir_all(x.dir()).unwrap();
    std::fs::copy(src.join("archive.db"), x.dir().join("archive.db")).unwrap();
    x.pass = std::fs::read_to_string(src.join("passphrase.txt"))
        .unwrap()
        .trim()
        .to_string();
    x
}

/// The command line adding a talk record of `text` to the fixtures' student.
fn talk_add(text: &str) -> Vec<&str> {
    let talk = "talk add --student 2024000001 --category academic --date 2024-10-08 --text";
    let mut args: Vec<&str> = talk.split(' ').collect();
    args.push(text);
    args
}

fn user_version(x: &Xd) -> u32 {
    x.db()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

#[test]
fn there_is_a_fixture_for_every_schema_version_and_no_other() {
    let mut found: Vec<u32> = std::fs::read_dir(fixture(1).parent().unwrap())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_prefix("archive-v")?.parse().ok()
        })
        .collect();
    found.sort_unstable();
    let want: Vec<u32> = (1..=xindang::SCHEMA_VERSION).collect();
    assert_eq!(
        found, want,
        "one fixture per schema version: after a new migration run \
         `cargo test --test tests make_schema_fixture -- --ignored`"
    );
    for version in want {
        // Each fixture really is of the version its name says (it was not migrated by accident).
        let x = copy_of(version);
        assert_eq!(user_version(&x), version, "archive-v{version}");
    }
}

#[test]
fn archives_of_every_earlier_version_unlock_read_and_write_after_the_upgrade() {
    for version in 1..=xindang::SCHEMA_VERSION {
        let x = copy_of(version);
        let before = x.json(&["student", "show", "2024000001", "--json"]);
        assert_eq!(before["profile"]["name"], "样例学生", "v{version}");
        let records = before["records"].as_array().unwrap().len();
        assert_eq!(user_version(&x), xindang::SCHEMA_VERSION, "v{version}");

        // A write of every kind the upgrade could have broken: a record, a profile, the change log.
        x.ok(&talk_add("升级后的谈话"));
        x.import(&[profile("2024000002", "升级学生", "13800000002")]);
        let after = x.json(&["student", "show", "2024000001", "--json"]);
        let texts: Vec<String> = after["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["record"]["body"]["data"]["text"].to_string())
            .collect();
        assert_eq!(texts.len(), records + 1, "v{version}: {texts:?}");
        assert!(
            texts.iter().any(|t| t.contains("升级后的谈话")),
            "v{version}: {texts:?}"
        );
        let list = x.json(&["student", "list", "--json"]);
        assert_eq!(list.as_array().unwrap().len(), 2, "v{version}");
        // The audit chain runs unbroken from the old entries through the new ones.
        x.ok(&["audit", "verify"]);
    }
}

/// Makes the copy look written by a build one schema version ahead: a table this build does not
/// know and the version number bumped, as that build's migration would.
fn from_the_future(x: &Xd, journal: &str) {
    let db = x.db();
    db.execute_batch(&format!(
        "CREATE TABLE future_things (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
         PRAGMA user_version = {};",
        xindang::SCHEMA_VERSION + 1
    ))
    .unwrap();
    db.pragma_update(None, "journal_mode", journal).unwrap();
}

#[test]
fn an_archive_of_a_newer_version_is_refused_and_left_untouched() {
    // WAL is what this build writes; DELETE stands for a newer build that journals differently:
    // even the journal mode must not be switched on a file this build does not understand.
    for journal in ["WAL", "DELETE"] {
        let x = copy_of(xindang::SCHEMA_VERSION);
        from_the_future(&x, journal);
        let files = files_below(&x.dir());
        for args in [
            &["student", "list"][..],
            &["student", "show", "2024000001"],
            &talk_add("不该写入")[..],
            &["audit", "verify"],
        ] {
            let out = x.run(args);
            assert!(!out.status.success(), "{journal}: {args:?} succeeded");
            let err = stderr(&out);
            assert!(
                err.contains("written by a newer version of XinDang")
                    && err.contains(&format!(
                        "schema {}, this build reads up to {}",
                        xindang::SCHEMA_VERSION + 1,
                        xindang::SCHEMA_VERSION
                    )),
                "{journal}: {args:?}: {err}"
            );
            assert!(!err.contains("panicked"), "{err}");
            assert_eq!(
                files_below(&x.dir()),
                files,
                "{journal}: {args:?} changed the archive's files"
            );
        }
        assert_eq!(user_version(&x), xindang::SCHEMA_VERSION + 1);
        let mode: String = x
            .db()
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode.to_ascii_uppercase(), journal);
    }
}

#[test]
fn the_newer_version_refusal_has_a_stable_code_the_app_translates() {
    let x = copy_of(xindang::SCHEMA_VERSION);
    from_the_future(&x, "WAL");
    let err = xindang::Archive::open(&x.dir())
        .err()
        .expect("a newer archive is refused");
    assert_eq!(err.code(), "schema_too_new");
    // The app shows the Chinese of the code (ui/src/i18n/zh-CN.ts); the e2e spec
    // tests/e2e/installed.test.mjs checks it on screen.
    let zh =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/i18n/zh-CN.ts"))
            .unwrap();
    assert!(
        zh.lines()
            .any(|l| l.trim_start().starts_with("schema_too_new:") && l.contains("更新版本")),
        "zh-CN has a message for schema_too_new"
    );
}
