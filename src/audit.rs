//! The audit log: who unlocked, who opened which file, every write and export. Entries are sealed
//! and hash-chained with a keyed MAC, and the head of the chain is kept MAC'd in `meta`, so an
//! edited, removed or truncated entry is detected by [`verify`].
//!
//! Every key slot derives the audit key, so an entry names its student only as the row id and the
//! 学号 sealed again under that student's own data key ([`StudentSeal`], entry format 2): when a
//! retirement destroys the data key the entry no longer names anyone, and a person who cannot open
//! the data key sees the entry without the 学号. The chain covers the sealed bytes, so it verifies
//! either way. Entries of format 1 (before) carry the 学号 in the entry itself and still read.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use typeshare::typeshare;

use crate::crypto::{self, Binding};
use crate::error::{Error, Result};

/// What happened.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The archive was created.
    Create,
    /// Unlocked.
    Unlock,
    /// A failed unlock (written at the next successful unlock, when the key is there to seal it).
    FailedUnlock,
    /// A student file was opened.
    OpenFile,
    /// The student list was read.
    ListStudents,
    /// A record or profile was written.
    Write,
    /// A roster was imported.
    Import,
    /// Data left the archive (export, print, bundle).
    Export,
    /// A passphrase slot was rewritten.
    PassphraseChange,
    /// A new recovery key replaced the old one.
    RecoveryKeyChange,
    /// People or caseloads changed (人员与权限): a person added or removed, a caseload assigned
    /// or handed over.
    People,
}

/// One entry of the log.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i32,
    /// When (RFC 3339, local time).
    pub at: String,
    /// Who: the label of the key slot that unlocked.
    pub actor: String,
    /// What.
    pub action: AuditAction,
    /// The 学号 concerned, if one and if this session may see it. Never written by [`append`]:
    /// the student goes in as a [`StudentSeal`].
    pub student_no: Option<String>,
    /// Why an entry about a student shows no 学号 (`student_no` is then empty).
    #[serde(default)]
    pub student_withheld: Option<StudentWithheld>,
    /// Details, e.g. the kind of record written.
    pub detail: String,
}

/// Why an audit entry about a student shows no 学号.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StudentWithheld {
    /// The student's file is no longer in this archive (已移交: handed over and retired); the data
    /// key the 学号 was sealed under went with it.
    Retired,
    /// The student's file is here, but this session cannot open its data key (无权查看).
    NoAccess,
}

/// The student an entry names, as [`append`] writes it: the row id in the entry, the 学号 sealed
/// under the student's data key and bound to archive, entry and student.
#[derive(Clone, Copy)]
pub struct StudentSeal<'a> {
    /// The student's row id.
    pub id: i64,
    /// The student's data key.
    pub key: &'a [u8; 32],
    /// The 学号.
    pub student_no: &'a str,
}

/// The student of a verified entry, before the session resolves it with its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoggedStudent {
    /// The entry names no student.
    None,
    /// Entry format 1: the 学号 as written.
    Clear(String),
    /// Entry format 2: the student's row id and the 学号 sealed under its data key.
    Sealed {
        /// The student's row id.
        id: i64,
        /// The sealed 学号 (open with [`open_student`]).
        sealed: Vec<u8>,
    },
}

/// The entry format [`append`] writes.
const FORMAT: u32 = 2;

/// An entry as stored (sealed under the audit key). Format 1 was the JSON of [`AuditEntry`]
/// without `v`, `student` and `student_sealed`; format 2 never has `student_no`.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(default = "format_1")]
    v: u32,
    seq: i32,
    at: String,
    actor: String,
    action: AuditAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    student_no: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    student: Option<i64>,
    /// Hex of the sealed 学号.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    student_sealed: Option<String>,
    detail: String,
}

fn format_1() -> u32 {
    1
}

fn student_binding(archive: &[u8; 16], seq: i64, student: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "audit.student",
        row: seq,
        student,
        version: 0,
    }
}

/// Opens the 学号 of entry `seq` sealed under the data key `key` of student `id`.
pub fn open_student(
    archive: &[u8; 16],
    seq: i64,
    id: i64,
    key: &[u8; 32],
    sealed: &[u8],
) -> Result<String> {
    let plain = crypto::open(
        key,
        &student_binding(archive, seq, id),
        sealed,
        "audit entry",
    )
    .map_err(|_| Error::AuditBroken {
        seq,
        reason: "the entry was altered",
    })?;
    String::from_utf8(plain.to_vec()).map_err(|_| Error::AuditBroken {
        seq,
        reason: "the entry is unreadable",
    })
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The head of the chain: the last sequence number and chain value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Last sequence number (0 when empty).
    pub seq: i64,
    /// Last chain value (zeros when empty).
    pub chain: [u8; 32],
}

impl Head {
    /// The head of an empty log.
    pub const EMPTY: Head = Head {
        seq: 0,
        chain: [0; 32],
    };
}

const HEAD_KEY: &str = "audit_head";

fn chain_value(key: &[u8; 32], prev: &[u8; 32], seq: i64, sealed: &[u8]) -> [u8; 32] {
    crypto::mac(key, &[b"audit", prev, &seq.to_be_bytes(), sealed])
}

fn head_mac(key: &[u8; 32], head: &Head) -> [u8; 32] {
    crypto::mac(
        key,
        &[HEAD_KEY.as_bytes(), &head.seq.to_be_bytes(), &head.chain],
    )
}

fn binding(archive: &[u8; 16], seq: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "audit",
        row: seq,
        student: 0,
        version: 0,
    }
}

/// The audit log's key, derived from the archive's master key (the vault writes the first entries
/// before any session exists, so the derivation lives here).
pub fn derive_key(master: &[u8; 32], archive: &[u8; 16]) -> crypto::Key {
    crypto::subkey(master, archive, "audit log")
}

/// Reads the MAC'd head from `meta`.
pub fn read_head(db: &Connection, key: &[u8; 32]) -> Result<Head> {
    let raw: Option<Vec<u8>> = db
        .query_row("SELECT value FROM meta WHERE key = ?1", [HEAD_KEY], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(raw) = raw else {
        return Ok(Head::EMPTY);
    };
    if raw.len() != 72 {
        return Err(Error::AuditBroken {
            seq: 0,
            reason: "the head of the chain is damaged",
        });
    }
    let mut seq = [0u8; 8];
    seq.copy_from_slice(&raw[..8]);
    let mut chain = [0u8; 32];
    chain.copy_from_slice(&raw[8..40]);
    let head = Head {
        seq: i64::from_be_bytes(seq),
        chain,
    };
    if !crypto::mac_eq(&head_mac(key, &head), &raw[40..]) {
        return Err(Error::AuditBroken {
            seq: head.seq,
            reason: "the head of the chain was altered",
        });
    }
    Ok(head)
}

/// Appends an entry naming no student inside the caller's transaction and returns the new head;
/// the caller keeps it only once the transaction commits. `entry.student_no` is not written
/// ([`append_for`] names a student).
pub fn append(
    db: &Connection,
    archive: &[u8; 16],
    key: &[u8; 32],
    head: Head,
    entry: &AuditEntry,
) -> Result<Head> {
    append_for(db, archive, key, head, entry, None)
}

/// [`append`], naming `student` sealed under its own data key.
pub fn append_for(
    db: &Connection,
    archive: &[u8; 16],
    key: &[u8; 32],
    head: Head,
    entry: &AuditEntry,
    student: Option<StudentSeal<'_>>,
) -> Result<Head> {
    let seq = head.seq + 1;
    let stored = Stored {
        v: FORMAT,
        seq: seq as i32,
        at: entry.at.clone(),
        actor: entry.actor.clone(),
        action: entry.action,
        student_no: None,
        student: student.map(|s| s.id),
        student_sealed: student.map(|s| {
            crypto::hex(&crypto::seal(
                s.key,
                &student_binding(archive, seq, s.id),
                s.student_no.as_bytes(),
            ))
        }),
        detail: entry.detail.clone(),
    };
    let json = serde_json::to_vec(&stored).map_err(|_| Error::Tamper("audit entry"))?;
    let sealed = crypto::seal(key, &binding(archive, seq), &json);
    let chain = chain_value(key, &head.chain, seq, &sealed);
    db.execute(
        "INSERT INTO audit (seq, entry, chain) VALUES (?1, ?2, ?3)",
        params![seq, sealed, &chain[..]],
    )?;
    let new = Head { seq, chain };
    let mut raw = Vec::with_capacity(72);
    raw.extend_from_slice(&seq.to_be_bytes());
    raw.extend_from_slice(&chain);
    raw.extend_from_slice(&head_mac(key, &new));
    db.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![HEAD_KEY, raw],
    )?;
    Ok(new)
}

/// Walks the whole chain; returns every entry with its student still to resolve (`student_no`
/// empty), or the first place where it breaks.
pub fn verify(
    db: &Connection,
    archive: &[u8; 16],
    key: &[u8; 32],
) -> Result<Vec<(AuditEntry, LoggedStudent)>> {
    let head = read_head(db, key)?;
    let mut stmt = db.prepare("SELECT seq, entry, chain FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut prev = Head::EMPTY;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let seq: i64 = row.get(0)?;
        let sealed: Vec<u8> = row.get(1)?;
        let stored: Vec<u8> = row.get(2)?;
        if seq != prev.seq + 1 {
            return Err(Error::AuditBroken {
                seq: prev.seq + 1,
                reason: "an entry is missing",
            });
        }
        let chain = chain_value(key, &prev.chain, seq, &sealed);
        if !crypto::mac_eq(&chain, &stored) {
            return Err(Error::AuditBroken {
                seq,
                reason: "the entry was altered",
            });
        }
        let plain =
            crypto::open(key, &binding(archive, seq), &sealed, "audit entry").map_err(|_| {
                Error::AuditBroken {
                    seq,
                    reason: "the entry was altered",
                }
            })?;
        let unreadable = || Error::AuditBroken {
            seq,
            reason: "the entry is unreadable",
        };
        let stored: Stored = serde_json::from_slice(&plain).map_err(|_| unreadable())?;
        if i64::from(stored.seq) != seq {
            return Err(Error::AuditBroken {
                seq,
                reason: "the entry was moved",
            });
        }
        let student = match (
            stored.v,
            stored.student_no,
            stored.student,
            stored.student_sealed,
        ) {
            (1, None, None, None) | (FORMAT, None, None, None) => LoggedStudent::None,
            (1, Some(no), None, None) => LoggedStudent::Clear(no),
            (FORMAT, None, Some(id), Some(hex)) => LoggedStudent::Sealed {
                id,
                sealed: unhex(&hex).ok_or_else(unreadable)?,
            },
            _ => return Err(unreadable()),
        };
        let entry = AuditEntry {
            seq: stored.seq,
            at: stored.at,
            actor: stored.actor,
            action: stored.action,
            student_no: None,
            student_withheld: None,
            detail: stored.detail,
        };
        out.push((entry, student));
        prev = Head { seq, chain };
    }
    if prev != head {
        let seq = prev.seq + 1;
        return Err(Error::AuditBroken {
            seq,
            reason: "entries at the end were removed",
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let db = Connection::open_in_memory().expect("db");
        db.execute_batch(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB);
             CREATE TABLE audit (seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, chain BLOB NOT NULL);",
        )
        .expect("schema");
        db
    }

    fn entry(action: AuditAction) -> AuditEntry {
        AuditEntry {
            seq: 0,
            at: "2026-12-07T12:00:00+08:00".into(),
            actor: "辅导员".into(),
            action,
            student_no: None,
            student_withheld: None,
            detail: "talk record".into(),
        }
    }

    /// An entry as format 1 wrote it: the JSON of `AuditEntry` with the 学号 in clear, chained
    /// the same way.
    fn append_format_1(db: &Connection, archive: &[u8; 16], key: &[u8; 32], head: Head) -> Head {
        let seq = head.seq + 1;
        let json = serde_json::json!({"seq": seq, "at": "2025-09-01T08:00:00+08:00",
            "actor": "辅导员", "action": "open_file", "student_no": "2025010201", "detail": ""});
        let sealed = crypto::seal(key, &binding(archive, seq), json.to_string().as_bytes());
        let chain = chain_value(key, &head.chain, seq, &sealed);
        db.execute(
            "INSERT INTO audit (seq, entry, chain) VALUES (?1, ?2, ?3)",
            params![seq, sealed, &chain[..]],
        )
        .expect("insert");
        let new = Head { seq, chain };
        let mut raw = seq.to_be_bytes().to_vec();
        raw.extend_from_slice(&chain);
        raw.extend_from_slice(&head_mac(key, &new));
        db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![HEAD_KEY, raw],
        )
        .expect("head");
        new
    }

    #[test]
    fn a_student_is_sealed_under_its_own_key_and_format_1_entries_still_read() {
        let db = db();
        let archive = [7u8; 16];
        let key = crypto::random_key();
        let data_key = crypto::random_key();
        let head = append_format_1(&db, &archive, &key, Head::EMPTY);
        let student = StudentSeal {
            id: 42,
            key: &data_key,
            student_no: "2025010202",
        };
        let head = append_for(
            &db,
            &archive,
            &key,
            head,
            &entry(AuditAction::Write),
            Some(student),
        )
        .expect("append");
        // A student_no handed to `append` is not written.
        let named = AuditEntry {
            student_no: Some("2025010203".into()),
            ..entry(AuditAction::Export)
        };
        append(&db, &archive, &key, head, &named).expect("append");

        let log = verify(&db, &archive, &key).expect("verify");
        assert_eq!(log.len(), 3);
        assert_eq!(log[0].1, LoggedStudent::Clear("2025010201".into()));
        assert_eq!(log[0].0.action, AuditAction::OpenFile);
        let LoggedStudent::Sealed { id, sealed } = &log[1].1 else {
            panic!("sealed: {:?}", log[1].1);
        };
        assert_eq!(*id, 42);
        assert_eq!(log[2].1, LoggedStudent::None);
        // The entry's own plaintext (what the audit key opens) holds no 学号.
        for seq in [2i64, 3] {
            let raw: Vec<u8> = db
                .query_row("SELECT entry FROM audit WHERE seq = ?1", [seq], |r| {
                    r.get(0)
                })
                .expect("row");
            let plain = crypto::open(&key, &binding(&archive, seq), &raw, "audit").expect("open");
            let text = String::from_utf8_lossy(&plain);
            assert!(!text.contains("202501020"), "{text}");
        }
        // Only the data key opens the 学号, and only for that entry and student.
        assert_eq!(
            open_student(&archive, 2, 42, &data_key, sealed).expect("open"),
            "2025010202"
        );
        assert!(open_student(&archive, 2, 42, &key, sealed).is_err());
        assert!(open_student(&archive, 3, 42, &data_key, sealed).is_err());
        assert!(open_student(&archive, 2, 43, &data_key, sealed).is_err());
    }
}
