//! Sites, the change log, bundles, receipts and handover (同步与移交; docs/bundle-format.md).
//!
//! Every write is an operation `(site, sequence, clock)` kept in `ops`, in the transaction of the
//! write. A sync bundle carries the local operations the peer has not acknowledged; importing merges
//! them: records are a union (append-only), profiles last-writer-wins by hybrid logical clock, with
//! the losing side of concurrent edits listed as a conflict.
//!
//! The API for the screens (each call one transaction and one audit entry where it writes; every
//! type the UI shows is typeshare-generated; errors are `Error` with stable codes):
//!
//! | screen | calls | shows |
//! |---|---|---|
//! | profiles 单位档案 | [`Session::site_profile`], [`Session::import_profile`], [`Session::peer_profiles`] | [`SiteProfile`] (name, kind, fingerprint to compare by phone) |
//! | sync 同步 | [`Session::export_bundle`], [`Session::import_bundle`] (returns the receipt bytes to save), [`Session::sync_conflicts`], [`Session::settle_conflict`], [`Session::peer_status`] | [`ExportReport`], [`BundleImportReport`] (with `gap`, `duplicate`), [`SyncConflict`], [`super::center::PeerStatus`] |
//! | handover 移交 | [`Session::export_handover`], [`Session::export_handover_passphrase`], [`Session::pending_handovers`], [`Session::import_bundle_with_passphrase`] | [`ExportReport`], [`PendingHandover`] |
//! | receipts 回执 | [`Session::import_receipt`], [`Session::import_receipt_with_passphrase`] | [`ReceiptReport`] (files retired, receipt hash) |
//! | center 全校概况 | [`Session::center_overview`], [`Session::flagged_students`] | [`super::center::CenterOverview`], `StudentSummary` |
//!
//! A file's kind is told by [`crate::bundle::is_passphrase_file`]: ask for a passphrase then.
//! [`Session::export_identity`] returns the age identity for disaster recovery: show a warning.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use rusqlite::OptionalExtension;

use super::*;
use crate::archive::SiteKind;
use crate::bundle::{self, BundleKind, Change, ChangeOp, Counts, Manifest, ReceiptBody, SiteRef};
use crate::site::{SiteIdentity, SiteProfile, SiteSecrets, CENTER_NAME};

const OP_PROFILE: i64 = 0;
const OP_RECORD: i64 = 1;

/// Where a bundle goes.
enum Dest<'a> {
    /// A trusted peer (its row in `peers`).
    Peer(i64, Peer),
    /// Another institution, by passphrase (handover only).
    Passphrase {
        institution: &'a str,
        passphrase: &'a str,
    },
}

/// A passphrase bundle as read: this site, the sender if it is a trusted peer, the sender's
/// profile as carried, and the verified contents.
type PassphraseBundle = (
    SiteIdentity,
    Option<(i64, Peer)>,
    SiteProfile,
    bundle::Contents,
);

/// What a write hook logs.
pub(super) enum OpTarget<'a> {
    /// A profile written (new student or update).
    Profile(&'a StudentProfile),
    /// The same, given as the JSON already encoded for sealing the profile (`to_json`).
    ProfileJson(&'a [u8]),
    /// A record inserted, by row id.
    Record(i64),
}

/// An `ops` row as read: id, student, kind, target, sealed body.
type OpRow = (i64, i64, i64, i64, Vec<u8>);

/// A change as carried in a bundle, with its attachment's content.
type Carried = (Change, Option<Zeroizing<Vec<u8>>>);

/// The sealed body of an operation.
#[derive(Serialize, Deserialize)]
struct OpBody {
    /// The site id of the origin; `None` for this archive's own operations (the identity may be
    /// created after the first writes).
    origin: Option<String>,
    seq: i64,
    hlc: u64,
    /// Profile operations carry their snapshot, so a later write cannot change what an earlier
    /// operation said.
    profile: Option<StudentProfile>,
}

#[derive(Serialize, Deserialize, Default, Clone, Copy)]
pub(super) struct Clock {
    seq: i64,
    hlc: u64,
}

/// A peer site as stored (sealed) in `peers`.
#[derive(Serialize, Deserialize, Clone)]
struct Peer {
    profile: SiteProfile,
    /// Our own sequence number up to which the peer acknowledged every change.
    acked_to: i64,
    /// The next `bundle_seq` we send it.
    next_bundle_seq: i64,
    /// The highest `bundle_seq` imported from it.
    last_in_bundle: i64,
    /// Its sequence number up to which we hold every change it sent.
    last_in_to: i64,
}

#[derive(Serialize, Deserialize)]
struct BundleIn {
    bundle_id: String,
    hash: String,
    sender: String,
    receipt: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct BundleOut {
    bundle_id: String,
    hash: String,
    kind: BundleKind,
    recipient: String,
    to_seq: i64,
    students: Vec<i64>,
    retired: bool,
    /// The recipient's name (absent in logs of the first builds).
    #[serde(default)]
    recipient_name: String,
    /// When it was exported.
    #[serde(default)]
    at: String,
}

/// Which files to hand over: the students named one by one, and every student matching all the
/// filters given (status and/or cohort), e.g. the graduates of 2022.
#[typeshare::typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverChoice {
    /// 学号, one by one.
    pub student_nos: Vec<String>,
    /// Every student of this status (graduated, withdrawn, transferred …).
    pub status: Option<StudentStatus>,
    /// Every student of this cohort (年级, e.g. "2022").
    pub grade: Option<String>,
}

/// A handover sent and waiting for its receipt: until then those files are read-only here.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingHandover {
    /// The bundle id.
    pub bundle_id: String,
    /// The receiving site, or institution for a passphrase handover.
    pub recipient: String,
    /// Encrypted to a passphrase (another institution) rather than to a trusted site.
    pub by_passphrase: bool,
    /// When it was exported (RFC 3339).
    pub at: String,
    /// 学号 of the files still marked with this bundle (a later handover of a file moves its mark).
    pub students: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Tombstone {
    bundle_id: String,
    receipt_hash: String,
    students: i64,
    at: String,
    /// The receiving site's name and fingerprint (absent in tombstones of the first builds).
    #[serde(default)]
    receiver: String,
}

/// A profile edit that lost to a concurrent one from another site, for a person to settle.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncConflict {
    /// Its id, to settle it (a string for the UI; filled in when read).
    #[serde(default)]
    pub id: String,
    /// 学号.
    pub student_no: String,
    /// The profile fields that differ.
    pub fields: Vec<String>,
    /// The site whose edit is in force.
    pub kept_site: String,
    /// The site whose edit lost.
    pub other_site: String,
    /// When the conflict was found (RFC 3339).
    pub at: String,
}

/// What an export wrote.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportReport {
    /// The bundle id.
    pub bundle_id: String,
    /// Its kind.
    pub kind: BundleKind,
    /// The recipient's name.
    pub recipient: String,
    /// What it holds.
    pub counts: Counts,
    /// First sequence number covered.
    pub from_seq: i32,
    /// Last sequence number covered.
    pub to_seq: i32,
}

/// What an import did.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleImportReport {
    /// The bundle id.
    pub bundle_id: String,
    /// Its kind.
    pub kind: BundleKind,
    /// The sender's name.
    pub sender: String,
    /// The sender's fingerprint, to compare by phone when the bundle came under a passphrase.
    pub sender_fingerprint: String,
    /// The bundle had been imported before: nothing changed, the receipt is the one written then.
    pub duplicate: bool,
    /// New students.
    pub students_added: i32,
    /// Profiles replaced by a newer edit.
    pub profiles_updated: i32,
    /// Records added.
    pub records_added: i32,
    /// Changes already held (skipped).
    pub skipped: i32,
    /// Conflicts listed for a person to settle.
    pub conflicts: Vec<SyncConflict>,
    /// Changes of the sender missing before this bundle (first, last), if any: an earlier bundle
    /// was never imported.
    pub gap: Option<Vec<i32>>,
}

/// What a receipt import did.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptReport {
    /// The bundle acknowledged.
    pub bundle_id: String,
    /// Its kind.
    pub kind: BundleKind,
    /// Who acknowledged it.
    pub site: String,
    /// Its fingerprint (to compare by phone after a passphrase handover).
    pub site_fingerprint: String,
    /// Our sequence number up to which the peer now holds everything.
    pub acked_to: i32,
    /// Files retired (handover receipts).
    pub retired: i32,
    /// SHA-256 of the receipt's manifest, kept in the tombstone.
    pub receipt_hash: String,
}

fn op_binding(archive: &[u8; 16], row: i64, student: i64) -> Binding<'_> {
    Binding {
        archive,
        table: "ops",
        row,
        student,
        version: 0,
    }
}
fn plain_binding<'a>(archive: &'a [u8; 16], table: &'a str, row: i64) -> Binding<'a> {
    Binding {
        archive,
        table,
        row,
        student: 0,
        version: 0,
    }
}

fn now_ms() -> u64 {
    chrono::Utc::now().timestamp_millis().max(0) as u64
}

/// The next hybrid-logical-clock value after `last`: wall time in the high bits, a counter below,
/// never going backwards when the wall clock does.
fn hlc_next(last: u64) -> u64 {
    (now_ms() << 16).max(last + 1)
}

fn uid(origin: &str, seq: i64) -> String {
    format!("{origin}:{seq}")
}

/// The origin and sequence number of a change's uid (`origin:seq`).
pub fn split_uid(u: &str) -> Option<(&str, i64)> {
    let (o, s) = u.rsplit_once(':')?;
    Some((o, s.parse().ok()?))
}

/// The names of the profile fields that differ between `a` and `b`, sorted (for a conflict).
pub fn differing_fields(a: &StudentProfile, b: &StudentProfile) -> Vec<String> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(a), serde_json::to_value(b))
    else {
        return Vec::new();
    };
    let mut out: Vec<String> = a
        .iter()
        .filter(|(k, v)| b.get(*k) != Some(*v))
        .map(|(k, _)| k.clone())
        .collect();
    out.sort();
    out
}

/// The blind indexes of the origins an import meets, each computed once: an HMAC per change for
/// the `held` check and another for the operation's row cost a tenth of the import's extra time.
struct Origins<'a> {
    session: &'a Session,
    key: &'a Key,
    me: &'a str,
    known: HashMap<String, [u8; 16]>,
}

impl Origins<'_> {
    fn of(&mut self, origin: &str) -> [u8; 16] {
        if let Some(l) = self.known.get(origin) {
            return *l;
        }
        let site = if origin == self.me {
            None
        } else {
            Some(origin)
        };
        let l = self.session.origin_lookup(self.key, site);
        self.known.insert(origin.to_string(), l);
        l
    }
}

/// State of an import not yet committed: what memory learns after the commit.
#[derive(Default)]
struct Pending {
    new: HashMap<i64, StudentEntry>,
    new_lookup: HashMap<[u8; 16], i64>,
    updated: HashMap<i64, (i64, StudentProfile)>,
    heads: HashMap<i64, Vec<RecordHead>>,
}

impl Session {
    pub(super) fn sync_key(&self) -> Key {
        // Derived once at unlock (src/session/oplog.rs).
        self.oplog.key.clone()
    }

    pub(super) fn origin_lookup(&self, key: &Key, site: Option<&str>) -> [u8; 16] {
        crypto::blind_index(key, "origin", site.unwrap_or(""))
    }

    pub(super) fn read_clock(&self, tx: &Connection, key: &Key) -> Result<Clock> {
        let sealed: Option<Vec<u8>> = tx
            .query_row("SELECT value FROM meta WHERE key = 'sync_clock'", [], |r| {
                r.get(0)
            })
            .optional()?;
        match sealed {
            None => Ok(Clock::default()),
            Some(s) => from_json(
                &crypto::open(
                    key,
                    &plain_binding(&self.id, "meta.sync_clock", 0),
                    &s,
                    "the change log clock",
                )?,
                "the change log clock",
            ),
        }
    }

    pub(super) fn write_clock(&self, tx: &Connection, key: &Key, c: &Clock) -> Result<()> {
        let sealed = crypto::seal(
            key,
            &plain_binding(&self.id, "meta.sync_clock", 0),
            &to_json(c)?,
        );
        tx.prepare_cached("INSERT OR REPLACE INTO meta (key, value) VALUES ('sync_clock', ?1)")?
            .execute([sealed])?;
        Ok(())
    }

    /// The write hook: logs a local operation in the caller's transaction. Refuses writes to a
    /// file that was handed over. The clock advances in memory; the transaction writes it once
    /// before it commits (`flush_clock`, src/session/oplog.rs).
    pub(super) fn log_op(&self, tx: &Connection, sid: i64, target: OpTarget<'_>) -> Result<()> {
        let handed: Option<i64> = tx
            .prepare_cached("SELECT 1 FROM handovers WHERE student_id = ?1")?
            .query_row([sid], |r| r.get(0))
            .optional()?;
        if handed.is_some() {
            return Err(Error::HandedOver);
        }
        let key = &self.oplog.key;
        let clock = {
            let mut pending = self.oplog.pending();
            let mut clock = match *pending {
                Some(c) => c,
                None => self.read_clock(tx, key)?,
            };
            clock.seq += 1;
            clock.hlc = hlc_next(clock.hlc);
            *pending = Some(clock);
            clock
        };
        let encoded;
        let (kind, row, profile) = match target {
            OpTarget::Profile(p) => {
                encoded = to_json(p)?;
                (OP_PROFILE, sid, Some(&encoded[..]))
            }
            OpTarget::ProfileJson(json) => (OP_PROFILE, sid, Some(json)),
            OpTarget::Record(rid) => (OP_RECORD, rid, None),
        };
        let body = oplog::local_op_json(clock.seq, clock.hlc, profile);
        self.insert_sealed_op(
            tx,
            &self.oplog.seal,
            &self.oplog.local_origin,
            &body,
            clock.seq,
            kind,
            sid,
            row,
        )
    }

    /// Seals and inserts an imported operation, the origin's blind index already computed (an
    /// import computes it once per origin, not twice per change).
    #[allow(clippy::too_many_arguments)]
    fn insert_op_at(
        &self,
        tx: &Connection,
        key: &crypto::SealKey,
        origin: &[u8; 16],
        body: &OpBody,
        kind: i64,
        sid: i64,
        target: i64,
    ) -> Result<()> {
        let json = to_json(body)?;
        self.insert_sealed_op(tx, key, origin, &json, body.seq, kind, sid, target)
    }

    /// Seals an operation's body (its JSON) and inserts its row.
    #[allow(clippy::too_many_arguments)]
    fn insert_sealed_op(
        &self,
        tx: &Connection,
        key: &crypto::SealKey,
        origin: &[u8; 16],
        json: &[u8],
        seq: i64,
        kind: i64,
        sid: i64,
        target: i64,
    ) -> Result<()> {
        let id = crypto::random_id();
        let sealed = key.seal(&op_binding(&self.id, id, sid), json);
        tx.prepare_cached(
            "INSERT INTO ops (id, origin, seq, kind, student_id, target, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![id, &origin[..], seq, kind, sid, target, sealed])?;
        Ok(())
    }

    fn open_op(&self, key: &Key, id: i64, sid: i64, sealed: &[u8]) -> Result<OpBody> {
        from_json(
            &crypto::open(key, &op_binding(&self.id, id, sid), sealed, "a change")?,
            "a change",
        )
    }

    fn site_kind(&self) -> Result<SiteKind> {
        let v: String =
            self.db
                .query_row("SELECT value FROM meta WHERE key = 'site_kind'", [], |r| {
                    r.get(0)
                })?;
        Ok(if v == "center" {
            SiteKind::Center
        } else {
            SiteKind::College
        })
    }

    fn load_site(&self) -> Result<Option<SiteIdentity>> {
        let sealed: Option<Vec<u8>> = self
            .db
            .query_row("SELECT body FROM site WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        let Some(sealed) = sealed else {
            return Ok(None);
        };
        let key = crypto::subkey(&self.keys.master, &self.id, "site identity");
        let plain = crypto::open(
            &key,
            &plain_binding(&self.id, "site", 1),
            &sealed,
            "the site identity",
        )?;
        let secrets: SiteSecrets = from_json(&plain, "the site identity")?;
        SiteIdentity::from_secrets(secrets).map(Some)
    }

    /// The site identity, created on first use (named `name`, else `center` for a center and
    /// `college-xxxx` from the fingerprint for a college). Creating it also logs an operation for
    /// every student and record written before the change log existed.
    pub fn site(&mut self, name: Option<&str>) -> Result<SiteIdentity> {
        if let Some(site) = self.load_site()? {
            if let Some(n) = name {
                if n != site.profile().name {
                    return Err(Error::Invalid {
                        field: "--name",
                        reason: "the site already has another name",
                    });
                }
            }
            return Ok(site);
        }
        let kind = self.site_kind()?;
        let mut site = SiteIdentity::generate(name.unwrap_or(CENTER_NAME), kind)?;
        if name.is_none() && kind == SiteKind::College {
            let fp = site.profile().fingerprint.to_lowercase();
            let SiteIdentity { secrets, .. } = site;
            site = SiteIdentity::from_secrets(SiteSecrets {
                name: format!("college-{}", &fp[..4]),
                kind,
                signing_pkcs8: secrets.signing_pkcs8.clone(),
                age_identity: secrets.age_identity.clone(),
            })?;
        }
        let key = crypto::subkey(&self.keys.master, &self.id, "site identity");
        let sealed = crypto::seal(
            &key,
            &plain_binding(&self.id, "site", 1),
            &to_json(&site.secrets)?,
        );
        let detail = format!(
            "site identity created, fingerprint {}",
            site.profile().fingerprint
        );
        self.write(AuditAction::Write, None, detail, |tx, me| {
            tx.execute("INSERT INTO site (id, body) VALUES (1, ?1)", [&sealed])?;
            me.backfill_ops(tx)
        })?;
        Ok(site)
    }

    /// Logs operations for rows written before the change log (archives of schema 1 and 2).
    fn backfill_ops(&self, tx: &Connection) -> Result<()> {
        let missing_students: Vec<i64> = tx
            .prepare("SELECT id FROM students WHERE id NOT IN (SELECT student_id FROM ops WHERE kind = 0) ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for sid in missing_students {
            if let Some(s) = self.students.get(&sid) {
                self.log_op(tx, sid, OpTarget::Profile(&s.profile))?;
            }
        }
        let missing_records: Vec<(i64, i64)> = tx
            .prepare("SELECT id, student_id FROM records WHERE id NOT IN (SELECT target FROM ops WHERE kind = 1) ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (rid, sid) in missing_records {
            self.log_op(tx, sid, OpTarget::Record(rid))?;
        }
        Ok(())
    }

    fn peers(&self, key: &Key) -> Result<Vec<(i64, Peer)>> {
        let mut stmt = self.db.prepare("SELECT id, body FROM peers ORDER BY id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(id, sealed)| {
                let plain = crypto::open(
                    key,
                    &plain_binding(&self.id, "peers", id),
                    &sealed,
                    "a site profile",
                )?;
                Ok((id, from_json(&plain, "a site profile")?))
            })
            .collect()
    }

    fn save_peer(&self, tx: &Connection, key: &Key, id: i64, p: &Peer) -> Result<()> {
        let sealed = crypto::seal(key, &plain_binding(&self.id, "peers", id), &to_json(p)?);
        let lookup = crypto::blind_index(key, "peer", &p.profile.name);
        tx.execute(
            "INSERT OR REPLACE INTO peers (id, lookup, body) VALUES (?1, ?2, ?3)",
            params![id, &lookup[..], sealed],
        )?;
        Ok(())
    }

    fn peer_by_name(&self, key: &Key, name: &str) -> Result<(i64, Peer)> {
        self.peers(key)?
            .into_iter()
            .find(|(_, p)| p.profile.name == name)
            .ok_or(Error::UnknownSite)
    }

    /// This site's public profile (creating the identity on first use); audited as an export.
    pub fn site_profile(&mut self, name: Option<&str>) -> Result<SiteProfile> {
        let site = self.site(name)?;
        self.log(AuditAction::Export, None, "site profile")?;
        Ok(site.profile().clone())
    }

    /// Trusts a peer's profile, named by the profile's own name. Importing the same profile again
    /// changes nothing; another profile under a known name is refused.
    pub fn import_profile(&mut self, profile: SiteProfile) -> Result<SiteProfile> {
        profile.validate()?;
        let me = self.site(None)?;
        if profile.site_id() == me.site_id() || profile.name == me.profile().name {
            return Err(Error::SiteConflict);
        }
        let key = self.sync_key();
        let peers = self.peers(&key)?;
        if let Some((_, p)) = peers.iter().find(|(_, p)| p.profile.name == profile.name) {
            return if p.profile == profile {
                Ok(profile)
            } else {
                Err(Error::SiteConflict)
            };
        }
        if peers
            .iter()
            .any(|(_, p)| p.profile.site_id() == profile.site_id())
        {
            return Err(Error::SiteConflict);
        }
        let peer = Peer {
            profile: profile.clone(),
            acked_to: 0,
            next_bundle_seq: 1,
            last_in_bundle: 0,
            last_in_to: 0,
        };
        let detail = format!("site profile imported, fingerprint {}", profile.fingerprint);
        self.write(AuditAction::Write, None, detail, |tx, me| {
            me.save_peer(tx, &key, crypto::random_id(), &peer)
        })?;
        Ok(profile)
    }

    /// The trusted peer sites.
    pub fn peer_profiles(&self) -> Result<Vec<SiteProfile>> {
        Ok(self
            .peers(&self.sync_key())?
            .into_iter()
            .map(|(_, p)| p.profile)
            .collect())
    }

    /// The age identity as text, for disaster recovery; audited as an export.
    pub fn export_identity(&mut self) -> Result<Zeroizing<String>> {
        let site = self.site(None)?;
        self.log(
            AuditAction::Export,
            None,
            "site age identity (disaster recovery)",
        )?;
        Ok(site.age_identity_text())
    }

    /// Builds the change of one operation row for a bundle. `ops` is the change-log key made
    /// ready; `student` the last student's key made ready (a student's changes mostly follow each
    /// other, so the key schedule is computed once per run of them, not per record).
    #[allow(clippy::too_many_arguments)]
    fn change_of(
        &self,
        key: &Key,
        ops: &crypto::SealKey,
        student: &mut Option<(i64, crypto::SealKey)>,
        me: &str,
        row: (i64, i64, i64, i64),
        sealed: &[u8],
    ) -> Result<(Change, Option<Zeroizing<Vec<u8>>>)> {
        let (id, kind, sid, target) = row;
        let op: OpBody = from_json(
            &ops.open(&op_binding(&self.id, id, sid), sealed, "a change")?,
            "a change",
        )?;
        let s = self
            .students
            .get(&sid)
            .ok_or(Error::Tamper("a change's student"))?;
        let origin = op.origin.clone().unwrap_or_else(|| me.to_string());
        let (op_body, attachment) = if kind == OP_PROFILE {
            let profile = op.profile.ok_or(Error::Tamper("a change"))?;
            (ChangeOp::Profile { profile }, None)
        } else {
            let sealed: Vec<u8> = self
                .db
                .prepare_cached("SELECT body FROM records WHERE id = ?1 AND student_id = ?2")?
                .query_row([target, sid], |r| r.get(0))?;
            if student.as_ref().is_none_or(|(id, _)| *id != sid) {
                *student = Some((sid, crypto::SealKey::new(&s.key)));
            }
            let skey = match student {
                Some((_, k)) => k,
                None => unreachable!("set just above"),
            };
            let plain = skey.open(&body_binding(&self.id, target, sid), &sealed, "a record")?;
            let mut record: NewRecord = from_json(&plain, "a record")?;
            if let Some(a) = &record.amends {
                let a = parse_id(a)?;
                record.amends = Some(self.uid_of_record(key, me, a)?);
            }
            let written_at = s
                .heads
                .iter()
                .find(|h| h.id == target)
                .map(|h| h.written_at.to_string())
                .unwrap_or_default();
            let attachment = if matches!(record.body, RecordBody::Attachment(_)) {
                let sealed: Vec<u8> = self.db.query_row(
                    "SELECT content FROM attachments WHERE id = ?1 AND student_id = ?2",
                    [target, sid],
                    |r| r.get(0),
                )?;
                Some(skey.open(
                    &attachment_binding(&self.id, target, sid),
                    &sealed,
                    "an attachment",
                )?)
            } else {
                None
            };
            (
                ChangeOp::Record {
                    written_at,
                    record,
                    has_attachment: attachment.is_some(),
                },
                attachment,
            )
        };
        Ok((
            Change {
                origin,
                seq: op.seq,
                hlc: op.hlc,
                student_no: s.profile.student_no.clone(),
                op: op_body,
            },
            attachment,
        ))
    }

    fn uid_of_record(&self, key: &Key, me: &str, rid: i64) -> Result<String> {
        let (id, sid, sealed): (i64, i64, Vec<u8>) = self
            .db
            .query_row(
                "SELECT id, student_id, body FROM ops WHERE target = ?1 AND kind = 1",
                [rid],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?
            .ok_or(Error::RecordNotFound)?;
        let op = self.open_op(key, id, sid, &sealed)?;
        Ok(uid(op.origin.as_deref().unwrap_or(me), op.seq))
    }

    fn op_rows(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<OpRow>> {
        let mut stmt = self.db.prepare(sql)?;
        let rows = stmt
            .query_map(args, |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Writes, verifies and records a bundle. The file is staged (written and synced beside the
    /// target) first; then the state (sequence numbers, the bundle sent, the handover marks) is
    /// committed; then the file is renamed into place and read back. A crash leaves at worst a gap
    /// the recipient reports, never two different bundles under one sequence number.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        site: &SiteIdentity,
        mut dest: Dest<'_>,
        kind: BundleKind,
        changes: Vec<(Change, Option<Zeroizing<Vec<u8>>>)>,
        from_seq: i64,
        to_seq: i64,
        students: Vec<i64>,
        out: &Path,
    ) -> Result<ExportReport> {
        let key = self.sync_key();
        let counts = bundle::count(&changes);
        let frames = bundle::frame_changes(
            changes
                .iter()
                .map(|(c, a)| (c, a.as_deref().map(|a| &a[..]))),
        )?;
        let (recipient, bundle_seq) = match &dest {
            Dest::Peer(_, peer) if kind != BundleKind::Handover => {
                (SiteRef::of(&peer.profile), peer.next_bundle_seq)
            }
            Dest::Peer(_, peer) => (SiteRef::of(&peer.profile), 0),
            Dest::Passphrase { institution, .. } => (
                SiteRef {
                    id: bundle::PASSPHRASE_RECIPIENT.into(),
                    name: institution.to_string(),
                },
                0,
            ),
        };
        let manifest = Manifest {
            format: bundle::FORMAT_VERSION,
            bundle_id: crypto::hex(&crypto::random::<16>()),
            kind,
            sender: SiteRef::of(site.profile()),
            recipient: recipient.clone(),
            created_at: now_text(),
            bundle_seq,
            from_seq,
            to_seq,
            counts: counts.clone(),
            content_sha256: String::new(),
            receipt: None,
            sender_profile: match dest {
                Dest::Passphrase { .. } => Some(site.profile().clone()),
                Dest::Peer(..) => None,
            },
        };
        // The header apart from the frames: the container is never assembled in memory, the
        // encryption reads the two parts in turn (a copy of the whole bundle less).
        let (manifest, header) = bundle::seal_header(site, manifest, &frames)?;
        // Checked before encryption: what we sign is what the recipient will verify (signature
        // and content hash). The frames are not decoded again: `frame_changes` just encoded them,
        // and a second JSON pass over every change was a third of the export's cost.
        let (_, manifest_bytes) = bundle::verify_parts(&header, &frames, site.profile())?;
        let hash = bundle::manifest_hash(manifest_bytes);
        let parts: [&[u8]; 2] = [&header, &frames];
        let file = match &mut dest {
            Dest::Peer(_, peer) => {
                if kind != BundleKind::Handover {
                    peer.next_bundle_seq += 1;
                }
                bundle::encrypt_parts(&peer.profile, &parts)?
            }
            Dest::Passphrase { passphrase, .. } => {
                bundle::encrypt_passphrase_parts(passphrase, &parts)?
            }
        };
        drop(frames);
        let sent = BundleOut {
            bundle_id: manifest.bundle_id.clone(),
            hash,
            kind,
            recipient: recipient.id.clone(),
            to_seq,
            students: students.clone(),
            retired: false,
            recipient_name: recipient.name.clone(),
            at: manifest.created_at.clone(),
        };
        let detail = format!(
            "{kind:?} bundle {} to {}: {} students, {} profiles, {} records",
            manifest.bundle_id, recipient.name, counts.students, counts.profiles, counts.records
        );
        // Staged before the commit: an unwritable folder or a full disk changes nothing here.
        let staged = bundle::stage(out, &file)?;
        self.write(AuditAction::Export, None, detail, |tx, me| {
            if let Dest::Peer(row, peer) = &dest {
                me.save_peer(tx, &key, *row, peer)?;
            }
            let id = crypto::random_id();
            let lookup = crypto::blind_index(&key, "bundle", &sent.bundle_id);
            let sealed = crypto::seal(&key, &plain_binding(&me.id, "bundles_out", id), &to_json(&sent)?);
            tx.execute(
                "INSERT INTO bundles_out (id, lookup, body) VALUES (?1, ?2, ?3)",
                params![id, &lookup[..], sealed],
            )?;
            for sid in &students {
                tx.execute(
                    "INSERT OR REPLACE INTO handovers (student_id, bundle, retiring) VALUES (?1, ?2, 0)",
                    params![sid, &lookup[..]],
                )?;
            }
            Ok(())
        })?;
        staged.publish()?;
        // Read back: the bytes on disk must be the bytes written, and parse as an age file.
        let back = std::fs::read(out)?;
        if back != file || age::Decryptor::new_buffered(&back[..]).is_err() {
            return Err(Error::BundleDamaged("the written file does not read back"));
        }
        Ok(ExportReport {
            bundle_id: manifest.bundle_id,
            kind,
            recipient: recipient.name,
            counts,
            from_seq: from_seq as i32,
            to_seq: to_seq as i32,
        })
    }

    /// The changes of the local operations `peer` may see and has not acknowledged, in sequence
    /// order. A college sends the center all of its own; the center sends a college the changes
    /// of students that college sent it or whose profile names it as their 学院 (screening
    /// results, flagged students), never the files of other colleges. Each row is turned into its
    /// change as it is read, so the sealed rows are never all held at once.
    fn routed_changes(
        &self,
        key: &Key,
        me: &str,
        peer: &Peer,
        center: bool,
    ) -> Result<Vec<Carried>> {
        let local = self.origin_lookup(key, None);
        let theirs = if center {
            Some(self.routed_students(key, peer)?)
        } else {
            None
        };
        let mut stmt = self.db.prepare(
            "SELECT id, kind, student_id, target, body FROM ops WHERE origin = ?1 AND seq > ?2 ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![&local[..], peer.acked_to])?;
        let ops = crypto::SealKey::new(key);
        let mut student = None;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let sid: i64 = r.get(2)?;
            if theirs.as_ref().is_some_and(|t| !t.contains(&sid)) {
                continue;
            }
            let sealed = r
                .get_ref(4)?
                .as_blob()
                .map_err(|_| Error::Tamper("a change"))?;
            let row = (r.get(0)?, r.get(1)?, sid, r.get(3)?);
            out.push(self.change_of(key, &ops, &mut student, me, row, sealed)?);
        }
        Ok(out)
    }

    /// How many rows `routed_rows` would give, without reading their bodies.
    fn routed_count(&self, key: &Key, peer: &Peer, center: bool) -> Result<usize> {
        let local = self.origin_lookup(key, None);
        let sids: Vec<i64> = self
            .db
            .prepare("SELECT student_id FROM ops WHERE origin = ?1 AND seq > ?2")?
            .query_map(params![&local[..], peer.acked_to], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !center {
            return Ok(sids.len());
        }
        let theirs = self.routed_students(key, peer)?;
        Ok(sids.iter().filter(|sid| theirs.contains(sid)).count())
    }

    /// The students whose center-side changes go to `peer`: those it sent, and those whose
    /// profile names it as their college.
    fn routed_students(&self, key: &Key, peer: &Peer) -> Result<HashSet<i64>> {
        let peer_origin = self.origin_lookup(key, Some(&peer.profile.site_id()));
        let mut theirs: HashSet<i64> = self
            .db
            .prepare("SELECT DISTINCT student_id FROM ops WHERE origin = ?1")?
            .query_map([&peer_origin[..]], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        theirs.extend(
            self.students
                .values()
                .filter(|s| s.profile.college == peer.profile.name)
                .map(|s| s.id),
        );
        Ok(theirs)
    }

    /// Every trusted peer with the state of sync with it.
    pub fn peer_status(&self) -> Result<Vec<super::center::PeerStatus>> {
        let key = self.sync_key();
        let center = self.site_kind()? == SiteKind::Center;
        let mut out = Vec::new();
        for (_, p) in self.peers(&key)? {
            let unacknowledged = self.routed_count(&key, &p, center)? as i32;
            out.push(super::center::PeerStatus {
                bundles_received: p.last_in_bundle as i32,
                changes_held: p.last_in_to as i32,
                acknowledged: p.acked_to as i32,
                unacknowledged,
                profile: p.profile,
            });
        }
        out.sort_by(|a, b| a.profile.name.cmp(&b.profile.name));
        Ok(out)
    }

    /// Exports every local change `to` has not acknowledged to `out` (see `routed_rows` for what a
    /// center sends a college: its screening results and flagged students).
    pub fn export_bundle(&mut self, to: &str, out: &Path) -> Result<ExportReport> {
        let site = self.site(None)?;
        let key = self.sync_key();
        let (row, peer) = self.peer_by_name(&key, to)?;
        let me = site.site_id();
        let center = site.profile().kind == SiteKind::Center;
        // One read transaction for the clock and every row: one snapshot, and not a lock taken
        // and released (and the WAL index checked) for each of the statements below.
        let read = self.db.unchecked_transaction()?;
        let clock = self.read_clock(&read, &key)?;
        let changes = self.routed_changes(&key, &me, &peer, center)?;
        read.commit()?;
        let changes = bundle::collapse_profiles(changes);
        let kind = if center {
            BundleKind::Results
        } else {
            BundleKind::Sync
        };
        let from_seq = peer.acked_to + 1;
        self.emit(
            &site,
            Dest::Peer(row, peer),
            kind,
            changes,
            from_seq,
            clock.seq,
            Vec::new(),
            out,
        )
    }

    /// Exports whole files for handover (移交) to the trusted site `to` (see [`HandoverChoice`] for
    /// which). Until the receipt, those files are read-only.
    pub fn export_handover(
        &mut self,
        to: &str,
        choice: &HandoverChoice,
        out: &Path,
    ) -> Result<ExportReport> {
        let sids = self.handover_students(choice)?;
        let key = self.sync_key();
        let (row, peer) = self.peer_by_name(&key, to)?;
        self.handover(Dest::Peer(row, peer), sids, out)
    }

    /// Exports whole files for handover to another institution (e.g. the school a student
    /// transfers to) with which no profiles were exchanged: the bundle is encrypted to
    /// `passphrase` (age scrypt) and carries this site's profile, whose fingerprint the other side
    /// compares by phone. Its receipt, under the same passphrase, retires the files as usual.
    pub fn export_handover_passphrase(
        &mut self,
        institution: &str,
        passphrase: &str,
        choice: &HandoverChoice,
        out: &Path,
    ) -> Result<ExportReport> {
        let institution = institution.trim();
        if institution.is_empty() || institution.chars().count() > 100 {
            return Err(Error::Invalid {
                field: "--to",
                reason: "name the receiving institution (at most 100 characters)",
            });
        }
        crate::archive::check_passphrase(passphrase)?;
        let sids = self.handover_students(choice)?;
        self.handover(
            Dest::Passphrase {
                institution,
                passphrase,
            },
            sids,
            out,
        )
    }

    /// The students of a choice, sorted; refuses an empty choice.
    pub fn handover_students_of(&self, choice: &HandoverChoice) -> Result<Vec<String>> {
        let mut out: Vec<String> = self
            .handover_students(choice)?
            .iter()
            .filter_map(|sid| self.students.get(sid))
            .map(|s| s.profile.student_no.clone())
            .collect();
        out.sort();
        Ok(out)
    }

    fn handover_students(&self, choice: &HandoverChoice) -> Result<Vec<i64>> {
        let mut sids: Vec<i64> = choice
            .student_nos
            .iter()
            .map(|s| self.student_id(s))
            .collect::<Result<_>>()?;
        let grade = choice
            .grade
            .as_deref()
            .map(str::trim)
            .filter(|g| !g.is_empty());
        if choice.status.is_some() || grade.is_some() {
            sids.extend(
                self.students
                    .values()
                    .filter(|s| choice.status.is_none_or(|st| s.profile.status == st))
                    .filter(|s| grade.is_none_or(|g| s.profile.grade == g))
                    .map(|s| s.id),
            );
        }
        sids.sort_unstable();
        sids.dedup();
        if sids.is_empty() {
            return Err(Error::Invalid {
                field: "--student",
                reason: "choose at least one student to hand over",
            });
        }
        Ok(sids)
    }

    fn handover(&mut self, dest: Dest<'_>, sids: Vec<i64>, out: &Path) -> Result<ExportReport> {
        let site = self.site(None)?;
        let key = self.sync_key();
        let me = site.site_id();
        let mut changes = Vec::new();
        let ops = crypto::SealKey::new(&key);
        let mut student = None;
        // One read transaction, as in `export_bundle`.
        let read = self.db.unchecked_transaction()?;
        for &sid in &sids {
            let rows = self.op_rows(
                "SELECT id, kind, student_id, target, body FROM ops WHERE student_id = ?1 ORDER BY kind, seq",
                &[&sid],
            )?;
            for (id, kind, sid, target, sealed) in rows {
                let row = (id, kind, sid, target);
                changes.push(self.change_of(&key, &ops, &mut student, &me, row, &sealed)?);
            }
        }
        read.commit()?;
        let changes = bundle::collapse_profiles(changes);
        self.emit(&site, dest, BundleKind::Handover, changes, 0, 0, sids, out)
    }

    /// The handovers waiting for their receipt, oldest first, with the files each still holds.
    pub fn pending_handovers(&self) -> Result<Vec<PendingHandover>> {
        let key = self.sync_key();
        let marks: Vec<(i64, Vec<u8>)> = self
            .db
            .prepare("SELECT student_id, bundle FROM handovers ORDER BY student_id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut by_bundle: HashMap<Vec<u8>, Vec<String>> = HashMap::new();
        for (sid, lookup) in marks {
            let sno = self
                .students
                .get(&sid)
                .map(|s| s.profile.student_no.clone())
                .ok_or(Error::Tamper("a handover mark"))?;
            by_bundle.entry(lookup).or_default().push(sno);
        }
        let mut out = Vec::new();
        for (lookup, mut students) in by_bundle {
            let (row, sealed): (i64, Vec<u8>) = self
                .db
                .query_row(
                    "SELECT id, body FROM bundles_out WHERE lookup = ?1",
                    [&lookup],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or(Error::Tamper("a handover mark"))?;
            let sent: BundleOut = from_json(
                &crypto::open(
                    &key,
                    &plain_binding(&self.id, "bundles_out", row),
                    &sealed,
                    "a bundle log",
                )?,
                "a bundle log",
            )?;
            students.sort();
            out.push(PendingHandover {
                bundle_id: sent.bundle_id,
                recipient: sent.recipient_name,
                by_passphrase: sent.recipient == bundle::PASSPHRASE_RECIPIENT,
                at: sent.at,
                students,
            });
        }
        out.sort_by(|a, b| (&a.at, &a.bundle_id).cmp(&(&b.at, &b.bundle_id)));
        Ok(out)
    }

    fn bundle_in(&self, key: &Key, bundle_id: &str) -> Result<Option<BundleIn>> {
        let lookup = crypto::blind_index(key, "bundle", bundle_id);
        let row: Option<(i64, Vec<u8>)> = self
            .db
            .query_row(
                "SELECT id, body FROM bundles_in WHERE lookup = ?1",
                [&lookup[..]],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        row.map(|(id, sealed)| {
            from_json(
                &crypto::open(
                    key,
                    &plain_binding(&self.id, "bundles_in", id),
                    &sealed,
                    "a bundle log",
                )?,
                "a bundle log",
            )
        })
        .transpose()
    }

    /// Decrypts and authenticates a bundle or receipt addressed to this site.
    fn read_bundle(&mut self, file: &[u8]) -> Result<(SiteIdentity, i64, Peer, bundle::Contents)> {
        let site = self.site(None)?;
        if bundle::is_passphrase_file(file) {
            return Err(Error::Invalid {
                field: "bundle",
                reason: "this file is protected by a passphrase; give the passphrase",
            });
        }
        let plain = bundle::decrypt(&site, file)?;
        let (manifest, ..) = bundle::split_container(&plain)?;
        let key = self.sync_key();
        let (row, peer) = self
            .peers(&key)?
            .into_iter()
            .find(|(_, p)| p.profile.site_id() == manifest.sender.id)
            .ok_or(Error::BundleUnknownSigner)?;
        let contents = bundle::open_container(&plain, &peer.profile)?;
        if contents.manifest.recipient.id != site.site_id() {
            return Err(Error::BundleMisaddressed);
        }
        Ok((site, row, peer, contents))
    }

    /// Decrypts a passphrase-protected bundle or receipt and authenticates it with the profile it
    /// carries (which must match the stored one if the sender is a trusted peer). Returns the
    /// peer if known, and the sender's profile.
    fn read_passphrase_bundle(
        &mut self,
        file: &[u8],
        passphrase: &str,
    ) -> Result<PassphraseBundle> {
        let site = self.site(None)?;
        let plain = bundle::decrypt_passphrase(passphrase, file)?;
        let (manifest, ..) = bundle::split_container(&plain)?;
        let key = self.sync_key();
        let known = self
            .peers(&key)?
            .into_iter()
            .find(|(_, p)| p.profile.site_id() == manifest.sender.id);
        let contents = bundle::open_self_signed(&plain, known.as_ref().map(|(_, p)| &p.profile))?;
        let sender = contents
            .manifest
            .sender_profile
            .clone()
            .ok_or(Error::BundleUnknownSigner)?;
        if sender.site_id() == site.site_id() {
            return Err(Error::BundleMisaddressed);
        }
        Ok((site, known, sender, contents))
    }

    /// Imports a bundle in one transaction and returns the report and the signed receipt (an age
    /// file for the sender). The same bundle again changes nothing and returns the same receipt.
    pub fn import_bundle(&mut self, file: &[u8]) -> Result<(BundleImportReport, Vec<u8>)> {
        let (site, peer_row, peer, contents) = self.read_bundle(file)?;
        let sender = peer.profile.clone();
        self.with_import_cache(|me| {
            me.import_contents(site, Some((peer_row, peer)), sender, contents, None)
        })
    }

    /// Runs an import with SQLite's page cache raised to [`bundle::IMPORT_CACHE_KIB`], then puts
    /// the connection's setting back (freeing the pages). With the default 2 MB, an import of
    /// thousands of students in one transaction spilled dirty pages to the WAL and read them back
    /// again, about half of its time.
    fn with_import_cache<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let before: i64 = self
            .db
            .pragma_query_value(None, "cache_size", |r| r.get(0))?;
        self.db
            .pragma_update(None, "cache_size", -bundle::IMPORT_CACHE_KIB)?;
        let out = f(self);
        let restored = self.db.pragma_update(None, "cache_size", before);
        let out = out?;
        restored?;
        Ok(out)
    }

    /// Imports a handover bundle protected by a passphrase (from an institution that exchanged
    /// no profiles). The report names the sender's fingerprint, to compare by phone; the receipt
    /// is encrypted to the same passphrase and carries this site's profile.
    pub fn import_bundle_with_passphrase(
        &mut self,
        file: &[u8],
        passphrase: &str,
    ) -> Result<(BundleImportReport, Vec<u8>)> {
        let (site, known, sender, contents) = self.read_passphrase_bundle(file, passphrase)?;
        if contents.manifest.recipient.id != bundle::PASSPHRASE_RECIPIENT {
            return Err(Error::BundleMisaddressed);
        }
        if contents.manifest.kind != BundleKind::Handover {
            return Err(Error::Invalid {
                field: "bundle",
                reason: "only handover bundles travel under a passphrase",
            });
        }
        self.with_import_cache(|me| {
            me.import_contents(site, known, sender, contents, Some(passphrase))
        })
    }

    fn import_contents(
        &mut self,
        site: SiteIdentity,
        mut peer: Option<(i64, Peer)>,
        sender: SiteProfile,
        contents: bundle::Contents,
        passphrase: Option<&str>,
    ) -> Result<(BundleImportReport, Vec<u8>)> {
        let m = contents.manifest.clone();
        if m.kind == BundleKind::Receipt {
            return Err(Error::Invalid {
                field: "bundle",
                reason: "this is a receipt; import it with `receipt import`",
            });
        }
        let key = self.sync_key();
        let hash = contents.hash();
        let mut report = BundleImportReport {
            bundle_id: m.bundle_id.clone(),
            kind: m.kind,
            sender: sender.name.clone(),
            sender_fingerprint: sender.fingerprint.clone(),
            duplicate: false,
            students_added: 0,
            profiles_updated: 0,
            records_added: 0,
            skipped: 0,
            conflicts: Vec::new(),
            gap: None,
        };
        if let Some(seen) = self.bundle_in(&key, &m.bundle_id)? {
            if seen.hash != hash || seen.sender != m.sender.id {
                return Err(Error::BundleIdConflict);
            }
            report.duplicate = true;
            return Ok((report, seen.receipt));
        }
        let sequenced = m.kind != BundleKind::Handover;
        let mut last_in_to = 0;
        if sequenced {
            let (_, peer) = peer.as_mut().ok_or(Error::BundleUnknownSigner)?;
            if m.bundle_seq <= peer.last_in_bundle || m.from_seq < 1 || m.to_seq < m.from_seq - 1 {
                return Err(Error::BundleStale);
            }
            if m.from_seq > peer.last_in_to + 1 {
                report.gap = Some(vec![(peer.last_in_to + 1) as i32, (m.from_seq - 1) as i32]);
            } else {
                peer.last_in_to = peer.last_in_to.max(m.to_seq);
            }
            peer.last_in_bundle = m.bundle_seq;
            last_in_to = peer.last_in_to;
        }
        let me = site.site_id();
        let tx = self.db.unchecked_transaction()?;
        let pending = self.apply_changes(&tx, &key, &me, &contents.changes, &mut report)?;
        // The receipt acknowledges what we hold contiguously, not what this bundle claimed.
        let receipt_manifest = Manifest {
            format: bundle::FORMAT_VERSION,
            bundle_id: crypto::hex(&crypto::random::<16>()),
            kind: BundleKind::Receipt,
            sender: SiteRef::of(site.profile()),
            recipient: m.sender.clone(),
            created_at: now_text(),
            bundle_seq: 0,
            from_seq: 0,
            to_seq: 0,
            counts: Counts::default(),
            content_sha256: String::new(),
            receipt: Some(ReceiptBody {
                bundle_id: m.bundle_id.clone(),
                bundle_hash: hash.clone(),
                bundle_kind: m.kind,
                acked_to: last_in_to,
                counts: m.counts.clone(),
            }),
            sender_profile: passphrase.map(|_| site.profile().clone()),
        };
        let (_, plain) = bundle::seal_container(&site, receipt_manifest, &[])?;
        let receipt = match passphrase {
            Some(p) => bundle::encrypt_passphrase(p, &plain)?,
            None => bundle::encrypt(&sender, &plain)?,
        };
        let seen = BundleIn {
            bundle_id: m.bundle_id.clone(),
            hash,
            sender: m.sender.id.clone(),
            receipt: receipt.clone(),
        };
        let id = crypto::random_id();
        let lookup = crypto::blind_index(&key, "bundle", &m.bundle_id);
        let sealed = crypto::seal(
            &key,
            &plain_binding(&self.id, "bundles_in", id),
            &to_json(&seen)?,
        );
        tx.execute(
            "INSERT INTO bundles_in (id, lookup, body) VALUES (?1, ?2, ?3)",
            params![id, &lookup[..], sealed],
        )?;
        if let Some((row, peer)) = &peer {
            self.save_peer(&tx, &key, *row, peer)?;
        }
        let entry = AuditEntry {
            seq: 0,
            at: now_text(),
            actor: self.actor.clone(),
            action: AuditAction::Import,
            student_no: None,
            detail: format!(
                "{:?} bundle {} from {}: {} students added, {} profiles updated, {} records added, {} skipped, {} conflicts",
                m.kind,
                m.bundle_id,
                sender.name,
                report.students_added,
                report.profiles_updated,
                report.records_added,
                report.skipped,
                report.conflicts.len()
            ),
        };
        let head = audit::append(&tx, &self.id, &self.keys.audit, self.head, &entry)?;
        tx.commit()?;
        self.head = head;
        self.apply_pending(pending);
        Ok((report, receipt))
    }

    fn apply_pending(&mut self, pending: Pending) {
        for (sid, e) in pending.new {
            self.by_lookup
                .insert(self.lookup(&e.profile.student_no), sid);
            self.students.insert(sid, e);
        }
        for (sid, (v, p)) in pending.updated {
            if let Some(s) = self.students.get_mut(&sid) {
                s.version = v;
                s.profile = p;
            }
        }
        for (sid, heads) in pending.heads {
            if let Some(s) = self.students.get_mut(&sid) {
                s.heads.extend(heads);
                s.heads
                    .sort_by(|a, b| (a.date, &a.written_at).cmp(&(b.date, &b.written_at)));
            }
        }
    }

    /// Finds the local row of a change already held, by its origin's blind index and sequence
    /// number.
    fn held(tx: &Connection, origin: &[u8; 16], seq: i64) -> Result<Option<i64>> {
        Ok(tx
            .prepare_cached("SELECT target FROM ops WHERE origin = ?1 AND seq = ?2")?
            .query_row(params![&origin[..], seq], |r| r.get(0))
            .optional()?)
    }

    /// Merges the changes in the caller's transaction; returns what memory must learn after the
    /// commit.
    fn apply_changes(
        &self,
        tx: &Connection,
        key: &Key,
        me: &str,
        changes: &[(Change, Option<Zeroizing<Vec<u8>>>)],
        report: &mut BundleImportReport,
    ) -> Result<Pending> {
        let mut pending = Pending::default();
        let mut clock = self.read_clock(tx, key)?;
        let mut origins = Origins {
            session: self,
            key,
            me,
            known: HashMap::new(),
        };
        let ops = crypto::SealKey::new(key);
        // Profiles first, so records of a student new to this archive find the student.
        let ordered = changes
            .iter()
            .filter(|(c, _)| matches!(c.op, ChangeOp::Profile { .. }))
            .chain(
                changes
                    .iter()
                    .filter(|(c, _)| matches!(c.op, ChangeOp::Record { .. })),
            );
        // The student of the previous record change: a bundle lists a student's records together,
        // and no student is added once the records begin, so one blind index per student does.
        let mut last_student: Option<(&str, i64)> = None;
        for (c, attachment) in ordered {
            clock.hlc = clock.hlc.max(c.hlc);
            let origin_lookup = origins.of(&c.origin);
            if Self::held(tx, &origin_lookup, c.seq)?.is_some() {
                report.skipped += 1;
                continue;
            }
            let origin = if c.origin == me {
                None
            } else {
                Some(c.origin.clone())
            };
            let body_origin = origin.clone();
            match &c.op {
                ChangeOp::Profile { profile } => {
                    let profile = validate_profile(profile.clone())
                        .map_err(|_| Error::BundleDamaged("a profile"))?;
                    let lookup = self.lookup(&profile.student_no);
                    let sid = match self.pending_sid_of(&pending, &lookup) {
                        None => {
                            let e = self.import_student(tx, &profile, &lookup)?;
                            let sid = e.id;
                            pending.new_lookup.insert(lookup, sid);
                            pending.new.insert(sid, e);
                            report.students_added += 1;
                            sid
                        }
                        Some(sid) => {
                            self.merge_profile(
                                tx,
                                key,
                                me,
                                sid,
                                c,
                                &profile,
                                &mut pending,
                                report,
                            )?;
                            sid
                        }
                    };
                    let op = OpBody {
                        origin: body_origin,
                        seq: c.seq,
                        hlc: c.hlc,
                        profile: Some(profile),
                    };
                    self.insert_op_at(tx, &ops, &origin_lookup, &op, OP_PROFILE, sid, sid)?;
                }
                ChangeOp::Record {
                    written_at,
                    record,
                    has_attachment,
                } => {
                    let sid = match last_student {
                        Some((no, sid)) if no == c.student_no => sid,
                        _ => {
                            let sid = self
                                .pending_sid(&pending, &c.student_no)
                                .ok_or(Error::BundleIncomplete)?;
                            last_student = Some((&c.student_no, sid));
                            sid
                        }
                    };
                    let mut record = record.clone();
                    let amends = match &record.amends {
                        None => None,
                        Some(u) => {
                            let (o, s) = split_uid(u).ok_or(Error::BundleDamaged("a record"))?;
                            Some(
                                Self::held(tx, &origins.of(o), s)?
                                    .ok_or(Error::BundleIncomplete)?,
                            )
                        }
                    };
                    record.amends = amends.map(|a| a.to_string());
                    let rid = crypto::random_id();
                    let mut head = RecordHead::of(rid, &record, amends);
                    head.written_at = written_at.as_str().into();
                    let skey = crypto::SealKey::new(
                        pending
                            .new
                            .get(&sid)
                            .map(|e| &e.key)
                            .or_else(|| self.students.get(&sid).map(|e| &e.key))
                            .ok_or(Error::BundleIncomplete)?,
                    );
                    let sealed_head =
                        skey.seal(&head_binding(&self.id, rid, sid), &to_json(&head)?);
                    let sealed_body =
                        skey.seal(&body_binding(&self.id, rid, sid), &to_json(&record)?);
                    tx.prepare_cached(
                        "INSERT INTO records (id, student_id, header, body) VALUES (?1, ?2, ?3, ?4)",
                    )?
                    .execute(params![rid, sid, sealed_head, sealed_body])?;
                    match (has_attachment, attachment) {
                        (true, Some(a)) => {
                            let sealed = skey.seal(&attachment_binding(&self.id, rid, sid), a);
                            tx.prepare_cached(
                                "INSERT INTO attachments (id, student_id, content) VALUES (?1, ?2, ?3)",
                            )?
                            .execute(params![rid, sid, sealed])?;
                        }
                        (false, None) => {}
                        _ => return Err(Error::BundleDamaged("a missing attachment")),
                    }
                    let op = OpBody {
                        origin: body_origin,
                        seq: c.seq,
                        hlc: c.hlc,
                        profile: None,
                    };
                    self.insert_op_at(tx, &ops, &origin_lookup, &op, OP_RECORD, sid, rid)?;
                    pending.heads.entry(sid).or_default().push(head);
                    report.records_added += 1;
                }
            }
        }
        self.write_clock(tx, key, &clock)?;
        Ok(pending)
    }

    fn pending_sid(&self, pending: &Pending, student_no: &str) -> Option<i64> {
        self.pending_sid_of(pending, &self.lookup(student_no))
    }

    fn pending_sid_of(&self, pending: &Pending, lookup: &[u8; 16]) -> Option<i64> {
        self.by_lookup
            .get(lookup)
            .or_else(|| pending.new_lookup.get(lookup))
            .copied()
    }

    /// Like `insert_student` but without logging a local operation: the change came from a peer.
    fn import_student(
        &self,
        tx: &Connection,
        profile: &StudentProfile,
        lookup: &[u8; 16],
    ) -> Result<StudentEntry> {
        let sid = crypto::random_id();
        let key = crypto::random_key();
        let wrapped = crypto::seal(&self.keys.master, &key_binding(&self.id, sid), &key[..]);
        let sealed = crypto::seal(&key, &profile_binding(&self.id, sid, 1), &to_json(profile)?);
        tx.prepare_cached(
            "INSERT INTO students (id, lookup, data_key, version, profile) VALUES (?1, ?2, ?3, 1, ?4)",
        )?
        .execute(params![sid, &lookup[..], wrapped, sealed])?;
        Ok(StudentEntry {
            id: sid,
            key,
            version: 1,
            profile: profile.clone(),
            heads: Vec::new(),
        })
    }

    /// Last writer wins by (clock, site id); a losing edit from another site that differs is listed.
    #[allow(clippy::too_many_arguments)]
    fn merge_profile(
        &self,
        tx: &Connection,
        key: &Key,
        me: &str,
        sid: i64,
        c: &Change,
        incoming: &StudentProfile,
        pending: &mut Pending,
        report: &mut BundleImportReport,
    ) -> Result<()> {
        let rows: Vec<(i64, Vec<u8>)> = tx
            .prepare_cached("SELECT id, body FROM ops WHERE student_id = ?1 AND kind = 0")?
            .query_map([sid], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut winner: Option<(u64, String)> = None;
        for (id, sealed) in rows {
            let op = self.open_op(key, id, sid, &sealed)?;
            let k = (op.hlc, op.origin.unwrap_or_else(|| me.to_string()));
            if winner.as_ref().is_none_or(|w| k > *w) {
                winner = Some(k);
            }
        }
        let (current_version, current) = match pending.updated.get(&sid) {
            Some((v, p)) => (*v, p.clone()),
            None => {
                let s = pending
                    .new
                    .get(&sid)
                    .or_else(|| self.students.get(&sid))
                    .ok_or(Error::BundleIncomplete)?;
                (s.version, s.profile.clone())
            }
        };
        let mine = (c.hlc, c.origin.clone());
        let wins = winner.as_ref().is_none_or(|w| mine > *w);
        let fields = differing_fields(&current, incoming);
        if fields.is_empty() {
            return Ok(());
        }
        let winner_site = winner.map(|w| w.1).unwrap_or_else(|| me.to_string());
        if winner_site != c.origin {
            let (kept, other) = if wins {
                (c.origin.clone(), winner_site)
            } else {
                (winner_site, c.origin.clone())
            };
            let id = crypto::random_id();
            let conflict = SyncConflict {
                id: id.to_string(),
                student_no: incoming.student_no.clone(),
                fields,
                kept_site: self.site_name(key, me, &kept)?,
                other_site: self.site_name(key, me, &other)?,
                at: now_text(),
            };
            let sealed = crypto::seal(
                key,
                &Binding {
                    archive: &self.id,
                    table: "conflicts",
                    row: id,
                    student: sid,
                    version: 0,
                },
                &to_json(&conflict)?,
            );
            tx.prepare_cached("INSERT INTO conflicts (id, student_id, body) VALUES (?1, ?2, ?3)")?
                .execute(params![id, sid, sealed])?;
            report.conflicts.push(conflict);
        }
        if wins {
            let version = current_version + 1;
            let skey = pending
                .new
                .get(&sid)
                .map(|e| &e.key)
                .or_else(|| self.students.get(&sid).map(|e| &e.key))
                .ok_or(Error::BundleIncomplete)?;
            let sealed = crypto::seal(
                skey,
                &profile_binding(&self.id, sid, version),
                &to_json(incoming)?,
            );
            tx.prepare_cached("UPDATE students SET version = ?1, profile = ?2 WHERE id = ?3")?
                .execute(params![version, sealed, sid])?;
            if let Some(e) = pending.new.get_mut(&sid) {
                e.version = version;
                e.profile = incoming.clone();
            } else {
                pending.updated.insert(sid, (version, incoming.clone()));
            }
            report.profiles_updated += 1;
        }
        Ok(())
    }

    fn site_name(&self, key: &Key, me: &str, id: &str) -> Result<String> {
        if id == me {
            return Ok(self
                .load_site()?
                .map(|s| s.profile().name.clone())
                .unwrap_or_default());
        }
        Ok(self
            .peers(key)?
            .into_iter()
            .find(|(_, p)| p.profile.site_id() == id)
            .map(|(_, p)| p.profile.name)
            .unwrap_or_else(|| id.to_string()))
    }

    /// The profile conflicts found by imports, for a person to settle.
    pub fn sync_conflicts(&self) -> Result<Vec<SyncConflict>> {
        let key = self.sync_key();
        let mut stmt = self
            .db
            .prepare("SELECT id, student_id, body FROM conflicts")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = rows
            .into_iter()
            .map(|(id, sid, sealed)| {
                let b = Binding {
                    archive: &self.id,
                    table: "conflicts",
                    row: id,
                    student: sid,
                    version: 0,
                };
                let mut c: SyncConflict = from_json(
                    &crypto::open(&key, &b, &sealed, "a conflict")?,
                    "a conflict",
                )?;
                c.id = id.to_string();
                Ok(c)
            })
            .collect::<Result<Vec<SyncConflict>>>()?;
        out.sort_by(|a, b| (&a.at, &a.student_no).cmp(&(&b.at, &b.student_no)));
        Ok(out)
    }

    /// Marks a conflict settled: a person checked the profile (and edited it if the edit in force
    /// was the wrong one; a new edit here wins by clock and travels on). Audited.
    pub fn settle_conflict(&mut self, id: &str) -> Result<()> {
        let row = parse_id(id).map_err(|_| Error::Invalid {
            field: "conflict",
            reason: "not a conflict id",
        })?;
        let sid: Option<i64> = self
            .db
            .query_row(
                "SELECT student_id FROM conflicts WHERE id = ?1",
                [row],
                |r| r.get(0),
            )
            .optional()?;
        let sid = sid.ok_or(Error::Invalid {
            field: "conflict",
            reason: "no open conflict with that id",
        })?;
        let sno = self
            .students
            .get(&sid)
            .map(|s| s.profile.student_no.clone());
        self.write(
            AuditAction::Write,
            sno.as_deref(),
            format!("sync conflict {id} settled"),
            |tx, _| {
                tx.execute("DELETE FROM conflicts WHERE id = ?1", [row])?;
                Ok(())
            },
        )
    }

    /// Imports a receipt: records what the peer acknowledged and, for a handover, retires exactly
    /// the files of that bundle in one transaction (data keys destroyed, rows deleted with secure
    /// delete, a tombstone with the receipt's hash kept, audited), then rebuilds the file (VACUUM)
    /// and checkpoints and truncates the WAL, so no byte of those files remains in the folder.
    pub fn import_receipt(&mut self, file: &[u8]) -> Result<ReceiptReport> {
        let (_site, peer_row, peer, contents) = self.read_bundle(file)?;
        let sender = peer.profile.clone();
        self.apply_receipt(Some((peer_row, peer)), sender, contents, false)
    }

    /// Imports the receipt of a passphrase handover (see [`Session::export_handover_passphrase`]):
    /// encrypted to the same passphrase, signed by the receiving institution's site with its
    /// profile carried along. It must acknowledge exactly a bundle sent from here under a
    /// passphrase; the tombstone keeps the receiver's name and fingerprint.
    pub fn import_receipt_with_passphrase(
        &mut self,
        file: &[u8],
        passphrase: &str,
    ) -> Result<ReceiptReport> {
        let (site, known, sender, contents) = self.read_passphrase_bundle(file, passphrase)?;
        if contents.manifest.recipient.id != site.site_id() {
            return Err(Error::BundleMisaddressed);
        }
        self.apply_receipt(known, sender, contents, true)
    }

    fn apply_receipt(
        &mut self,
        peer: Option<(i64, Peer)>,
        sender: SiteProfile,
        contents: bundle::Contents,
        by_passphrase: bool,
    ) -> Result<ReceiptReport> {
        let m = &contents.manifest;
        let r = match (&m.kind, &m.receipt) {
            (BundleKind::Receipt, Some(r)) => r.clone(),
            _ => {
                return Err(Error::Invalid {
                    field: "receipt",
                    reason: "this is a bundle, not a receipt; import it with `bundle import`",
                })
            }
        };
        let receipt_hash = contents.hash();
        let key = self.sync_key();
        let lookup = crypto::blind_index(&key, "bundle", &r.bundle_id);
        let (out_row, sealed): (i64, Vec<u8>) = self
            .db
            .query_row(
                "SELECT id, body FROM bundles_out WHERE lookup = ?1",
                [&lookup[..]],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?
            .ok_or(Error::ReceiptMismatch)?;
        let mut sent: BundleOut = from_json(
            &crypto::open(
                &key,
                &plain_binding(&self.id, "bundles_out", out_row),
                &sealed,
                "a bundle log",
            )?,
            "a bundle log",
        )?;
        // A passphrase bundle is acknowledged by whoever held the passphrase and could read the
        // bundle's hash inside it; a bundle to a peer only by that peer.
        let expected_recipient = if by_passphrase {
            bundle::PASSPHRASE_RECIPIENT
        } else {
            m.sender.id.as_str()
        };
        if sent.hash != r.bundle_hash
            || sent.recipient != expected_recipient
            || sent.kind != r.bundle_kind
        {
            return Err(Error::ReceiptMismatch);
        }
        let mut report = ReceiptReport {
            bundle_id: r.bundle_id.clone(),
            kind: sent.kind,
            site: sender.name.clone(),
            site_fingerprint: sender.fingerprint.clone(),
            acked_to: peer.as_ref().map_or(0, |(_, p)| p.acked_to as i32),
            retired: 0,
            receipt_hash: receipt_hash.clone(),
        };
        if sent.kind != BundleKind::Handover {
            let Some((peer_row, mut peer)) = peer else {
                return Err(Error::ReceiptMismatch);
            };
            peer.acked_to = peer.acked_to.max(r.acked_to.min(sent.to_seq));
            report.acked_to = peer.acked_to as i32;
            let detail = format!(
                "receipt from {} for bundle {}: acknowledged to {}",
                peer.profile.name, r.bundle_id, peer.acked_to
            );
            self.write(AuditAction::Import, None, detail, |tx, me| {
                me.save_peer(tx, &key, peer_row, &peer)
            })?;
            return Ok(report);
        }
        if sent.retired {
            return Ok(report);
        }
        // Exactly those files: every student of the bundle still marked with this bundle.
        let marked: Vec<i64> = self
            .db
            .prepare("SELECT student_id FROM handovers WHERE bundle = ?1 ORDER BY student_id")?
            .query_map([&lookup[..]], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut expected = sent.students.clone();
        expected.sort_unstable();
        if marked != expected {
            return Err(Error::ReceiptMismatch);
        }
        sent.retired = true;
        let tomb = Tombstone {
            bundle_id: r.bundle_id.clone(),
            receipt_hash: receipt_hash.clone(),
            students: expected.len() as i64,
            at: now_text(),
            receiver: format!("{} {}", sender.name, sender.fingerprint),
        };
        let detail = format!(
            "retired {} files handed over to {} ({}) in bundle {}; receipt {}",
            expected.len(),
            sender.name,
            sender.fingerprint,
            r.bundle_id,
            receipt_hash
        );
        self.write(AuditAction::Write, None, detail, |tx, me| {
            tx.execute("UPDATE handovers SET retiring = 1 WHERE bundle = ?1", [&lookup[..]])?;
            for sid in &expected {
                // Overwrite first, so the old key and profile are gone even from pages a delete
                // would only unlink.
                tx.execute(
                    "UPDATE students SET data_key = zeroblob(length(data_key)), profile = zeroblob(length(profile)) WHERE id = ?1",
                    [sid],
                )?;
                for sql in [
                    "DELETE FROM attachments WHERE student_id = ?1",
                    "DELETE FROM records WHERE student_id = ?1",
                    "DELETE FROM ops WHERE student_id = ?1",
                    "DELETE FROM conflicts WHERE student_id = ?1",
                    "DELETE FROM handovers WHERE student_id = ?1",
                    "DELETE FROM students WHERE id = ?1",
                ] {
                    tx.execute(sql, [sid])?;
                }
            }
            let sealed = crypto::seal(&key, &plain_binding(&me.id, "bundles_out", out_row), &to_json(&sent)?);
            tx.execute("UPDATE bundles_out SET body = ?1 WHERE id = ?2", params![sealed, out_row])?;
            let id = crypto::random_id();
            let sealed = crypto::seal(&key, &plain_binding(&me.id, "tombstones", id), &to_json(&tomb)?);
            tx.execute("INSERT INTO tombstones (id, body) VALUES (?1, ?2)", params![id, sealed])?;
            Ok(())
        })?;
        for sid in &expected {
            if let Some(e) = self.students.remove(sid) {
                self.by_lookup.remove(&self.lookup(&e.profile.student_no));
            }
        }
        // secure_delete zeroes freed cells and pages, but a B-tree rebalance can leave stale bytes
        // in a page's unallocated area (a test found a retired ciphertext there): rebuilding the
        // file leaves none. Then the WAL, which holds old page images until a checkpoint, is
        // checkpointed and truncated. VACUUM copies the archive through memory
        // (temp_store=MEMORY); retirements are rare, batched events, so the cost is accepted.
        self.db.execute_batch("VACUUM")?;
        for attempt in 0..5 {
            let busy: i64 = self
                .db
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
            if busy == 0 {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50 << attempt));
        }
        // The index snapshot still holds the retired students (sealed under the archive's key, not
        // their destroyed ones): replace it now rather than at lock, and remove it first so a
        // crash in between leaves none.
        self.replace_snapshot();
        report.retired = expected.len() as i32;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_never_goes_backwards() {
        let now = hlc_next(0);
        assert!(now >> 16 > 1_700_000_000_000, "wall time in the high bits");
        assert!(hlc_next(now) > now);
        // A clock that saw a time far ahead (another site's, or before the wall clock was set
        // back) keeps counting from there.
        let ahead = (now_ms() + 3_600_000) << 16;
        assert_eq!(hlc_next(ahead), ahead + 1);
        assert_eq!(hlc_next(ahead + 1), ahead + 2);
    }

    #[test]
    fn a_local_op_body_is_encoded_as_serde_would() {
        let p = crate::synth::generate(&crate::synth::SynthConfig::new(
            1,
            1,
            chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date"),
        ))
        .remove(0)
        .profile;
        for (seq, hlc, profile) in [(1, 0, None), (i64::MAX, u64::MAX, Some(p))] {
            let body = OpBody {
                origin: None,
                seq,
                hlc,
                profile,
            };
            let json = body.profile.as_ref().map(|p| to_json(p).expect("json"));
            assert_eq!(
                &oplog::local_op_json(seq, hlc, json.as_deref().map(|j| &j[..]))[..],
                &serde_json::to_vec(&body).expect("json")[..]
            );
        }
    }

    /// Every local op of the archive, (seq, hlc) in seq order, and the stored clock.
    fn ops_and_clock(s: &Session) -> (Vec<(i64, u64)>, Clock) {
        let key = s.sync_key();
        let rows: Vec<(i64, i64, Vec<u8>)> =
            s.db.prepare("SELECT id, student_id, body FROM ops")
                .expect("prepare")
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("rows");
        let mut ops: Vec<(i64, u64)> = rows
            .iter()
            .map(|(id, sid, sealed)| {
                let b = s.open_op(&key, *id, *sid, sealed).expect("open");
                assert!(b.origin.is_none());
                (b.seq, b.hlc)
            })
            .collect();
        ops.sort();
        (ops, s.read_clock(&s.db, &key).expect("clock"))
    }

    #[test]
    fn the_clock_is_written_once_per_transaction_and_rolls_back_with_it() {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let tmp = tempfile::tempdir().expect("temp dir");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let people = crate::synth::generate(&crate::synth::SynthConfig::new(4, 3, today));
        let record = people
            .iter()
            .find_map(|p| p.records.first().cloned())
            .expect("a record");
        let (mut s, _) = crate::archive::Archive::create(&tmp.path().join("a"), "clock-口令-2026")
            .expect("create");
        let items = people.into_iter().map(|p| (p.profile, p.records)).collect();
        s.load_students(items, |_, new| new).expect("load");
        let check = |s: &Session| {
            let (ops, clock) = ops_and_clock(s);
            // Sequence numbers 1..=n with no gap or repeat, stamps strictly increasing, and the
            // stored clock the last change's.
            assert!(!ops.is_empty());
            for (i, w) in ops.iter().enumerate() {
                assert_eq!(w.0, i as i64 + 1);
            }
            assert!(ops.windows(2).all(|w| w[0].1 < w[1].1));
            let last = *ops.last().expect("an op");
            assert_eq!((clock.seq, clock.hlc), last);
            last
        };
        let after_load = check(&s);
        // A write that logged changes and then failed: its rows and its clock are rolled back.
        let sid = *s.students.keys().next().expect("a student");
        let failed = s.write(AuditAction::Write, None, String::new(), |tx, me| {
            let key = &me.students[&sid].key;
            me.insert_record(tx, sid, key, &record, None)?;
            me.insert_record(tx, sid, key, &record, None)?;
            Err::<(), _>(Error::RecordNotFound)
        });
        assert!(matches!(failed, Err(Error::RecordNotFound)));
        assert_eq!(check(&s), after_load);
        // The next writes go on from the stored clock.
        let sno = s.students[&sid].profile.student_no.clone();
        s.add_record(&sno, record.clone()).expect("add");
        let one = check(&s);
        assert_eq!(one.0, after_load.0 + 1);
        assert!(one.1 > after_load.1);
        // A write that logs nothing leaves the clock alone.
        s.log(AuditAction::Export, None, "nothing logged")
            .expect("log");
        assert_eq!(check(&s), one);
    }

    #[test]
    fn record_uids_split_at_the_last_colon() {
        assert_eq!(split_uid("ab12:17"), Some(("ab12", 17)));
        assert_eq!(split_uid("ab12:x"), None);
        assert_eq!(split_uid("nocolon"), None);
        assert_eq!(uid("ab12", 17), "ab12:17");
    }
}
