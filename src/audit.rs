//! The audit log: who unlocked, who opened which file, every write and export. Entries are sealed
//! and hash-chained with a keyed MAC, and the head of the chain is kept MAC'd in `meta`, so an
//! edited, removed or truncated entry is detected by [`verify`].

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
    /// The 学号 concerned, if one.
    pub student_no: Option<String>,
    /// Details, e.g. the kind of record written.
    pub detail: String,
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

/// Appends an entry inside the caller's transaction and returns the new head; the caller keeps
/// it only once the transaction commits.
pub fn append(
    db: &Connection,
    archive: &[u8; 16],
    key: &[u8; 32],
    head: Head,
    entry: &AuditEntry,
) -> Result<Head> {
    let seq = head.seq + 1;
    let entry = AuditEntry {
        seq: seq as i32,
        ..entry.clone()
    };
    let json = serde_json::to_vec(&entry).map_err(|_| Error::Tamper("audit entry"))?;
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

/// Walks the whole chain; returns every entry, or the first place where it breaks.
pub fn verify(db: &Connection, archive: &[u8; 16], key: &[u8; 32]) -> Result<Vec<AuditEntry>> {
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
        let entry: AuditEntry = serde_json::from_slice(&plain).map_err(|_| Error::AuditBroken {
            seq,
            reason: "the entry is unreadable",
        })?;
        if i64::from(entry.seq) != seq {
            return Err(Error::AuditBroken {
                seq,
                reason: "the entry was moved",
            });
        }
        out.push(entry);
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
