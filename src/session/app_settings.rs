//! The app's own settings sealed in the archive (the auto-lock time), the old passphrase checked
//! without unlocking, and the archive's kind (college or center).

use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use super::Session;
use crate::archive::{self, slot_binding, Archive, SiteKind};
use crate::crypto::{self, kdf::KdfParams};
use crate::error::{Error, Result};

/// Row of the sealed `settings` table holding [`AppSettings`]; far from the rows the rules use
/// (1, 2, …) so the two never collide.
const APP_SETTINGS_ROW: i64 = 1001;

/// Shortest and longest auto-lock times the settings accept, in seconds.
pub const AUTO_LOCK_RANGE: (u32, u32) = (60, 4 * 60 * 60);

/// Archive-wide settings of the app, sealed like the policy.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSettings {
    /// Seconds without activity before the app locks itself; `None` keeps the default.
    pub auto_lock_seconds: Option<u32>,
}

impl Session {
    /// Checks `passphrase` against the passphrase slots without unlocking anything (the old
    /// passphrase of a change, the confirmation of a new recovery key). Costs one key derivation
    /// per slot. Throttled like an unlock, on the same count: a wrong one is counted and slows down
    /// the next attempts (and unlocks); a right one moves the failures counted into the audit log.
    pub fn verify_passphrase(&mut self, passphrase: &str) -> Result<()> {
        archive::check_throttle(&self.db)?;
        let mut stmt = self.db.prepare(
            "SELECT id, kdf, salt, wrapped FROM key_slots WHERE kind = 'passphrase' \
             ORDER BY (id = ?1) DESC, id",
        )?;
        let slots = stmt
            .query_map([self.slot], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(stmt);
        for (id, kdf, salt, wrapped) in slots {
            let params: KdfParams =
                serde_json::from_str(&kdf).map_err(|_| Error::Tamper("key slot parameters"))?;
            let kek = params.derive(passphrase.as_bytes(), &salt)?;
            if crypto::open(&kek, &slot_binding(&self.id, id), &wrapped, "key slot").is_ok() {
                return self.fold_failed_checks();
            }
        }
        archive::record_failure(&self.db)?;
        Err(Error::WrongPassphrase)
    }

    /// Audits the failed attempts counted since the last unlock and resets the count.
    fn fold_failed_checks(&mut self) -> Result<()> {
        let failed: i64 = self
            .db
            .query_row("SELECT count(*) FROM failed_unlocks", [], |r| r.get(0))?;
        if failed == 0 {
            return Ok(());
        }
        let tx = self.db.unchecked_transaction()?;
        let head = archive::fold_failures(&tx, &self.id, &self.keys.audit, self.head)?;
        tx.commit()?;
        self.head = head;
        Ok(())
    }

    /// The app's archive-wide settings (defaults when never saved).
    pub fn app_settings(&self) -> Result<AppSettings> {
        match self.setting(APP_SETTINGS_ROW)? {
            Some(bytes) => serde_json::from_slice(&bytes).map_err(|_| Error::Tamper("a setting")),
            None => Ok(AppSettings::default()),
        }
    }

    /// Stores the auto-lock time (seconds, within [`AUTO_LOCK_RANGE`]); audited.
    pub fn set_auto_lock_seconds(&mut self, seconds: u32) -> Result<AppSettings> {
        if !(AUTO_LOCK_RANGE.0..=AUTO_LOCK_RANGE.1).contains(&seconds) {
            return Err(Error::Invalid {
                field: "auto_lock_seconds",
                reason: "between 1 minute and 4 hours",
            });
        }
        let mut settings = self.app_settings()?;
        settings.auto_lock_seconds = Some(seconds);
        let bytes = serde_json::to_vec(&settings).map_err(|_| Error::Invalid {
            field: "settings",
            reason: "cannot be encoded",
        })?;
        self.put_setting(APP_SETTINGS_ROW, &bytes, "app settings: auto-lock time")?;
        Ok(settings)
    }

    /// College or center.
    pub fn archive_site_kind(&self) -> Result<SiteKind> {
        Archive::open(&self.dir)?.site_kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::{Archive, SiteKind};
    use crate::audit::AuditAction;
    use crate::session::test_archive::{archive, PASSPHRASE};
    use crate::session::Session;

    #[test]
    fn the_old_passphrase_is_checked_without_unlocking() {
        let (_dir, mut s) = archive(SiteKind::College, 0);
        s.verify_passphrase(PASSPHRASE).expect("right one");
        assert!(matches!(
            s.verify_passphrase("not the passphrase"),
            Err(Error::WrongPassphrase)
        ));
        s.verify_passphrase(PASSPHRASE).expect("right one again");
        let before = s.audit_log().expect("log").len();
        s.change_passphrase("另一个口令-2027").expect("change");
        s.verify_passphrase("另一个口令-2027").expect("new one");
        assert_eq!(
            s.audit_log().expect("log").len(),
            before + 1,
            "right checks are not audited, the change is"
        );
        assert!(matches!(
            s.verify_passphrase(PASSPHRASE),
            Err(Error::WrongPassphrase)
        ));
        s.verify_passphrase("另一个口令-2027").expect("new one");
        let log = s.audit_log().expect("log");
        assert_eq!(
            log.len(),
            before + 2,
            "a wrong check is audited after a right one"
        );
        assert_eq!(log[before + 1].action, AuditAction::FailedUnlock);
    }

    #[test]
    fn passphrase_checks_are_throttled_like_unlocks() {
        let (dir, mut s) = archive(SiteKind::College, 0);
        for _ in 0..3 {
            assert!(matches!(
                s.verify_passphrase("not the passphrase"),
                Err(Error::WrongPassphrase)
            ));
        }
        // Three are free (typing mistakes); then the right one waits, and so does a new key.
        assert!(matches!(
            s.verify_passphrase(PASSPHRASE),
            Err(Error::UnlockThrottled { .. })
        ));
        assert!(matches!(
            s.new_recovery_key_confirmed(PASSPHRASE),
            Err(Error::UnlockThrottled { .. })
        ));
        let archive = Archive::open(&dir.path().join("a")).expect("open");
        assert!(archive.retry_after_secs().expect("retry") > 0);
    }

    #[test]
    fn auto_lock_is_sealed_validated_and_audited() {
        let (dir, mut s) = archive(SiteKind::College, 0);
        assert_eq!(s.app_settings().expect("settings"), AppSettings::default());
        assert!(matches!(
            s.set_auto_lock_seconds(10),
            Err(Error::Invalid { .. })
        ));
        assert!(matches!(
            s.set_auto_lock_seconds(5 * 60 * 60),
            Err(Error::Invalid { .. })
        ));
        s.set_auto_lock_seconds(600).expect("set");
        let last = s.audit_log().expect("log").pop().expect("entry");
        assert_eq!(last.action, AuditAction::Write);
        assert!(last.detail.contains("auto-lock"));
        s.lock();
        let s = Session::unlock(
            &Archive::open(&dir.path().join("a")).expect("open"),
            PASSPHRASE,
        )
        .expect("unlock");
        assert_eq!(
            s.app_settings().expect("settings").auto_lock_seconds,
            Some(600)
        );
        // The policy row is untouched by the app's settings.
        assert!(s.policy().is_ok());
    }

    #[test]
    fn the_site_kind_is_read_from_the_archive() {
        let (_dir, s) = archive(SiteKind::Center, 0);
        assert_eq!(s.archive_site_kind().expect("kind"), SiteKind::Center);
        let (_dir, college) = archive(SiteKind::College, 0);
        assert_eq!(
            college.archive_site_kind().expect("kind"),
            SiteKind::College
        );
    }
}
