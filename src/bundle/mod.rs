//! The bundle format, version 1 (docs/bundle-format.md): an age file encrypted to the recipient's
//! X25519 recipient, whose plaintext is a framed container:
//!
//! ```text
//! "XINDANG-BUNDLE/1\n"
//! u32 BE length ‖ manifest (JSON)
//! 64 bytes      Ed25519 signature over SIGN_CONTEXT ‖ manifest
//! frames:       u8 tag ‖ u32 BE length ‖ bytes   (tag 1: a change as JSON,
//!                                                  tag 2: the content of the attachment of the
//!                                                         change just before)
//! ```
//!
//! The manifest carries the SHA-256 of the frames, so the signature covers everything.

use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use typeshare::typeshare;
use zeroize::Zeroizing;

use crate::crypto;
use crate::error::{Error, Result};
use crate::model::{NewRecord, StudentProfile};
use crate::site::{SiteIdentity, SiteProfile};

/// The first bytes of the plaintext.
pub const MAGIC: &[u8] = b"XINDANG-BUNDLE/1\n";
/// What the manifest signature is computed over, before the manifest bytes.
pub const SIGN_CONTEXT: &[u8] = b"xindang bundle manifest v1\0";
/// The manifest's format version.
pub const FORMAT_VERSION: u32 = 1;
/// The recipient id of a bundle encrypted to a passphrase (age scrypt) rather than to a site.
pub const PASSPHRASE_RECIPIENT: &str = "passphrase";

/// SQLite's page cache while a bundle is imported (KiB; the connection's default is 2 MB): an
/// import is one transaction, and a cache smaller than what it writes makes SQLite spill pages to
/// the WAL and read them back. Allocated only as used, and freed after the import.
pub const IMPORT_CACHE_KIB: i64 = 128 * 1024;

const MAX_MANIFEST: usize = 1 << 20;
/// An attachment is at most 20 MB; a frame a little more.
const MAX_FRAME: usize = 21 << 20;
const TAG_CHANGE: u8 = 1;
const TAG_ATTACHMENT: u8 = 2;

/// What a bundle is for.
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleKind {
    /// A college's changes for the center.
    Sync,
    /// Whole student files handed over (graduation, withdrawal, transfer).
    Handover,
    /// A signed acknowledgement of a bundle.
    Receipt,
    /// The center's changes for a college (screening results, flagged students).
    Results,
}

/// A site as named in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRef {
    /// The site id ([`SiteProfile::site_id`]).
    pub id: String,
    /// Its name.
    pub name: String,
}

impl SiteRef {
    /// The reference to a profile.
    pub fn of(p: &SiteProfile) -> SiteRef {
        SiteRef {
            id: p.site_id(),
            name: p.name.clone(),
        }
    }
}

/// What a bundle holds, counted.
#[typeshare]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Distinct students concerned.
    pub students: i32,
    /// Profile changes.
    pub profiles: i32,
    /// Records.
    pub records: i32,
    /// Attachments among the records.
    pub attachments: i32,
}

/// What a receipt acknowledges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceiptBody {
    /// The id of the bundle received.
    pub bundle_id: String,
    /// The hash of its manifest (its identity, hex).
    pub bundle_hash: String,
    /// Its kind.
    pub bundle_kind: BundleKind,
    /// The sender's sequence number up to which the receiver holds every change.
    pub acked_to: i64,
    /// What the receiver counted.
    pub counts: Counts,
    /// How many of the bundle's changes the receiver stored (absent in receipts of the first
    /// builds).
    #[serde(default)]
    pub applied: i64,
    /// The changes it refused (uids `origin:seq`): not stored, listed in its conflict queue. A
    /// handover's sender retires only the files none of whose changes were refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refused: Vec<String>,
}

/// The sender's audit log at the time of a sync bundle, signed with it: the receiver keeps the
/// last one per peer and raises an alarm when a later bundle shows the log shorter (a restored
/// copy, a cut chain) or the same length with another head (a re-chained log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    /// The sequence number of the last audit entry.
    pub seq: i64,
    /// Its chain hash, hex.
    pub head: String,
}

/// The signed manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`].
    pub format: u32,
    /// Random id, 32 hex characters.
    pub bundle_id: String,
    /// Kind.
    pub kind: BundleKind,
    /// Who wrote and signed it.
    pub sender: SiteRef,
    /// For whom.
    pub recipient: SiteRef,
    /// When (RFC 3339).
    pub created_at: String,
    /// The sender's running number of bundles to this recipient, from 1.
    pub bundle_seq: i64,
    /// The range of the sender's own change sequence numbers covered: every change of the sender
    /// with `from <= seq <= to` that the recipient may see is in this bundle or an earlier one.
    pub from_seq: i64,
    /// See `from_seq`.
    pub to_seq: i64,
    /// Counts of the changes.
    pub counts: Counts,
    /// SHA-256 of the frames, hex.
    pub content_sha256: String,
    /// Receipts only.
    pub receipt: Option<ReceiptBody>,
    /// The sender's whole profile, in bundles and receipts under a passphrase only: the two sides
    /// exchanged no profiles, so the signature is checked against this one and its fingerprint is
    /// shown to compare by phone. Absent (not `null`) otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_profile: Option<SiteProfile>,
    /// The sender's audit log head (sync and results bundles; absent in those of the first
    /// builds and in handovers and receipts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditAnchor>,
}

/// One change of the log, as carried in a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// The site where the change was made (site id).
    pub origin: String,
    /// Its sequence number at that site.
    pub seq: i64,
    /// Its hybrid logical clock: milliseconds since 1970 shifted left 16 bits, plus a counter.
    pub hlc: u64,
    /// 学号 of the student concerned.
    pub student_no: String,
    /// What changed.
    pub op: ChangeOp,
}

/// The content of a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ChangeOp {
    /// The whole profile as written (last writer wins by clock).
    Profile {
        /// The profile.
        profile: StudentProfile,
    },
    /// A record appended; its `amends` names the amended record by `origin:seq`.
    Record {
        /// When it was written at its origin.
        written_at: String,
        /// The record.
        record: NewRecord,
        /// Whether an attachment frame follows.
        has_attachment: bool,
    },
}

/// A decoded container.
pub struct Contents {
    /// The verified manifest.
    pub manifest: Manifest,
    /// The manifest's bytes as signed.
    pub manifest_bytes: Vec<u8>,
    /// The changes, each with its attachment.
    pub changes: Vec<(Change, Option<Zeroizing<Vec<u8>>>)>,
}

impl Contents {
    /// The bundle's identity: SHA-256 of the signed manifest bytes, hex.
    pub fn hash(&self) -> String {
        manifest_hash(&self.manifest_bytes)
    }
}

fn encode_err() -> Error {
    Error::Invalid {
        field: "bundle",
        reason: "cannot be encoded",
    }
}

/// Keeps of the profile changes only the newest per (student, origin): a profile change carries
/// the whole profile, so older ones add nothing. Each change comes with its attachment, if any.
pub fn collapse_profiles<A>(changes: Vec<(Change, A)>) -> Vec<(Change, A)> {
    let mut newest: HashMap<(String, String), i64> = HashMap::new();
    for (c, _) in &changes {
        if let ChangeOp::Profile { .. } = c.op {
            let k = (c.student_no.clone(), c.origin.clone());
            let e = newest.entry(k).or_insert(c.seq);
            *e = (*e).max(c.seq);
        }
    }
    changes
        .into_iter()
        .filter(|(c, _)| match c.op {
            ChangeOp::Profile { .. } => {
                newest.get(&(c.student_no.clone(), c.origin.clone())) == Some(&c.seq)
            }
            ChangeOp::Record { .. } => true,
        })
        .collect()
}

/// The manifest's counts of `changes`, each with its attachment, if any.
pub fn count<A>(changes: &[(Change, Option<A>)]) -> Counts {
    let mut c = Counts::default();
    let mut students = HashSet::new();
    for (ch, a) in changes {
        students.insert(ch.student_no.clone());
        match ch.op {
            ChangeOp::Profile { .. } => c.profiles += 1,
            ChangeOp::Record { .. } => c.records += 1,
        }
        if a.is_some() {
            c.attachments += 1;
        }
    }
    c.students = students.len() as i32;
    c
}

/// Frames the changes, each with its attachment; returns the frame bytes. Takes the changes by
/// reference (no copy of every change) and writes each change's JSON straight into the frames
/// (no buffer per change).
pub fn frame_changes<'a>(
    changes: impl IntoIterator<Item = (&'a Change, Option<&'a [u8]>)>,
) -> Result<Zeroizing<Vec<u8>>> {
    let mut out = Zeroizing::new(Vec::new());
    for (c, att) in changes {
        let at = out.len();
        out.push(TAG_CHANGE);
        out.extend_from_slice(&[0; 4]);
        serde_json::to_writer(&mut *out, c).map_err(|_| encode_err())?;
        let len = u32::try_from(out.len() - at - 5).map_err(|_| encode_err())?;
        out[at + 1..at + 5].copy_from_slice(&len.to_be_bytes());
        if let Some(a) = att {
            push_frame(&mut out, TAG_ATTACHMENT, a);
        }
    }
    Ok(out)
}

fn push_frame(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Builds the signed plaintext container from a manifest (whose `content_sha256` is filled in
/// here) and the frames.
pub fn seal_container(
    me: &SiteIdentity,
    manifest: Manifest,
    frames: &[u8],
) -> Result<(Manifest, Zeroizing<Vec<u8>>)> {
    let (manifest, header) = seal_header(me, manifest, frames)?;
    let mut out = Zeroizing::new(Vec::with_capacity(header.len() + frames.len()));
    out.extend_from_slice(&header);
    out.extend_from_slice(frames);
    Ok((manifest, out))
}

/// The container's signed header (magic, manifest length, manifest, signature) for `frames`,
/// which follow it: [`seal_container`] for a caller that keeps the frames apart, so a bundle of
/// many megabytes is not copied once more only to be encrypted.
pub fn seal_header(
    me: &SiteIdentity,
    mut manifest: Manifest,
    frames: &[u8],
) -> Result<(Manifest, Vec<u8>)> {
    manifest.content_sha256 = crypto::hex(&crypto::sha256(frames));
    let mbytes = serde_json::to_vec(&manifest).map_err(|_| encode_err())?;
    let sig = me.sign(&[SIGN_CONTEXT, &mbytes].concat());
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + mbytes.len() + 64);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(mbytes.len() as u32).to_be_bytes());
    out.extend_from_slice(&mbytes);
    out.extend_from_slice(&sig);
    Ok((manifest, out))
}

/// Encrypts a container to the recipient with age.
pub fn encrypt(to: &SiteProfile, plaintext: &[u8]) -> Result<Vec<u8>> {
    encrypt_parts(to, &[plaintext])
}

/// Encrypts a container given in parts (its header, its frames) to the recipient with age, as
/// [`encrypt`] of their concatenation.
pub fn encrypt_parts(to: &SiteProfile, parts: &[&[u8]]) -> Result<Vec<u8>> {
    let r = to.recipient()?;
    age_encrypt(&r, parts)
}

fn age_encrypt(r: &dyn age::Recipient, parts: &[&[u8]]) -> Result<Vec<u8>> {
    let enc = age::Encryptor::with_recipients(std::iter::once(r)).map_err(|_| encode_err())?;
    let len: usize = parts.iter().map(|p| p.len()).sum();
    // The age payload adds 16 bytes per 64 KiB chunk; the header a few hundred bytes.
    let mut out = Vec::with_capacity(len + len / 4096 + 1024);
    let mut w = enc.wrap_output(&mut out)?;
    for p in parts {
        w.write_all(p)?;
    }
    w.finish()?;
    Ok(out)
}

/// The smallest scrypt work factor (log2 N) of a passphrase bundle: 2^18, about a quarter of a
/// second on a laptop, is what stands between a guessed passphrase and the files inside.
pub const SCRYPT_FLOOR: u8 = 18;

/// The work factor a test run asks for with `XINDANG_KDF_MS=0`: honoured by debug builds only,
/// so no setting of a release build lowers a bundle below [`SCRYPT_FLOOR`].
const TEST_SCRYPT: u8 = 10;

/// Whether this is a debug build run by the tests asking for the cheapest key derivation.
fn test_kdf() -> bool {
    cfg!(debug_assertions) && std::env::var("XINDANG_KDF_MS").is_ok_and(|v| v.trim() == "0")
}

/// The scrypt recipient of passphrase bundles: age's own calibration (about a second), or
/// [`TEST_SCRYPT`] in a debug test run.
fn scrypt_recipient(passphrase: &str, floor: bool) -> age::scrypt::Recipient {
    let mut r = age::scrypt::Recipient::new(passphrase.to_owned().into());
    if test_kdf() {
        r.set_work_factor(TEST_SCRYPT);
    } else if floor {
        r.set_work_factor(SCRYPT_FLOOR);
    }
    r
}

/// The work factor written in an age file's scrypt stanza (`-> scrypt SALT LOG_N`).
pub fn scrypt_work_factor(file: &[u8]) -> Option<u8> {
    let header = &file[..file.len().min(1024)];
    let at = header.windows(10).position(|w| w == b"-> scrypt ")?;
    let line = header[at + 10..].split(|b| *b == b'\n').next()?;
    let text = std::str::from_utf8(line).ok()?;
    text.split(' ').nth(1)?.trim().parse().ok()
}

/// Alphabet of generated passphrases: digits, easy to read out by phone in any language.
const PASSPHRASE_DIGITS: &[u8; 10] = b"0123456789";

/// A passphrase for a handover to another institution, offered by default: six groups of four
/// digits (about 80 bits, behind scrypt of at least 2^18), read out by phone group by group.
pub fn generate_passphrase() -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(29));
    let mut n = 0;
    while n < 24 {
        for b in crypto::random::<32>() {
            // Rejection sampling: 250 is the largest multiple of 10 below 256, so no digit is
            // likelier than another.
            if b >= 250 || n == 24 {
                continue;
            }
            if n > 0 && n % 4 == 0 {
                out.push('-');
            }
            out.push(PASSPHRASE_DIGITS[usize::from(b % 10)] as char);
            n += 1;
        }
    }
    out
}

/// Encrypts a container to a passphrase (age scrypt recipient), for another institution with
/// which no profiles were exchanged. Any age tool opens it given the passphrase.
pub fn encrypt_passphrase(passphrase: &str, plaintext: &[u8]) -> Result<Vec<u8>> {
    encrypt_passphrase_parts(passphrase, &[plaintext])
}

/// [`encrypt_passphrase`] of a container given in parts (see [`encrypt_parts`]).
pub fn encrypt_passphrase_parts(passphrase: &str, parts: &[&[u8]]) -> Result<Vec<u8>> {
    crate::archive::check_passphrase(passphrase)?;
    let file = age_encrypt(&scrypt_recipient(passphrase, false), parts)?;
    // age calibrates to about a second on this machine; a slow one may land below the floor.
    if !test_kdf() && scrypt_work_factor(&file).is_none_or(|n| n < SCRYPT_FLOOR) {
        return age_encrypt(&scrypt_recipient(passphrase, true), parts);
    }
    Ok(file)
}

/// Whether an age file is encrypted to a passphrase (its only stanza is scrypt).
pub fn is_passphrase_file(file: &[u8]) -> bool {
    age::Decryptor::new_buffered(file).is_ok_and(|d| d.is_scrypt())
}

/// Refuses a file offered as a passphrase handover or receipt that is not one (checked before
/// asking anyone for a passphrase).
pub fn check_passphrase_file(file: &[u8]) -> Result<()> {
    if is_passphrase_file(file) {
        Ok(())
    } else {
        Err(Error::Refused {
            field: "bundle",
            reason: crate::reason::Reason::NotPassphraseFile,
        })
    }
}

/// Decrypts a passphrase bundle. A wrong passphrase is `bundle_passphrase`; damage is
/// `bundle_damaged`.
pub fn decrypt_passphrase(passphrase: &str, file: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let d = age::Decryptor::new_buffered(file).map_err(|e| match e {
        age::DecryptError::UnknownFormat => {
            Error::BundleDamaged("not an age file of a known version")
        }
        _ => Error::BundleDamaged("the age header"),
    })?;
    if !d.is_scrypt() {
        return Err(Error::BundleMisaddressed);
    }
    let mut id = age::scrypt::Identity::new(passphrase.to_owned().into());
    // Up to 2^22 (a few seconds on a slow machine); a larger factor is refused, not waited for.
    id.set_max_work_factor(22);
    let mut r = d
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => {
                Error::BundlePassphrase
            }
            age::DecryptError::ExcessiveWork { .. } => {
                Error::BundleDamaged("the passphrase work factor is too large")
            }
            _ => Error::BundleDamaged("the age header"),
        })?;
    // The payload is shorter than the file: one buffer, never grown (and copied) on the way.
    let mut out = Zeroizing::new(Vec::with_capacity(file.len()));
    r.read_to_end(&mut out)
        .map_err(|_| Error::BundleDamaged("the encrypted payload"))?;
    Ok(out)
}

/// Opens a container that carries its sender's profile (bundles and receipts under a passphrase):
/// the profile must be valid and name the manifest's sender; `known` is the stored profile of that
/// site if it was trusted before, which then must be the same.
pub fn open_self_signed(plain: &[u8], known: Option<&SiteProfile>) -> Result<Contents> {
    let (manifest, ..) = split_container(plain)?;
    let p = manifest
        .sender_profile
        .as_ref()
        .ok_or(Error::BundleUnknownSigner)?;
    p.validate()
        .map_err(|_| Error::BundleDamaged("the sender's profile"))?;
    if p.site_id() != manifest.sender.id || p.name != manifest.sender.name {
        return Err(Error::BundleDamaged("the sender's profile"));
    }
    if known.is_some_and(|k| k != p) {
        return Err(Error::SiteConflict);
    }
    open_container(plain, p)
}

/// Decrypts an age file with the site's identity. A file for another site is `bundle_misaddressed`;
/// any damage (a flipped byte, truncation) is `bundle_damaged`.
pub fn decrypt(me: &SiteIdentity, file: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let d = age::Decryptor::new_buffered(file).map_err(|e| match e {
        age::DecryptError::UnknownFormat => {
            Error::BundleDamaged("not an age file of a known version")
        }
        _ => Error::BundleDamaged("the age header"),
    })?;
    let mut r = d
        .decrypt(std::iter::once(me.age_identity() as &dyn age::Identity))
        .map_err(|e| match e {
            age::DecryptError::NoMatchingKeys => Error::BundleMisaddressed,
            _ => Error::BundleDamaged("the age header"),
        })?;
    // The payload is shorter than the file: one buffer, never grown (and copied) on the way.
    let mut out = Zeroizing::new(Vec::with_capacity(file.len()));
    r.read_to_end(&mut out)
        .map_err(|_| Error::BundleDamaged("the encrypted payload"))?;
    Ok(out)
}

/// A container split into its manifest, the manifest's bytes, their signature and the frames.
pub type ContainerParts<'a> = (Manifest, &'a [u8], &'a [u8], &'a [u8]);

/// Reads the manifest and its signature without trusting them yet.
pub fn split_container(plain: &[u8]) -> Result<ContainerParts<'_>> {
    let rest = plain
        .strip_prefix(MAGIC)
        .ok_or(Error::BundleDamaged("not a XinDang bundle"))?;
    if rest.len() < 4 {
        return Err(Error::BundleDamaged("the manifest"));
    }
    let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
    if len > MAX_MANIFEST || rest.len() < 4 + len + 64 {
        return Err(Error::BundleDamaged("the manifest"));
    }
    let mbytes = &rest[4..4 + len];
    let sig = &rest[4 + len..4 + len + 64];
    let frames = &rest[4 + len + 64..];
    let manifest: Manifest =
        serde_json::from_slice(mbytes).map_err(|_| Error::BundleDamaged("the manifest"))?;
    if manifest.format != FORMAT_VERSION {
        return Err(Error::BundleDamaged("the manifest's format version"));
    }
    Ok((manifest, mbytes, sig, frames))
}

/// Verifies the signature (by `sender`, already trusted by the caller) and the content hash,
/// without decoding the changes: returns the manifest, its signed bytes and the frames.
pub fn verify_container<'a>(
    plain: &'a [u8],
    sender: &SiteProfile,
) -> Result<(Manifest, &'a [u8], &'a [u8])> {
    let (manifest, mbytes, sig, frames) = split_container(plain)?;
    verify_signed(&manifest, mbytes, sig, frames, sender)?;
    Ok((manifest, mbytes, frames))
}

/// [`verify_container`] of a container given as its header ([`seal_header`]) and its frames;
/// returns the manifest and its signed bytes.
pub fn verify_parts<'a>(
    header: &'a [u8],
    frames: &[u8],
    sender: &SiteProfile,
) -> Result<(Manifest, &'a [u8])> {
    let (manifest, mbytes, sig, rest) = split_container(header)?;
    if !rest.is_empty() {
        return Err(Error::BundleDamaged("the manifest"));
    }
    verify_signed(&manifest, mbytes, sig, frames, sender)?;
    Ok((manifest, mbytes))
}

fn verify_signed(
    manifest: &Manifest,
    mbytes: &[u8],
    sig: &[u8],
    frames: &[u8],
    sender: &SiteProfile,
) -> Result<()> {
    if !sender.verify(&[SIGN_CONTEXT, mbytes].concat(), sig) {
        return Err(Error::BundleBadSignature);
    }
    if crypto::hex(&crypto::sha256(frames)) != manifest.content_sha256 {
        return Err(Error::BundleDamaged("the content hash"));
    }
    Ok(())
}

/// The bundle's identity from a manifest's signed bytes: SHA-256, hex (as [`Contents::hash`]).
pub fn manifest_hash(manifest_bytes: &[u8]) -> String {
    crypto::hex(&crypto::sha256(manifest_bytes))
}

/// Verifies the signature (by `sender`, already trusted by the caller) and the content hash, and
/// decodes the changes.
pub fn open_container(plain: &[u8], sender: &SiteProfile) -> Result<Contents> {
    let (manifest, mbytes, frames) = verify_container(plain, sender)?;
    let mut changes: Vec<(Change, Option<Zeroizing<Vec<u8>>>)> = Vec::new();
    let mut at = 0;
    while at < frames.len() {
        if frames.len() - at < 5 {
            return Err(Error::BundleDamaged("a frame"));
        }
        let tag = frames[at];
        let len = u32::from_be_bytes([
            frames[at + 1],
            frames[at + 2],
            frames[at + 3],
            frames[at + 4],
        ]) as usize;
        at += 5;
        if len > MAX_FRAME || frames.len() - at < len {
            return Err(Error::BundleDamaged("a frame"));
        }
        let bytes = &frames[at..at + len];
        at += len;
        match tag {
            TAG_CHANGE => {
                let c: Change =
                    serde_json::from_slice(bytes).map_err(|_| Error::BundleDamaged("a change"))?;
                changes.push((c, None));
            }
            TAG_ATTACHMENT => match changes.last_mut() {
                Some((
                    Change {
                        op:
                            ChangeOp::Record {
                                has_attachment: true,
                                ..
                            },
                        ..
                    },
                    slot @ None,
                )) => *slot = Some(Zeroizing::new(bytes.to_vec())),
                _ => return Err(Error::BundleDamaged("an attachment frame out of place")),
            },
            _ => return Err(Error::BundleDamaged("an unknown frame")),
        }
    }
    for (c, a) in &changes {
        if let ChangeOp::Record {
            has_attachment: true,
            ..
        } = c.op
        {
            if a.is_none() {
                return Err(Error::BundleDamaged("a missing attachment"));
            }
        }
    }
    Ok(Contents {
        manifest,
        manifest_bytes: mbytes.to_vec(),
        changes,
    })
}

/// A file written and synced beside its target, not yet in place (see [`stage`]). Dropping it
/// unpublished removes the temporary file.
pub struct Staged {
    tmp: std::path::PathBuf,
    path: std::path::PathBuf,
    dir: std::path::PathBuf,
    published: bool,
}

/// Writes `bytes` to a temporary file beside `path` and syncs it, so that an unwritable folder or a
/// full disk shows before anything is committed; [`Staged::publish`] then puts it in place.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<Staged> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staged = Staged {
        tmp: dir.join(format!(
            ".{name}.{}.tmp",
            crypto::hex(&crypto::random::<6>())
        )),
        path: path.to_path_buf(),
        dir: dir.to_path_buf(),
        published: false,
    };
    let mut f = std::fs::File::create(&staged.tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    Ok(staged)
}

impl Staged {
    /// Renames the temporary file over the target and syncs the folder, so a crash leaves either
    /// the old file or the whole new one.
    pub fn publish(mut self) -> Result<()> {
        std::fs::rename(&self.tmp, &self.path)?;
        self.published = true;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            // Not every platform can sync a folder; the rename is durable on those that can.
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Writes `bytes` to `path` as a temporary file beside it, synced, then renamed over it, and the
/// folder synced, so a crash leaves either the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    stage(path, bytes)?.publish()
}
