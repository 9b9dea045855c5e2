//! The state: first run, unlock, lock, the idle auto-lock on both clocks, errors as sent.

use super::*;

const PASSPHRASE: &str = "shell-test-口令-2026";

fn state(idle: Duration) -> (tempfile::TempDir, AppState) {
    // The key derivation at its floor: these tests are about the shell, not the KDF.
    std::env::set_var("XINDANG_KDF_MS", "0");
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = dir.path().join("archive");
    (dir, AppState::new(archive, idle))
}

fn code<T: std::fmt::Debug>(r: Result<T, CommandError>) -> String {
    r.expect_err("an error").code
}

#[test]
fn first_run_create_lock_unlock() {
    let (_dir, mut s) = state(DEFAULT_IDLE_LIMIT);
    assert_eq!(
        s.status(),
        ArchiveStatus {
            exists: false,
            unlocked: false,
            auto_lock_seconds: 300
        }
    );
    assert_eq!(code(s.list_students(None)), "locked");
    assert_eq!(code(s.unlock(None, PASSPHRASE)), "no_archive");

    let key = s.create(None, PASSPHRASE).expect("create");
    let groups: Vec<&str> = key.split('-').collect();
    assert_eq!(groups.len(), 8, "eight groups of four");
    assert!(groups.iter().all(|g| g.len() == 4));
    assert_eq!(
        s.status(),
        ArchiveStatus {
            exists: true,
            unlocked: true,
            auto_lock_seconds: 300
        }
    );
    assert!(s.listed().student_no.is_empty());
    assert_eq!(code(s.create(None, PASSPHRASE)), "archive_exists");

    assert!(s.lock());
    assert!(!s.lock(), "locking twice is harmless");
    assert!(!s.status().unlocked);
    assert_eq!(code(s.list_students(None)), "locked");

    assert_eq!(
        code(s.unlock(None, "not the passphrase")),
        "wrong_passphrase"
    );
    assert_eq!(code(s.unlock(None, "")), "invalid_input");
    assert_eq!(
        code(s.unlock(None, &"x".repeat(MAX_PASSPHRASE_BYTES + 1))),
        "invalid_input"
    );
    s.unlock(None, PASSPHRASE).expect("unlock");
    assert_eq!(code(s.unlock(None, PASSPHRASE)), "already_unlocked");
    assert!(s.session().is_ok());
}

#[test]
fn weak_passphrase_is_refused_with_its_code() {
    let (_dir, mut s) = state(DEFAULT_IDLE_LIMIT);
    assert_eq!(code(s.create(None, "short")), "weak_passphrase");
    assert!(!s.status().exists);
}

#[test]
fn auto_lock_after_idle_only() {
    let (_dir, mut s) = state(Duration::from_secs(60));
    s.create(None, PASSPHRASE).expect("create");
    let now = Moment::now();
    let secs = Duration::from_secs;
    assert!(!s.lock_if_idle(now), "not idle yet");
    // A wall clock set back does not hide the time the monotonic clock counted.
    assert!(!s.lock_if_idle(now.later(secs(59), Duration::ZERO)));
    assert!(s.lock_if_idle(now.later(secs(61), Duration::ZERO)));
    assert!(!s.status().unlocked);
    assert!(
        !s.lock_if_idle(now.later(secs(120), secs(120))),
        "already locked"
    );
}

#[test]
fn a_laptop_that_slept_past_the_limit_wakes_locked() {
    let (_dir, mut s) = state(Duration::from_secs(300));
    s.create(None, PASSPHRASE).expect("create");
    let now = Moment::now();
    let secs = Duration::from_secs;
    // Asleep for an hour: the monotonic clock barely moved, the wall clock did.
    assert!(!s.lock_if_idle(now.later(secs(2), secs(299))));
    assert!(s.lock_if_idle(now.later(secs(2), secs(3600))));
    assert!(!s.status().unlocked);
}

#[test]
fn a_command_after_a_long_sleep_finds_the_archive_locked() {
    let (_dir, mut s) = state(Duration::from_secs(300));
    s.create(None, PASSPHRASE).expect("create");
    // The last activity an hour ago by the wall clock, as after a suspend.
    s.last_activity.wall -= Duration::from_secs(3600);
    let shared = Shared::new(s);
    assert_eq!(
        shared
            .with(|s| s.list_students(None))
            .expect_err("locked")
            .code,
        "locked"
    );
}

#[test]
fn commands_count_as_activity_and_the_lock_thread_does_not() {
    let (_dir, s) = state(Duration::from_secs(60));
    let shared = Shared::new(s);
    let before = shared.quietly(|s| s.last_activity);
    std::thread::sleep(Duration::from_millis(5));
    shared.quietly(|s| s.tick());
    assert_eq!(shared.quietly(|s| s.last_activity), before);
    shared.with(|s| s.status());
    assert!(shared.quietly(|s| s.last_activity).since(before) > Duration::ZERO);
}

#[test]
fn idle_limit_and_tick() {
    let (_dir, s) = state(Duration::from_secs(300));
    assert_eq!(s.tick(), Duration::from_secs(5));
    let (_dir, s) = state(Duration::from_secs(1));
    assert_eq!(s.tick(), Duration::from_millis(250));
}

#[test]
fn errors_reach_the_webview_as_code_message_field_and_reason() {
    let e = CommandError::from(xindang::Error::WrongPassphrase);
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(
        json,
        serde_json::json!({ "code": "wrong_passphrase", "message": "wrong passphrase",
            "field": null, "reason": null })
    );
    let e = CommandError::from(xindang::Error::refused(
        "level",
        xindang::error::Reason::RaiseNotHigher,
    ));
    assert_eq!(
        (e.code.as_str(), e.field.as_deref(), e.reason.as_deref()),
        ("invalid_input", Some("level"), Some("raise_not_higher"))
    );
}

#[test]
fn the_unlock_screen_lists_the_people_and_unlocks_or_resets_the_one_chosen() {
    use xindang::people::Role;
    let (_dir, mut s) = state(DEFAULT_IDLE_LIMIT);
    assert_eq!(code(s.people_locked()), "no_archive");
    let key = s.create(None, PASSPHRASE).expect("create");
    let theirs = "王老师的口令-2026";
    s.session_mut()
        .expect("unlocked")
        .add_person("王老师", Role::Counselor, theirs)
        .expect("add a counselor");
    assert!(s.lock());

    let people = s.people_locked().expect("people while locked");
    let names: Vec<(&str, Role, bool)> = people
        .iter()
        .map(|p| (p.name.as_str(), p.role, p.founder))
        .collect();
    assert_eq!(
        names,
        vec![
            ("管理员", Role::Admin, true),
            ("王老师", Role::Counselor, false)
        ]
    );

    // Each person opens with their own passphrase only.
    assert_eq!(
        code(s.unlock(Some("王老师"), PASSPHRASE)),
        "wrong_passphrase"
    );
    let e = s
        .unlock(Some("无此人"), theirs)
        .expect_err("unknown person");
    assert_eq!(e.reason.as_deref(), Some("unknown_person"));
    s.unlock(Some("王老师"), theirs)
        .expect("unlock as the counselor");
    let me = s.session().expect("unlocked");
    assert_eq!((me.actor(), me.role()), ("王老师", Some(Role::Counselor)));
    assert!(s.lock());

    // 忘记口令 resets the person chosen, and nobody else.
    let new = "王老师的新口令-2027";
    s.unlock_with_recovery(&key, Some("王老师"), new)
        .expect("recover the counselor");
    assert_eq!(s.session().expect("unlocked").actor(), "王老师");
    assert!(s.lock());
    assert_eq!(code(s.unlock(Some("王老师"), theirs)), "wrong_passphrase");
    s.unlock(Some("王老师"), new).expect("the new passphrase");
    assert!(s.lock());
    s.unlock(None, PASSPHRASE)
        .expect("the founder's passphrase is unchanged");
    assert_eq!(s.session().expect("unlocked").role(), Some(Role::Admin));
}

#[test]
fn the_first_run_names_the_administrator() {
    use xindang::people::Role;
    let (_dir, mut s) = state(DEFAULT_IDLE_LIMIT);
    let e = s
        .create(Some(" "), PASSPHRASE)
        .expect_err("an empty name is refused");
    assert_eq!(e.reason.as_deref(), Some("bad_person_name"));
    assert!(!s.status().exists, "nothing was made");
    s.create(Some("周主任"), PASSPHRASE).expect("create");
    let me = s.session().expect("unlocked");
    assert_eq!((me.actor(), me.role()), ("周主任", Some(Role::Admin)));
}
