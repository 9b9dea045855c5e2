//! Building the archives measured: the same synthetic students written once into an encrypted
//! archive and once into the plaintext baseline. Not timed.

use std::path::Path;

use serde::{Deserialize, Serialize};
use xindang::model::{NewRecord, StudentProfile};
use xindang::synth::{self, SynthConfig};
use xindang::Archive;

use crate::plain::PlainSession;
use crate::{BResult, PASSPHRASE};

/// Students per transaction while building (the command line's roster batch).
pub const BATCH: usize = 1000;

/// Records in the file opened by `student_file`.
pub const FILE_RECORDS: usize = 50;

/// What the measuring children need to know about a built pair of archives.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Built {
    /// Students in each archive.
    pub students: usize,
    /// Records in each archive.
    pub records: usize,
    /// The recovery key of the encrypted archive: unlocking with it skips Argon2id, which is how
    /// `unlock` is measured "after the key derivation".
    pub recovery: String,
    /// The 学号 of the student whose file has [`FILE_RECORDS`] records.
    pub file_student: String,
    /// A name prefix typed in the search box (surname and first given character).
    pub name_prefix: String,
    /// A 学号 typed in full.
    pub student_no: String,
}

/// The synthetic set's "today": fixed, so every run sees the same obligations.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default()
}

/// The generator's configuration for `students` students.
pub fn config(students: usize) -> SynthConfig {
    SynthConfig::new(2026, students, today())
}

/// Writes `students` synthetic students into an encrypted archive at `enc` and a plaintext one at
/// `plain`, the first student's file topped up to [`FILE_RECORDS`] records.
pub fn build_pair(students: usize, enc: &Path, plain: &Path) -> BResult<Built> {
    let (mut session, recovery) = Session::create(enc, PASSPHRASE).map_err(|e| e.to_string())?;
    let mut p = PlainSession::create(plain)?;
    let mut built = Built {
        students,
        records: 0,
        recovery: recovery.to_string(),
        file_student: String::new(),
        name_prefix: String::new(),
        student_no: String::new(),
    };
    let mut first: Option<StudentProfile> = None;
    let mut extra: Vec<NewRecord> = Vec::new();
    let mut chunk: Vec<(StudentProfile, Vec<NewRecord>)> = Vec::with_capacity(BATCH);
    let mut flush = |chunk: &mut Vec<(StudentProfile, Vec<NewRecord>)>| -> BResult<usize> {
        let items = std::mem::take(chunk);
        let n: usize = items.iter().map(|(_, r)| r.len()).sum();
        session
            .load_students(items.clone(), |_, new| new)
            .map_err(|e| e.to_string())?;
        p.load_students(items, |_, new| new)?;
        Ok(n)
    };
    for (i, s) in synth::students(&config(students)).enumerate() {
        match &first {
            None => {
                first = Some(s.profile.clone());
                built.file_student = s.profile.student_no.clone();
                extra = s.records.clone();
            }
            Some(_) if extra.len() < FILE_RECORDS => extra.extend(s.records.iter().cloned()),
            Some(_) => {}
        }
        if i == 6.min(students - 1) {
            built.name_prefix = s.profile.name.chars().take(2).collect();
        }
        if i == students / 2 {
            built.student_no = s.profile.student_no.clone();
        }
        chunk.push((s.profile, s.records));
        if chunk.len() == BATCH {
            built.records += flush(&mut chunk)?;
        }
    }
    if !chunk.is_empty() {
        built.records += flush(&mut chunk)?;
    }
    // Top the first file up to FILE_RECORDS with copies of other students' records.
    let first = first.ok_or("no students generated")?;
    let have = synth::students(&config(students))
        .next()
        .map(|s| s.records.len())
        .unwrap_or(0);
    let add: Vec<NewRecord> = extra
        .into_iter()
        .skip(have)
        .take(FILE_RECORDS.saturating_sub(have))
        .collect();
    built.records += add.len();
    chunk.push((first, add));
    flush(&mut chunk)?;
    session.lock();
    Ok(built)
}

/// The profiles of `rows` synthetic students, for a roster .xlsx.
pub fn roster_profiles(rows: usize) -> Vec<StudentProfile> {
    let cfg = SynthConfig {
        records_per_student: 0,
        ..config(rows)
    };
    synth::students(&cfg).map(|s| s.profile).collect()
}

/// The plaintext college's name at the plaintext center.
pub const PLAIN_COLLEGE: &str = "college";

/// A college archive of `students` students and a center archive that trust each other, in
/// both forms, for the bundle measurements. Returns the recovery keys (college, center).
pub fn build_bundle_sites(
    students: usize,
    enc_college: &Path,
    enc_center: &Path,
    plain_college: &Path,
    plain_center: &Path,
) -> BResult<(Built, String)> {
    let built = build_pair(students, enc_college, plain_college)?;
    // The plaintext sites trust each other by name, as the archives below by profile.
    PlainSession::create(plain_center)?.add_peer(PLAIN_COLLEGE)?;
    PlainSession::open(plain_college)?.add_peer(xindang::site::CENTER_NAME)?;
    let e = |e: xindang::Error| e.to_string();
    let (mut center, center_recovery) =
        Session::create_as(enc_center, PASSPHRASE, xindang::SiteKind::Center, "中心").map_err(e)?;
    let college = Archive::open(enc_college).map_err(e)?;
    let mut college = Session::unlock_with_recovery(&college, &built.recovery).map_err(e)?;
    let college_profile = college.site_profile(Some("college")).map_err(e)?;
    let center_profile = center
        .site_profile(Some(xindang::site::CENTER_NAME))
        .map_err(e)?;
    center.import_profile(college_profile).map_err(e)?;
    college.import_profile(center_profile).map_err(e)?;
    Ok((built, center_recovery.to_string()))
}
