//! The core's errors. Each has a stable code that the UI maps to a Chinese message; the English
//! `Display` is what the command line prints. No message carries student data.

use std::fmt;

pub use crate::reason::Reason;

/// Everything that can go wrong in the core.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The passphrase opens no key slot.
    #[error("wrong passphrase")]
    WrongPassphrase,
    /// The recovery key opens no recovery slot.
    #[error("wrong recovery key")]
    WrongRecoveryKey,
    /// Too many failed unlocks in a row; the next attempt must wait.
    #[error("too many failed unlock attempts; try again in {retry_after_secs} seconds")]
    UnlockThrottled {
        /// Seconds to wait.
        retry_after_secs: u64,
    },
    /// A sealed value failed authentication: edited, moved or corrupted.
    #[error("tamper detected: {0} failed authentication")]
    Tamper(&'static str),
    /// The folder holds no archive.
    #[error("no archive in this folder")]
    NoArchive,
    /// The folder already holds an archive.
    #[error("an archive already exists in this folder")]
    ArchiveExists,
    /// The archive was written by a newer version.
    #[error("the archive was written by a newer version of XinDang (schema {found}, this build reads up to {known})")]
    SchemaTooNew {
        /// Version found.
        found: u32,
        /// Newest version this build knows.
        known: u32,
    },
    /// Not an archive, or damaged beyond reading.
    #[error("not a XinDang archive, or the archive file is damaged")]
    NotAnArchive,
    /// No student with that 学号.
    #[error("no student with that student number")]
    StudentNotFound,
    /// No record with that id.
    #[error("no record with that id in this student's file")]
    RecordNotFound,
    /// Input that breaks a rule; names the field, never its value.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// Input refused by a rule with a typed reason; names the field, never its value.
    #[error("invalid {field}: {reason}")]
    Refused {
        /// The field.
        field: &'static str,
        /// Why, with a stable code.
        reason: Reason,
    },
    /// The new passphrase is too weak.
    #[error("passphrase too weak: {0}")]
    WeakPassphrase(&'static str),
    /// An attachment is over the limit.
    #[error("file too large: attachments are limited to {limit_mb} MB")]
    TooLarge {
        /// Limit in MB.
        limit_mb: u32,
    },
    /// The disk is full; nothing was written.
    #[error("the disk is full; nothing was changed")]
    DiskFull,
    /// The audit log's hash chain is broken.
    #[error("audit log verification failed at entry {seq}: {reason}")]
    AuditBroken {
        /// The first entry that fails.
        seq: i64,
        /// What failed.
        reason: &'static str,
    },
    /// The policy file breaks a rule; names the line and the field (policy text, never student data).
    #[error("policy file, line {line}, field {field}: {reason}")]
    Policy {
        /// 1-based line.
        line: u32,
        /// Dotted field path, e.g. `cadence.diagnosed_contact_days`.
        field: String,
        /// Why.
        reason: String,
    },
    /// A bundle failed to decrypt or parse: flipped bytes, truncation, a broken frame.
    #[error("the bundle is damaged or was altered: {0}")]
    BundleDamaged(&'static str),
    /// A bundle encrypted to, or addressed to, another site. age cannot tell a recipient stanza
    /// for another key from a damaged one, so the message names both.
    #[error("the bundle is addressed to another site, or its header is damaged")]
    BundleMisaddressed,
    /// The passphrase does not open a passphrase-protected bundle or receipt.
    #[error("the passphrase does not open this bundle")]
    BundlePassphrase,
    /// A bundle signed by a site whose profile was never imported.
    #[error("the bundle was signed by an unknown site; import its profile first")]
    BundleUnknownSigner,
    /// The manifest's signature does not verify with the sender's key.
    #[error("the bundle's signature does not verify")]
    BundleBadSignature,
    /// An older bundle than one already imported from the same site (a replay).
    #[error("the bundle is older than one already imported from that site (replayed or stale)")]
    BundleStale,
    /// A known bundle id with other content: someone altered or forged a bundle.
    #[error("alarm: a bundle with this id was already imported with different content")]
    BundleIdConflict,
    /// A sync or results bundle carrying a change of another origin than its sender (another
    /// site's, or this archive's own): a peer may send only its own changes.
    #[error("the bundle carries changes of another site than its sender; nothing was imported")]
    BundleForeignOrigin,
    /// The fingerprint confirmed by a person is not the one the bundle or receipt was signed with.
    #[error("the sender's fingerprint is not the one confirmed; nothing was changed")]
    FingerprintMismatch,
    /// The write-ahead log could not be checkpointed after a retirement (another program holds
    /// the archive open): old pages of the retired files may remain until it is.
    #[error("the archive is in use by another program; close it and import the receipt again to finish the retirement")]
    CheckpointBusy,
    /// A bundle refers to a student or record this archive does not hold.
    #[error("the bundle depends on changes this archive never received")]
    BundleIncomplete,
    /// No peer site of that name.
    #[error("no site of that name; import its profile first")]
    UnknownSite,
    /// A site profile that clashes with one already imported.
    #[error("a different site profile with that name is already imported")]
    SiteConflict,
    /// The student's file was handed over and is read-only until the receipt retires it.
    #[error("the student's file was handed over and is read-only")]
    HandedOver,
    /// An attachment that is not a PDF, PNG, JPEG, GIF or WebP by its first bytes.
    #[error("only PDF, PNG, JPEG, GIF and WebP files can be attached")]
    AttachmentType,
    /// A receipt that matches no bundle this archive sent.
    #[error("the receipt does not match a bundle sent from this archive")]
    ReceiptMismatch,
    /// A row of the grid table 网格管理表 breaks a rule; names sheet, row and column.
    #[error("grid table, sheet {sheet}, row {row}, column {field}: {reason}")]
    Grid {
        /// Sheet name.
        sheet: &'static str,
        /// 1-based row as the spreadsheet shows it.
        row: u32,
        /// Column header.
        field: &'static str,
        /// Why, with a stable code.
        reason: Reason,
    },
    /// A workbook (report, grid table) could not be written.
    #[error("could not write the workbook: {0}")]
    Workbook(&'static str),
    /// No weekly review meeting with that id.
    #[error("no weekly review meeting with that id")]
    MeetingNotFound,
    /// The roster could not be read.
    #[error(transparent)]
    Roster(#[from] crate::roster::RosterError),
    /// A database error not covered above.
    #[error("database error: {0}")]
    Database(rusqlite::Error),
    /// A file system error.
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The stable code the UI maps to a message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongPassphrase => "wrong_passphrase",
            Self::WrongRecoveryKey => "wrong_recovery_key",
            Self::UnlockThrottled { .. } => "unlock_throttled",
            Self::Tamper(_) => "tamper",
            Self::NoArchive => "no_archive",
            Self::ArchiveExists => "archive_exists",
            Self::SchemaTooNew { .. } => "schema_too_new",
            Self::NotAnArchive => "not_an_archive",
            Self::StudentNotFound => "student_not_found",
            Self::RecordNotFound => "record_not_found",
            Self::Invalid { .. } => "invalid_input",
            Self::Refused { reason, .. } => reason.error_code(),
            Self::WeakPassphrase(_) => "weak_passphrase",
            Self::TooLarge { .. } => "too_large",
            Self::DiskFull => "disk_full",
            Self::AuditBroken { .. } => "audit_broken",
            Self::Policy { .. } => "policy_invalid",
            Self::BundleDamaged(_) => "bundle_damaged",
            Self::BundleMisaddressed => "bundle_misaddressed",
            Self::BundlePassphrase => "bundle_passphrase",
            Self::BundleUnknownSigner => "bundle_unknown_signer",
            Self::BundleBadSignature => "bundle_bad_signature",
            Self::BundleStale => "bundle_stale",
            Self::BundleIdConflict => "bundle_id_conflict",
            Self::BundleForeignOrigin => "bundle_foreign_origin",
            Self::FingerprintMismatch => "fingerprint_mismatch",
            Self::CheckpointBusy => "checkpoint_busy",
            Self::BundleIncomplete => "bundle_incomplete",
            Self::UnknownSite => "unknown_site",
            Self::SiteConflict => "site_conflict",
            Self::HandedOver => "handed_over",
            Self::AttachmentType => "attachment_type",
            Self::ReceiptMismatch => "receipt_mismatch",
            Self::Grid { .. } => "grid_invalid",
            Self::Workbook(_) => "workbook_write",
            Self::MeetingNotFound => "meeting_not_found",
            Self::Roster(e) => e.code(),
            Self::Database(_) => "database",
            Self::Io(_) => "io",
        }
    }
}

impl Error {
    /// The field an input error names, if it names one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Self::Invalid { field, .. }
            | Self::Refused { field, .. }
            | Self::Grid { field, .. } => Some(*field).filter(|f| !f.is_empty()),
            _ => None,
        }
    }

    /// The typed reason of a refusal, if it has one.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Self::Refused { reason, .. } | Self::Grid { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    /// A refusal of `field` for `reason`.
    pub fn refused(field: &'static str, reason: Reason) -> Self {
        Self::Refused { field, reason }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DiskFull) => Self::DiskFull,
            Some(C::NotADatabase) | Some(C::DatabaseCorrupt) => Self::NotAnArchive,
            _ => Self::Database(e),
        }
    }
}

/// Shorthand.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A value that must never be printed (passphrases, keys): `Debug` shows a placeholder.
pub struct Secret<T>(pub T);

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[secret]")
    }
}
