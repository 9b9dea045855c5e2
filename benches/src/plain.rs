//! The plaintext baseline: the archive's design with the cryptography taken out, so a ratio
//! measures what encryption costs and nothing else.
//!
//! Same tables and indexes as `src/db.rs` (minus the per-student `data_key` column, since there are
//! no keys), the same connection settings (WAL, `synchronous=FULL`, `secure_delete`), the same
//! in-memory index built at "unlock" (profiles and record headers, bodies read on demand), the same
//! change-log rows and audit entries per write, the same obligation engine. What differs: JSON is
//! stored as is instead of sealed, the 学号 lookup column holds the normalised 学号 instead of its
//! keyed hash, the audit chain is not computed, there is no KDF, and bundles are neither signed nor
//! age-encrypted (their bookkeeping is the core's: `plain/bundle.rs`). Where this mirror is simpler than the core, the simplification favours the
//! baseline, so the ratios err against the encrypted archive.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};
use serde::{Deserialize, Serialize};
use xindang::audit::{AuditAction, AuditEntry};
use xindang::model::*;
use xindang::normalize;
use xindang::rules::engine::{self, Facts, RecordInput, Scratch, Selection, StudentInput};
use xindang::rules::policy::{Policy, DEFAULT_PRESET, PRESETS};
use xindang::rules::{Obligation, ObligationFilter};
use xindang::session::snapshot::{self as core_snapshot, WrittenAt};
use xindang::session::{desk, validate_profile, LoadReport};

mod bundle;
mod snapshot;

/// Errors of the baseline are bench failures; a string is enough.
pub type PResult<T> = std::result::Result<T, String>;

fn sql(e: rusqlite::Error) -> String {
    format!("plaintext baseline: sqlite: {e}")
}

fn json_err(e: serde_json::Error) -> String {
    format!("plaintext baseline: json: {e}")
}

/// The schema of `src/db.rs` (migrations 1 and 2), with plaintext columns.
const SCHEMA: &str = r#"
CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE students (
    id INTEGER PRIMARY KEY,
    lookup TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    profile TEXT NOT NULL
);
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students(id),
    header TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX records_by_student ON records(student_id);
CREATE TABLE audit (seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, chain BLOB NOT NULL);
CREATE TABLE failed_unlocks (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL);
CREATE TRIGGER records_append_only_u BEFORE UPDATE ON records
    BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
CREATE TABLE settings (id INTEGER PRIMARY KEY, version INTEGER NOT NULL, value TEXT NOT NULL);
CREATE TABLE ops (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind INTEGER NOT NULL,
    student_id INTEGER NOT NULL REFERENCES students(id),
    target INTEGER NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (origin, seq)
);
CREATE INDEX ops_by_student ON ops(student_id);
CREATE INDEX ops_by_target ON ops(target);
CREATE TABLE handovers (
    student_id INTEGER PRIMARY KEY REFERENCES students(id),
    bundle BLOB NOT NULL,
    retiring INTEGER NOT NULL DEFAULT 0
);
INSERT INTO meta (key, value) VALUES ('failed_unlocks', 0);
"#;

const DB_FILE: &str = "plain.db";
const OP_PROFILE: i64 = 0;
const OP_RECORD: i64 = 1;
const LOCAL: &str = "local";

/// Opens the file with the archive's connection settings (`src/db.rs`).
fn connect(path: &Path, create: bool) -> PResult<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let db = Connection::open_with_flags(path, flags).map_err(sql)?;
    db.pragma_update(None, "journal_mode", "WAL").map_err(sql)?;
    db.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;",
    )
    .map_err(sql)?;
    Ok(db)
}

fn now_text() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The header of a record, as the core's `RecordHead` (same fields, same JSON).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Head {
    #[serde(skip)]
    id: i64,
    written_at: WrittenAt,
    date: NaiveDate,
    kind: core_snapshot::KindName,
    amends: Option<std::num::NonZeroI64>,
    category: Option<TalkCategory>,
    concern: Option<ConcernLevel>,
    concern_until: Option<NaiveDate>,
    crisis: Option<CrisisLevel>,
    follow_up: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    facts: Option<Box<Facts>>,
}

impl Head {
    fn amends(&self) -> Option<i64> {
        self.amends.map(std::num::NonZeroI64::get)
    }

    fn of(id: i64, record: &NewRecord, amends: Option<i64>, written_at: String) -> Self {
        let mut h = Head {
            id,
            written_at: written_at.into(),
            date: record.date,
            kind: core_snapshot::KindName::of(record.body.kind_name()),
            amends: amends.and_then(std::num::NonZeroI64::new),
            category: None,
            concern: None,
            concern_until: None,
            crisis: None,
            follow_up: None,
            facts: Facts::of(&record.body).map(Box::new),
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
            RecordBody::Review(r) => (h.concern, h.concern_until) = r.concern_change(record.date),
            _ => {}
        }
        h
    }
}

#[derive(Serialize, Deserialize, Default, Clone, Copy)]
struct Clock {
    seq: i64,
    hlc: u64,
}

#[derive(Serialize, Deserialize)]
struct OpBody {
    origin: Option<String>,
    seq: i64,
    hlc: u64,
    profile: Option<StudentProfile>,
}

/// A known student's part of a load: id, new (version, profile), new heads.
type Update = (i64, Option<(i64, StudentProfile)>, Vec<Head>);

struct Student {
    id: i64,
    version: i64,
    profile: StudentProfile,
    heads: Vec<Head>,
}

impl Student {
    /// The core's own rule over this index's headers.
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

/// An "unlocked" plaintext archive: the connection and the in-memory index.
pub struct PlainSession {
    dir: PathBuf,
    db: Connection,
    students: HashMap<i64, Student>,
    by_lookup: HashMap<String, i64>,
    audit_seq: i64,
    /// As the core's `Session`: another connection's commits since the load, and the stamp of the
    /// snapshot on disk when it is this index's.
    data_version: i64,
    snapshot_stamp: Option<[u8; 16]>,
    /// As the core's `OpLog`: the change-log clock as advanced by the open transaction, written
    /// once before it commits (`flush_clock`).
    clock: Cell<Option<Clock>>,
}

impl Drop for PlainSession {
    fn drop(&mut self) {
        let _ = self.save_snapshot();
    }
}

/// As the core's `Session::read_heads`: the rows read here, handed over in batches to a second
/// thread that parses them (the core also opens them there) into each student's list.
fn read_heads(db: &Connection, students: &mut HashMap<i64, Student>) -> PResult<()> {
    const BATCH: usize = 1024;
    struct Batch {
        bytes: Vec<u8>,
        rows: Vec<(i64, i64, std::ops::Range<usize>)>,
    }
    let mut files: HashMap<i64, Vec<Head>> = students
        .iter_mut()
        .map(|(sid, s)| (*sid, std::mem::take(&mut s.heads)))
        .collect();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(4);
    let opened = std::thread::scope(|scope| {
        let parser = scope.spawn(move || -> PResult<HashMap<i64, Vec<Head>>> {
            for batch in rx {
                for (rid, sid, at) in batch.rows {
                    let heads = files
                        .get_mut(&sid)
                        .ok_or("plaintext baseline: a record's student is missing")?;
                    let mut head: Head =
                        serde_json::from_slice(&batch.bytes[at]).map_err(json_err)?;
                    head.id = rid;
                    heads.push(head);
                }
            }
            for heads in files.values_mut() {
                sort_heads(heads);
            }
            Ok(files)
        });
        let read = (|| -> PResult<()> {
            let mut stmt = db
                .prepare("SELECT id, student_id, header FROM records")
                .map_err(sql)?;
            let mut rows = stmt.query([]).map_err(sql)?;
            let fresh = || Batch {
                bytes: Vec::with_capacity(BATCH * 512),
                rows: Vec::with_capacity(BATCH),
            };
            let mut batch = fresh();
            while let Some(r) = rows.next().map_err(sql)? {
                let at = batch.bytes.len();
                batch
                    .bytes
                    .extend_from_slice(r.get_ref(2).map_err(sql)?.as_bytes().map_err(fs)?);
                batch.rows.push((
                    r.get(0).map_err(sql)?,
                    r.get(1).map_err(sql)?,
                    at..batch.bytes.len(),
                ));
                if batch.rows.len() == BATCH
                    && tx.send(std::mem::replace(&mut batch, fresh())).is_err()
                {
                    return Ok(());
                }
            }
            let _ = tx.send(batch);
            Ok(())
        })();
        drop(tx);
        let opened = match parser.join() {
            Ok(opened) => opened,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        read.and(opened)
    })?;
    for (sid, heads) in opened {
        if let Some(s) = students.get_mut(&sid) {
            s.heads = heads;
        }
    }
    Ok(())
}

/// The stored change-log clock (none yet: the start).
fn read_clock(tx: &Connection) -> PResult<Clock> {
    let stored: Option<String> = tx
        .prepare_cached("SELECT value FROM meta WHERE key = 'sync_clock'")
        .map_err(sql)?
        .query_row([], |r| r.get(0))
        .optional()
        .map_err(sql)?;
    match stored {
        Some(t) => serde_json::from_str(&t).map_err(json_err),
        None => Ok(Clock::default()),
    }
}

/// Inserts a record's row: its header and body as JSON.
fn insert_record_row(tx: &Connection, sid: i64, head: &Head, record: &NewRecord) -> PResult<()> {
    tx.prepare_cached("INSERT INTO records (id, student_id, header, body) VALUES (?1, ?2, ?3, ?4)")
        .map_err(sql)?
        .execute(params![
            head.id,
            sid,
            serde_json::to_string(head).map_err(json_err)?,
            serde_json::to_string(record).map_err(json_err)?
        ])
        .map_err(sql)?;
    Ok(())
}

fn sort_heads(heads: &mut [Head]) {
    heads.sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
}

impl PlainSession {
    /// Creates an empty plaintext archive in `dir`.
    pub fn create(dir: &Path) -> PResult<PlainSession> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let db = connect(&dir.join(DB_FILE), true)?;
        db.execute_batch(SCHEMA).map_err(sql)?;
        db.execute_batch(bundle::BUNDLE_SCHEMA).map_err(sql)?;
        // Migration 3 of the core as is: the data stamp behind the index snapshot.
        db.execute_batch(core_snapshot::DATA_STAMP_SQL)
            .map_err(sql)?;
        let mut s = PlainSession {
            dir: dir.to_path_buf(),
            db,
            students: HashMap::new(),
            by_lookup: HashMap::new(),
            audit_seq: 0,
            data_version: 0,
            snapshot_stamp: None,
            clock: Cell::new(None),
        };
        s.data_version = core_snapshot::data_version(&s.db).map_err(|e| e.to_string())?;
        s.write(
            AuditAction::Create,
            None,
            "archive created".into(),
            |_, _| Ok(()),
        )?;
        Ok(s)
    }

    /// Opens and loads: the plaintext counterpart of open + unlock (after the key derivation):
    /// the failed-unlock bookkeeping and the unlock audit entry in one transaction, then the index.
    pub fn open(dir: &Path) -> PResult<PlainSession> {
        let mut db = connect(&dir.join(DB_FILE), false)?;
        let mut audit_seq: i64 = db
            .query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))
            .map_err(sql)?;
        {
            let tx = db.transaction().map_err(sql)?;
            let failures = tx
                .prepare("SELECT at FROM failed_unlocks ORDER BY id")
                .map_err(sql)?
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(sql)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(sql)?;
            for at in failures {
                audit_seq = append_audit(&tx, audit_seq, AuditAction::FailedUnlock, None, at)?;
            }
            tx.execute("DELETE FROM failed_unlocks", []).map_err(sql)?;
            tx.execute("UPDATE meta SET value = 0 WHERE key = 'failed_unlocks'", [])
                .map_err(sql)?;
            audit_seq = append_audit(&tx, audit_seq, AuditAction::Unlock, None, String::new())?;
            tx.commit().map_err(sql)?;
        }
        // As the core: stamp, snapshot and rows in one read transaction; the snapshot when it is
        // current, else the rows.
        let (students, by_lookup, data_version, snapshot_stamp) = {
            let tx = db.unchecked_transaction().map_err(sql)?;
            let stamp = core_snapshot::read_stamp(&tx).map_err(|e| e.to_string())?;
            let data_version = core_snapshot::data_version(&tx).map_err(|e| e.to_string())?;
            let snap = stamp.and_then(|st| snapshot::read(dir, &st));
            let from_snapshot = snap.is_some();
            let (students, by_lookup) = match snap {
                Some(index) => index,
                None => Self::build_index(&tx)?,
            };
            tx.commit().map_err(sql)?;
            let snapshot_stamp = if from_snapshot { stamp } else { None };
            (students, by_lookup, data_version, snapshot_stamp)
        };
        Ok(PlainSession {
            dir: dir.to_path_buf(),
            db,
            students,
            by_lookup,
            audit_seq,
            data_version,
            snapshot_stamp,
            clock: Cell::new(None),
        })
    }

    /// The index from the rows, as the core builds it.
    fn build_index(db: &Connection) -> PResult<(HashMap<i64, Student>, HashMap<String, i64>)> {
        let mut students = HashMap::new();
        let mut by_lookup = HashMap::new();
        {
            let mut stmt = db
                .prepare("SELECT id, lookup, version, profile FROM students")
                .map_err(sql)?;
            let mut rows = stmt.query([]).map_err(sql)?;
            while let Some(r) = rows.next().map_err(sql)? {
                let sid: i64 = r.get(0).map_err(sql)?;
                let lookup: String = r.get(1).map_err(sql)?;
                let version: i64 = r.get(2).map_err(sql)?;
                let profile: StudentProfile =
                    serde_json::from_slice(r.get_ref(3).map_err(sql)?.as_bytes().map_err(fs)?)
                        .map_err(json_err)?;
                by_lookup.insert(lookup, sid);
                students.insert(
                    sid,
                    Student {
                        id: sid,
                        version,
                        profile,
                        heads: Vec::new(),
                    },
                );
            }
            // As the core: each header list sized exactly.
            let mut stmt = db
                .prepare("SELECT student_id, count(*) FROM records GROUP BY student_id")
                .map_err(sql)?;
            let mut rows = stmt.query([]).map_err(sql)?;
            while let Some(r) = rows.next().map_err(sql)? {
                let sid: i64 = r.get(0).map_err(sql)?;
                let n: i64 = r.get(1).map_err(sql)?;
                if let Some(s) = students.get_mut(&sid) {
                    s.heads.reserve_exact(usize::try_from(n).unwrap_or(0));
                }
            }
            read_heads(db, &mut students)?;
        }
        // As the core checks its blind index against the profiles.
        for (lookup, sid) in &by_lookup {
            if normalize::identifier(&students[sid].profile.student_no) != *lookup {
                return Err("plaintext baseline: index mismatch".into());
            }
        }
        Ok((students, by_lookup))
    }

    /// Deletes the index snapshot, so the next open rebuilds from the rows.
    pub fn remove_snapshot(dir: &Path) {
        snapshot::remove(dir);
    }

    /// As the core's `Session::save_snapshot`.
    pub fn save_snapshot(&mut self) -> PResult<()> {
        let stamp = {
            let tx = self.db.unchecked_transaction().map_err(sql)?;
            let stamp = core_snapshot::read_stamp(&tx).map_err(|e| e.to_string())?;
            let foreign =
                core_snapshot::data_version(&tx).map_err(|e| e.to_string())? != self.data_version;
            tx.commit().map_err(sql)?;
            match stamp {
                Some(s) if !foreign => s,
                _ => return Ok(()),
            }
        };
        if self.snapshot_stamp == Some(stamp) {
            return Ok(());
        }
        snapshot::write(&self.dir, &stamp, &self.students, &self.by_lookup)?;
        self.snapshot_stamp = Some(stamp);
        Ok(())
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of students.
    pub fn student_count(&self) -> usize {
        self.students.len()
    }

    fn write<T>(
        &mut self,
        action: AuditAction,
        student_no: Option<&str>,
        detail: String,
        f: impl FnOnce(&Transaction<'_>, &Self) -> PResult<T>,
    ) -> PResult<T> {
        let tx = self.db.unchecked_transaction().map_err(sql)?;
        self.clock.set(None);
        let out = f(&tx, self);
        let out = out.and_then(|o| self.flush_clock(&tx).map(|()| o));
        let out = out.inspect_err(|_| self.clock.set(None))?;
        let seq = append_audit(&tx, self.audit_seq, action, student_no, detail)?;
        tx.commit().map_err(sql)?;
        self.audit_seq = seq;
        Ok(out)
    }

    /// As `Session::list_students`.
    pub fn list_students(&self) -> Vec<StudentSummary> {
        let today = chrono::Local::now().date_naive();
        let mut out: Vec<_> = self.students.values().map(|s| s.summary(today)).collect();
        out.sort_by(|a, b| a.student_no.cmp(&b.student_no));
        out
    }

    /// As `Session::search`: exact 学号 through the lookup column's map, else prefixes.
    pub fn search(&self, query: &str, limit: usize) -> Vec<StudentSummary> {
        let name = normalize::text(query);
        if name.is_empty() || limit == 0 {
            return Vec::new();
        }
        let today = chrono::Local::now().date_naive();
        let sno = normalize::identifier(query);
        let sno_like = sno.chars().all(|c| c.is_ascii_alphanumeric());
        let exact = if sno_like {
            self.by_lookup.get(&sno).copied()
        } else {
            None
        };
        let mut hits: Vec<_> = self
            .students
            .values()
            .filter(|s| Some(s.id) != exact)
            .filter(|s| {
                s.profile.name.starts_with(&name)
                    || (sno_like && s.profile.student_no.starts_with(&sno))
            })
            .collect();
        hits.sort_unstable_by(|a, b| a.profile.student_no.cmp(&b.profile.student_no));
        exact
            .and_then(|id| self.students.get(&id))
            .into_iter()
            .chain(hits)
            .take(limit)
            .map(|s| s.summary(today))
            .collect()
    }

    /// As `Session::student_file`: bodies read and parsed, assembled in header order, audited.
    pub fn student_file(&mut self, student_no: &str) -> PResult<StudentFile> {
        let sid = *self
            .by_lookup
            .get(&normalize::identifier(student_no))
            .ok_or("plaintext baseline: no such student")?;
        let s = &self.students[&sid];
        let mut records = Vec::with_capacity(s.heads.len());
        {
            let mut stmt = self
                .db
                .prepare_cached("SELECT id, body FROM records WHERE student_id = ?1")
                .map_err(sql)?;
            let mut rows = stmt.query([sid]).map_err(sql)?;
            let mut bodies = HashMap::new();
            while let Some(r) = rows.next().map_err(sql)? {
                let rid: i64 = r.get(0).map_err(sql)?;
                let record: NewRecord =
                    serde_json::from_slice(r.get_ref(1).map_err(sql)?.as_bytes().map_err(fs)?)
                        .map_err(json_err)?;
                bodies.insert(rid, record);
            }
            for h in &s.heads {
                let record = bodies
                    .remove(&h.id)
                    .ok_or("plaintext baseline: a record is missing")?;
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

    /// As `Session::obligations`: the stored policy (or the default preset), the same engine.
    pub fn obligations(
        &self,
        today: NaiveDate,
        filter: &ObligationFilter,
    ) -> PResult<Vec<Obligation>> {
        let stored: Option<String> = self
            .db
            .query_row("SELECT value FROM settings WHERE id = 1", [], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        let text = match stored {
            Some(t) => t,
            None => PRESETS
                .iter()
                .find(|(id, _)| *id == DEFAULT_PRESET)
                .map(|(_, t)| t.to_string())
                .unwrap_or_default(),
        };
        let policy = Policy::parse(&text).map_err(|e| e.to_string())?;
        // As the session: one student at a time, only the obligations the filter keeps.
        let select = Selection::new(filter);
        let mut list = Vec::new();
        let mut scratch = Scratch::default();
        let none = StudentProfile::default();
        let mut input = StudentInput {
            profile: &none,
            records: Vec::new(),
        };
        let mut superseded: Vec<i64> = Vec::new();
        for s in self.students.values() {
            if !select.wants(&s.profile) {
                continue;
            }
            superseded.clear();
            superseded.extend(s.heads.iter().filter_map(|h| h.amends()));
            input.profile = &s.profile;
            input.records.clear();
            input.records.extend(
                s.heads
                    .iter()
                    .filter(|h| h.date <= today && !superseded.contains(&h.id))
                    .map(|h| RecordInput {
                        id: h.id,
                        date: h.date,
                        kind: &h.kind,
                        category: h.category,
                        concern: h.concern,
                        concern_until: h.concern_until,
                        crisis: h.crisis,
                        facts: h.facts.as_deref(),
                    }),
            );
            engine::compute_student(&policy, today, &input, &select, &mut scratch, &mut list);
        }
        list.sort_unstable_by(engine::listing_order);
        Ok(list)
    }

    /// As the core's `Session::log_op`: `profile` comes with its JSON as stored in `students`,
    /// spliced into a local operation's body as the core does.
    fn log_op(
        &self,
        tx: &Connection,
        sid: i64,
        kind: i64,
        target: i64,
        profile: Option<(&StudentProfile, &str)>,
        origin: Option<(&str, i64, u64)>,
    ) -> PResult<()> {
        let handed: Option<i64> = tx
            .prepare_cached("SELECT 1 FROM handovers WHERE student_id = ?1")
            .map_err(sql)?
            .query_row([sid], |r| r.get(0))
            .optional()
            .map_err(sql)?;
        if handed.is_some() {
            return Err("plaintext baseline: handed over".into());
        }
        let mut clock = match self.clock.get() {
            Some(c) => c,
            None => read_clock(tx)?,
        };
        clock.seq += 1;
        clock.hlc = clock
            .hlc
            .max((chrono::Utc::now().timestamp_millis() as u64) << 16)
            + 1;
        self.clock.set(Some(clock));
        let (origin_name, seq, body) = match origin {
            Some((o, s, h)) => {
                let body = OpBody {
                    origin: Some(o.to_string()),
                    seq: s,
                    hlc: h,
                    profile: profile.map(|(p, _)| p.clone()),
                };
                (o, s, serde_json::to_string(&body).map_err(json_err)?)
            }
            None => {
                let p = profile.map_or("null", |(_, json)| json);
                let body = format!(
                    "{{\"origin\":null,\"seq\":{},\"hlc\":{},\"profile\":{p}}}",
                    clock.seq, clock.hlc
                );
                (LOCAL, clock.seq, body)
            }
        };
        tx.prepare_cached(
            "INSERT INTO ops (id, origin, seq, kind, student_id, target, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )
        .map_err(sql)?
        .execute(params![
            xindang::crypto::random_id(),
            origin_name,
            seq,
            kind,
            sid,
            target,
            body
        ])
        .map_err(sql)?;
        Ok(())
    }

    /// Writes the clock the open transaction advanced, once, before it commits.
    fn flush_clock(&self, tx: &Connection) -> PResult<()> {
        if let Some(clock) = self.clock.take() {
            tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_clock', ?1)")
                .map_err(sql)?
                .execute([serde_json::to_string(&clock).map_err(json_err)?])
                .map_err(sql)?;
        }
        Ok(())
    }

    fn insert_student(&self, tx: &Connection, profile: &StudentProfile) -> PResult<Student> {
        self.insert_student_from(tx, profile, None)
    }

    fn update_profile(&self, tx: &Connection, s: &Student, p: &StudentProfile) -> PResult<i64> {
        let version = s.version + 1;
        let json = serde_json::to_string(p).map_err(json_err)?;
        tx.prepare_cached("UPDATE students SET version = ?1, profile = ?2 WHERE id = ?3")
            .map_err(sql)?
            .execute(params![version, json, s.id])
            .map_err(sql)?;
        self.log_op(tx, s.id, OP_PROFILE, s.id, Some((p, &json)), None)?;
        Ok(version)
    }

    fn insert_record(
        &self,
        tx: &Connection,
        sid: i64,
        record: &NewRecord,
        written_at: Option<&str>,
        origin: Option<(&str, i64, u64)>,
    ) -> PResult<Head> {
        let rid = xindang::crypto::random_id();
        let head = Head::of(
            rid,
            record,
            None,
            written_at.map(str::to_string).unwrap_or_else(now_text),
        );
        insert_record_row(tx, sid, &head, record)?;
        self.log_op(tx, sid, OP_RECORD, rid, None, origin)?;
        Ok(head)
    }

    /// As `Session::load_students`: one transaction, one audit entry, merge by 学号.
    pub fn load_students(
        &mut self,
        items: Vec<(StudentProfile, Vec<NewRecord>)>,
        merge: impl Fn(&StudentProfile, StudentProfile) -> StudentProfile,
    ) -> PResult<LoadReport> {
        let mut ok = Vec::with_capacity(items.len());
        for (p, records) in items {
            for r in &records {
                engine::validate_body(&r.body).map_err(|e| e.to_string())?;
            }
            ok.push((validate_profile(p).map_err(|e| e.to_string())?, records));
        }
        let mut report = LoadReport::default();
        let n = ok.len();
        // The core's larger page cache for the transaction of a bulk load.
        let cache = xindang::BulkCache::new(&self.db).map_err(|e| e.to_string())?;
        let tx = self.db.unchecked_transaction().map_err(sql)?;
        // As the core: a failed load leaves its clock behind with its rows (reset at every start).
        self.clock.set(None);
        let mut new: Vec<Student> = Vec::new();
        let mut updates: Vec<Update> = Vec::new();
        let mut seen: HashMap<String, (bool, usize)> = HashMap::new();
        for (profile, records) in &ok {
            let lookup = normalize::identifier(&profile.student_no);
            if let Some(&(is_new, i)) = seen.get(&lookup) {
                let sid = if is_new { new[i].id } else { updates[i].0 };
                for r in records {
                    let h = self.insert_record(&tx, sid, r, None, None)?;
                    if is_new {
                        new[i].heads.push(h);
                    } else {
                        updates[i].2.push(h);
                    }
                }
                continue;
            }
            match self.by_lookup.get(&lookup).copied() {
                Some(sid) => {
                    let s = &self.students[&sid];
                    let merged = merge(&s.profile, profile.clone());
                    let upd = if merged != s.profile {
                        report.updated += 1;
                        Some((self.update_profile(&tx, s, &merged)?, merged))
                    } else {
                        report.unchanged += 1;
                        None
                    };
                    let mut heads = Vec::new();
                    for r in records {
                        heads.push(self.insert_record(&tx, sid, r, None, None)?);
                    }
                    report.records += heads.len() as i32;
                    seen.insert(lookup, (false, updates.len()));
                    updates.push((sid, upd, heads));
                }
                None => {
                    let mut e = self.insert_student(&tx, profile)?;
                    report.added += 1;
                    for r in records {
                        e.heads.push(self.insert_record(&tx, e.id, r, None, None)?);
                    }
                    report.records += e.heads.len() as i32;
                    seen.insert(lookup, (true, new.len()));
                    new.push(e);
                }
            }
        }
        let detail = format!(
            "{n} students: {} added, {} updated, {} unchanged, {} records",
            report.added, report.updated, report.unchanged, report.records
        );
        self.flush_clock(&tx)?;
        let seq = append_audit(&tx, self.audit_seq, AuditAction::Import, None, detail)?;
        tx.commit().map_err(sql)?;
        drop(cache);
        self.audit_seq = seq;
        for mut e in new {
            sort_heads(&mut e.heads);
            self.by_lookup
                .insert(normalize::identifier(&e.profile.student_no), e.id);
            self.students.insert(e.id, e);
        }
        for (sid, upd, heads) in updates {
            if let Some(s) = self.students.get_mut(&sid) {
                if let Some((v, p)) = upd {
                    s.version = v;
                    s.profile = p;
                }
                s.heads.extend(heads);
                sort_heads(&mut s.heads);
            }
        }
        Ok(report)
    }

    fn insert_student_from(
        &self,
        tx: &Connection,
        profile: &StudentProfile,
        origin: Option<(&str, i64, u64)>,
    ) -> PResult<Student> {
        let sid = xindang::crypto::random_id();
        let json = serde_json::to_string(profile).map_err(json_err)?;
        tx.prepare_cached(
            "INSERT INTO students (id, lookup, version, profile) VALUES (?1, ?2, 1, ?3)",
        )
        .map_err(sql)?
        .execute(params![
            sid,
            normalize::identifier(&profile.student_no),
            json
        ])
        .map_err(sql)?;
        self.log_op(tx, sid, OP_PROFILE, sid, Some((profile, &json)), origin)?;
        Ok(Student {
            id: sid,
            version: 1,
            profile: profile.clone(),
            heads: Vec::new(),
        })
    }
}

fn fs(e: rusqlite::types::FromSqlError) -> String {
    format!("plaintext baseline: column type: {e}")
}

/// Appends a plaintext audit entry (the core seals it and extends an HMAC chain).
fn append_audit(
    tx: &Connection,
    seq: i64,
    action: AuditAction,
    student_no: Option<&str>,
    detail: String,
) -> PResult<i64> {
    let seq = seq + 1;
    let entry = AuditEntry {
        seq: seq as i32,
        at: now_text(),
        actor: "辅导员".into(),
        action,
        student_no: student_no.map(str::to_string),
        detail,
    };
    tx.prepare_cached("INSERT INTO audit (seq, entry, chain) VALUES (?1, ?2, x'')")
        .map_err(sql)?
        .execute(params![
            seq,
            serde_json::to_string(&entry).map_err(json_err)?
        ])
        .map_err(sql)?;
    tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('audit_head', ?1)")
        .map_err(sql)?
        .execute([seq])
        .map_err(sql)?;
    Ok(seq)
}
