//! Building the archives measured: the same synthetic students written into an archive by each
//! build of this binary (the encrypted one and the plaintext one, each its own child). Not timed.

use std::path::Path;

use serde::{Deserialize, Serialize};
use xindang::model::{NewRecord, StudentProfile};
use xindang::synth::{self, SynthConfig};
use xindang::{Archive, Session};

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
    /// The recovery key of the archive: unlocking with it skips Argon2id, which is how `unlock`
    /// is measured "after the key derivation".
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

/// Writes `students` synthetic students into a new archive at `dir`, the first student's file
/// topped up to [`FILE_RECORDS`] records.
pub fn build(students: usize, dir: &Path) -> BResult<Built> {
    let (mut session, recovery) = Session::create(dir, PASSPHRASE).map_err(|e| e.to_string())?;
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
            .load_students(items, |_, new| new)
            .map_err(|e| e.to_string())?;
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

/// The two bundle archives' keys, handed from the child that builds them to the one measuring.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleSites {
    /// The college archive (its recovery key in [`Built::recovery`]).
    pub college: Built,
    /// The center archive's recovery key.
    pub center_recovery: String,
}

/// A college archive of `students` students (at `college`) and a center archive (at `center`)
/// that trust each other, for the bundle measurements. Returns the college's [`Built`] and the
/// center's recovery key.
pub fn build_bundle_sites(
    students: usize,
    college: &Path,
    center: &Path,
) -> BResult<(Built, String)> {
    let built = build(students, college)?;
    let e = |e: xindang::Error| e.to_string();
    let (mut center, center_recovery) =
        Session::create_as(center, PASSPHRASE, xindang::SiteKind::Center, "中心").map_err(e)?;
    let college = Archive::open(college).map_err(e)?;
    let mut college = Session::unlock_with_recovery(&college, &built.recovery).map_err(e)?;
    let college_profile = college.site_profile(Some("college")).map_err(e)?;
    let center_profile = center
        .site_profile(Some(xindang::site::CENTER_NAME))
        .map_err(e)?;
    center.import_profile(college_profile).map_err(e)?;
    college.import_profile(center_profile).map_err(e)?;
    Ok((built, center_recovery.to_string()))
}
