//! People of an archive (人员) and the keys that follow them, at the vault level.
//!
//! Each person is a passphrase key slot with a name (its label) and a [`Role`]. Besides the archive
//! key that every slot unwraps (audit, policy, network, blind indexes: what all people share), a
//! slot holds the person's own X25519 identity (age), sealed under the same passphrase-derived key.
//! Caseload keys are wrapped to identities (src/session/caseloads.rs), so whoever adds a student or
//! hands a class over can give access to a colleague without knowing the colleague's passphrase,
//! and one counselor's passphrase opens only the caseloads wrapped to that counselor.
//!
//! The recovery slot has an identity too, and every caseload is wrapped to it: the recovery key is
//! the break-glass that resets a person's access. An archive from before people (schema 3) has none
//! until its recovery key is renewed; until then its data keys stay wrapped under the archive key
//! as before, and it keeps one person (docs/security.md).

use std::str::FromStr;

use age::secrecy::ExposeSecret;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;
use zeroize::Zeroizing;

use crate::crypto::{self, Binding, Key};
use crate::error::{Error, Result};
use crate::reason::Reason;

/// What a person may do (角色).
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 辅导员: the students of their caseload.
    Counselor,
    /// 学院负责人: every student of the college; signs the weekly review.
    Leader,
    /// 管理员: adds and removes people, keeps every caseload in custody (to hand it on) but sees
    /// students only of caseloads assigned to them.
    Admin,
}

impl Role {
    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Counselor => "counselor",
            Role::Leader => "leader",
            Role::Admin => "admin",
        }
    }

    /// Parses the stored or typed text (English or Chinese).
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim() {
            "counselor" | "辅导员" => Some(Role::Counselor),
            "leader" | "学院负责人" | "负责人" => Some(Role::Leader),
            "admin" | "administrator" | "管理员" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role keeps the key of every caseload (to hand caseloads on, or to read them).
    pub fn holds_every_caseload(self) -> bool {
        matches!(self, Role::Leader | Role::Admin)
    }

    /// Whether the caseloads this role keeps are shown to it (a leader reads the whole college;
    /// an administrator only what is assigned).
    pub fn reads_every_caseload(self) -> bool {
        self == Role::Leader
    }
}

/// A person of the archive, as shown on the unlock screen and the 人员与权限 page: names and roles
/// are not student data, so they can be listed before unlocking.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The key slot's id (as text: it is a 63-bit row id).
    pub id: String,
    /// The name, unique in the archive.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// Whether this is the administrator `init` made (the default person on the command line).
    pub founder: bool,
}

/// A person's identity opened at unlock; the secret is wiped on drop.
pub(crate) struct Identity {
    pub(crate) secret: age::x25519::Identity,
}

impl Identity {
    pub(crate) fn generate() -> Identity {
        Identity {
            secret: age::x25519::Identity::generate(),
        }
    }

    /// The public half, stored in clear so that colleagues can wrap keys to it.
    pub(crate) fn recipient(&self) -> String {
        self.secret.to_public().to_string()
    }

    /// A key only this person can derive (seals their own index snapshot).
    pub(crate) fn subkey(&self, archive: &[u8; 16], label: &str) -> Key {
        let text = self.secret.to_string();
        let seed = Zeroizing::new(crypto::sha256(text.expose_secret().as_bytes()));
        crypto::subkey(&seed, archive, label)
    }

    /// The secret sealed under a slot's key-encryption key, bound to the slot.
    pub(crate) fn seal(&self, kek: &[u8; 32], archive: &[u8; 16], slot: i64) -> Vec<u8> {
        let text = self.secret.to_string();
        crypto::seal(
            kek,
            &identity_binding(archive, slot),
            text.expose_secret().as_bytes(),
        )
    }

    /// Opens a sealed identity with the slot's key-encryption key.
    pub(crate) fn open(
        kek: &[u8; 32],
        archive: &[u8; 16],
        slot: i64,
        sealed: &[u8],
    ) -> Result<Identity> {
        let plain = crypto::open(
            kek,
            &identity_binding(archive, slot),
            sealed,
            "a person's key",
        )?;
        let text = std::str::from_utf8(&plain).map_err(|_| Error::Tamper("a person's key"))?;
        let secret =
            age::x25519::Identity::from_str(text).map_err(|_| Error::Tamper("a person's key"))?;
        Ok(Identity { secret })
    }

    /// Opens a key wrapped to this identity by [`wrap_to`] for `caseload`.
    pub(crate) fn unwrap(&self, caseload: i64, wrapped: &[u8]) -> Result<Key> {
        let plain = Zeroizing::new(
            age::decrypt(&self.secret, wrapped).map_err(|_| Error::Tamper("a caseload key"))?,
        );
        if plain.len() != 40 || plain[..8] != caseload.to_be_bytes() {
            return Err(Error::Tamper("a caseload key"));
        }
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&plain[8..]);
        Ok(key)
    }
}

fn identity_binding(archive: &[u8; 16], slot: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "key_slots.identity",
        row: slot,
        student: 0,
        version: 0,
    }
}

/// Wraps `key` of caseload `caseload` to the person whose public key is `recipient`. The caseload
/// id travels inside, so a wrap moved to another caseload's row is refused when opened.
pub(crate) fn wrap_to(recipient: &str, caseload: i64, key: &[u8; 32]) -> Result<Vec<u8>> {
    let r = age::x25519::Recipient::from_str(recipient)
        .map_err(|_| Error::Tamper("a person's public key"))?;
    let mut plain = Zeroizing::new(Vec::with_capacity(40));
    plain.extend_from_slice(&caseload.to_be_bytes());
    plain.extend_from_slice(key);
    age::encrypt(&r, &plain).map_err(|_| Error::Tamper("a caseload key"))
}

/// Every person, in the order they were added.
pub(crate) fn list(db: &Connection) -> Result<Vec<Person>> {
    let founder = founder(db)?;
    let mut stmt = db.prepare(
        "SELECT id, label, role FROM key_slots WHERE kind = 'passphrase' ORDER BY added, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows
        .into_iter()
        .map(|(id, name, role)| Person {
            id: id.to_string(),
            name,
            // A slot from before people is its archive's administrator.
            role: role.as_deref().and_then(Role::parse).unwrap_or(Role::Admin),
            founder: Some(id) == founder || founder.is_none(),
        })
        .collect())
}

/// The slot `init` made (the default person when several exist and none is named).
pub(crate) fn founder(db: &Connection) -> Result<Option<i64>> {
    Ok(db
        .query_row(
            "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'founder'",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// The slot a person named `name` unlocks with; when `name` is `None`, the only person, or the
/// founding administrator when there are several (the command line's rule).
pub(crate) fn choose(db: &Connection, name: Option<&str>) -> Result<Person> {
    let people = list(db)?;
    let found = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => people.iter().find(|p| p.name == n),
        None if people.len() == 1 => people.first(),
        None => {
            let f = founder(db)?.map(|f| f.to_string());
            people
                .iter()
                .find(|p| Some(&p.id) == f.as_ref())
                .or(people.first())
        }
    };
    found.cloned().ok_or(Error::Refused {
        field: "user",
        reason: Reason::UnknownPerson,
    })
}

/// Records the first person of a new archive as its founder.
pub(crate) fn set_founder(db: &Connection, slot: i64) -> Result<()> {
    db.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('founder', ?1)",
        params![slot],
    )?;
    Ok(())
}

/// A person's public key, if their slot has one.
pub(crate) fn recipient_of(db: &Connection, slot: i64) -> Result<Option<String>> {
    Ok(db
        .query_row(
            "SELECT recipient FROM key_slots WHERE id = ?1",
            [slot],
            |r| r.get::<_, Option<String>>(0),
        )
        .optional()?
        .flatten())
}

/// Whether `name` can be a person's name: one to twenty characters, no control characters.
pub fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    let count = n.chars().count();
    if count == 0 || count > 20 || n.chars().any(char::is_control) {
        return Err(Error::Refused {
            field: "user",
            reason: Reason::BadPersonName,
        });
    }
    Ok(n.to_string())
}
