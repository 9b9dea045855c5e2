//! A closed archive folder: creation, opening, and unlocking with a passphrase or the recovery key.
//!
//! Keys: passphrase → Argon2id → key-encryption key → unwraps the random master key held in a key
//! slot. Several slots wrap the same master key, so changing a passphrase rewrites one slot only.

use std::path::{Path, PathBuf};

use chrono::{Local, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;
use zeroize::Zeroizing;

use crate::audit::{self, AuditAction, AuditEntry};
use crate::crypto::kdf::KdfParams;
use crate::crypto::{self, Binding, Key};
use crate::db;
use crate::error::{Error, Result};
use crate::people::{self, Identity, Role};
use crate::recovery::RecoveryKey;

/// The shortest passphrase accepted, in characters (Chinese characters count one each).
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Which kind of site the archive belongs to.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteKind {
    /// A college's counselor office (学院).
    College,
    /// The school's counseling center (心理中心).
    Center,
}

/// An archive whose key slot opened: its connection, the master key and the audit head, before
/// any student data is read. The session (src/session/) is built on it; the vault knows nothing
/// of sessions.
pub(crate) struct Unlocked {
    pub(crate) dir: PathBuf,
    pub(crate) db: Connection,
    pub(crate) id: [u8; 16],
    pub(crate) master: Key,
    /// The key slot that opened (its row id).
    pub(crate) slot: i64,
    /// Its label: who unlocked.
    pub(crate) label: String,
    /// The person's role; `None` after a recovery-key unlock.
    pub(crate) role: Option<Role>,
    /// The slot's identity, which opens the caseloads wrapped to it (src/people.rs); `None` for
    /// the recovery slot of an archive from before people.
    pub(crate) identity: Option<Identity>,
    pub(crate) head: audit::Head,
}

/// A key slot's row: id, salt, wrapped archive key, sealed identity.
type SlotRow = (i64, Vec<u8>, Vec<u8>, Option<Vec<u8>>);

/// An archive folder, opened but locked: nothing sensitive is readable through it.
pub struct Archive {
    dir: PathBuf,
    db: Connection,
    id: [u8; 16],
}

pub(crate) fn slot_binding(archive: &[u8; 16], slot: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "key_slots",
        row: slot,
        student: 0,
        version: 0,
    }
}

/// Rejects passphrases too short or too uniform to protect psychological records.
pub fn check_passphrase(passphrase: &str) -> Result<()> {
    let chars: Vec<char> = passphrase.chars().collect();
    if chars.len() < MIN_PASSPHRASE_CHARS {
        return Err(Error::WeakPassphrase("use at least 8 characters"));
    }
    if chars.iter().all(|c| *c == chars[0]) {
        return Err(Error::WeakPassphrase("do not repeat one character"));
    }
    Ok(())
}

pub(crate) fn now_text() -> String {
    Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Writes a passphrase key slot for `master` (new slot when `slot` is `None`): the person `label`
/// with `role`, their identity sealed under the same passphrase-derived key. Returns its id.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_passphrase_slot(
    db: &Connection,
    archive: &[u8; 16],
    master: &Key,
    slot: Option<i64>,
    label: &str,
    role: Role,
    identity: &Identity,
    passphrase: &str,
) -> Result<i64> {
    check_passphrase(passphrase)?;
    let params = KdfParams::calibrate(KdfParams::target_from_env());
    let salt = crypto::random::<16>();
    let kek = params.derive(passphrase.as_bytes(), &salt)?;
    let id = slot.unwrap_or_else(crypto::random_id);
    let wrapped = crypto::seal(&kek, &slot_binding(archive, id), &master[..]);
    let sealed_identity = identity.seal(&kek, archive, id);
    let kdf = serde_json::to_string(&params).map_err(|_| Error::Tamper("key slot parameters"))?;
    let added: i64 = match slot {
        Some(s) => db
            .query_row("SELECT added FROM key_slots WHERE id = ?1", [s], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0),
        None => db.query_row(
            "SELECT coalesce(max(added), 0) + 1 FROM key_slots",
            [],
            |r| r.get(0),
        )?,
    };
    db.execute(
        "INSERT OR REPLACE INTO key_slots (id, kind, label, kdf, salt, wrapped, role, recipient, identity, added) VALUES (?1, 'passphrase', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![id, label, kdf, &salt[..], wrapped, role.as_str(), identity.recipient(), sealed_identity, added],
    )?;
    Ok(id)
}

/// Replaces the recovery slot with one for a fresh key, which is returned to be shown once, with
/// the slot's id and its new identity's public key (every caseload must be wrapped to it).
pub(crate) fn write_recovery_slot(
    db: &Connection,
    archive: &[u8; 16],
    master: &Key,
) -> Result<(RecoveryKey, i64, String)> {
    let key = RecoveryKey::generate();
    let salt = crypto::random::<16>();
    let kek = recovery_kek(&salt, &key, archive);
    let id = crypto::random_id();
    let wrapped = crypto::seal(&kek, &slot_binding(archive, id), &master[..]);
    let identity = Identity::generate();
    let sealed_identity = identity.seal(&kek, archive, id);
    let recipient = identity.recipient();
    db.execute(
        "DELETE FROM grants WHERE slot_id IN (SELECT id FROM key_slots WHERE kind = 'recovery')",
        [],
    )?;
    db.execute("DELETE FROM key_slots WHERE kind = 'recovery'", [])?;
    db.execute(
        "INSERT INTO key_slots (id, kind, label, kdf, salt, wrapped, recipient, identity) VALUES (?1, 'recovery', '恢复密钥', 'hkdf-sha256', ?2, ?3, ?4, ?5)",
        params![id, &salt[..], wrapped, &recipient, sealed_identity],
    )?;
    Ok((key, id, recipient))
}

/// The recovery key has 160 random bits, so a fast derivation suffices.
fn recovery_kek(salt: &[u8], key: &RecoveryKey, archive: &[u8; 16]) -> Key {
    let ikm = Zeroizing::new(crypto::sha256(&[salt, &key.bytes()[..]].concat()));
    crypto::subkey(&ikm, archive, "recovery slot")
}

/// Delay before the next unlock attempt after `failures` failures in a row: the first three are
/// free (typing mistakes), then 1 s doubling up to five minutes.
pub fn throttle_delay_secs(failures: i64) -> i64 {
    if failures < 3 {
        0
    } else {
        (1i64 << (failures - 3).min(20)).min(300)
    }
}

/// Seconds to wait before the next attempt is accepted (0 when none).
pub(crate) fn retry_after_secs(db: &Connection) -> Result<u64> {
    let failures: i64 = db
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'failed_unlocks'",
            [],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    let last: Option<String> = db
        .query_row("SELECT max(at) FROM failed_unlocks", [], |r| r.get(0))
        .optional()?
        .flatten();
    let Some(last) = last.and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok()) else {
        return Ok(0);
    };
    let until = last.with_timezone(&Utc) + chrono::Duration::seconds(throttle_delay_secs(failures));
    // Rounded up, so a wait of 0.4 s is reported as 1 s, not as none.
    let left_ms = (until - Utc::now()).num_milliseconds();
    Ok(if left_ms <= 0 {
        0
    } else {
        (left_ms as u64).div_ceil(1000)
    })
}

/// Refuses an attempt while the delay after the failures in a row has not passed.
pub(crate) fn check_throttle(db: &Connection) -> Result<()> {
    match retry_after_secs(db)? {
        0 => Ok(()),
        s => Err(Error::UnlockThrottled {
            retry_after_secs: s,
        }),
    }
}

/// Counts a wrong passphrase or recovery key (time only, in clear: no key is there to seal it).
pub(crate) fn record_failure(db: &Connection) -> Result<()> {
    let tx = db.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO failed_unlocks (at) VALUES (?1)",
        [Utc::now().to_rfc3339()],
    )?;
    tx.execute(
        "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'failed_unlocks'",
        [],
    )?;
    tx.commit()?;
    Ok(())
}

/// Moves the failed attempts counted in clear into the sealed audit log and resets the count: done
/// in the transaction of a successful unlock or passphrase check, when the audit key is there.
pub(crate) fn fold_failures(
    tx: &Connection,
    id: &[u8; 16],
    audit_key: &Key,
    mut head: audit::Head,
) -> Result<audit::Head> {
    let failures = tx
        .prepare("SELECT at FROM failed_unlocks ORDER BY id")?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for at in failures {
        let at = chrono::DateTime::parse_from_rfc3339(&at)
            .map(|t| {
                t.with_timezone(&Local)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
            })
            .unwrap_or(at);
        let entry = AuditEntry {
            seq: 0,
            at,
            actor: String::new(),
            action: AuditAction::FailedUnlock,
            student_no: None,
            student_withheld: None,
            detail: "wrong passphrase or recovery key".into(),
        };
        head = audit::append(tx, id, audit_key, head, &entry)?;
    }
    tx.execute("DELETE FROM failed_unlocks", [])?;
    tx.execute("UPDATE meta SET value = 0 WHERE key = 'failed_unlocks'", [])?;
    Ok(head)
}

impl Archive {
    /// Whether `dir` holds an archive.
    pub fn exists(dir: &Path) -> bool {
        dir.join(db::DB_FILE).is_file()
    }

    /// Creates an archive of the given site kind in `dir` (made if missing), protected by
    /// `passphrase`, its first slot labelled `label`. Returns it unlocked and the recovery key,
    /// which must be shown to the user once (`Session::create_as` is the public door).
    pub(crate) fn init(
        dir: &Path,
        passphrase: &str,
        kind: SiteKind,
        label: &str,
    ) -> Result<(Unlocked, RecoveryKey)> {
        check_passphrase(passphrase)?;
        // Before any file is made: a refused name leaves no empty archive behind.
        let label = people::check_name(label)?;
        let label = label.as_str();
        let path = dir.join(db::DB_FILE);
        if path.exists() {
            // A creation that crashed before committing leaves a file with no schema: reuse it.
            let empty = db::connect(&path, false)
                .and_then(|c| db::version(&c))
                .map(|v| v == 0)
                .unwrap_or(false);
            if !empty {
                return Err(Error::ArchiveExists);
            }
        }
        std::fs::create_dir_all(dir)?;
        restrict_dir(dir);
        let mut conn = db::connect(&path, true)?;
        let tx = conn.transaction()?;
        db::apply(&tx, 0)?;
        let id = crypto::random::<16>();
        let master = crypto::random_key();
        let kind_text = match kind {
            SiteKind::College => "college",
            SiteKind::Center => "center",
        };
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('archive_id', ?1)",
            [&id[..]],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('format', 'xindang-archive')",
            [],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('site_kind', ?1)",
            [kind_text],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('failed_unlocks', 0)",
            [],
        )?;
        let identity = Identity::generate();
        let slot = write_passphrase_slot(
            &tx,
            &id,
            &master,
            None,
            label,
            Role::Admin,
            &identity,
            passphrase,
        )?;
        people::set_founder(&tx, slot)?;
        let (recovery, _, _) = write_recovery_slot(&tx, &id, &master)?;
        let audit_key = audit::derive_key(&master, &id);
        let entry = AuditEntry {
            seq: 0,
            at: now_text(),
            actor: label.to_string(),
            action: AuditAction::Create,
            student_no: None,
            student_withheld: None,
            detail: format!("archive created ({kind_text})"),
        };
        let head = audit::append(&tx, &id, &audit_key, audit::Head::EMPTY, &entry)?;
        tx.commit()?;
        let unlocked = Unlocked {
            dir: dir.to_path_buf(),
            db: conn,
            id,
            master,
            slot,
            label: label.to_string(),
            role: Some(Role::Admin),
            identity: Some(identity),
            head,
        };
        Ok((unlocked, recovery))
    }

    /// Opens the archive in `dir`, upgrading its schema if it is older than this build.
    pub fn open(dir: &Path) -> Result<Archive> {
        let path = dir.join(db::DB_FILE);
        if !path.is_file() {
            return Err(Error::NoArchive);
        }
        let mut conn = db::connect(&path, false)?;
        let version = db::version(&conn)?;
        if version == 0 {
            return Err(Error::NotAnArchive);
        }
        db::migrate(&mut conn)?;
        let id: Vec<u8> = conn
            .query_row("SELECT value FROM meta WHERE key = 'archive_id'", [], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or(Error::NotAnArchive)?;
        let id: [u8; 16] = id.try_into().map_err(|_| Error::NotAnArchive)?;
        Ok(Archive {
            dir: dir.to_path_buf(),
            db: conn,
            id,
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The kind of site.
    pub fn site_kind(&self) -> Result<SiteKind> {
        let v: String =
            self.db
                .query_row("SELECT value FROM meta WHERE key = 'site_kind'", [], |r| {
                    r.get(0)
                })?;
        Ok(if v == "center" {
            SiteKind::Center
        } else {
            SiteKind::College
        })
    }

    /// Seconds to wait before the next attempt is accepted (0 when none).
    pub fn retry_after_secs(&self) -> Result<u64> {
        retry_after_secs(&self.db)
    }

    fn check_throttle(&self) -> Result<()> {
        check_throttle(&self.db)
    }

    fn record_failure(&self) -> Result<()> {
        record_failure(&self.db)
    }

    /// The people of the archive (names and roles are not student data: the unlock screen lists
    /// them before any key is open).
    pub fn people(&self) -> Result<Vec<people::Person>> {
        people::list(&self.db)
    }

    /// Opens the key slot of the person named `user` (by the command line's rule when `None`,
    /// [`people::choose`]) with a passphrase. A wrong one is counted, audited at the next unlock,
    /// and slows down later attempts (`Session::unlock_as` is the public door).
    pub(crate) fn open_slot(&self, user: Option<&str>, passphrase: &str) -> Result<Unlocked> {
        self.check_throttle()?;
        let person = people::choose(&self.db, user)?;
        let id: i64 = person.id.parse().map_err(|_| Error::Tamper("key slot"))?;
        let (kdf, salt, wrapped, sealed_identity): (String, Vec<u8>, Vec<u8>, Option<Vec<u8>>) =
            self.db.query_row(
                "SELECT kdf, salt, wrapped, identity FROM key_slots WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        let params: KdfParams =
            serde_json::from_str(&kdf).map_err(|_| Error::Tamper("key slot parameters"))?;
        let kek = params.derive(passphrase.as_bytes(), &salt)?;
        let Ok(master) = crypto::open(&kek, &slot_binding(&self.id, id), &wrapped, "key slot")
        else {
            self.record_failure()?;
            return Err(Error::WrongPassphrase);
        };
        let identity = match sealed_identity {
            Some(sealed) => Some(Identity::open(&kek, &self.id, id, &sealed)?),
            None => None,
        };
        self.finish_unlock(
            master,
            id,
            person.name,
            Some(person.role),
            identity,
            Some(&kek),
        )
    }

    /// Opens the recovery slot (for a forgotten passphrase; `Session::unlock_with_recovery`).
    pub(crate) fn open_recovery_slot(&self, recovery: &str) -> Result<Unlocked> {
        self.check_throttle()?;
        let Some(key) = RecoveryKey::parse(recovery) else {
            self.record_failure()?;
            return Err(Error::WrongRecoveryKey);
        };
        let slot: Option<SlotRow> = self
            .db
            .query_row(
                "SELECT id, salt, wrapped, identity FROM key_slots WHERE kind = 'recovery'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        if let Some((id, salt, wrapped, sealed_identity)) = slot {
            let kek = recovery_kek(&salt, &key, &self.id);
            if let Ok(master) =
                crypto::open(&kek, &slot_binding(&self.id, id), &wrapped, "key slot")
            {
                let identity = match sealed_identity {
                    Some(sealed) => Some(Identity::open(&kek, &self.id, id, &sealed)?),
                    None => None,
                };
                return self.finish_unlock(
                    master,
                    id,
                    "恢复密钥".to_string(),
                    None,
                    identity,
                    None,
                );
            }
        }
        self.record_failure()?;
        Err(Error::WrongRecoveryKey)
    }

    /// Ends an unlock in one transaction: the failures folded into the audit log, the unlock
    /// audited, and, for a person's slot from before people (`kek` given, no identity), an
    /// identity made and sealed beside the archive key: that person becomes the administrator.
    fn finish_unlock(
        &self,
        master: zeroize::Zeroizing<Vec<u8>>,
        slot: i64,
        label: String,
        role: Option<Role>,
        mut identity: Option<Identity>,
        kek: Option<&Key>,
    ) -> Result<Unlocked> {
        let mut raw = zeroize::Zeroizing::new([0u8; 32]);
        if master.len() != 32 {
            return Err(Error::Tamper("key slot"));
        }
        raw.copy_from_slice(&master);
        let audit_key = audit::derive_key(&raw, &self.id);
        let mut conn = db::connect(&self.dir.join(db::DB_FILE), false)?;
        let mut head = audit::read_head(&conn, &audit_key)?;
        let tx = conn.transaction()?;
        if let (None, Some(kek)) = (&identity, kek) {
            let made = Identity::generate();
            tx.execute(
                "UPDATE key_slots SET role = coalesce(role, 'admin'), recipient = ?1, identity = ?2 WHERE id = ?3",
                params![made.recipient(), made.seal(kek, &self.id, slot), slot],
            )?;
            if people::founder(&tx)?.is_none() {
                people::set_founder(&tx, slot)?;
            }
            identity = Some(made);
        }
        head = fold_failures(&tx, &self.id, &audit_key, head)?;
        let entry = AuditEntry {
            seq: 0,
            at: now_text(),
            actor: label.clone(),
            action: AuditAction::Unlock,
            student_no: None,
            student_withheld: None,
            detail: String::new(),
        };
        head = audit::append(&tx, &self.id, &audit_key, head, &entry)?;
        tx.commit()?;
        Ok(Unlocked {
            dir: self.dir.clone(),
            db: conn,
            id: self.id,
            master: raw,
            slot,
            label,
            role,
            identity,
            head,
        })
    }
}

#[cfg(unix)]
fn restrict_dir(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn restrict_dir(_dir: &Path) {}
