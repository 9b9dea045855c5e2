use super::*;
use crate::archive::{Archive, SiteKind};

/// The keys of an unlocked archive; all wiped on drop.
pub(crate) struct SessionKeys {
    pub(super) master: Key,
    pub(super) index: Key,
    pub(crate) audit: Key,
    /// Seals the index snapshot (src/session/snapshot.rs).
    pub(super) snapshot: Key,
}

impl SessionKeys {
    pub(crate) fn derive(archive: &[u8; 16], master: Key) -> Self {
        let index = crypto::subkey(&master, archive, "blind index");
        let audit = audit::derive_key(&master, archive);
        let snapshot = crypto::subkey(&master, archive, "index snapshot");
        SessionKeys {
            master,
            index,
            audit,
            snapshot,
        }
    }
}

impl Session {
    /// Creates a college's archive in `dir` (made if missing), protected by `passphrase`, its first
    /// person the administrator 管理员 (as `xindang init`). Returns
    /// the unlocked session and the recovery key, which must be shown to the user once.
    pub fn create(dir: &Path, passphrase: &str) -> Result<(Session, RecoveryKey)> {
        Self::create_as(dir, passphrase, SiteKind::College, "管理员")
    }

    /// Creates an archive of the given site kind, its first slot labelled `label`.
    pub fn create_as(
        dir: &Path,
        passphrase: &str,
        kind: SiteKind,
        label: &str,
    ) -> Result<(Session, RecoveryKey)> {
        let (unlocked, recovery) = Archive::init(dir, passphrase, kind, label)?;
        Ok((Session::open(unlocked)?, recovery))
    }

    /// Unlocks with a passphrase, as the founding administrator or the only person. A wrong
    /// one is counted, audited at the next unlock, and slows down later attempts.
    pub fn unlock(archive: &Archive, passphrase: &str) -> Result<Session> {
        Self::unlock_as(archive, None, passphrase)
    }

    /// Unlocks as the person named `user` (`None`: the only person, or the founding
    /// administrator when there are several).
    pub fn unlock_as(archive: &Archive, user: Option<&str>, passphrase: &str) -> Result<Session> {
        Session::open(archive.open_slot(user, passphrase)?)
    }

    /// Unlocks with the recovery key (for a forgotten passphrase).
    pub fn unlock_with_recovery(archive: &Archive, recovery: &str) -> Result<Session> {
        Session::open(archive.open_recovery_slot(recovery)?)
    }

    /// 忘记口令: unlocks with the recovery key, gives the person named `user` (by the command
    /// line's rule when `None`) `new_passphrase` and a new identity with the caseloads they had,
    /// and unlocks as them. The new passphrase is checked for strength before the key is tried,
    /// so a weak one never spends an attempt; the key is throttled like an unlock.
    pub fn recover(archive: &Archive, recovery: &str, new_passphrase: &str) -> Result<Session> {
        Self::recover_as(archive, recovery, None, new_passphrase)
    }

    /// [`Session::recover`] for a named person.
    pub fn recover_as(
        archive: &Archive,
        recovery: &str,
        user: Option<&str>,
        new_passphrase: &str,
    ) -> Result<Session> {
        archive::check_passphrase(new_passphrase)?;
        let mut s = Session::unlock_with_recovery(archive, recovery)?;
        let name = s.reset_person(user, new_passphrase)?;
        drop(s);
        Session::unlock_as(archive, Some(&name), new_passphrase)
    }

    /// Rewrites the unlocked person's key slot with a new passphrase (their identity and
    /// caseloads unchanged). Nothing else in the archive changes.
    pub fn change_passphrase(&mut self, new: &str) -> Result<()> {
        archive::check_passphrase(new)?;
        let Some(role) = self.role else {
            // After a recovery-key unlock: reset the founding person instead.
            self.reset_person(None, new)?;
            return Ok(());
        };
        let id = self.id;
        let slot = self.slot;
        let name = self.actor.clone();
        self.write(
            AuditAction::PassphraseChange,
            None,
            String::new(),
            |tx, me| {
                let identity = me.identity.as_ref().ok_or(Error::Tamper("key slot"))?;
                archive::write_passphrase_slot(
                    tx,
                    &id,
                    &me.keys.master,
                    Some(slot),
                    &name,
                    role,
                    identity,
                    new,
                )
            },
        )?;
        Ok(())
    }

    /// Replaces the recovery key after checking the current passphrase (throttled like an unlock,
    /// [`Session::verify_passphrase`]): the new key voids the paper copy of the old one, so whoever
    /// asks must know the passphrase, not merely find the window unlocked.
    pub fn new_recovery_key_confirmed(&mut self, passphrase: &str) -> Result<RecoveryKey> {
        self.verify_passphrase(passphrase)?;
        self.new_recovery_key()
    }

    /// Replaces the recovery key; the new one must be shown once. Every caseload is wrapped to
    /// it (so it can reset a person's access), which only a person holding every caseload can do;
    /// an archive from before people moves its files into class caseloads here.
    pub fn new_recovery_key(&mut self) -> Result<RecoveryKey> {
        self.require_role(&[crate::people::Role::Admin, crate::people::Role::Leader])?;
        let id = self.id;
        let key = self.write(
            AuditAction::RecoveryKeyChange,
            None,
            String::new(),
            |tx, me| {
                let (key, slot, recipient) =
                    archive::write_recovery_slot(tx, &id, &me.keys.master)?;
                me.escrow_to_recovery(tx, slot, &recipient)?;
                Ok(key)
            },
        )?;
        self.reload_keys()?;
        Ok(key)
    }
}
