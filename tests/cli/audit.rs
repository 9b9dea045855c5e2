//! The hash-chained audit log, attacked with the sqlite3 tool as a curious colleague would.

use std::process::Command;

use crate::cli::archive::profile;
use crate::support::*;

fn sqlite3(x: &Xd, sql: &str) {
    let out = Command::new("sqlite3")
        .arg(x.dir().join("archive.db"))
        .arg(sql)
        .output()
        .expect("the sqlite3 tool");
    assert!(out.status.success(), "sqlite3: {}", stderr(&out));
}

fn busy_archive() -> Xd {
    let x = Xd::init();
    x.import(&[profile("2025010201", "王芳", "13800002221")]);
    for day in ["2025-09-10", "2025-10-10", "2025-11-10"] {
        x.ok(&[
            "talk",
            "add",
            "--student",
            "2025010201",
            "--category",
            "other",
            "--date",
            day,
            "--text",
            "例行谈话",
        ]);
    }
    x.ok(&["student", "show", "2025010201", "--json"]);
    x
}

fn verify(x: &Xd) -> std::process::Output {
    x.run(&["audit", "verify"])
}

#[test]
fn every_kind_of_event_is_logged_and_the_chain_verifies() {
    let x = busy_archive();
    let out = verify(&x);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("audit log intact:"));
    let log = x.json(&["audit", "list", "--json"]);
    let actions: Vec<String> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    for a in ["create", "unlock", "import", "write", "open_file"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    let opened = log
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "open_file")
        .unwrap();
    assert_eq!(opened["student_no"], "2025010201");
}

#[test]
fn an_edited_entry_is_detected() {
    let x = busy_archive();
    sqlite3(&x, "DROP TRIGGER audit_append_only_u; UPDATE audit SET entry = (SELECT entry FROM audit WHERE seq = 2) WHERE seq = 4;");
    let out = verify(&x);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("audit log verification failed at entry 4"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_removed_entry_is_detected() {
    let x = busy_archive();
    sqlite3(
        &x,
        "DROP TRIGGER audit_append_only_d; DELETE FROM audit WHERE seq = 3;",
    );
    let out = verify(&x);
    assert_eq!(out.status.code(), Some(4));
    assert!(
        stderr(&out).contains("an entry is missing"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn removed_entries_at_the_end_are_detected() {
    let x = busy_archive();
    // The unlock of `verify` itself appends entries, so cut the last three and the head stays.
    sqlite3(&x, "DROP TRIGGER audit_append_only_d; DELETE FROM audit WHERE seq > (SELECT max(seq) - 3 FROM audit);");
    let out = verify(&x);
    assert_eq!(out.status.code(), Some(4), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("verification failed"),
        "{}",
        stderr(&out)
    );
}
