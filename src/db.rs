//! The SQLite file: connection settings and versioned schema migrations.
//!
//! All migrations run in one transaction; a database written by a newer version is refused
//! rather than half-understood.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};

/// The archive's database file inside its folder.
pub const DB_FILE: &str = "archive.db";

/// The newest schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Each migration brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first archive format (docs/archive-format.md).
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE key_slots (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('passphrase', 'recovery')),
        label TEXT NOT NULL,
        kdf TEXT NOT NULL,
        salt BLOB NOT NULL,
        wrapped BLOB NOT NULL
    );
    CREATE TABLE students (
        id INTEGER PRIMARY KEY,
        lookup BLOB NOT NULL UNIQUE,
        data_key BLOB NOT NULL,
        version INTEGER NOT NULL,
        profile BLOB NOT NULL
    );
    CREATE TABLE records (
        id INTEGER PRIMARY KEY,
        student_id INTEGER NOT NULL REFERENCES students(id),
        header BLOB NOT NULL,
        body BLOB NOT NULL
    );
    CREATE INDEX records_by_student ON records(student_id);
    CREATE TABLE attachments (
        id INTEGER PRIMARY KEY REFERENCES records(id),
        student_id INTEGER NOT NULL REFERENCES students(id),
        content BLOB NOT NULL
    );
    CREATE TABLE audit (seq INTEGER PRIMARY KEY, entry BLOB NOT NULL, chain BLOB NOT NULL);
    CREATE TABLE failed_unlocks (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL);
    -- Records are append-only: a correction is a new record that amends the old one.
    CREATE TRIGGER records_append_only_u BEFORE UPDATE ON records
        BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
    CREATE TRIGGER records_append_only_d BEFORE DELETE ON records
        BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
    CREATE TRIGGER attachments_append_only_u BEFORE UPDATE ON attachments
        BEGIN SELECT RAISE(ABORT, 'attachments are append-only'); END;
    CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    "#,
    // 2: archive-wide settings (the policy in force, the network …), each a JSON value sealed
    // under the settings subkey, bound to its id and version; and sync with the center.
    r#"
    CREATE TABLE settings (
        id INTEGER PRIMARY KEY,
        version INTEGER NOT NULL,
        value BLOB NOT NULL
    );
    -- The site identity, the change log, bundles, handovers (docs/bundle-format.md).
    CREATE TABLE site (id INTEGER PRIMARY KEY CHECK (id = 1), body BLOB NOT NULL);
    CREATE TABLE peers (id INTEGER PRIMARY KEY, lookup BLOB NOT NULL UNIQUE, body BLOB NOT NULL);
    -- One row per change: origin is a keyed hash of the site where it was made.
    CREATE TABLE ops (
        id INTEGER PRIMARY KEY,
        origin BLOB NOT NULL,
        seq INTEGER NOT NULL,
        kind INTEGER NOT NULL,
        student_id INTEGER NOT NULL REFERENCES students(id),
        target INTEGER NOT NULL,
        body BLOB NOT NULL,
        UNIQUE (origin, seq)
    );
    CREATE INDEX ops_by_student ON ops(student_id);
    CREATE INDEX ops_by_target ON ops(target);
    CREATE TABLE bundles_in (id INTEGER PRIMARY KEY, lookup BLOB NOT NULL UNIQUE, body BLOB NOT NULL);
    CREATE TABLE bundles_out (id INTEGER PRIMARY KEY, lookup BLOB NOT NULL UNIQUE, body BLOB NOT NULL);
    CREATE TABLE handovers (
        student_id INTEGER PRIMARY KEY REFERENCES students(id),
        bundle BLOB NOT NULL,
        retiring INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE conflicts (id INTEGER PRIMARY KEY, student_id INTEGER NOT NULL REFERENCES students(id), body BLOB NOT NULL);
    CREATE TABLE tombstones (id INTEGER PRIMARY KEY, body BLOB NOT NULL);
    -- Records stay append-only, except for files being retired after a handover receipt.
    DROP TRIGGER records_append_only_d;
    CREATE TRIGGER records_append_only_d BEFORE DELETE ON records
        WHEN OLD.student_id NOT IN (SELECT student_id FROM handovers WHERE retiring = 1)
        BEGIN SELECT RAISE(ABORT, 'records are append-only'); END;
    CREATE TRIGGER attachments_append_only_d BEFORE DELETE ON attachments
        WHEN OLD.student_id NOT IN (SELECT student_id FROM handovers WHERE retiring = 1)
        BEGIN SELECT RAISE(ABORT, 'attachments are append-only'); END;
    "#,
    // 3: the data stamp behind the index snapshot (src/session/snapshot.rs).
    DATA_STAMP_SQL,
    // 4: people and caseloads (src/people.rs, src/session/caseloads.rs). A passphrase slot is a
    // person with a role and an X25519 identity (its secret sealed like the archive key); the
    // recovery slot has one too. A caseload's key is wrapped to each person who holds it; each
    // student's data key is wrapped under the key of every caseload that holds the student.
    // `students.data_key` stays, empty, except in archives from before people until their
    // recovery key is renewed (docs/archive-format.md).
    r#"
    ALTER TABLE key_slots ADD COLUMN role TEXT;
    ALTER TABLE key_slots ADD COLUMN recipient TEXT;
    ALTER TABLE key_slots ADD COLUMN identity BLOB;
    ALTER TABLE key_slots ADD COLUMN added INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE caseloads (id INTEGER PRIMARY KEY, scope BLOB NOT NULL);
    CREATE TABLE grants (
        caseload_id INTEGER NOT NULL REFERENCES caseloads(id),
        slot_id INTEGER NOT NULL,
        assigned INTEGER NOT NULL,
        wrapped BLOB NOT NULL,
        PRIMARY KEY (caseload_id, slot_id)
    );
    CREATE TABLE student_wraps (
        student_id INTEGER NOT NULL REFERENCES students(id),
        caseload_id INTEGER NOT NULL REFERENCES caseloads(id),
        wrapped BLOB NOT NULL,
        PRIMARY KEY (student_id, caseload_id)
    );
    CREATE INDEX student_wraps_by_caseload ON student_wraps(caseload_id);
    CREATE TRIGGER wraps_stamp_i AFTER INSERT ON student_wraps
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER wraps_stamp_u AFTER UPDATE ON student_wraps
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER wraps_stamp_d AFTER DELETE ON student_wraps
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER grants_stamp_i AFTER INSERT ON grants
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER grants_stamp_u AFTER UPDATE ON grants
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER grants_stamp_d AFTER DELETE ON grants
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    "#,
];

/// Schema migration 3: the data stamp, a random value replaced by every change to the rows the
/// unlocked index is built from, so a snapshot written under one stamp is known stale after any
/// change, by any writer. Random rather than a counter: an archive restored from a backup and
/// written again must not reach a stamp it had before. Schema, so it lives here; the index
/// snapshot (src/session/snapshot.rs) reads the stamp. (Public so the plaintext baseline of the
/// benchmarks has the same triggers.)
pub const DATA_STAMP_SQL: &str = r#"
    INSERT INTO meta (key, value) VALUES ('data_stamp', randomblob(16));
    CREATE TRIGGER students_stamp_i AFTER INSERT ON students
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER students_stamp_u AFTER UPDATE ON students
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER students_stamp_d AFTER DELETE ON students
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER records_stamp_i AFTER INSERT ON records
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER records_stamp_u AFTER UPDATE ON records
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
    CREATE TRIGGER records_stamp_d AFTER DELETE ON records
        BEGIN UPDATE meta SET value = randomblob(16) WHERE key = 'data_stamp'; END;
"#;

/// How long a statement waits for another connection's lock before failing with `busy`.
pub(crate) const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Opens (or creates) the database with the settings the design requires: WAL, full sync, secure
/// delete, temporary tables in memory.
pub fn connect(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let db = Connection::open_with_flags(path, flags)?;
    db.busy_timeout(BUSY_TIMEOUT)?;
    // A file that is not SQLite fails at the first statement. A newer build's file is refused
    // before the journal mode below could rewrite its header: it is left exactly as it was.
    check_known(version(&db)?)?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.execute_batch(
        "PRAGMA synchronous = FULL;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA foreign_keys = ON;",
    )?;
    restrict_permissions(path);
    Ok(db)
}

/// SQLite's default page cache, 2 MiB (`cache_size` in KiB when negative).
const CACHE_KIB: i64 = 2_000;
/// The page cache of a bulk write's transaction: a roster batch of 1,000 students dirties about
/// 4,000 pages (16 MiB; sealed profiles and changes fill a 4 KiB page each, at random row ids).
/// In the default 2 MiB cache SQLite spills them to the WAL mid-transaction and reads them back,
/// writing most pages twice (docs/benchmarks.md, "Roster import").
pub const BULK_CACHE_KIB: i64 = 32_768;

/// Grows the page cache of `db` to [`BULK_CACHE_KIB`] and the WAL's auto-checkpoint threshold to
/// 8,192 pages until dropped, then sets both back to SQLite's defaults, which frees the pages: the
/// larger cache lasts one bulk write, not the session. Each commit still syncs the WAL
/// (`synchronous=FULL`), so durability is unchanged; a batch of 4,000 pages no longer triggers a
/// checkpoint at every commit, and pages written by several batches are copied into the database
/// file once (docs/archive-format.md).
pub struct BulkCache<'a>(&'a Connection);

impl<'a> BulkCache<'a> {
    /// Grows the cache of `db` until the returned value is dropped.
    pub fn new(db: &'a Connection) -> Result<Self> {
        db.pragma_update(None, "cache_size", -BULK_CACHE_KIB)?;
        db.pragma_update(None, "wal_autocheckpoint", 8192)?;
        Ok(BulkCache(db))
    }
}

impl Drop for BulkCache<'_> {
    fn drop(&mut self) {
        // Best effort: a failure leaves a larger cache, never wrong data.
        let _ = self.0.pragma_update(None, "cache_size", -CACHE_KIB);
        let _ = self.0.pragma_update(None, "wal_autocheckpoint", 1000);
    }
}

#[cfg(unix)]
fn restrict_permissions(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Best effort: the files are sealed anyway, this keeps other accounts from even copying them.
    let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) {}

/// The schema version stored in the file.
pub fn version(db: &Connection) -> Result<u32> {
    Ok(db.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Refuses a schema version written by a newer build.
fn check_known(found: u32) -> Result<()> {
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}

/// Brings the schema up to [`SCHEMA_VERSION`] in one transaction.
pub fn migrate(db: &mut Connection) -> Result<()> {
    let found = version(db)?;
    check_known(found)?;
    if found == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = db.transaction()?;
    apply(&tx, found)?;
    tx.commit()?;
    Ok(())
}

/// Applies the migrations after version `from` inside the caller's transaction.
pub fn apply(tx: &Connection, from: u32) -> Result<()> {
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as u32)?;
    }
    Ok(())
}
