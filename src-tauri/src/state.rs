//! The one managed state: where the archive lives and, while unlocked, the session holding its keys.
//! Locking drops the session, which zeroizes the keys. Every command counts as activity; a background
//! thread locks the archive after `idle_limit` without any.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::Serialize;
use typeshare::typeshare;
use xindang::model::StudentSummary;
use xindang::{Archive, Session};
use zeroize::Zeroizing;

use crate::error::CommandError;

/// Idle time after which the archive locks itself, unless `XINDANG_AUTO_LOCK_SECS` says otherwise.
pub const DEFAULT_IDLE_LIMIT: Duration = Duration::from_secs(5 * 60);

/// Passphrases longer than this are refused before any work (the KDF would accept them).
const MAX_PASSPHRASE_BYTES: usize = 1024;

/// What the first screen needs to know.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArchiveStatus {
    /// An archive exists in the archive folder (otherwise: first run).
    pub exists: bool,
    /// It is unlocked in this process.
    pub unlocked: bool,
    /// Seconds of inactivity before the archive locks itself.
    pub auto_lock_seconds: u32,
}

/// Why the archive was locked, sent with the `archive-locked` event.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// No command for longer than the idle limit.
    Idle,
    /// The operating system locked the screen (锁屏).
    ScreenLocked,
}

/// The payload of the `archive-locked` event.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LockedEvent {
    /// Why.
    pub reason: LockReason,
}

/// The state behind the mutex.
pub struct AppState {
    archive_dir: PathBuf,
    session: Option<Session>,
    last_activity: Instant,
    idle_limit: Duration,
}

impl AppState {
    /// A locked state over the archive folder `archive_dir`.
    pub fn new(archive_dir: PathBuf, idle_limit: Duration) -> Self {
        Self {
            archive_dir,
            session: None,
            last_activity: Instant::now(),
            idle_limit,
        }
    }

    /// Whether an archive exists and whether it is unlocked.
    pub fn status(&self) -> ArchiveStatus {
        ArchiveStatus {
            exists: Archive::exists(&self.archive_dir),
            unlocked: self.session.is_some(),
            auto_lock_seconds: u32::try_from(self.idle_limit.as_secs()).unwrap_or(u32::MAX),
        }
    }

    /// Creates the archive and keeps it unlocked; returns the recovery key's text, shown once.
    pub fn create(&mut self, passphrase: &str) -> Result<Zeroizing<String>, CommandError> {
        check_passphrase_arg(passphrase)?;
        let (session, recovery) = Session::create(&self.archive_dir, passphrase)?;
        self.session = Some(session);
        Ok(Zeroizing::new(recovery.to_string()))
    }

    /// Unlocks the archive with a passphrase.
    pub fn unlock(&mut self, passphrase: &str) -> Result<(), CommandError> {
        if self.session.is_some() {
            return Err(CommandError::already_unlocked());
        }
        check_passphrase_arg(passphrase)?;
        self.session = Some(Session::unlock(
            &Archive::open(&self.archive_dir)?,
            passphrase,
        )?);
        crate::admin::apply_archive_settings(self);
        Ok(())
    }

    /// Locks: drops the session and with it the keys. Returns whether it was unlocked.
    pub fn lock(&mut self) -> bool {
        self.session.take().map(Session::lock).is_some()
    }

    /// The unlocked session, or the `locked` error.
    pub fn session(&self) -> Result<&Session, CommandError> {
        self.session.as_ref().ok_or_else(CommandError::locked)
    }

    /// The unlocked session for writing, or the `locked` error.
    pub fn session_mut(&mut self) -> Result<&mut Session, CommandError> {
        self.session.as_mut().ok_or_else(CommandError::locked)
    }

    /// Every student, as the list shows them.
    pub fn list_students(&self) -> Result<Vec<StudentSummary>, CommandError> {
        Ok(self.session()?.list_students())
    }

    /// Locks if unlocked and idle for longer than the limit at `now`. Returns whether it locked.
    pub fn lock_if_idle(&mut self, now: Instant) -> bool {
        self.session.is_some()
            && now.saturating_duration_since(self.last_activity) >= self.idle_limit
            && self.lock()
    }

    /// Changes the idle limit at once (the auto-lock setting).
    pub fn set_idle_limit(&mut self, limit: Duration) {
        self.idle_limit = limit;
    }

    /// How long the auto-lock thread sleeps between checks.
    pub fn tick(&self) -> Duration {
        (self.idle_limit / 4).clamp(Duration::from_millis(250), Duration::from_secs(5))
    }
}

pub(crate) fn check_passphrase_arg(passphrase: &str) -> Result<(), CommandError> {
    if passphrase.is_empty() {
        return Err(CommandError::invalid("passphrase", "empty"));
    }
    if passphrase.len() > MAX_PASSPHRASE_BYTES {
        return Err(CommandError::invalid("passphrase", "too long"));
    }
    Ok(())
}

/// The managed state: the mutex, and the two ways in.
pub struct Shared(Mutex<AppState>);

impl Shared {
    /// Wraps the state.
    pub fn new(state: AppState) -> Self {
        Self(Mutex::new(state))
    }

    /// Runs `f` for a command: counts as user activity.
    pub fn with<T>(&self, f: impl FnOnce(&mut AppState) -> T) -> T {
        let mut state = self.guard();
        state.last_activity = Instant::now();
        let out = f(&mut state);
        // A long command (an unlock on a busy machine) must not leave the archive idle already.
        state.last_activity = Instant::now();
        out
    }

    /// Runs `f` without counting as activity (the auto-lock thread, shutdown).
    pub fn quietly<T>(&self, f: impl FnOnce(&mut AppState) -> T) -> T {
        f(&mut self.guard())
    }

    fn guard(&self) -> MutexGuard<'_, AppState> {
        // A panic while holding the lock leaves the state consistent (every change is one
        // assignment), so a poisoned mutex is still usable.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The idle limit: `XINDANG_AUTO_LOCK_SECS` if set to a positive number, else five minutes.
pub fn idle_limit_from_env() -> Duration {
    std::env::var("XINDANG_AUTO_LOCK_SECS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map_or(DEFAULT_IDLE_LIMIT, Duration::from_secs)
}

#[cfg(test)]
mod tests {
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
        assert_eq!(code(s.list_students()), "locked");
        assert_eq!(code(s.unlock(PASSPHRASE)), "no_archive");

        let key = s.create(PASSPHRASE).expect("create");
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
        assert_eq!(s.list_students().expect("list"), vec![]);
        assert_eq!(code(s.create(PASSPHRASE)), "archive_exists");

        assert!(s.lock());
        assert!(!s.lock(), "locking twice is harmless");
        assert!(!s.status().unlocked);
        assert_eq!(code(s.list_students()), "locked");

        assert_eq!(code(s.unlock("not the passphrase")), "wrong_passphrase");
        assert_eq!(code(s.unlock("")), "invalid_input");
        assert_eq!(
            code(s.unlock(&"x".repeat(MAX_PASSPHRASE_BYTES + 1))),
            "invalid_input"
        );
        s.unlock(PASSPHRASE).expect("unlock");
        assert_eq!(code(s.unlock(PASSPHRASE)), "already_unlocked");
        assert!(s.session().is_ok());
    }

    #[test]
    fn weak_passphrase_is_refused_with_its_code() {
        let (_dir, mut s) = state(DEFAULT_IDLE_LIMIT);
        assert_eq!(code(s.create("short")), "weak_passphrase");
        assert!(!s.status().exists);
    }

    #[test]
    fn auto_lock_after_idle_only() {
        let (_dir, mut s) = state(Duration::from_secs(60));
        s.create(PASSPHRASE).expect("create");
        let now = Instant::now();
        assert!(!s.lock_if_idle(now), "not idle yet");
        assert!(s.lock_if_idle(now + Duration::from_secs(61)));
        assert!(!s.status().unlocked);
        assert!(
            !s.lock_if_idle(now + Duration::from_secs(120)),
            "already locked"
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
        assert!(shared.quietly(|s| s.last_activity) > before);
    }

    #[test]
    fn idle_limit_and_tick() {
        let (_dir, s) = state(Duration::from_secs(300));
        assert_eq!(s.tick(), Duration::from_secs(5));
        let (_dir, s) = state(Duration::from_secs(1));
        assert_eq!(s.tick(), Duration::from_millis(250));
    }

    #[test]
    fn errors_reach_the_webview_as_code_and_message() {
        let e = CommandError::from(xindang::Error::WrongPassphrase);
        let json = serde_json::to_value(&e).expect("json");
        assert_eq!(
            json,
            serde_json::json!({ "code": "wrong_passphrase", "message": "wrong passphrase" })
        );
    }
}
