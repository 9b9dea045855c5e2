//! The baseline's bundles: `Session::export_bundle` and `Session::import_bundle`
//! (`src/session/sync.rs`) with the cryptography taken out and the bookkeeping kept, so the ratio
//! measures signing, age encryption and sealing, not the sync protocol.
//!
//! Kept as in the core: the peer's state row (acknowledged sequence, next bundle number) read and
//! written back, the clock read in the export's read transaction, only the local changes the peer
//! has not acknowledged, profile changes collapsed to the newest per student and origin, the
//! counts, a `bundle::Manifest` (the core's type), the file staged, the state (peer row, the bundle
//! sent) committed with the audit entry, then the file put in place and read back. The import:
//! the duplicate check by bundle id, the peer's sequence and gap checks, the clock read once,
//! advanced by every change and written once, the held check per change, profiles first, the
//! last-writer-wins merge with conflict listing for students already held, `amends` resolved,
//! the operation rows, the receipt's manifest (the core's type) kept in the bundle log, the peer
//! row and the audit entry, in one transaction.
//!
//! Left out, being cryptography: the site identity (keys), the signature and its check, the
//! content hash and the bundle's hash identity (the bundle id stands in), age encryption and
//! decryption, sealing and opening, blind indexes (the lookup columns hold the plain values).
//! Attachments are not carried (the synthetic data has none; the baseline has no attachment table).

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use xindang::audit::AuditAction;
use xindang::bundle::{self, BundleKind, Change, ChangeOp, Counts, Manifest, ReceiptBody, SiteRef};
use xindang::model::{NewRecord, StudentProfile};
use xindang::normalize;
use xindang::session::sync::{differing_fields, split_uid};
use xindang::session::validate_profile;

use super::{
    append_audit, fs, insert_record_row, json_err, now_text, read_clock, sort_heads, sql, Head,
    OpBody, PResult, PlainSession, Student, LOCAL, OP_PROFILE, OP_RECORD,
};

/// This baseline site's id in the changes it exports (the core uses its site id).
const SITE: &str = "plain-site";

/// A peer's sync state, as the core's `Peer` minus its public keys.
#[derive(Serialize, Deserialize, Clone)]
struct PlainPeer {
    name: String,
    acked_to: i64,
    next_bundle_seq: i64,
    last_in_bundle: i64,
    last_in_to: i64,
}

/// The bundle sent, as the core's `BundleOut`.
#[derive(Serialize, Deserialize)]
struct BundleOut {
    bundle_id: String,
    kind: BundleKind,
    recipient: String,
    to_seq: i64,
    students: Vec<i64>,
    retired: bool,
    recipient_name: String,
    at: String,
}

/// The bundle received, as the core's `BundleIn`: the receipt is its manifest, unsigned.
#[derive(Serialize, Deserialize)]
struct BundleIn {
    bundle_id: String,
    sender: String,
    receipt: String,
}

/// A conflict listed, as the core's `SyncConflict`.
#[derive(Serialize)]
struct Conflict<'a> {
    student_no: &'a str,
    fields: Vec<String>,
    kept_site: String,
    other_site: String,
    at: String,
}

/// The tables the bundles need beyond the baseline's schema (as `src/db.rs` migration 2, plain).
pub(super) const BUNDLE_SCHEMA: &str = r#"
CREATE TABLE peers (id INTEGER PRIMARY KEY, lookup TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE bundles_in (id INTEGER PRIMARY KEY, lookup TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE bundles_out (id INTEGER PRIMARY KEY, lookup TEXT NOT NULL UNIQUE, body TEXT NOT NULL);
CREATE TABLE conflicts (id INTEGER PRIMARY KEY, student_id INTEGER NOT NULL REFERENCES students(id), body TEXT NOT NULL);
"#;

/// What an import adds to memory after the commit.
#[derive(Default)]
struct Pending {
    new: HashMap<String, Student>,
    updated: HashMap<i64, (i64, StudentProfile)>,
    heads: Vec<(i64, Head)>,
}

fn peer(tx: &Connection, name: &str) -> PResult<(i64, PlainPeer)> {
    let (id, body): (i64, String) = tx
        .query_row(
            "SELECT id, body FROM peers WHERE lookup = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(sql)?;
    Ok((id, serde_json::from_str(&body).map_err(json_err)?))
}

fn save_peer(tx: &Connection, id: i64, p: &PlainPeer) -> PResult<()> {
    tx.execute(
        "INSERT OR REPLACE INTO peers (id, lookup, body) VALUES (?1, ?2, ?3)",
        params![id, p.name, serde_json::to_string(p).map_err(json_err)?],
    )
    .map_err(sql)?;
    Ok(())
}

fn held(tx: &Connection, origin: &str, seq: i64) -> PResult<Option<i64>> {
    tx.prepare_cached("SELECT target FROM ops WHERE origin = ?1 AND seq = ?2")
        .map_err(sql)?
        .query_row(params![origin, seq], |r| r.get(0))
        .optional()
        .map_err(sql)
}

fn insert_op(tx: &Connection, body: &OpBody, kind: i64, sid: i64, target: i64) -> PResult<()> {
    tx.prepare_cached(
        "INSERT INTO ops (id, origin, seq, kind, student_id, target, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .map_err(sql)?
    .execute(params![
        xindang::crypto::random_id(),
        body.origin.as_deref().unwrap_or(LOCAL),
        body.seq,
        kind,
        sid,
        target,
        serde_json::to_string(body).map_err(json_err)?
    ])
    .map_err(sql)?;
    Ok(())
}

fn site_ref(id: &str) -> SiteRef {
    SiteRef {
        id: id.into(),
        name: id.into(),
    }
}

/// The container without signature: manifest length, manifest JSON, frames.
fn container(manifest: &Manifest, frames: &[u8]) -> PResult<Vec<u8>> {
    let m = serde_json::to_vec(manifest).map_err(json_err)?;
    let mut file = Vec::with_capacity(4 + m.len() + frames.len());
    file.extend_from_slice(&(m.len() as u32).to_be_bytes());
    file.extend_from_slice(&m);
    file.extend_from_slice(frames);
    Ok(file)
}

impl PlainSession {
    /// Trusts a peer by name (the bench's setup, as `import_profile`; not timed).
    pub fn add_peer(&mut self, name: &str) -> PResult<()> {
        let p = PlainPeer {
            name: name.into(),
            acked_to: 0,
            next_bundle_seq: 1,
            last_in_bundle: 0,
            last_in_to: 0,
        };
        self.write(AuditAction::Write, None, "peer".into(), |tx, _| {
            save_peer(tx, xindang::crypto::random_id(), &p)
        })
    }

    /// The bundle export to the peer `to`, as `Session::export_bundle` minus the cryptography.
    pub fn export_bundle(&mut self, to: &str, out: &Path) -> PResult<usize> {
        let read = self.db.unchecked_transaction().map_err(sql)?;
        let (peer_row, mut peer) = peer(&read, to)?;
        let clock = read_clock(&read)?;
        // With the attachment each change carries (none in the synthetic data), as in the core.
        let mut changes: Vec<(Change, Option<Vec<u8>>)> = Vec::new();
        {
            let mut stmt = read
                .prepare(
                    "SELECT kind, student_id, target, body FROM ops WHERE origin = ?1 AND seq > ?2 ORDER BY seq",
                )
                .map_err(sql)?;
            let mut body_stmt = read
                .prepare_cached("SELECT body FROM records WHERE id = ?1 AND student_id = ?2")
                .map_err(sql)?;
            let mut rows = stmt.query(params![LOCAL, peer.acked_to]).map_err(sql)?;
            while let Some(r) = rows.next().map_err(sql)? {
                let kind: i64 = r.get(0).map_err(sql)?;
                let sid: i64 = r.get(1).map_err(sql)?;
                let target: i64 = r.get(2).map_err(sql)?;
                let op: OpBody =
                    serde_json::from_slice(r.get_ref(3).map_err(sql)?.as_bytes().map_err(fs)?)
                        .map_err(json_err)?;
                let s = self
                    .students
                    .get(&sid)
                    .ok_or("plaintext baseline: a change's student is missing")?;
                let op_body = if kind == OP_PROFILE {
                    ChangeOp::Profile {
                        profile: op.profile.ok_or("plaintext baseline: a bad change")?,
                    }
                } else {
                    let body: String = body_stmt
                        .query_row([target, sid], |r| r.get(0))
                        .map_err(sql)?;
                    let record: NewRecord = serde_json::from_str(&body).map_err(json_err)?;
                    let written_at = s
                        .heads
                        .iter()
                        .find(|h| h.id == target)
                        .map(|h| h.written_at.to_string())
                        .unwrap_or_default();
                    ChangeOp::Record {
                        written_at,
                        record,
                        has_attachment: false,
                    }
                };
                changes.push((
                    Change {
                        origin: op.origin.unwrap_or_else(|| SITE.into()),
                        seq: op.seq,
                        hlc: op.hlc,
                        student_no: s.profile.student_no.clone(),
                        op: op_body,
                    },
                    None,
                ));
            }
        }
        read.commit().map_err(sql)?;
        let changes = bundle::collapse_profiles(changes);
        let counts = bundle::count(&changes);
        let frames = bundle::frame_changes(changes.iter().map(|(c, a)| (c, a.as_deref())))
            .map_err(|e| e.to_string())?;
        let manifest = Manifest {
            format: bundle::FORMAT_VERSION,
            bundle_id: format!("{:032x}", xindang::crypto::random_id()),
            kind: BundleKind::Sync,
            sender: site_ref(SITE),
            recipient: site_ref(&peer.name),
            created_at: now_text(),
            bundle_seq: peer.next_bundle_seq,
            from_seq: peer.acked_to + 1,
            to_seq: clock.seq,
            counts: counts.clone(),
            content_sha256: String::new(),
            receipt: None,
            sender_profile: None,
            audit: None,
        };
        let file = container(&manifest, &frames)?;
        peer.next_bundle_seq += 1;
        let sent = BundleOut {
            bundle_id: manifest.bundle_id.clone(),
            kind: manifest.kind,
            recipient: peer.name.clone(),
            to_seq: clock.seq,
            students: Vec::new(),
            retired: false,
            recipient_name: peer.name.clone(),
            at: manifest.created_at.clone(),
        };
        let detail = format!(
            "{:?} bundle {} to {}: {} students, {} profiles, {} records",
            manifest.kind,
            manifest.bundle_id,
            peer.name,
            counts.students,
            counts.profiles,
            counts.records
        );
        let staged = bundle::stage(out, &file).map_err(|e| e.to_string())?;
        self.write(AuditAction::Export, None, detail, |tx, _| {
            save_peer(tx, peer_row, &peer)?;
            tx.execute(
                "INSERT INTO bundles_out (id, lookup, body) VALUES (?1, ?2, ?3)",
                params![
                    xindang::crypto::random_id(),
                    sent.bundle_id,
                    serde_json::to_string(&sent).map_err(json_err)?
                ],
            )
            .map_err(sql)?;
            Ok(())
        })?;
        staged.publish().map_err(|e| e.to_string())?;
        let back = std::fs::read(out).map_err(|e| e.to_string())?;
        if back != file {
            return Err("plaintext baseline: the bundle does not read back".into());
        }
        Ok(changes.len())
    }

    /// The bundle import from the peer `from`, as `Session::import_bundle` minus the
    /// cryptography; returns the changes applied.
    pub fn import_bundle(&mut self, from: &str, file: &[u8]) -> PResult<usize> {
        let bad = || "plaintext baseline: a damaged bundle".to_string();
        let mlen = u32::from_be_bytes(
            file.get(..4)
                .ok_or_else(bad)?
                .try_into()
                .map_err(|_| bad())?,
        ) as usize;
        let m: Manifest =
            serde_json::from_slice(file.get(4..4 + mlen).ok_or_else(bad)?).map_err(json_err)?;
        let frames = file.get(4 + mlen..).ok_or_else(bad)?;
        let mut changes: Vec<Change> = Vec::new();
        let mut at = 0;
        while at < frames.len() {
            let hdr = frames.get(at..at + 5).ok_or_else(bad)?;
            let len = u32::from_be_bytes([hdr[1], hdr[2], hdr[3], hdr[4]]) as usize;
            at += 5;
            let bytes = frames.get(at..at + len).ok_or_else(bad)?;
            at += len;
            changes.push(serde_json::from_slice(bytes).map_err(json_err)?);
        }
        let seen: Option<String> = self
            .db
            .query_row(
                "SELECT body FROM bundles_in WHERE lookup = ?1",
                [&m.bundle_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql)?;
        if seen.is_some() {
            return Ok(0);
        }
        let (peer_row, mut peer) = peer(&self.db, from)?;
        if m.bundle_seq <= peer.last_in_bundle || m.from_seq < 1 || m.to_seq < m.from_seq - 1 {
            return Err("plaintext baseline: a stale bundle".into());
        }
        if m.from_seq <= peer.last_in_to + 1 {
            peer.last_in_to = peer.last_in_to.max(m.to_seq);
        }
        peer.last_in_bundle = m.bundle_seq;
        // As the core: the page cache raised for the import's one transaction, then put back.
        let cache: i64 = self
            .db
            .pragma_query_value(None, "cache_size", |r| r.get(0))
            .map_err(sql)?;
        self.db
            .pragma_update(None, "cache_size", -bundle::IMPORT_CACHE_KIB)
            .map_err(sql)?;
        let applied = self.import_changes(&m, &changes, peer_row, &mut peer);
        self.db
            .pragma_update(None, "cache_size", cache)
            .map_err(sql)?;
        applied
    }

    /// The import's transaction.
    fn import_changes(
        &mut self,
        m: &Manifest,
        changes: &[Change],
        peer_row: i64,
        peer: &mut PlainPeer,
    ) -> PResult<usize> {
        let bad = || "plaintext baseline: a damaged bundle".to_string();
        let tx = self.db.unchecked_transaction().map_err(sql)?;
        let mut clock = read_clock(&tx)?;
        let mut pending = Pending::default();
        let ordered = changes
            .iter()
            .filter(|c| matches!(c.op, ChangeOp::Profile { .. }))
            .chain(
                changes
                    .iter()
                    .filter(|c| matches!(c.op, ChangeOp::Record { .. })),
            );
        let (mut applied, mut conflicts) = (0, 0);
        for c in ordered {
            clock.hlc = clock.hlc.max(c.hlc);
            if held(&tx, &c.origin, c.seq)?.is_some() {
                continue;
            }
            let origin = Some(c.origin.clone());
            match &c.op {
                ChangeOp::Profile { profile } => {
                    let profile = validate_profile(profile.clone()).map_err(|e| e.to_string())?;
                    let lookup = normalize::identifier(&profile.student_no);
                    let known = pending
                        .new
                        .get(&lookup)
                        .map(|s| s.id)
                        .or_else(|| self.by_lookup.get(&lookup).copied());
                    let sid = match known {
                        None => {
                            let s = self.import_student(&tx, &profile, &lookup)?;
                            let sid = s.id;
                            pending.new.insert(lookup, s);
                            sid
                        }
                        Some(sid) => {
                            if self.merge_profile(&tx, sid, c, &profile, &lookup, &mut pending)? {
                                conflicts += 1;
                            }
                            sid
                        }
                    };
                    let op = OpBody {
                        origin,
                        seq: c.seq,
                        hlc: c.hlc,
                        profile: Some(profile),
                    };
                    insert_op(&tx, &op, OP_PROFILE, sid, sid)?;
                }
                ChangeOp::Record {
                    written_at, record, ..
                } => {
                    let lookup = normalize::identifier(&c.student_no);
                    let sid = pending
                        .new
                        .get(&lookup)
                        .map(|s| s.id)
                        .or_else(|| self.by_lookup.get(&lookup).copied())
                        .ok_or("plaintext baseline: a record of an unknown student")?;
                    let mut record = record.clone();
                    let amends = match &record.amends {
                        None => None,
                        Some(u) => {
                            let (o, s) = split_uid(u).ok_or_else(bad)?;
                            Some(
                                held(&tx, o, s)?
                                    .ok_or("plaintext baseline: an incomplete bundle")?,
                            )
                        }
                    };
                    record.amends = amends.map(|a| a.to_string());
                    let rid = xindang::crypto::random_id();
                    let head = Head::of(rid, &record, amends, written_at.clone());
                    insert_record_row(&tx, sid, &head, &record)?;
                    let op = OpBody {
                        origin,
                        seq: c.seq,
                        hlc: c.hlc,
                        profile: None,
                    };
                    insert_op(&tx, &op, OP_RECORD, sid, rid)?;
                    pending.heads.push((sid, head));
                }
            }
            applied += 1;
        }
        tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_clock', ?1)")
            .map_err(sql)?
            .execute([serde_json::to_string(&clock).map_err(json_err)?])
            .map_err(sql)?;
        // The receipt: the core's manifest, neither signed nor encrypted.
        let receipt = Manifest {
            format: bundle::FORMAT_VERSION,
            bundle_id: format!("{:032x}", xindang::crypto::random_id()),
            kind: BundleKind::Receipt,
            sender: m.recipient.clone(),
            recipient: m.sender.clone(),
            created_at: now_text(),
            bundle_seq: 0,
            from_seq: 0,
            to_seq: 0,
            counts: Counts::default(),
            content_sha256: String::new(),
            receipt: Some(ReceiptBody {
                bundle_id: m.bundle_id.clone(),
                bundle_hash: m.bundle_id.clone(),
                bundle_kind: m.kind,
                acked_to: peer.last_in_to,
                counts: m.counts.clone(),
                applied: 0,
                refused: Vec::new(),
            }),
            sender_profile: None,
            audit: None,
        };
        let seen = BundleIn {
            bundle_id: m.bundle_id.clone(),
            sender: m.sender.id.clone(),
            receipt: serde_json::to_string(&receipt).map_err(json_err)?,
        };
        tx.execute(
            "INSERT INTO bundles_in (id, lookup, body) VALUES (?1, ?2, ?3)",
            params![
                xindang::crypto::random_id(),
                m.bundle_id,
                serde_json::to_string(&seen).map_err(json_err)?
            ],
        )
        .map_err(sql)?;
        save_peer(&tx, peer_row, peer)?;
        let seq = append_audit(
            &tx,
            self.audit_seq,
            AuditAction::Import,
            None,
            format!(
                "{:?} bundle {} from {}: {applied} changes, {conflicts} conflicts",
                m.kind, m.bundle_id, peer.name
            ),
        )?;
        tx.commit().map_err(sql)?;
        self.audit_seq = seq;
        for (lookup, s) in pending.new {
            self.by_lookup.insert(lookup, s.id);
            self.students.insert(s.id, s);
        }
        for (sid, (v, p)) in pending.updated {
            if let Some(s) = self.students.get_mut(&sid) {
                s.version = v;
                s.profile = p;
            }
        }
        let mut touched = HashSet::new();
        for (sid, h) in pending.heads {
            if let Some(s) = self.students.get_mut(&sid) {
                s.heads.push(h);
                touched.insert(sid);
            }
        }
        for sid in touched {
            if let Some(s) = self.students.get_mut(&sid) {
                sort_heads(&mut s.heads);
            }
        }
        Ok(applied)
    }

    /// As the core's `import_student`: no local operation is logged, the change came from a peer.
    fn import_student(
        &self,
        tx: &Connection,
        profile: &StudentProfile,
        lookup: &str,
    ) -> PResult<Student> {
        let sid = xindang::crypto::random_id();
        tx.prepare_cached(
            "INSERT INTO students (id, lookup, version, profile) VALUES (?1, ?2, 1, ?3)",
        )
        .map_err(sql)?
        .execute(params![
            sid,
            lookup,
            serde_json::to_string(profile).map_err(json_err)?
        ])
        .map_err(sql)?;
        Ok(Student {
            id: sid,
            version: 1,
            profile: profile.clone(),
            heads: Vec::new(),
        })
    }

    /// As the core's `merge_profile`: last writer wins by (clock, site); a losing edit from
    /// another site that differs is listed. Returns whether a conflict was listed.
    fn merge_profile(
        &self,
        tx: &Connection,
        sid: i64,
        c: &Change,
        incoming: &StudentProfile,
        lookup: &str,
        pending: &mut Pending,
    ) -> PResult<bool> {
        let rows: Vec<String> = tx
            .prepare_cached("SELECT body FROM ops WHERE student_id = ?1 AND kind = 0")
            .map_err(sql)?
            .query_map([sid], |r| r.get(0))
            .map_err(sql)?
            .collect::<rusqlite::Result<_>>()
            .map_err(sql)?;
        let mut winner: Option<(u64, String)> = None;
        for body in rows {
            let op: OpBody = serde_json::from_str(&body).map_err(json_err)?;
            let k = (op.hlc, op.origin.unwrap_or_else(|| SITE.to_string()));
            if winner.as_ref().is_none_or(|w| k > *w) {
                winner = Some(k);
            }
        }
        let (current_version, current) = match pending.updated.get(&sid) {
            Some((v, p)) => (*v, p.clone()),
            None => {
                let s = pending
                    .new
                    .get(lookup)
                    .or_else(|| self.students.get(&sid))
                    .ok_or("plaintext baseline: an incomplete bundle")?;
                (s.version, s.profile.clone())
            }
        };
        let mine = (c.hlc, c.origin.clone());
        let wins = winner.as_ref().is_none_or(|w| mine > *w);
        let fields = differing_fields(&current, incoming);
        if fields.is_empty() {
            return Ok(false);
        }
        let winner_site = winner.map(|w| w.1).unwrap_or_else(|| SITE.to_string());
        let listed = winner_site != c.origin;
        if listed {
            let (kept, other) = if wins {
                (c.origin.clone(), winner_site)
            } else {
                (winner_site, c.origin.clone())
            };
            let conflict = Conflict {
                student_no: &incoming.student_no,
                fields,
                kept_site: kept,
                other_site: other,
                at: now_text(),
            };
            tx.prepare_cached("INSERT INTO conflicts (id, student_id, body) VALUES (?1, ?2, ?3)")
                .map_err(sql)?
                .execute(params![
                    xindang::crypto::random_id(),
                    sid,
                    serde_json::to_string(&conflict).map_err(json_err)?
                ])
                .map_err(sql)?;
        }
        if wins {
            let version = current_version + 1;
            tx.prepare_cached("UPDATE students SET version = ?1, profile = ?2 WHERE id = ?3")
                .map_err(sql)?
                .execute(params![
                    version,
                    serde_json::to_string(incoming).map_err(json_err)?,
                    sid
                ])
                .map_err(sql)?;
            if let Some(s) = pending.new.get_mut(lookup) {
                s.version = version;
                s.profile = incoming.clone();
            } else {
                pending.updated.insert(sid, (version, incoming.clone()));
            }
        }
        Ok(listed)
    }
}
