//! An unlocked archive. Keys and the decrypted index (profiles and record headers) live only here,
//! in memory; record bodies and attachments are opened on demand. Dropping the session locks it:
//! the keys are zeroized.
//!
//! The vault below (`crate::archive`: key slots, throttling) hands a session its opened master
//! key; it knows nothing of sessions. The `Session` API is grouped by subject, one file each:
//!
//! | file | what happens there | methods |
//! |---|---|---|
//! | `mod.rs` | the struct, opening (from an opened key slot), locking, the write-with-audit transaction | `dir`, `actor`, `lock`, `log`, `audit_log` |
//! | `keys.rs` | the session's keys; creating and unlocking an archive; key slots | `create`, `create_as`, `unlock`, `unlock_with_recovery`, `change_passphrase`, `new_recovery_key` |
//! | `caseloads.rs` | caseloads 负责范围: the keys this person holds, new students' caseloads, data-key wraps | `role` |
//! | `staff.rs` | people and caseloads managed; handing over rotates keys | `people`, `add_person`, `remove_person`, `assign_caseload`, `transfer_caseload` |
//! | `index.rs` | the decrypted in-memory index (built from rows or the snapshot) and lookups by 学号 | `list_students`, `student_count`, `profile`, `index_from_snapshot` |
//! | `records.rs` | students and records written and read: validation, bulk load, attachments | `put_student`, `load_students`, `add_record`, `add_attachment`, `attachment`, `student_file` |
//! | `profile.rs` | the profile amended field by field, with its reason, kept in the file | `amend_profile` |
//! | `snapshot.rs`, `snapshot/codec.rs` | the sealed index snapshot: file I/O, and its compact encoding | — |
//! | `search.rs` | search by 学号 and 姓名 in memory | `search` … |
//! | `desk.rs` | the counselor's dashboard and the student-list export | `dashboard`, `export_students` … |
//! | `rules.rs` | sealed settings, the policy, obligations | `policy`, `obligations` … |
//! | `duties.rs` | the network's and the colleges' duties of a day, kept between calls | — |
//! | `network.rs` | the four-level network, meetings and reports | `network` … |
//! | `lists.rs`, `inbox.rs`, `triage.rs` | semester lists in; the observers' triage inbox, its duties, a student's own obligations | `import_list`, `inbox`, `inbox_view`, `file_observation`, `dismiss_observation`, `student_obligations` |
//! | `center.rs` | the center's school-wide picture | `center_overview`, `flagged_students` |
//! | `crisis.rs` | crisis cases: open ones, a student's, a step done, a closing | `crisis_cases`, `student_crisis_cases`, `record_crisis_step`, `close_crisis` |
//! | `app_queries.rs` | what the app's administrative screens ask | `audit_page`, `obligation_page` … |
//! | `oplog.rs` | the change log's per-session state (keys, the open transaction's clock) | — |
//! | `sync/` | sites, the change log, bundles, receipts, handover, retirement (see its own table) | `site_profile`, `export_bundle`, `import_bundle`, `import_receipt` … |

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::archive::{self, now_text, Unlocked};
use crate::audit::{self, AuditAction, AuditEntry, Head};
use crate::crypto::{self, Binding, Key};
use crate::error::{Error, Result};
use crate::model::*;
use crate::normalize;
use crate::reason::Reason;
use crate::recovery::RecoveryKey;

pub mod app_settings;
pub mod audit_pages;
mod caseloads;
pub mod center;
mod crisis;
// The demo college's work: only with the synthetic generator (not in the app).
#[cfg(feature = "synth")]
mod demo;
mod departures;
pub mod desk;
mod duties;
mod inbox;
mod index;
mod keys;
mod lists;
pub mod network;
pub mod obligation_pages;
mod oplog;
pub mod policy_checks;
pub mod profile;
mod records;
pub mod review;
mod rules;
mod search;
#[doc(hidden)]
pub mod snapshot;
mod staff;
mod students;
pub mod sync;
#[cfg(test)]
mod test_archive;
pub mod triage;

#[cfg(feature = "synth")]
pub use demo::DemoWork;
pub use inbox::{InboxItem, InboxStatus};
use index::{RecordHead, StudentEntry};
pub(crate) use keys::SessionKeys;
pub use lists::{ConcernProposal, ListImportReport};
pub(crate) use records::validate_record;
pub use records::{validate_profile, LoadReport, ATTACHMENT_LIMIT_MB};
pub use snapshot::SNAPSHOT_FILE;
pub use staff::{CaseloadSelector, CaseloadView, PersonView};

fn key_binding(archive: &[u8; 16], student: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "student_keys",
        row: student,
        student,
        version: 0,
    }
}
fn profile_binding(archive: &[u8; 16], student: i64, version: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "students",
        row: student,
        student,
        version,
    }
}
fn head_binding(archive: &[u8; 16], row: i64, student: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "records.header",
        row,
        student,
        version: 0,
    }
}
fn body_binding(archive: &[u8; 16], row: i64, student: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "records.body",
        row,
        student,
        version: 0,
    }
}
fn attachment_binding(archive: &[u8; 16], row: i64, student: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "attachments",
        row,
        student,
        version: 0,
    }
}

fn to_json<T: Serialize>(v: &T) -> Result<Zeroizing<Vec<u8>>> {
    serde_json::to_vec(v)
        .map(Zeroizing::new)
        .map_err(|_| Error::Invalid {
            field: "record",
            reason: "cannot be encoded",
        })
}

fn from_json<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &'static str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|_| Error::Tamper(what))
}

/// A sealed column read in place: the index holds a million of them, so no copy before opening.
fn blob<'r>(r: &'r rusqlite::Row<'_>, i: usize, what: &'static str) -> Result<&'r [u8]> {
    r.get_ref(i)?.as_blob().map_err(|_| Error::Tamper(what))
}

fn parse_id(id: &str) -> Result<i64> {
    id.trim().parse().map_err(|_| Error::RecordNotFound)
}

/// An unlocked archive.
pub struct Session {
    dir: PathBuf,
    db: Connection,
    id: [u8; 16],
    keys: SessionKeys,
    slot: i64,
    actor: String,
    /// The unlocked person's role; `None` after a recovery-key unlock.
    role: Option<crate::people::Role>,
    /// The caseloads and the keys this person holds (src/session/caseloads.rs).
    caseloads: std::sync::Mutex<caseloads::Caseloads>,
    /// The person's identity: opens the caseload keys wrapped to them (src/people.rs).
    identity: Option<crate::people::Identity>,
    /// Whether files are still wrapped under the archive key (an archive from before people
    /// whose recovery key was not renewed yet).
    legacy_keys: bool,
    /// Whether this person's index snapshot may be written (not after a recovery-key unlock).
    snapshot_file: Option<String>,
    head: Head,
    students: students::Students,
    by_lookup: HashMap<[u8; 16], i64>,
    /// SQLite's `data_version` when the index was loaded: another value later means another
    /// connection wrote, so the index may no longer match the rows and is not snapshotted.
    data_version: i64,
    /// The data stamp of the snapshot on disk, when it is known to hold this index's rows.
    snapshot_stamp: Option<[u8; 16]>,
    /// Whether the index came from the snapshot rather than from the rows.
    from_snapshot: bool,
    /// The change log's keys and the clock of the open transaction (src/session/oplog.rs).
    oplog: oplog::OpLog,
    /// The network's and the colleges' duties of the last day asked (src/session/duties.rs).
    duties: duties::DutyCache,
    /// The students' obligations of the last day, policy and generation asked (duties.rs).
    students_obligations: duties::StudentsCache,
}

impl Drop for Session {
    /// Locking writes the index snapshot for the next unlock. Best effort: without it the next
    /// unlock rebuilds from the rows, so a failure here costs time, never data.
    fn drop(&mut self) {
        let _ = self.save_snapshot();
    }
}

impl Session {
    /// Opens a session on an archive whose key slot opened: the index read from the snapshot
    /// while its data stamp is current, else rebuilt from the rows.
    fn open(unlocked: Unlocked) -> Result<Session> {
        let Unlocked {
            dir,
            db,
            id,
            master,
            slot,
            label: actor,
            role,
            identity,
            head,
        } = unlocked;
        let mut keys = SessionKeys::derive(&id, master);
        // Each person's snapshot under a key only their identity derives, in a file of their own
        // (the founder keeps the name of archives from before people).
        let snapshot_file = match (&identity, role) {
            (Some(idn), Some(_)) => {
                keys.snapshot = idn.subkey(&id, "index snapshot");
                Some(if crate::people::founder(&db)? == Some(slot) {
                    SNAPSHOT_FILE.to_string()
                } else {
                    format!("index-{slot:016x}.snapshot")
                })
            }
            _ => None,
        };
        let legacy_keys = Self::legacy_keys(&db)?;
        let caseloads =
            caseloads::Caseloads::load(&db, &id, &keys.master, slot, identity.as_ref())?;
        // The stamp, the snapshot and the rows read in one transaction, so they agree.
        let (index, stamp, data_version, from_snapshot) = {
            let tx = db.unchecked_transaction()?;
            let stamp = snapshot::read_stamp(&tx)?;
            let data_version = snapshot::data_version(&tx)?;
            let snap = match &snapshot_file {
                Some(f) => {
                    stamp.and_then(|st| snapshot::read(&dir.join(f), &id, &keys.snapshot, &st))
                }
                None => None,
            };
            let from_snapshot = snap.is_some();
            let index = match snap {
                Some(index) => index,
                None => {
                    Self::build_index(&tx, &id, &keys, &caseloads, legacy_keys, role.is_none())?
                }
            };
            tx.commit()?;
            (index, stamp, data_version, from_snapshot)
        };
        let oplog = oplog::OpLog::new(&keys.master, &id);
        Ok(Session {
            oplog,
            dir,
            db,
            id,
            keys,
            slot,
            actor,
            role,
            caseloads: std::sync::Mutex::new(caseloads),
            legacy_keys,
            snapshot_file,
            identity,
            head,
            students: index.students.into(),
            by_lookup: index.by_lookup,
            data_version,
            snapshot_stamp: if from_snapshot { stamp } else { None },
            from_snapshot,
            duties: duties::DutyCache::default(),
            students_obligations: duties::StudentsCache::default(),
        })
    }

    /// The archive folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Who unlocked (the label of the key slot).
    pub fn actor(&self) -> &str {
        &self.actor
    }

    /// Locks: drops the keys and the decrypted index.
    pub fn lock(self) {}

    /// Runs `f` in a transaction together with an audit entry; the new audit head is kept only if
    /// the transaction commits.
    fn write<T>(
        &mut self,
        action: AuditAction,
        student_no: Option<&str>,
        detail: String,
        f: impl FnOnce(&Transaction<'_>, &Self) -> Result<T>,
    ) -> Result<T> {
        let tx = self.db.unchecked_transaction()?;
        let clock = self.clock_scope();
        let out = f(&tx, self)?;
        self.flush_clock(&tx)?;
        let entry = AuditEntry {
            seq: 0,
            at: now_text(),
            actor: self.actor.clone(),
            action,
            student_no: None,
            student_withheld: None,
            detail,
        };
        let student = student_no.and_then(|n| self.audit_seal(n));
        let head = audit::append_for(&tx, &self.id, &self.keys.audit, self.head, &entry, student)?;
        tx.commit()?;
        drop(clock);
        self.head = head;
        Ok(out)
    }

    /// Writes an audit entry on its own (exports, prints).
    pub fn log(
        &mut self,
        action: AuditAction,
        student_no: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        self.write(action, student_no, detail.to_string(), |_, _| Ok(()))
    }

    /// Verifies the audit chain and returns every entry, each naming its student only when this
    /// session can open the student's data key (`student_withheld` says why not).
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        audit::verify(&self.db, &self.id, &self.keys.audit)?
            .into_iter()
            .map(|(entry, student)| self.resolve_audit_student(entry, student))
            .collect()
    }

    /// How an audit entry names `student_no`: sealed under the student's data key, or not at all
    /// when this session holds no such student (an entry is never refused for it).
    fn audit_seal(&self, student_no: &str) -> Option<audit::StudentSeal<'_>> {
        let sid = *self.by_lookup.get(&self.lookup(student_no))?;
        Some(audit::StudentSeal {
            id: sid,
            key: self.student_key(sid)?,
            student_no: &self.students.get(&sid)?.profile.student_no,
        })
    }

    /// Opens an entry's student with the data key, or says why it cannot be shown: the student's
    /// row is gone (retired) or its key cannot be opened here. A format-1 entry (学号 in the entry
    /// itself) is shown the same way, by its 学号's blind index.
    fn resolve_audit_student(
        &self,
        mut entry: AuditEntry,
        student: audit::LoggedStudent,
    ) -> Result<AuditEntry> {
        let (sid, shown) = match student {
            audit::LoggedStudent::None => return Ok(entry),
            audit::LoggedStudent::Sealed { id, sealed } => {
                let shown = match self.student_key(id) {
                    Some(key) => Some(audit::open_student(
                        &self.id,
                        i64::from(entry.seq),
                        id,
                        key,
                        &sealed,
                    )?),
                    None => None,
                };
                (Some(id), shown)
            }
            audit::LoggedStudent::Clear(no) => {
                let lookup = self.lookup(&no);
                let sid = match self.by_lookup.get(&lookup) {
                    Some(sid) => Some(*sid),
                    None => self
                        .db
                        .prepare_cached("SELECT id FROM students WHERE lookup = ?1")?
                        .query_row([&lookup[..]], |r| r.get(0))
                        .optional()?,
                };
                let shown = sid.and_then(|sid| self.student_key(sid)).map(|_| no);
                (sid, shown)
            }
        };
        if shown.is_some() {
            entry.student_no = shown;
            return Ok(entry);
        }
        let held = match sid {
            Some(sid) => self
                .db
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM students WHERE id = ?1)")?
                .query_row([sid], |r| r.get::<_, bool>(0))?,
            None => false,
        };
        entry.student_withheld = Some(if held {
            audit::StudentWithheld::NoAccess
        } else {
            audit::StudentWithheld::Retired
        });
        Ok(entry)
    }
}
