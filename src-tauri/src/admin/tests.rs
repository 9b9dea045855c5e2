//! The administrative screens' functions on real archives and files.

use std::path::PathBuf;
use std::time::Duration;

use xindang::roster::{self, ColumnOverrides};

use super::*;
use crate::error::CommandError;
use crate::state::AppState;

const PASSPHRASE: &str = "admin-shell-口令-2026";

fn unlocked() -> (tempfile::TempDir, AppState) {
    std::env::set_var("XINDANG_KDF_MS", "0");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut s = AppState::new(dir.path().join("archive"), Duration::from_secs(300));
    s.create(None, PASSPHRASE).expect("create");
    (dir, s)
}

fn fixture_roster() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/roster/roster_2025.xls")
}

fn code<T: std::fmt::Debug>(r: Result<T, CommandError>) -> String {
    r.expect_err("an error").code
}

#[test]
fn roster_preview_remap_and_import() {
    let (_dir, mut s) = unlocked();
    let staging = Staging::default();
    let none = ColumnOverrides::default();
    assert_eq!(
        code(roster_import(&mut s, &staging, &none, |_| ())),
        "invalid_input",
        "nothing chosen yet"
    );
    staging.with(|st| st.roster = Some(fixture_roster()));
    let p = roster_preview(&mut s, &staging, &none).expect("preview");
    assert_eq!(p.file_name, "roster_2025.xls");
    assert_eq!(p.header_row, 3);
    assert_eq!((p.total_rows, p.error_count), (3, 1));
    assert_eq!(p.errors[0].row, 6);
    assert_eq!(p.errors[0].code(), "invalid_date");

    // Ignoring the birth-date column takes the bad date out of play: four students.
    let birth = p
        .columns
        .iter()
        .find(|c| c.field == Some(roster::RosterField::BirthDate))
        .expect("birth date column")
        .column;
    let remapped = ColumnOverrides {
        header_row: Some(p.header_row),
        columns: vec![roster::ColumnOverride {
            column: birth,
            field: None,
        }],
    };
    let p2 = roster_preview(&mut s, &staging, &remapped).expect("preview");
    assert_eq!((p2.total_rows, p2.error_count), (4, 0));

    let mut seen = Vec::new();
    let report = roster_import(&mut s, &staging, &none, |p| seen.push(p)).expect("import");
    assert_eq!(seen, vec![RosterProgress { done: 3, total: 3 }]);
    assert_eq!(report.load.added, 3);
    assert_eq!(report.errors.len(), 1);
    assert_eq!(s.listed().student_no.len(), 3);
    assert!(
        staging.with(|st| st.roster.is_none()),
        "the file is forgotten"
    );

    s.lock();
    staging.with(|st| st.roster = Some(fixture_roster()));
    assert_eq!(code(roster_preview(&mut s, &staging, &none)), "locked");
}

#[test]
fn a_damaged_roster_is_refused_by_code() {
    let (dir, mut s) = unlocked();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "hello,world\n1,2\n").expect("write");
    let staging = Staging::default();
    staging.with(|st| st.roster = Some(bad));
    let none = ColumnOverrides::default();
    assert_eq!(
        code(roster_preview(&mut s, &staging, &none)),
        "roster_no_header"
    );
    assert_eq!(
        code(roster_import(&mut s, &staging, &none, |_| ())),
        "roster_no_header"
    );
    assert!(s.listed().student_no.is_empty());
}

#[test]
fn passphrase_change_checks_the_old_one() {
    let (_dir, mut s) = unlocked();
    let new = "新的口令-shell-2027";
    assert_eq!(
        code(change_passphrase(&mut s, "not the old one", new)),
        "wrong_passphrase"
    );
    assert_eq!(
        code(change_passphrase(&mut s, PASSPHRASE, "short")),
        "weak_passphrase"
    );
    assert_eq!(code(change_passphrase(&mut s, "", new)), "invalid_input");
    change_passphrase(&mut s, PASSPHRASE, new).expect("change");
    s.lock();
    assert_eq!(code(s.unlock(None, PASSPHRASE)), "wrong_passphrase");
    s.unlock(None, new).expect("unlock with the new one");
    assert_eq!(
        code(new_recovery_key(&mut s, PASSPHRASE)),
        "wrong_passphrase",
        "a new recovery key needs the current passphrase"
    );
    assert_eq!(code(new_recovery_key(&mut s, "")), "invalid_input");
    let key = new_recovery_key(&mut s, new).expect("recovery key");
    assert_eq!(key.split('-').count(), 8);
    // Forgotten passphrase: the new recovery key unlocks and sets another passphrase.
    s.lock();
    let other = "第三个口令-shell-2028";
    assert_eq!(
        code(s.unlock_with_recovery(&key, None, "short")),
        "weak_passphrase",
        "checked before the key is tried"
    );
    assert_eq!(
        code(s.unlock_with_recovery("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH", None, other)),
        "wrong_recovery_key"
    );
    s.unlock_with_recovery(&key, None, other).expect("recover");
    assert_eq!(
        code(s.unlock_with_recovery(&key, None, other)),
        "already_unlocked"
    );
    s.lock();
    assert_eq!(code(s.unlock(None, new)), "wrong_passphrase");
    s.unlock(None, other)
        .expect("unlock with the passphrase set by recovery");
}

#[test]
fn wrong_recovery_keys_are_throttled_like_passphrases() {
    let (_dir, mut s) = unlocked();
    s.lock();
    let bad = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH";
    for _ in 0..3 {
        assert_eq!(
            code(s.unlock_with_recovery(bad, None, "新的口令-shell-2027")),
            "wrong_recovery_key"
        );
    }
    assert_eq!(
        code(s.unlock_with_recovery(bad, None, "新的口令-shell-2027")),
        "unlock_throttled"
    );
    assert_eq!(code(s.unlock(None, PASSPHRASE)), "unlock_throttled");
}

#[test]
fn auto_lock_applies_at_once_and_after_unlock() {
    std::env::remove_var("XINDANG_AUTO_LOCK_SECS");
    let (_dir, mut s) = unlocked();
    assert_eq!(code(set_auto_lock(&mut s, 5)), "invalid_input");
    assert_eq!(s.status().auto_lock_seconds, 300);
    assert_eq!(set_auto_lock(&mut s, 900).expect("set"), 900);
    assert_eq!(s.status().auto_lock_seconds, 900);
    s.set_idle_limit(Duration::from_secs(300));
    s.lock();
    s.unlock(None, PASSPHRASE).expect("unlock");
    assert_eq!(s.status().auto_lock_seconds, 900, "read back at unlock");
}

#[test]
fn policy_view_check_and_save_keep_the_last_good_one() {
    let (_dir, mut s) = unlocked();
    let view = policy_view(&mut s).expect("view");
    assert!(!view.presets.is_empty());
    let other = policy_preset(&view.presets[1].id).expect("preset");
    assert_eq!(policy_check(&other).expect("check"), None);
    policy_save(&mut s, &other).expect("save");
    let broken = other.replacen("[school]", "[school]\nbogus = 1", 1);
    assert!(policy_check(&broken).expect("check").is_some());
    assert_eq!(code(policy_save(&mut s, &broken)), "policy_invalid");
    assert_eq!(policy_view(&mut s).expect("view").text, other);
}

#[test]
fn sync_overview_of_a_college_has_no_college_table() {
    let (_dir, mut s) = unlocked();
    let o = sync_overview(&mut s).expect("overview");
    assert!(o.site.name.starts_with("college-"));
    assert!(o.peers.is_empty() && o.conflicts.is_empty());
    assert!(o.colleges.is_none());
    assert_eq!(
        code(profile_trust(&mut s, &Staging::default(), "X")),
        "invalid_input"
    );
}
