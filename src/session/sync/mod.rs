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
//! | sync 同步 | [`Session::export_bundle`], [`Session::import_bundle`] (returns the receipt bytes to save; a handover of students held here needs [`Session::import_bundle_with`] and a [`HeldStudents`] choice, [`Session::preview_bundle`] lists them), [`Session::sync_conflicts`], [`Session::settle_conflict`], [`Session::peer_status`] | [`ExportReport`], [`BundleImportReport`] (with `gap`, `duplicate`), [`SyncConflict`], [`super::center::PeerStatus`] |
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

mod authorize;
mod changelog;
mod conflicts;
mod export;
mod handover;
mod import;
mod merge;
mod receipts;
mod redact;
mod retire;
mod site;

const OP_PROFILE: i64 = 0;
const OP_RECORD: i64 = 1;

/// Where a bundle goes.
// One short-lived value per export: the size of the peer variant does not matter.
#[allow(clippy::large_enum_variant)]
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
    /// The last audit anchor its bundles carried (absent before the first).
    #[serde(default)]
    audit: Option<bundle::AuditAnchor>,
    /// Set when a bundle showed its audit log shorter or re-chained; kept until settled.
    #[serde(default)]
    audit_alarm: Option<AuditAlarm>,
}

/// A peer's audit log went backwards: a bundle carried an audit head at or below one it sent
/// before (a restored older copy, a cut chain, or a re-chained log).
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAlarm {
    /// The peer site.
    pub site: String,
    /// The audit sequence number it had shown before.
    pub seen_seq: i32,
    /// The one the bundle carried.
    pub got_seq: i32,
    /// Whether the sequence went back (`false`: same length, another head).
    pub shorter: bool,
    /// The bundle that showed it.
    pub bundle_id: String,
    /// When it was found (RFC 3339).
    pub at: String,
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
    /// Every student of this class (班级): a counselor's caseload carried to another
    /// workstation, e.g. to the counselor who takes the class over.
    #[serde(default)]
    pub class: Option<String>,
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

/// What a conflict is about.
#[typeshare::typeshare]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// A profile edit lost to a concurrent one from another site (last writer wins).
    #[default]
    Profile,
    /// A peer changed a student it neither registered here nor is named by: refused, not stored.
    Unauthorized,
    /// A handover of a student already held here, returned (not merged) by a person's choice:
    /// the sender keeps the file.
    HandoverExisting,
    /// An attachment that is not a PDF or an image by its first bytes: refused, not stored.
    AttachmentType,
}

/// Something an import could not decide alone, for a person to settle: a profile edit that lost
/// to a concurrent one, or changes refused (see [`ConflictKind`]).
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncConflict {
    /// Its id, to settle it (a string for the UI; filled in when read).
    #[serde(default)]
    pub id: String,
    /// What it is about (absent in conflicts of the first builds: a profile conflict).
    #[serde(default)]
    pub kind: ConflictKind,
    /// 学号.
    pub student_no: String,
    /// The profile fields that differ (a profile conflict), or the kinds of change refused
    /// (`profile`, `record`, `attachment`).
    pub fields: Vec<String>,
    /// The site whose edit is in force (this site, for a refusal).
    pub kept_site: String,
    /// The site whose edit lost, or whose changes were refused.
    pub other_site: String,
    /// When the conflict was found (RFC 3339).
    pub at: String,
    /// The profile that lost (profile conflicts found by this version; absent in older ones and
    /// in import reports): offered side by side with the one in force, field by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost: Option<StudentProfile>,
}

/// One field of a profile conflict, side by side: the value in force and the one that lost, as
/// the base page shows them.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictField {
    /// The profile field's name, e.g. `dorm`.
    pub field: String,
    /// The value in force.
    pub kept: String,
    /// The value that lost.
    pub lost: String,
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

/// A passphrase bundle or receipt as read before it is imported: who signed it (the fingerprint
/// to compare by phone) and what it holds. Reading it writes nothing.
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundlePreview {
    /// The bundle id.
    pub bundle_id: String,
    /// Its kind (a handover, or a receipt).
    pub kind: BundleKind,
    /// The signing site's name.
    pub sender: String,
    /// Its fingerprint.
    pub sender_fingerprint: String,
    /// What it holds.
    pub counts: Counts,
    /// The students of a handover that this archive already holds, as their files here show
    /// them: importing it needs a person's choice ([`HeldStudents`]).
    pub held: Vec<HeldStudent>,
}

/// A student of a handover bundle whose file this archive already holds (该学生已在本档案中).
#[typeshare::typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldStudent {
    /// 学号.
    pub student_no: String,
    /// 姓名, as the file held here has it.
    pub name: String,
}

/// What an import does with the students of a handover bundle that this archive already holds
/// (issue 14: a handover creates students new to the receiver, or the receiver confirms a merge).
#[typeshare::typeshare]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HeldStudents {
    /// No choice made: the import is refused (`handover_student_held`), nothing written.
    #[default]
    Ask,
    /// 确认合并: their changes are merged into the files here, as a sync's are.
    Merge,
    /// 退回: their changes are refused and named in the receipt, so the sender keeps the files;
    /// each is listed in the conflict queue (`handover_existing`).
    Return,
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
    /// Changes stored by this import.
    pub applied: i32,
    /// Changes refused (uids `origin:seq`): not stored, named in the receipt, their students
    /// listed in `conflicts`.
    pub refused: Vec<String>,
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
    /// 学号 of the files handed over that the receiver refused (it held them already, or refused
    /// a change): kept here and writable again.
    pub kept: Vec<String>,
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
    u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0)
}

/// The next hybrid-logical-clock value after `last`: wall time in the high bits, a counter below,
/// never going backwards when the wall clock does. Saturating: a clock at its end stays there
/// rather than wrapping or panicking (peers' clocks are clamped on import, so it is never reached).
fn hlc_next(last: u64) -> u64 {
    now_ms().saturating_mul(1 << 16).max(last.saturating_add(1))
}

fn uid(origin: &str, seq: i64) -> String {
    format!("{origin}:{seq}")
}

/// The origin and sequence number of a change's uid (`origin:seq`).
pub fn split_uid(u: &str) -> Option<(&str, i64)> {
    let (o, s) = u.rsplit_once(':')?;
    Some((o, s.parse().ok()?))
}

pub use authorize::MAX_CLOCK_SKEW_MS;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_uids_split_at_the_last_colon() {
        assert_eq!(split_uid("ab12:17"), Some(("ab12", 17)));
        assert_eq!(split_uid("ab12:x"), None);
        assert_eq!(split_uid("nocolon"), None);
        assert_eq!(uid("ab12", 17), "ab12:17");
    }
}
