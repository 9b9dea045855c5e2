//! People 人员 and their caseloads, managed: adding and removing people, assigning caseloads by
//! class, grade or student, handing caseloads from one counselor to another, and the recovery
//! slot's custody. Every change is audited with who did it; taking access away rotates the keys it
//! covered, so a wrapped key the leaver copied opens nothing that is written from then on.

use std::collections::{BTreeSet, HashSet};

use crate::people::{self, Identity, Person, Role};

use super::caseloads::{put_grant, wrap_binding, Held, Scope};
use super::*;

/// What a caseload assignment names (any number of each).
#[derive(Debug, Clone, Default)]
pub struct CaseloadSelector {
    /// Classes (班级), by name.
    pub classes: Vec<String>,
    /// Grades (年级), e.g. `2023`.
    pub grades: Vec<String>,
    /// Single students, by 学号.
    pub students: Vec<String>,
}

/// One caseload as the 人员与权限 page and `user list --json` show it.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseloadView {
    /// A class name, or the 学号 of a single student (when the person may see it).
    pub label: String,
    /// Whether it is one student rather than a class.
    pub single: bool,
    /// Students in it.
    pub students: i32,
}

/// A person with the caseloads assigned to them.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonView {
    /// The person.
    pub person: Person,
    /// Their assigned caseloads.
    pub caseloads: Vec<CaseloadView>,
    /// Whether this is the unlocked person.
    pub me: bool,
}

impl Session {
    /// Every person of the archive with their assigned caseloads.
    pub fn people(&self) -> Result<Vec<PersonView>> {
        let list = people::list(&self.db)?;
        let mut out = Vec::with_capacity(list.len());
        for p in list {
            let slot: i64 = p.id.parse().map_err(|_| Error::Tamper("key slot"))?;
            let mut caseloads = Vec::new();
            for id in self.grants_of(slot, true)? {
                caseloads.push(self.caseload_view(id)?);
            }
            caseloads.sort_by(|a, b| a.label.cmp(&b.label));
            out.push(PersonView {
                me: slot == self.slot,
                person: p,
                caseloads,
            });
        }
        Ok(out)
    }

    fn caseload_view(&self, id: i64) -> Result<CaseloadView> {
        let students: i64 = self.db.query_row(
            "SELECT count(*) FROM student_wraps WHERE caseload_id = ?1",
            [id],
            |r| r.get(0),
        )?;
        let scope = self.caseloads().scopes.get(&id).cloned();
        let (label, single) = match scope {
            Some(Scope::Class(c)) => (c, false),
            Some(Scope::Student(sid)) => (
                self.students
                    .get(&sid)
                    .map(|s| s.profile.student_no.clone())
                    .unwrap_or_else(|| "—".into()),
                true,
            ),
            None => ("—".into(), false),
        };
        Ok(CaseloadView {
            label,
            single,
            students: students as i32,
        })
    }

    /// Adds a person with their own passphrase (管理员 only). A leader is given every caseload,
    /// an administrator keeps every caseload in custody, a counselor starts with none.
    pub fn add_person(&mut self, name: &str, role: Role, passphrase: &str) -> Result<Person> {
        self.require_role(&[Role::Admin])?;
        if Self::legacy_keys(&self.db)? {
            return Err(Error::Refused {
                field: "recovery",
                reason: Reason::RecoveryKeyOutdated,
            });
        }
        let name = people::check_name(name)?;
        archive::check_passphrase(passphrase)?;
        if people::list(&self.db)?.iter().any(|p| p.name == name) {
            return Err(Error::Refused {
                field: "user",
                reason: Reason::PersonExists,
            });
        }
        let id = self.id;
        let detail = format!("person added: {name} ({})", role.as_str());
        let slot = self.write(AuditAction::People, None, detail, |tx, me| {
            let identity = Identity::generate();
            let slot = archive::write_passphrase_slot(
                tx,
                &id,
                &me.keys.master,
                None,
                &name,
                role,
                &identity,
                passphrase,
            )?;
            if role.holds_every_caseload() {
                let recipient = identity.recipient();
                for (cid, h) in me.caseloads().held.iter() {
                    put_grant(
                        tx,
                        *cid,
                        slot,
                        &recipient,
                        role.reads_every_caseload(),
                        &h.key,
                    )?;
                }
            }
            Ok(slot)
        })?;
        people::list(&self.db)?
            .into_iter()
            .find(|p| p.id == slot.to_string())
            .ok_or(Error::Tamper("key slot"))
    }

    /// Removes a person (管理员 only): their slot and grants go, and every caseload they were
    /// assigned gets a new key.
    pub fn remove_person(&mut self, name: &str) -> Result<()> {
        self.require_role(&[Role::Admin])?;
        let list = people::list(&self.db)?;
        let p = people::choose(&self.db, Some(name))?;
        let admins = list.iter().filter(|q| q.role == Role::Admin).count();
        if p.role == Role::Admin && admins <= 1 {
            return Err(Error::Refused {
                field: "user",
                reason: Reason::LastAdmin,
            });
        }
        let slot: i64 = p.id.parse().map_err(|_| Error::Tamper("key slot"))?;
        let theirs = self.grants_of(slot, false)?;
        let detail = format!("person removed: {}", p.name);
        self.write(AuditAction::People, None, detail, |tx, me| {
            tx.execute("DELETE FROM grants WHERE slot_id = ?1", [slot])?;
            tx.execute("DELETE FROM key_slots WHERE id = ?1", [slot])?;
            for cid in theirs {
                me.rotate(tx, cid)?;
            }
            Ok(())
        })?;
        self.after_key_change()
    }

    /// The caseloads granted to `slot` (assigned ones only when `assigned_only`).
    fn grants_of(&self, slot: i64, assigned_only: bool) -> Result<Vec<i64>> {
        let sql = if assigned_only {
            "SELECT caseload_id FROM grants WHERE slot_id = ?1 AND assigned = 1"
        } else {
            "SELECT caseload_id FROM grants WHERE slot_id = ?1"
        };
        Ok(self
            .db
            .prepare(sql)?
            .query_map([slot], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Assigns caseloads to a person (管理员 or 学院负责人): the classes named, every class with a
    /// student of the grades named, and single students. Returns how many caseloads were given.
    pub fn assign_caseload(&mut self, user: &str, sel: &CaseloadSelector) -> Result<usize> {
        self.require_role(&[Role::Admin, Role::Leader])?;
        let p = people::choose(&self.db, Some(user))?;
        let slot: i64 = p.id.parse().map_err(|_| Error::Tamper("key slot"))?;
        let recipient = people::recipient_of(&self.db, slot)?.ok_or(Error::Tamper("key slot"))?;
        let reach = self.reachable_students()?;
        let mut classes: BTreeSet<String> = sel.classes.iter().map(|c| c.trim().into()).collect();
        for (_, _, prof) in &reach {
            if sel.grades.iter().any(|g| g.trim() == prof.grade) {
                classes.insert(prof.class_name.clone());
            }
        }
        let mut targets: Vec<i64> = Vec::new();
        {
            let c = self.caseloads();
            for class in &classes {
                match c.of_class(class) {
                    Some(id) if c.held.contains_key(&id) => targets.push(id),
                    _ => {
                        return Err(Error::Refused {
                            field: "class",
                            reason: Reason::CaseloadNoMatch,
                        })
                    }
                }
            }
        }
        let mut singles = Vec::new();
        for sno in &sel.students {
            let no = normalize::identifier(sno);
            let found = reach.iter().find(|(_, _, p)| p.student_no == no);
            let Some((sid, key, _)) = found else {
                return Err(Error::Refused {
                    field: "student",
                    reason: Reason::CaseloadNoMatch,
                });
            };
            singles.push((*sid, Zeroizing::new(**key)));
        }
        if targets.is_empty() && singles.is_empty() {
            return Err(Error::Refused {
                field: "class",
                reason: Reason::CaseloadNoMatch,
            });
        }
        let n = targets.len() + singles.len();
        let detail = format!(
            "caseload assigned to {}: {} classes, {} students",
            p.name,
            targets.len(),
            singles.len()
        );
        self.write(AuditAction::People, None, detail, |tx, me| {
            for cid in &targets {
                let key = Zeroizing::new(*me.caseloads().held[cid].key);
                put_grant(tx, *cid, slot, &recipient, true, &key)?;
            }
            for (sid, data_key) in &singles {
                let existing = me.caseloads().scopes.iter().find_map(|(id, s)| {
                    (*s == Scope::Student(*sid)).then_some(*id)
                });
                let (cid, key) = match existing.and_then(|id| {
                    me.caseloads()
                        .held
                        .get(&id)
                        .map(|h| (id, Zeroizing::new(*h.key)))
                }) {
                    Some(found) => found,
                    None => {
                        let made = me.make_caseload(tx, Scope::Student(*sid))?;
                        // The maker holds it in custody, not as their own work.
                        if let Some(h) = me.caseloads().held.get_mut(&made.0) {
                            h.assigned = false;
                        }
                        tx.execute(
                            "UPDATE grants SET assigned = 0 WHERE caseload_id = ?1 AND slot_id = ?2",
                            params![made.0, me.slot],
                        )?;
                        made
                    }
                };
                me.wrap_student(tx, *sid, cid, &key, data_key)?;
                put_grant(tx, cid, slot, &recipient, true, &key)?;
            }
            Ok(())
        })?;
        self.after_key_change()?;
        Ok(n)
    }

    /// Hands the caseloads assigned to `from` (only those of `class` when given) over to `to`
    /// (管理员 or 学院负责人), with the reason: `to` is assigned them, `from` loses them, and each
    /// gets a new key. `notes` (学号, text) go along as a handover note 交接说明 in each named
    /// student's file, which must be among those moving. Returns how many caseloads moved.
    pub fn transfer_caseload(
        &mut self,
        from: &str,
        to: &str,
        class: Option<&str>,
        reason: &str,
        notes: &[(String, String)],
    ) -> Result<usize> {
        self.require_role(&[Role::Admin, Role::Leader])?;
        if reason.trim().is_empty() {
            return Err(Error::Refused {
                field: "reason",
                reason: Reason::AmendReasonMissing,
            });
        }
        let a = people::choose(&self.db, Some(from))?;
        let b = people::choose(&self.db, Some(to))?;
        let a_slot: i64 = a.id.parse().map_err(|_| Error::Tamper("key slot"))?;
        let b_slot: i64 = b.id.parse().map_err(|_| Error::Tamper("key slot"))?;
        let b_recipient =
            people::recipient_of(&self.db, b_slot)?.ok_or(Error::Tamper("key slot"))?;
        let moving: Vec<i64> = {
            let c = self.caseloads();
            self.grants_of(a_slot, true)?
                .into_iter()
                .filter(|id| match class {
                    Some(cl) => matches!(c.scopes.get(id), Some(Scope::Class(n)) if n == cl.trim()),
                    None => true,
                })
                .filter(|id| c.held.contains_key(id))
                .collect()
        };
        if moving.is_empty() {
            return Err(Error::Refused {
                field: "class",
                reason: Reason::CaseloadNoMatch,
            });
        }
        // Each note's student, among those moving.
        let mut noted: Vec<(i64, Key, NewRecord)> = Vec::new();
        if !notes.is_empty() {
            let reach = self.reachable_students()?;
            for (sno, text) in notes {
                let no = normalize::identifier(sno);
                let found = reach.iter().find(|(sid, _, p)| {
                    p.student_no == no && self.wraps_in(*sid, &moving).unwrap_or(false)
                });
                let (Some((sid, key, p)), false) = (found, text.trim().is_empty()) else {
                    return Err(Error::Refused {
                        field: "note",
                        reason: Reason::CaseloadNoMatch,
                    });
                };
                noted.push((
                    *sid,
                    Zeroizing::new(**key),
                    NewRecord {
                        date: crate::rules::calendar::today(),
                        author: self.actor.clone(),
                        amends: None,
                        amend_reason: String::new(),
                        body: RecordBody::Observation(Observation {
                            reporter: format!("{}（交接说明）", a.name),
                            place: p.class_name.clone(),
                            text: text.trim().to_string(),
                            note: reason.trim().to_string(),
                        }),
                    },
                ));
            }
        }
        let detail = format!(
            "caseload transferred from {} to {} ({} caseloads): {}",
            a.name,
            b.name,
            moving.len(),
            reason.trim()
        );
        let leaver_keeps_custody = a.role.holds_every_caseload();
        self.write(AuditAction::People, None, detail, |tx, me| {
            for (sid, key, record) in &noted {
                me.insert_record(tx, *sid, key, record, None)?;
            }
            for cid in &moving {
                let key = Zeroizing::new(*me.caseloads().held[cid].key);
                put_grant(tx, *cid, b_slot, &b_recipient, true, &key)?;
                if leaver_keeps_custody {
                    tx.execute(
                        "UPDATE grants SET assigned = 0 WHERE caseload_id = ?1 AND slot_id = ?2",
                        params![cid, a_slot],
                    )?;
                } else {
                    tx.execute(
                        "DELETE FROM grants WHERE caseload_id = ?1 AND slot_id = ?2",
                        params![cid, a_slot],
                    )?;
                    me.rotate(tx, *cid)?;
                }
            }
            Ok(())
        })?;
        self.after_key_change()?;
        Ok(moving.len())
    }

    /// Whether a student's data key is wrapped under one of `caseloads`.
    fn wraps_in(&self, sid: i64, caseloads: &[i64]) -> Result<bool> {
        let ids = super::caseloads::caseloads_of(&self.db, sid)?;
        Ok(ids.iter().any(|c| caseloads.contains(c)))
    }

    /// Gives caseload `cid` a new key: its students' data keys re-wrapped, its remaining holders'
    /// grants re-wrapped. Needs the old key (this person holds it).
    pub(super) fn rotate(&self, tx: &Connection, cid: i64) -> Result<()> {
        let Some(old) = self
            .caseloads()
            .held
            .get(&cid)
            .map(|h| Zeroizing::new(*h.key))
        else {
            return Ok(());
        };
        let new = crypto::random_key();
        let wraps: Vec<(i64, Vec<u8>)> = tx
            .prepare("SELECT student_id, wrapped FROM student_wraps WHERE caseload_id = ?1")?
            .query_map([cid], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (sid, wrapped) in wraps {
            let raw = crypto::open(
                &old,
                &wrap_binding(&self.id, cid, sid),
                &wrapped,
                "a student's data key",
            )?;
            let data_key = super::caseloads::key_from(&raw)?;
            self.wrap_student(tx, sid, cid, &new, &data_key)?;
        }
        let grants: Vec<(i64, bool, String)> = tx
            .prepare(
                "SELECT g.slot_id, g.assigned, k.recipient FROM grants g JOIN key_slots k ON k.id = g.slot_id WHERE g.caseload_id = ?1",
            )?
            .query_map([cid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (slot, assigned, recipient) in grants {
            put_grant(tx, cid, slot, &recipient, assigned, &new)?;
        }
        let assigned = self
            .caseloads()
            .held
            .get(&cid)
            .map(|h| h.assigned)
            .unwrap_or(false);
        self.caseloads()
            .held
            .insert(cid, Held { key: new, assigned });
        Ok(())
    }

    /// After grants changed: this person's caseloads and index read again from the rows.
    fn after_key_change(&mut self) -> Result<()> {
        self.reload_keys()
    }

    /// Wraps every caseload this person holds to the recovery slot `slot` (after its key was
    /// renewed), and moves the files of an archive from before people into class caseloads,
    /// emptying their archive-key wraps. Refused unless this person holds every caseload.
    pub(super) fn escrow_to_recovery(
        &self,
        tx: &Connection,
        slot: i64,
        recipient: &str,
    ) -> Result<()> {
        let all: HashSet<i64> = self.caseloads().scopes.keys().copied().collect();
        let held: HashSet<i64> = self.caseloads().held.keys().copied().collect();
        if !all.is_subset(&held) {
            return Err(Error::Refused {
                field: "recovery",
                reason: Reason::RoleMayNot,
            });
        }
        // Files kept under the archive key (from before people) move into class caseloads.
        let legacy: Vec<i64> = tx
            .prepare("SELECT id FROM students WHERE length(data_key) > 0")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for sid in legacy {
            let Some(entry) = self.students.get(&sid) else {
                return Err(Error::Refused {
                    field: "recovery",
                    reason: Reason::RoleMayNot,
                });
            };
            let (cid, key) = self.caseload_for_new(tx, &entry.profile.class_name)?;
            self.wrap_student(tx, sid, cid, &key, &entry.key)?;
        }
        tx.execute(
            "UPDATE students SET data_key = x'' WHERE length(data_key) > 0",
            [],
        )?;
        // Change-log entries written before people, under the shared change-log key, are sealed
        // again under their students' entry keys.
        if self.legacy_keys {
            self.reseal_legacy_ops(tx)?;
        }
        let c = self.caseloads();
        for (cid, h) in c.held.iter() {
            put_grant(tx, *cid, slot, recipient, false, &h.key)?;
        }
        Ok(())
    }

    /// Resets a person's access (after a recovery-key unlock): a new passphrase and identity for
    /// their slot, and every caseload they had wrapped to the new identity.
    pub(super) fn reset_person(&mut self, user: Option<&str>, passphrase: &str) -> Result<String> {
        let p = people::choose(&self.db, user)?;
        let slot: i64 = p.id.parse().map_err(|_| Error::Tamper("key slot"))?;
        let theirs: Vec<(i64, bool)> = self
            .db
            .prepare("SELECT caseload_id, assigned FROM grants WHERE slot_id = ?1")?
            .query_map([slot], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let id = self.id;
        let name = p.name.clone();
        self.write(
            AuditAction::PassphraseChange,
            None,
            format!("access reset with the recovery key: {name}"),
            |tx, me| {
                let identity = Identity::generate();
                archive::write_passphrase_slot(
                    tx,
                    &id,
                    &me.keys.master,
                    Some(slot),
                    &p.name,
                    p.role,
                    &identity,
                    passphrase,
                )?;
                let recipient = identity.recipient();
                let c = me.caseloads();
                for (cid, assigned) in &theirs {
                    match c.held.get(cid) {
                        Some(h) => put_grant(tx, *cid, slot, &recipient, *assigned, &h.key)?,
                        // Not in the recovery slot's custody: the grant would open nothing now.
                        None => {
                            tx.execute(
                                "DELETE FROM grants WHERE caseload_id = ?1 AND slot_id = ?2",
                                params![cid, slot],
                            )?;
                        }
                    }
                }
                Ok(())
            },
        )?;
        Ok(name)
    }
}
