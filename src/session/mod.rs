//! An unlocked archive. Keys and the decrypted index (profiles and record headers) live only here,
//! in memory; record bodies and attachments are opened on demand. Dropping the session locks it:
//! the keys are zeroized.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{params, Connection, Transaction};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::archive::{self, now_text};
use crate::audit::{self, AuditAction, AuditEntry, Head};
use crate::crypto::{self, Binding, Key};
use crate::error::{Error, Result};
use crate::model::*;
use crate::normalize;
use crate::recovery::RecoveryKey;

pub mod app_settings;
pub mod audit_pages;
pub mod center;
pub mod desk;
pub mod network;
pub mod obligation_pages;
mod oplog;
pub mod policy_checks;
pub mod review;
mod rules;
mod search;
#[doc(hidden)]
pub mod snapshot;
pub mod sync;

pub use snapshot::SNAPSHOT_FILE;

/// Attachments are limited to 20 MB each.
pub const ATTACHMENT_LIMIT_MB: u32 = 20;

/// The keys of an unlocked archive; all wiped on drop.
pub(crate) struct SessionKeys {
    master: Key,
    index: Key,
    pub(crate) audit: Key,
    /// Seals the index snapshot (src/session/snapshot.rs).
    snapshot: Key,
}

impl SessionKeys {
    pub(crate) fn derive(archive: &[u8; 16], master: Key) -> Self {
        let index = crypto::subkey(&master, archive, "blind index");
        let audit = crypto::subkey(&master, archive, "audit log");
        let snapshot = crypto::subkey(&master, archive, "index snapshot");
        SessionKeys {
            master,
            index,
            audit,
            snapshot,
        }
    }
}

/// The sealed header of a record: what lists, search and dashboards need without the body.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RecordHead {
    #[serde(skip)]
    id: i64,
    written_at: snapshot::WrittenAt,
    date: NaiveDate,
    /// The record kind's name; one of the known names without an allocation of its own.
    kind: snapshot::KindName,
    /// The record this one corrects (ids are positive, so the option costs no extra word).
    amends: Option<std::num::NonZeroI64>,
    category: Option<TalkCategory>,
    concern: Option<ConcernLevel>,
    concern_until: Option<NaiveDate>,
    crisis: Option<CrisisLevel>,
    follow_up: Option<NaiveDate>,
    /// What the obligation engine needs beyond the above (absent in headers written before it).
    /// Boxed: most records have none, and the index holds a header per record (a million at
    /// 100,000 students), so 80 bytes saved here are 80 MB (docs/benchmarks.md).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    facts: Option<Box<crate::rules::engine::Facts>>,
}

impl RecordHead {
    /// The id of the record this one corrects.
    fn amends(&self) -> Option<i64> {
        self.amends.map(std::num::NonZeroI64::get)
    }

    fn of(id: i64, record: &NewRecord, amends: Option<i64>) -> Self {
        let mut h = RecordHead {
            id,
            written_at: now_text().into(),
            date: record.date,
            kind: snapshot::KindName::of(record.body.kind_name()),
            amends: amends.and_then(std::num::NonZeroI64::new),
            category: None,
            concern: None,
            concern_until: None,
            crisis: None,
            follow_up: None,
            facts: crate::rules::engine::Facts::of(&record.body).map(Box::new),
        };
        match &record.body {
            RecordBody::Talk(t) => {
                h.category = Some(t.category);
                h.follow_up = t.follow_up;
            }
            RecordBody::KeyConcern(k) => {
                h.concern = Some(k.level);
                h.concern_until = k.until;
            }
            RecordBody::Crisis(c) => h.crisis = Some(c.level),
            // A weekly-review decision changes the concern level like a key-concern record does.
            RecordBody::Review(r) => (h.concern, h.concern_until) = r.concern_change(record.date),
            _ => {}
        }
        h
    }
}

/// One student's part of a bulk load, applied to memory after the commit.
struct Change {
    new: Option<StudentEntry>,
    /// The blind index of the 学号, computed once per row.
    lookup: [u8; 16],
    sid: i64,
    updated: Option<(i64, StudentProfile)>,
    heads: Vec<RecordHead>,
}

struct StudentEntry {
    id: i64,
    key: Key,
    version: i64,
    profile: StudentProfile,
    heads: Vec<RecordHead>,
}

impl StudentEntry {
    /// The concern level in force today: the latest key-concern record not superseded and not ended.
    fn concern(&self, today: NaiveDate) -> Option<ConcernLevel> {
        desk::concern_level(
            &self.heads,
            |h| desk::ConcernMark {
                id: h.id,
                amends: h.amends(),
                date: h.date,
                written_at: &h.written_at,
                concern: h.concern,
                concern_until: h.concern_until,
            },
            today,
        )
    }

    fn summary(&self, today: NaiveDate) -> StudentSummary {
        desk::student_summary(
            self.id,
            &self.profile,
            self.concern(today),
            self.heads.len(),
        )
    }
}

/// What a roster import or bulk load did.
#[typeshare::typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadReport {
    /// New students.
    pub added: i32,
    /// Students whose profile changed.
    pub updated: i32,
    /// Students already there, unchanged.
    pub unchanged: i32,
    /// Records written.
    pub records: i32,
}

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

/// Checks and normalises a profile before it is stored.
pub fn validate_profile(mut p: StudentProfile) -> Result<StudentProfile> {
    p.student_no = normalize::identifier(&p.student_no);
    let sno_ok = (4..=20).contains(&p.student_no.len())
        && p.student_no.chars().all(|c| c.is_ascii_alphanumeric());
    if !sno_ok {
        return Err(Error::Invalid {
            field: "student_no",
            reason: "must be 4 to 20 letters or digits",
        });
    }
    p.name = normalize::text(&p.name);
    if p.name.is_empty() {
        return Err(Error::Invalid {
            field: "name",
            reason: "is required",
        });
    }
    p.phone = normalize::phone(&p.phone);
    Ok(p)
}

pub(crate) fn validate_record(r: &NewRecord) -> Result<()> {
    crate::rules::engine::validate_body(&r.body)?;
    let blank = |s: &str| s.trim().is_empty();
    match &r.body {
        RecordBody::Talk(t) if blank(&t.text) => Err(Error::Invalid {
            field: "text",
            reason: "a talk record needs its content",
        }),
        RecordBody::Crisis(c) if blank(&c.rationale) => Err(Error::Invalid {
            field: "rationale",
            reason: "a crisis level needs its rationale",
        }),
        RecordBody::KeyConcern(k) if blank(&k.reason) => Err(Error::Invalid {
            field: "reason",
            reason: "is required",
        }),
        RecordBody::ParentContact(c) if blank(&c.text) => Err(Error::Invalid {
            field: "text",
            reason: "is required",
        }),
        _ if r.amends.is_some() && blank(&r.amend_reason) => Err(Error::Invalid {
            field: "amend_reason",
            reason: "an amendment needs its reason",
        }),
        _ => Ok(()),
    }
}

fn blind_lookup(keys: &SessionKeys, student_no: &str) -> [u8; 16] {
    crypto::blind_index(
        &keys.index,
        "student_no",
        &normalize::identifier(student_no),
    )
}

/// An unlocked archive.
pub struct Session {
    dir: PathBuf,
    db: Connection,
    id: [u8; 16],
    keys: SessionKeys,
    slot: i64,
    actor: String,
    head: Head,
    students: HashMap<i64, StudentEntry>,
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
}

impl Drop for Session {
    /// Locking writes the index snapshot for the next unlock. Best effort: without it the next
    /// unlock rebuilds from the rows, so a failure here costs time, never data.
    fn drop(&mut self) {
        let _ = self.save_snapshot();
    }
}

impl Session {
    pub(crate) fn load(
        dir: PathBuf,
        db: Connection,
        id: [u8; 16],
        keys: SessionKeys,
        slot: i64,
        actor: String,
        head: Head,
    ) -> Result<Session> {
        // The stamp, the snapshot and the rows read in one transaction, so they agree.
        let (index, stamp, data_version, from_snapshot) = {
            let tx = db.unchecked_transaction()?;
            let stamp = snapshot::read_stamp(&tx)?;
            let data_version = snapshot::data_version(&tx)?;
            let snap = stamp.and_then(|st| snapshot::read(&dir, &id, &keys.snapshot, &st));
            let from_snapshot = snap.is_some();
            let index = match snap {
                Some(index) => index,
                None => Self::build_index(&tx, &id, &keys)?,
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
            head,
            students: index.students,
            by_lookup: index.by_lookup,
            data_version,
            snapshot_stamp: if from_snapshot { stamp } else { None },
            from_snapshot,
        })
    }

    /// Builds the index from the rows: every data key, profile and record header opened.
    fn build_index(db: &Connection, id: &[u8; 16], keys: &SessionKeys) -> Result<snapshot::Index> {
        let id = *id;
        let mut students = HashMap::new();
        let mut by_lookup = HashMap::new();
        {
            let mut stmt =
                db.prepare("SELECT id, lookup, data_key, version, profile FROM students")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let sid: i64 = r.get(0)?;
                let lookup = blob(r, 1, "a student index")?;
                let wrapped = blob(r, 2, "a student's data key")?;
                let version: i64 = r.get(3)?;
                let sealed = blob(r, 4, "a student profile")?;
                let raw = crypto::open(
                    &keys.master,
                    &key_binding(&id, sid),
                    wrapped,
                    "a student's data key",
                )?;
                let key: Key = Zeroizing::new(
                    raw[..]
                        .try_into()
                        .map_err(|_| Error::Tamper("a student's data key"))?,
                );
                let plain = crypto::open(
                    &key,
                    &profile_binding(&id, sid, version),
                    sealed,
                    "a student profile",
                )?;
                let profile: StudentProfile = from_json(&plain, "a student profile")?;
                let lookup: [u8; 16] = lookup
                    .try_into()
                    .map_err(|_| Error::Tamper("a student index"))?;
                by_lookup.insert(lookup, sid);
                students.insert(
                    sid,
                    StudentEntry {
                        id: sid,
                        key,
                        version,
                        profile,
                        heads: Vec::new(),
                    },
                );
            }
            // Each file's header list sized exactly: grown by doubling it would hold up to twice
            // the memory, and the index is most of an unlocked archive's memory.
            let mut stmt =
                db.prepare("SELECT student_id, count(*) FROM records GROUP BY student_id")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let sid: i64 = r.get(0)?;
                let n: i64 = r.get(1)?;
                if let Some(s) = students.get_mut(&sid) {
                    s.heads.reserve_exact(usize::try_from(n).unwrap_or(0));
                }
            }
            Self::read_heads(db, &id, &mut students)?;
        }
        // The lookup column must match the profiles: a swapped row is tampering.
        for (lookup, sid) in &by_lookup {
            let s = &students[sid];
            if blind_lookup(keys, &s.profile.student_no) != *lookup {
                return Err(Error::Tamper("a student index"));
            }
        }
        Ok(snapshot::Index {
            students,
            by_lookup,
        })
    }

    /// Every record header into its student's list, sorted by date and time written. The rows
    /// are read and opened here and handed over in batches to a second thread, which parses
    /// them (a JSON parse and a header built each, a million at 100,000 students): on two cores
    /// SQLite with the AES-GCM pass and the parsing run side by side. The plaintext baseline
    /// splits its rebuild the same way, so the ratio compares the same pipeline with and without
    /// the cryptography.
    fn read_heads(
        db: &Connection,
        id: &[u8; 16],
        students: &mut HashMap<i64, StudentEntry>,
    ) -> Result<()> {
        /// Rows per batch.
        const BATCH: usize = 1024;
        /// Opened headers in one batch's buffer: reserved once and never grown, since growing
        /// would leave an unwiped copy of the plaintext behind.
        const BYTES: usize = 1 << 20;
        struct Batch {
            plain: Zeroizing<Vec<u8>>,
            rows: Vec<(i64, i64, std::ops::Range<usize>)>,
        }
        let fresh = || Batch {
            plain: Zeroizing::new(Vec::with_capacity(BYTES)),
            rows: Vec::with_capacity(BATCH),
        };
        // The lists (sized exactly above) move to the parser and come back filled.
        let mut files: HashMap<i64, Vec<RecordHead>> = students
            .iter_mut()
            .map(|(sid, s)| (*sid, std::mem::take(&mut s.heads)))
            .collect();
        let keys: &HashMap<i64, StudentEntry> = students;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(4);
        let parsed = std::thread::scope(|scope| {
            let parser = scope.spawn(move || -> Result<HashMap<i64, Vec<RecordHead>>> {
                for batch in rx {
                    for (rid, sid, at) in batch.rows {
                        let heads = files
                            .get_mut(&sid)
                            .ok_or(Error::Tamper("a record's student"))?;
                        let mut head: RecordHead = from_json(&batch.plain[at], "a record header")?;
                        head.id = rid;
                        heads.push(head);
                    }
                }
                for heads in files.values_mut() {
                    heads.sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
                }
                Ok(files)
                // An error drops `rx`, which ends the reading below.
            });
            let read = (|| -> Result<()> {
                let mut stmt = db.prepare("SELECT id, student_id, header FROM records")?;
                let mut rows = stmt.query([])?;
                let mut batch = fresh();
                while let Some(r) = rows.next()? {
                    let rid: i64 = r.get(0)?;
                    let sid: i64 = r.get(1)?;
                    let key = &keys
                        .get(&sid)
                        .ok_or(Error::Tamper("a record's student"))?
                        .key;
                    let sealed = blob(r, 2, "a record header")?;
                    // The plaintext is at most the sealed body's length.
                    if (batch.rows.len() == BATCH
                        || batch.plain.len() + sealed.len() > batch.plain.capacity())
                        && !batch.rows.is_empty()
                        && tx.send(std::mem::replace(&mut batch, fresh())).is_err()
                    {
                        // The parser stopped at an error; it reports it below.
                        return Ok(());
                    }
                    let at = batch.plain.len();
                    crypto::open_append(
                        key,
                        &head_binding(id, rid, sid),
                        sealed,
                        "a record header",
                        &mut batch.plain,
                    )?;
                    batch.rows.push((rid, sid, at..batch.plain.len()));
                }
                let _ = tx.send(batch);
                Ok(())
            })();
            drop(tx);
            let parsed = match parser.join() {
                Ok(parsed) => parsed,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            // A read error first: the parser may only have seen the batches before it.
            read.and(parsed)
        })?;
        for (sid, heads) in parsed {
            if let Some(s) = students.get_mut(&sid) {
                s.heads = heads;
            }
        }
        Ok(())
    }

    /// Writes the index snapshot if the snapshot on disk is not already this index's. Skipped
    /// when another connection wrote since the index was loaded: the rows may then hold more
    /// than the index, and a snapshot must never claim them.
    pub(crate) fn save_snapshot(&mut self) -> Result<()> {
        let stamp = {
            let tx = self.db.unchecked_transaction()?;
            let stamp = snapshot::read_stamp(&tx)?;
            let foreign = snapshot::data_version(&tx)? != self.data_version;
            let stamp = match stamp {
                Some(s) if !foreign && self.snapshot_stamp != Some(s) => s,
                _ => return Ok(()),
            };
            if snapshot::rows_fingerprint(&tx)? != snapshot::index_fingerprint(&self.students) {
                return Ok(());
            }
            tx.commit()?;
            stamp
        };
        snapshot::write(
            &self.dir,
            &self.id,
            &self.keys.snapshot,
            &stamp,
            &self.students,
            &self.by_lookup,
        )?;
        self.snapshot_stamp = Some(stamp);
        Ok(())
    }

    /// Removes the index snapshot on disk and writes this index's in its place (best effort:
    /// without one the next unlock rebuilds from the rows).
    pub(crate) fn replace_snapshot(&mut self) {
        let _ = std::fs::remove_file(self.dir.join(SNAPSHOT_FILE));
        self.snapshot_stamp = None;
        let _ = self.save_snapshot();
    }

    /// Whether this session's index was read from the snapshot (for tests and benchmarks).
    #[doc(hidden)]
    pub fn index_from_snapshot(&self) -> bool {
        self.from_snapshot
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

    fn lookup(&self, student_no: &str) -> [u8; 16] {
        blind_lookup(&self.keys, student_no)
    }

    fn student_id(&self, student_no: &str) -> Result<i64> {
        self.by_lookup
            .get(&self.lookup(student_no))
            .copied()
            .ok_or(Error::StudentNotFound)
    }

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
            student_no: student_no.map(str::to_string),
            detail,
        };
        let head = audit::append(&tx, &self.id, &self.keys.audit, self.head, &entry)?;
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

    /// Every student, ordered by 学号.
    pub fn list_students(&self) -> Vec<StudentSummary> {
        let today = chrono::Local::now().date_naive();
        let mut out: Vec<_> = self.students.values().map(|s| s.summary(today)).collect();
        out.sort_by(|a, b| a.student_no.cmp(&b.student_no));
        out
    }

    /// Number of students.
    pub fn student_count(&self) -> usize {
        self.students.len()
    }

    /// The profile of one student, without opening the file (no records, not audited).
    pub fn profile(&self, student_no: &str) -> Result<&StudentProfile> {
        let sid = self.student_id(student_no)?;
        Ok(&self.students[&sid].profile)
    }

    /// Opens a student's whole file; audited.
    pub fn student_file(&mut self, student_no: &str) -> Result<StudentFile> {
        let sid = self.student_id(student_no)?;
        let s = &self.students[&sid];
        let mut records = Vec::with_capacity(s.heads.len());
        {
            let mut stmt = self
                .db
                .prepare_cached("SELECT id, body FROM records WHERE student_id = ?1")?;
            let mut rows = stmt.query([sid])?;
            let mut bodies = HashMap::new();
            while let Some(r) = rows.next()? {
                let rid: i64 = r.get(0)?;
                let sealed = blob(r, 1, "a record")?;
                let plain = crypto::open(
                    &s.key,
                    &body_binding(&self.id, rid, sid),
                    sealed,
                    "a record",
                )?;
                bodies.insert(rid, from_json::<NewRecord>(&plain, "a record")?);
            }
            for h in &s.heads {
                let record = bodies.remove(&h.id).ok_or(Error::Tamper("a record"))?;
                let superseded_by = s
                    .heads
                    .iter()
                    .rev()
                    .find(|o| o.amends() == Some(h.id))
                    .map(|o| o.id.to_string());
                records.push(StoredRecord {
                    id: h.id.to_string(),
                    written_at: h.written_at.to_string(),
                    superseded_by,
                    record,
                });
            }
        }
        let file = StudentFile {
            id: sid.to_string(),
            profile: s.profile.clone(),
            records,
        };
        let sno = file.profile.student_no.clone();
        self.write(AuditAction::OpenFile, Some(&sno), String::new(), |_, _| {
            Ok(())
        })?;
        Ok(file)
    }

    /// Inserts a new student whose 学号's blind index is `lookup`.
    fn insert_student(
        &self,
        tx: &Connection,
        profile: &StudentProfile,
        lookup: &[u8; 16],
    ) -> Result<StudentEntry> {
        let sid = crypto::random_id();
        let key = crypto::random_key();
        let wrapped = crypto::seal(&self.keys.master, &key_binding(&self.id, sid), &key[..]);
        let plain = to_json(profile)?;
        let sealed = crypto::seal(&key, &profile_binding(&self.id, sid, 1), &plain);
        tx.prepare_cached(
            "INSERT INTO students (id, lookup, data_key, version, profile) VALUES (?1, ?2, ?3, 1, ?4)",
        )?
        .execute(params![sid, &lookup[..], wrapped, sealed])?;
        self.log_op(tx, sid, sync::OpTarget::ProfileJson(&plain))?;
        Ok(StudentEntry {
            id: sid,
            key,
            version: 1,
            profile: profile.clone(),
            heads: Vec::new(),
        })
    }

    fn update_profile(
        &self,
        tx: &Connection,
        s: &StudentEntry,
        profile: &StudentProfile,
    ) -> Result<i64> {
        let version = s.version + 1;
        let plain = to_json(profile)?;
        let sealed = crypto::seal(&s.key, &profile_binding(&self.id, s.id, version), &plain);
        tx.prepare_cached("UPDATE students SET version = ?1, profile = ?2 WHERE id = ?3")?
            .execute(params![version, sealed, s.id])?;
        self.log_op(tx, s.id, sync::OpTarget::ProfileJson(&plain))?;
        Ok(version)
    }

    fn insert_record(
        &self,
        tx: &Connection,
        sid: i64,
        key: &Key,
        record: &NewRecord,
        amends: Option<i64>,
    ) -> Result<RecordHead> {
        let rid = crypto::random_id();
        let head = RecordHead::of(rid, record, amends);
        let sealed_head = crypto::seal(key, &head_binding(&self.id, rid, sid), &to_json(&head)?);
        let sealed_body = crypto::seal(key, &body_binding(&self.id, rid, sid), &to_json(record)?);
        tx.prepare_cached(
            "INSERT INTO records (id, student_id, header, body) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![rid, sid, sealed_head, sealed_body])?;
        self.log_op(tx, sid, sync::OpTarget::Record(rid))?;
        Ok(head)
    }

    /// Adds a student, or updates the profile of the student with the same 学号. Returns the id.
    pub fn put_student(&mut self, profile: StudentProfile) -> Result<String> {
        let profile = validate_profile(profile)?;
        let sno = profile.student_no.clone();
        let report = self.load_students(vec![(profile, Vec::new())], |_, new| new)?;
        let _ = report;
        Ok(self.student_id(&sno)?.to_string())
    }

    /// Adds many students with their records in one transaction (one audit entry). A student whose
    /// 学号 is already there is updated with `merge(old, new)`; records are appended.
    pub fn load_students(
        &mut self,
        items: Vec<(StudentProfile, Vec<NewRecord>)>,
        merge: impl Fn(&StudentProfile, StudentProfile) -> StudentProfile,
    ) -> Result<LoadReport> {
        let mut items_ok = Vec::with_capacity(items.len());
        for (p, records) in items {
            for r in &records {
                validate_record(r)?;
            }
            items_ok.push((validate_profile(p)?, records));
        }
        let mut report = LoadReport::default();
        let detail_count = items_ok.len();
        let changes = {
            let cache = crate::db::BulkCache::new(&self.db)?;
            let tx = self.db.unchecked_transaction()?;
            let clock = self.clock_scope();
            let mut changes: Vec<Change> = Vec::new();
            let mut seen: HashMap<[u8; 16], usize> = HashMap::new();
            for (profile, records) in &items_ok {
                let lookup = self.lookup(&profile.student_no);
                let existing = self.by_lookup.get(&lookup).copied();
                if let Some(&i) = seen.get(&lookup) {
                    // The same 学号 twice in one batch: later records join the first.
                    let c = &mut changes[i];
                    let key = c
                        .new
                        .as_ref()
                        .map(|e| &e.key)
                        .unwrap_or_else(|| &self.students[&c.sid].key);
                    for r in records {
                        c.heads.push(self.insert_record(&tx, c.sid, key, r, None)?);
                    }
                    continue;
                }
                let (new, sid, updated) = match existing {
                    Some(sid) => {
                        let s = &self.students[&sid];
                        let merged = merge(&s.profile, profile.clone());
                        if merged != s.profile {
                            let v = self.update_profile(&tx, s, &merged)?;
                            report.updated += 1;
                            (None, sid, Some((v, merged)))
                        } else {
                            report.unchanged += 1;
                            (None, sid, None)
                        }
                    }
                    None => {
                        let e = self.insert_student(&tx, profile, &lookup)?;
                        report.added += 1;
                        let sid = e.id;
                        (Some(e), sid, None)
                    }
                };
                let mut heads = Vec::with_capacity(records.len());
                {
                    let key = new
                        .as_ref()
                        .map(|e| &e.key)
                        .unwrap_or_else(|| &self.students[&sid].key);
                    for r in records {
                        heads.push(self.insert_record(&tx, sid, key, r, None)?);
                    }
                }
                report.records += heads.len() as i32;
                seen.insert(lookup, changes.len());
                changes.push(Change {
                    new,
                    lookup,
                    sid,
                    updated,
                    heads,
                });
            }
            self.flush_clock(&tx)?;
            let entry = AuditEntry {
                seq: 0,
                at: now_text(),
                actor: self.actor.clone(),
                action: AuditAction::Import,
                student_no: None,
                detail: format!(
                    "{detail_count} students: {} added, {} updated, {} unchanged, {} records",
                    report.added, report.updated, report.unchanged, report.records
                ),
            };
            let head = audit::append(&tx, &self.id, &self.keys.audit, self.head, &entry)?;
            tx.commit()?;
            drop((clock, cache));
            self.head = head;
            changes
        };
        for Change {
            new,
            lookup,
            sid,
            updated,
            heads,
        } in changes
        {
            if let Some(e) = new {
                self.by_lookup.insert(lookup, sid);
                self.students.insert(sid, e);
            }
            if let Some(s) = self.students.get_mut(&sid) {
                if let Some((v, p)) = updated {
                    s.version = v;
                    s.profile = p;
                }
                s.heads.extend(heads);
                s.heads
                    .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
            }
        }
        Ok(report)
    }

    /// Appends a record to a student's file; an amendment names the record it corrects, which is
    /// kept. Returns the new record's id.
    pub fn add_record(&mut self, student_no: &str, record: NewRecord) -> Result<String> {
        validate_record(&record)?;
        let sid = self.student_id(student_no)?;
        let amends = match &record.amends {
            Some(a) => {
                let a = parse_id(a)?;
                if !self.students[&sid].heads.iter().any(|h| h.id == a) {
                    return Err(Error::RecordNotFound);
                }
                Some(a)
            }
            None => None,
        };
        let sno = self.students[&sid].profile.student_no.clone();
        let detail = format!("{} record", record.body.kind_name());
        let head = self.write(AuditAction::Write, Some(&sno), detail, |tx, me| {
            me.insert_record(tx, sid, &me.students[&sid].key, &record, amends)
        })?;
        let id = head.id.to_string();
        if let Some(s) = self.students.get_mut(&sid) {
            s.heads.push(head);
            s.heads
                .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
        }
        Ok(id)
    }

    /// Attaches a file (scanned certificate, PDF …) to a student's file, sealed. Returns the id of
    /// the attachment record.
    pub fn add_attachment(
        &mut self,
        student_no: &str,
        date: NaiveDate,
        author: &str,
        meta: Attachment,
        content: &[u8],
    ) -> Result<String> {
        if content.len() > ATTACHMENT_LIMIT_MB as usize * 1024 * 1024 {
            return Err(Error::TooLarge {
                limit_mb: ATTACHMENT_LIMIT_MB,
            });
        }
        let sid = self.student_id(student_no)?;
        let record = NewRecord {
            date,
            author: author.to_string(),
            amends: None,
            amend_reason: String::new(),
            body: RecordBody::Attachment(Attachment {
                size: content.len() as i32,
                ..meta
            }),
        };
        let sno = self.students[&sid].profile.student_no.clone();
        let head = self.write(
            AuditAction::Write,
            Some(&sno),
            "attachment".into(),
            |tx, me| {
                let key = &me.students[&sid].key;
                let head = me.insert_record(tx, sid, key, &record, None)?;
                let sealed = crypto::seal(key, &attachment_binding(&me.id, head.id, sid), content);
                tx.execute(
                    "INSERT INTO attachments (id, student_id, content) VALUES (?1, ?2, ?3)",
                    params![head.id, sid, sealed],
                )?;
                Ok(head)
            },
        )?;
        let id = head.id.to_string();
        if let Some(s) = self.students.get_mut(&sid) {
            s.heads.push(head);
        }
        Ok(id)
    }

    /// The bytes of an attachment; audited as an export, since they leave the archive.
    pub fn attachment(&mut self, student_no: &str, record_id: &str) -> Result<Zeroizing<Vec<u8>>> {
        let sid = self.student_id(student_no)?;
        let rid = parse_id(record_id)?;
        let sealed: Vec<u8> = self
            .db
            .query_row(
                "SELECT content FROM attachments WHERE id = ?1 AND student_id = ?2",
                [rid, sid],
                |r| r.get(0),
            )
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Error::RecordNotFound,
                e => e.into(),
            })?;
        let content = crypto::open(
            &self.students[&sid].key,
            &attachment_binding(&self.id, rid, sid),
            &sealed,
            "an attachment",
        )?;
        let sno = self.students[&sid].profile.student_no.clone();
        self.write(
            AuditAction::Export,
            Some(&sno),
            "attachment".into(),
            |_, _| Ok(()),
        )?;
        Ok(content)
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

    /// Verifies the audit chain and returns every entry.
    pub fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        audit::verify(&self.db, &self.id, &self.keys.audit)
    }
}
