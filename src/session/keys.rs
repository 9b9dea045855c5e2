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
    /// Creates a college's archive in `dir` (made if missing), protected by `passphrase`. Returns
    /// the unlocked session and the recovery key, which must be shown to the user once.
    pub fn create(dir: &Path, passphrase: &str) -> Result<(Session, RecoveryKey)> {
        Self::create_as(dir, passphrase, SiteKind::College, "辅导员")
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

    /// Unlocks with a passphrase. A wrong one is counted, audited at the next unlock, and slows
    /// down later attempts.
    pub fn unlock(archive: &Archive, passphrase: &str) -> Result<Session> {
        Session::open(archive.open_slot(passphrase)?)
    }

    /// Unlocks with the recovery key (for a forgotten passphrase).
    pub fn unlock_with_recovery(archive: &Archive, recovery: &str) -> Result<Session> {
        Session::open(archive.open_recovery_slot(recovery)?)
    }

    /// 忘记口令: unlocks with the recovery key and sets `new_passphrase` on the first passphrase
    /// slot. The new passphrase is checked for strength before the key is tried, so a weak one
    /// never spends an attempt; the key is throttled like an unlock.
    pub fn recover(archive: &Archive, recovery: &str, new_passphrase: &str) -> Result<Session> {
        archive::check_passphrase(new_passphrase)?;
        let mut s = Session::unlock_with_recovery(archive, recovery)?;
        s.change_passphrase(new_passphrase)?;
        Ok(s)
    }

    /// Rewrites the key slot this session was unlocked with (or, after a recovery-key unlock, the
    /// first passphrase slot). Nothing else in the archive changes.
    pub fn change_passphrase(&mut self, new: &str) -> Result<()> {
        archive::check_passphrase(new)?;
        let target: Option<i64> = self
            .db
            .query_row(
                "SELECT id FROM key_slots WHERE kind = 'passphrase' ORDER BY (id = ?1) DESC, id LIMIT 1",
                [self.slot],
                |r| r.get(0),
            )
            .ok();
        let label = self.actor.clone();
        let id = self.id;
        self.write(
            AuditAction::PassphraseChange,
            None,
            String::new(),
            |tx, me| {
                let slot_label: String = match target {
                    Some(t) => {
                        tx.query_row("SELECT label FROM key_slots WHERE id = ?1", [t], |r| {
                            r.get(0)
                        })?
                    }
                    None => label,
                };
                archive::write_passphrase_slot(tx, &id, &me.keys.master, target, &slot_label, new)
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

    /// Replaces the recovery key; the new one must be shown once.
    pub fn new_recovery_key(&mut self) -> Result<RecoveryKey> {
        let id = self.id;
        self.write(
            AuditAction::RecoveryKeyChange,
            None,
            String::new(),
            |tx, me| archive::write_recovery_slot(tx, &id, &me.keys.master),
        )
    }
}
