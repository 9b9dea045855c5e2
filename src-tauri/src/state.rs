//! The one managed state: where the archive lives and, while unlocked, the session holding its keys.
//! Locking drops the session, which zeroizes the keys. Every command counts as activity; a background
//! thread locks the archive after `idle_limit` without any. Idle time is measured by the wall clock
//! as well as the monotonic one (whichever says more): the monotonic clock stops while a laptop
//! sleeps, so a sleep longer than the limit must still find the archive locked on waking, and a
//! wall clock set back must not keep it open.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use typeshare::typeshare;
use xindang::model::StudentList;
use xindang::people::Person;
use xindang::{Archive, Session, SiteKind};
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

/// A moment on both clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moment {
    mono: Instant,
    wall: SystemTime,
}

impl Moment {
    /// Now.
    pub fn now() -> Self {
        Self {
            mono: Instant::now(),
            wall: SystemTime::now(),
        }
    }

    /// The time since `earlier`: the larger of the two clocks' (a clock gone back counts 0).
    pub fn since(self, earlier: Moment) -> Duration {
        let wall = self.wall.duration_since(earlier.wall).unwrap_or_default();
        self.mono.saturating_duration_since(earlier.mono).max(wall)
    }

    /// `d` later on both clocks (tests; a sleep is a later wall clock alone).
    pub fn later(self, mono: Duration, wall: Duration) -> Self {
        Self {
            mono: self.mono + mono,
            wall: self.wall + wall,
        }
    }
}

/// The state behind the mutex.
pub struct AppState {
    archive_dir: PathBuf,
    session: Option<Session>,
    last_activity: Moment,
    idle_limit: Duration,
}

impl AppState {
    /// A locked state over the archive folder `archive_dir`.
    pub fn new(archive_dir: PathBuf, idle_limit: Duration) -> Self {
        Self {
            archive_dir,
            session: None,
            last_activity: Moment::now(),
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

    /// Creates the archive and keeps it unlocked, its first person (the administrator) named
    /// `name` (the core checks it; `None`: the core's default); returns the recovery key's text,
    /// shown once.
    pub fn create(
        &mut self,
        name: Option<&str>,
        passphrase: &str,
    ) -> Result<Zeroizing<String>, CommandError> {
        check_passphrase_arg(passphrase)?;
        let (session, recovery) = match name {
            Some(name) => {
                Session::create_as(&self.archive_dir, passphrase, SiteKind::College, name)?
            }
            None => Session::create(&self.archive_dir, passphrase)?,
        };
        self.session = Some(session);
        Ok(Zeroizing::new(recovery.to_string()))
    }

    /// The people of the archive, while locked (the unlock screen asks who).
    pub fn people_locked(&self) -> Result<Vec<Person>, CommandError> {
        Ok(Archive::open(&self.archive_dir)?.people()?)
    }

    /// Unlocks the archive as the person named `user` (`None`: the only person, or the founding
    /// administrator) with their passphrase.
    pub fn unlock(&mut self, user: Option<&str>, passphrase: &str) -> Result<(), CommandError> {
        if self.session.is_some() {
            return Err(CommandError::already_unlocked());
        }
        check_passphrase_arg(passphrase)?;
        self.session = Some(Session::unlock_as(
            &Archive::open(&self.archive_dir)?,
            user,
            passphrase,
        )?);
        crate::admin::apply_archive_settings(self);
        Ok(())
    }

    /// 忘记口令: unlocks with the recovery key and sets a new passphrase for the person named
    /// `user` (by [`AppState::unlock`]'s rule when `None`); the core checks the new one's strength
    /// before trying the key, and throttles wrong keys like wrong passphrases.
    pub fn unlock_with_recovery(
        &mut self,
        recovery_key: &str,
        user: Option<&str>,
        new_passphrase: &str,
    ) -> Result<(), CommandError> {
        if self.session.is_some() {
            return Err(CommandError::already_unlocked());
        }
        check_passphrase_arg(new_passphrase)?;
        if recovery_key.trim().is_empty() || recovery_key.len() > MAX_PASSPHRASE_BYTES {
            return Err(CommandError::invalid("recovery_key", "empty or too long"));
        }
        self.session = Some(Session::recover_as(
            &Archive::open(&self.archive_dir)?,
            recovery_key,
            user,
            new_passphrase,
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

    /// Every student, as the list shows them, unless the app's (`known`) is current.
    pub fn list_students(&self, known: Option<&str>) -> Result<StudentList, CommandError> {
        Ok(self.session()?.student_list(known))
    }

    /// The whole list, as an app holding none is sent it (tests).
    #[cfg(test)]
    pub fn listed(&self) -> xindang::model::StudentColumns {
        self.list_students(None)
            .expect("list")
            .columns
            .expect("a list to an app holding none")
    }

    /// Locks if unlocked and idle for longer than the limit at `now`. Returns whether it locked.
    pub fn lock_if_idle(&mut self, now: Moment) -> bool {
        self.session.is_some() && now.since(self.last_activity) >= self.idle_limit && self.lock()
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
        // An archive already idle past the limit (the machine slept, and the lock thread has not
        // woken yet) locks before this command runs, rather than answer it.
        if state.lock_if_idle(Moment::now()) {
            eprintln!("xindang-app: the archive was idle past its limit and is locked");
        }
        state.last_activity = Moment::now();
        let out = f(&mut state);
        // A long command (an unlock on a busy machine) must not leave the archive idle already.
        state.last_activity = Moment::now();
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

/// The idle limit at start: the bounded test override of a debug build
/// ([`crate::protect::auto_lock_override`]), else five minutes until the archive's own setting.
pub fn idle_limit_from_env() -> Duration {
    crate::protect::auto_lock_override().unwrap_or(DEFAULT_IDLE_LIMIT)
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
