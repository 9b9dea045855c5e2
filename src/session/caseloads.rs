//! Caseloads 负责范围: which students a person's keys open.
//!
//! A caseload is a class (班级) or a single student. Its random key wraps the data key of each of
//! its students (`student_wraps`), and is itself wrapped to every person who holds it (`grants`,
//! to the person's X25519 identity, src/people.rs). A grant is *assigned* (the person works with
//! those students and sees them) or custody only (an administrator keeps every caseload to hand it
//! on, and the recovery slot keeps every caseload to reset a person's access). Leaders are
//! assigned every caseload. What a person's keys do not open never reaches their index: lists,
//! search, the dashboard, obligations and reports are views of the index.

use std::collections::HashMap;
use std::sync::{MutexGuard, PoisonError};

use crate::people::{self, Identity, Role};

use super::*;

/// What a caseload covers. Sealed under the archive key: class names are not student data, and a
/// single student is named by row id only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Scope {
    /// Every student of a class.
    Class(String),
    /// One student (by row id).
    Student(i64),
}

/// A caseload key this person holds.
pub(super) struct Held {
    pub(super) key: Key,
    /// Shown to this person (not custody only).
    pub(super) assigned: bool,
}

/// The caseloads as this session knows them.
#[derive(Default)]
pub(super) struct Caseloads {
    /// Every caseload's scope, held or not.
    pub(super) scopes: HashMap<i64, Scope>,
    /// The keys this person's identity opens.
    pub(super) held: HashMap<i64, Held>,
    /// Made by the open transaction: forgotten again if it does not commit.
    fresh: Vec<i64>,
}

fn scope_binding(archive: &[u8; 16], id: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "caseloads",
        row: id,
        student: 0,
        version: 0,
    }
}

pub(super) fn wrap_binding(archive: &[u8; 16], caseload: i64, student: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "student_wraps",
        row: caseload,
        student,
        version: 0,
    }
}

/// The subkey the scopes are sealed under (shared by every person).
pub(super) fn scope_key(master: &Key, archive: &[u8; 16]) -> Key {
    crypto::subkey(master, archive, "caseloads")
}

impl Caseloads {
    /// Reads every scope and opens this slot's grants.
    pub(super) fn load(
        db: &Connection,
        archive: &[u8; 16],
        master: &Key,
        slot: i64,
        identity: Option<&Identity>,
    ) -> Result<Caseloads> {
        let key = scope_key(master, archive);
        let mut scopes = HashMap::new();
        let mut stmt = db.prepare("SELECT id, scope FROM caseloads")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let plain = crypto::open(
                &key,
                &scope_binding(archive, id),
                blob(r, 1, "a caseload")?,
                "a caseload",
            )?;
            scopes.insert(id, from_json(&plain, "a caseload")?);
        }
        let mut held = HashMap::new();
        if let Some(identity) = identity {
            let mut stmt =
                db.prepare("SELECT caseload_id, assigned, wrapped FROM grants WHERE slot_id = ?1")?;
            let mut rows = stmt.query([slot])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let assigned: bool = r.get(1)?;
                let key = identity.unwrap(id, blob(r, 2, "a caseload key")?)?;
                held.insert(id, Held { key, assigned });
            }
        }
        Ok(Caseloads {
            scopes,
            held,
            fresh: Vec::new(),
        })
    }

    /// The class caseload of `class`, if there is one.
    pub(super) fn of_class(&self, class: &str) -> Option<i64> {
        self.scopes
            .iter()
            .find(|(_, s)| matches!(s, Scope::Class(c) if c == class))
            .map(|(id, _)| *id)
    }

    /// The keys of the caseloads shown, for building the index: the assigned ones, or every one
    /// held after a recovery-key unlock (the break-glass sees what it keeps).
    pub(super) fn shown(&self, every_held: bool) -> HashMap<i64, &Key> {
        self.held
            .iter()
            .filter(|(_, h)| every_held || h.assigned)
            .map(|(id, h)| (*id, &h.key))
            .collect()
    }

    /// Forgets the caseloads made by a transaction that did not commit.
    pub(super) fn forget_fresh(&mut self) {
        for id in std::mem::take(&mut self.fresh) {
            self.scopes.remove(&id);
            self.held.remove(&id);
        }
    }

    /// Keeps the caseloads made by a transaction that commits.
    pub(super) fn keep_fresh(&mut self) {
        self.fresh.clear();
    }
}

/// One person's row, for wrapping a caseload to them.
struct Holder {
    slot: i64,
    role: Option<Role>,
    recipient: String,
}

fn holders(db: &Connection) -> Result<Vec<Holder>> {
    let mut stmt =
        db.prepare("SELECT id, kind, role, recipient FROM key_slots WHERE recipient IS NOT NULL")?;
    let rows = stmt
        .query_map([], |r| {
            let kind: String = r.get(1)?;
            let role: Option<String> = r.get(2)?;
            Ok(Holder {
                slot: r.get(0)?,
                role: if kind == "recovery" {
                    None
                } else {
                    Some(role.as_deref().and_then(Role::parse).unwrap_or(Role::Admin))
                },
                recipient: r.get(3)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(super) fn put_grant(
    tx: &Connection,
    caseload: i64,
    slot: i64,
    recipient: &str,
    assigned: bool,
    key: &Key,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT OR REPLACE INTO grants (caseload_id, slot_id, assigned, wrapped) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        caseload,
        slot,
        assigned,
        people::wrap_to(recipient, caseload, key)?
    ])?;
    Ok(())
}

impl Session {
    pub(super) fn caseloads(&self) -> MutexGuard<'_, Caseloads> {
        self.caseloads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The role of the unlocked person; `None` after a recovery-key unlock.
    pub fn role(&self) -> Option<Role> {
        self.role
    }

    /// The author of a record written now: the unlocked person (the typed name only after a
    /// recovery-key unlock, which is nobody's).
    pub(super) fn author_of(&self, typed: &str) -> String {
        match self.role {
            Some(_) => self.actor.clone(),
            None => typed.trim().to_string(),
        }
    }

    /// Refuses unless the unlocked person has one of `roles`.
    pub(super) fn require_role(&self, roles: &[Role]) -> Result<()> {
        match self.role {
            Some(r) if roles.contains(&r) => Ok(()),
            _ => Err(Error::Refused {
                field: "user",
                reason: Reason::RoleMayNot,
            }),
        }
    }

    /// Makes a caseload with `scope` in the caller's transaction and wraps its fresh key to this
    /// person (assigned), to every leader (assigned), every administrator and the recovery slot
    /// (custody). Returns its id and key.
    pub(super) fn make_caseload(&self, tx: &Connection, scope: Scope) -> Result<(i64, Key)> {
        let id = crypto::random_id();
        let key = crypto::random_key();
        let sealed = crypto::seal(
            &scope_key(&self.keys.master, &self.id),
            &scope_binding(&self.id, id),
            &to_json(&scope)?,
        );
        tx.prepare_cached("INSERT INTO caseloads (id, scope) VALUES (?1, ?2)")?
            .execute(params![id, sealed])?;
        for h in holders(tx)? {
            let assigned = h.slot == self.slot || h.role == Some(Role::Leader);
            let custody = h.role.is_none_or(Role::holds_every_caseload);
            if assigned || custody {
                put_grant(tx, id, h.slot, &h.recipient, assigned, &key)?;
            }
        }
        let mut c = self.caseloads();
        c.scopes.insert(id, scope);
        c.held.insert(
            id,
            Held {
                key: Zeroizing::new(*key),
                assigned: true,
            },
        );
        c.fresh.push(id);
        Ok((id, key))
    }

    /// The caseload a new student of `class` goes into, made if the class has none yet. Refused
    /// when the class is another person's and this person does not hold it.
    pub(super) fn caseload_for_new(&self, tx: &Connection, class: &str) -> Result<(i64, Key)> {
        let existing = {
            let c = self.caseloads();
            c.of_class(class)
                .map(|id| (id, c.held.get(&id).map(|h| Zeroizing::new(*h.key))))
        };
        match existing {
            Some((id, Some(key))) => Ok((id, key)),
            Some((_, None)) => Err(Error::Refused {
                field: "class_name",
                reason: Reason::NotInCaseload,
            }),
            None => self.make_caseload(tx, Scope::Class(class.to_string())),
        }
    }

    /// Wraps a student's data key under a caseload's key.
    pub(super) fn wrap_student(
        &self,
        tx: &Connection,
        sid: i64,
        caseload: i64,
        caseload_key: &Key,
        data_key: &Key,
    ) -> Result<()> {
        let wrapped = crypto::seal(
            caseload_key,
            &wrap_binding(&self.id, caseload, sid),
            &data_key[..],
        );
        tx.prepare_cached(
            "INSERT OR REPLACE INTO student_wraps (student_id, caseload_id, wrapped) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![sid, caseload, wrapped])?;
        Ok(())
    }

    /// Reads this person's caseloads again and rebuilds the index from the rows (after grants or
    /// keys changed).
    pub(super) fn reload_keys(&mut self) -> Result<()> {
        self.legacy_keys = Self::legacy_keys(&self.db)?;
        let loaded = Caseloads::load(
            &self.db,
            &self.id,
            &self.keys.master,
            self.slot,
            self.identity.as_ref(),
        )?;
        let tx = self.db.unchecked_transaction()?;
        let index = Self::build_index(
            &tx,
            &self.id,
            &self.keys,
            &loaded,
            self.legacy_keys,
            self.role.is_none(),
        )?;
        self.data_version = snapshot::data_version(&tx)?;
        tx.commit()?;
        *self.caseloads() = loaded;
        self.students = index.students.into();
        self.by_lookup = index.by_lookup;
        self.snapshot_stamp = None;
        Ok(())
    }

    /// Whether this archive still keeps data keys under the archive key (from before people,
    /// until its recovery key is renewed).
    pub(super) fn legacy_keys(db: &Connection) -> Result<bool> {
        let with_identity: i64 = db.query_row(
            "SELECT count(*) FROM key_slots WHERE kind = 'recovery' AND identity IS NOT NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(with_identity == 0)
    }

    /// The data key of a student as a caseload this person holds (assigned or in custody) opens
    /// it, or the archive key for a file from before people.
    pub(super) fn open_data_key(&self, sid: i64) -> Result<Option<Key>> {
        let c = self.caseloads();
        let mut stmt = self.db.prepare_cached(
            "SELECT caseload_id, wrapped FROM student_wraps WHERE student_id = ?1",
        )?;
        let mut rows = stmt.query([sid])?;
        while let Some(r) = rows.next()? {
            let cid: i64 = r.get(0)?;
            if let Some(h) = c.held.get(&cid) {
                let raw = crypto::open(
                    &h.key,
                    &wrap_binding(&self.id, cid, sid),
                    blob(r, 1, "a student's data key")?,
                    "a student's data key",
                )?;
                return key_from(&raw).map(Some);
            }
        }
        drop(rows);
        let legacy: Vec<u8> =
            self.db
                .query_row("SELECT data_key FROM students WHERE id = ?1", [sid], |r| {
                    r.get(0)
                })?;
        if legacy.is_empty() {
            return Ok(None);
        }
        let raw = crypto::open(
            &self.keys.master,
            &key_binding(&self.id, sid),
            &legacy,
            "a student's data key",
        )?;
        key_from(&raw).map(Some)
    }

    /// Every student row whose data key this person's held caseloads open, with its profile:
    /// what an administrator's custody reaches (for assigning by grade or 学号).
    pub(super) fn reachable_students(&self) -> Result<Vec<(i64, Key, StudentProfile)>> {
        let ids: Vec<(i64, i64)> = self
            .db
            .prepare("SELECT id, version FROM students")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut out = Vec::new();
        for (sid, version) in ids {
            let Some(key) = self.open_data_key(sid)? else {
                continue;
            };
            let sealed: Vec<u8> =
                self.db
                    .query_row("SELECT profile FROM students WHERE id = ?1", [sid], |r| {
                        r.get(0)
                    })?;
            let plain = crypto::open(
                &key,
                &profile_binding(&self.id, sid, version),
                &sealed,
                "a student profile",
            )?;
            out.push((sid, key, from_json(&plain, "a student profile")?));
        }
        Ok(out)
    }
}

/// The caseloads whose keys wrap student `sid`'s data key.
pub(super) fn caseloads_of(db: &Connection, sid: i64) -> Result<Vec<i64>> {
    Ok(db
        .prepare_cached("SELECT caseload_id FROM student_wraps WHERE student_id = ?1")?
        .query_map([sid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

pub(super) fn key_from(raw: &[u8]) -> Result<Key> {
    let arr: [u8; 32] = raw
        .try_into()
        .map_err(|_| Error::Tamper("a student's data key"))?;
    Ok(Zeroizing::new(arr))
}
