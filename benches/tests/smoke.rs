//! The bench code runs at a tiny size, and its plaintext baseline does the same work as the
//! encrypted archive (same answers), so a ratio compares like with like. No timing is asserted.

use std::process::Command;

use xindang::rules::ObligationFilter;
use xindang::Archive;
use xindang_bench::data::{build_bundle_sites, build_pair, today, FILE_RECORDS, PLAIN_COLLEGE};
use xindang_bench::plain::PlainSession;
use xindang_bench::Row;

#[test]
fn the_baseline_answers_as_the_archive_does() {
    std::env::set_var("XINDANG_KDF_MS", "0");
    let dir = tempfile::tempdir().unwrap();
    let (enc, plain) = (dir.path().join("enc"), dir.path().join("plain"));
    let built = build_pair(60, &enc, &plain).unwrap();
    let mut s =
        Session::unlock_with_recovery(&Archive::open(&enc).unwrap(), &built.recovery).unwrap();
    let mut p = PlainSession::open(&plain).unwrap();
    assert_eq!(s.student_count(), 60);
    assert_eq!(p.student_count(), 60);

    let nos = |v: Vec<xindang::model::StudentSummary>| -> Vec<(String, i32)> {
        v.into_iter()
            .map(|s| (s.student_no, s.record_count))
            .collect()
    };
    assert_eq!(nos(s.list_students()), nos(p.list_students()));
    for q in [
        &built.name_prefix,
        &built.student_no,
        &built.student_no[..4],
    ] {
        let found = nos(s.search(q, 200));
        assert!(!found.is_empty(), "search {q:?} finds someone");
        assert_eq!(found, nos(p.search(q, 200)), "search {q:?}");
    }
    assert_eq!(
        s.search(&built.student_no, 200)[0].student_no,
        built.student_no,
        "an exact 学号 comes first"
    );

    let fs = s.student_file(&built.file_student).unwrap();
    let fp = p.student_file(&built.file_student).unwrap();
    assert_eq!(fs.records.len(), FILE_RECORDS);
    assert_eq!(fs.records.len(), fp.records.len());
    assert_eq!(fs.profile, fp.profile);

    let f = ObligationFilter {
        open_only: true,
        ..ObligationFilter::default()
    };
    let key = |v: Vec<xindang::rules::Obligation>| -> Vec<(String, String, chrono::NaiveDate)> {
        v.into_iter()
            .map(|o| (o.student_no.to_string(), o.rule.to_string(), o.due))
            .collect()
    };
    let os = key(s.obligations(today(), &f).unwrap());
    assert!(!os.is_empty(), "the synthetic set has open obligations");
    assert_eq!(os, key(p.obligations(today(), &f).unwrap()));
}

#[test]
fn the_suite_runs_at_a_tiny_size_and_writes_its_summary() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_xindang-bench"))
        .args([
            "--sizes",
            "40",
            "--roster-rows",
            "40",
            "--bundle-students",
            "30",
            "--runs",
            "1",
            "--out",
        ])
        .arg(out.path())
        .env("XINDANG_KDF_MS", "0")
        .status()
        .unwrap();
    assert!(status.success());
    let rows: Vec<Row> =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    for name in [
        "unlock",
        "list_students",
        "search_name",
        "search_student_no",
        "student_file",
        "dashboard",
        "kdf",
        "cold_start",
        "roster_import",
        "bundle_export",
        "bundle_import",
    ] {
        assert!(names.contains(&name), "{name} measured: {names:?}");
    }
    for r in &rows {
        assert!(r.encrypted_ms > 0.0, "{}", r.name);
        if r.name == "kdf" {
            assert_eq!(r.plaintext_ms, None);
        } else {
            assert!(r.plaintext_ms.is_some_and(|p| p > 0.0), "{}", r.name);
            assert!(r.ratio.is_some(), "{}", r.name);
        }
        if cfg!(target_os = "linux") {
            assert!(r.peak_mb.is_some_and(|m| m > 1.0), "{}", r.name);
        }
    }
    assert!(out.path().join("summary.md").is_file());
    assert!(
        !out.path().join("work").exists(),
        "the work folder is removed"
    );
}

#[test]
fn the_baselines_bundle_carries_what_the_archives_does() {
    std::env::set_var("XINDANG_KDF_MS", "0");
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let (built, center_recovery) = build_bundle_sites(
        25,
        &d("college"),
        &d("center"),
        &d("plain-college"),
        &d("plain-center"),
    )
    .unwrap();
    let mut college =
        Session::unlock_with_recovery(&Archive::open(&d("college")).unwrap(), &built.recovery)
            .unwrap();
    let sent = college
        .export_bundle(xindang::site::CENTER_NAME, &d("sync.age"))
        .unwrap();
    let mut plain_college = PlainSession::open(&d("plain-college")).unwrap();
    let plain_sent = plain_college
        .export_bundle(xindang::site::CENTER_NAME, &d("sync.bin"))
        .unwrap();
    assert_eq!(
        plain_sent,
        (sent.counts.profiles + sent.counts.records) as usize,
        "the same changes, collapsed the same way"
    );

    let mut center =
        Session::unlock_with_recovery(&Archive::open(&d("center")).unwrap(), &center_recovery)
            .unwrap();
    let (report, _receipt) = center
        .import_bundle(&std::fs::read(d("sync.age")).unwrap())
        .unwrap();
    let mut plain_center = PlainSession::open(&d("plain-center")).unwrap();
    let file = std::fs::read(d("sync.bin")).unwrap();
    let applied = plain_center.import_bundle(PLAIN_COLLEGE, &file).unwrap();
    assert_eq!(report.students_added, 25);
    assert_eq!(
        applied,
        (report.students_added + report.records_added) as usize
    );
    let nos = |v: Vec<xindang::model::StudentSummary>| -> Vec<(String, i32)> {
        v.into_iter()
            .map(|s| (s.student_no, s.record_count))
            .collect()
    };
    assert_eq!(
        nos(center.list_students()),
        nos(plain_center.list_students())
    );
    // The same bundle again changes nothing on either side.
    let (again, _) = center
        .import_bundle(&std::fs::read(d("sync.age")).unwrap())
        .unwrap();
    assert!(again.duplicate);
    assert_eq!(plain_center.import_bundle(PLAIN_COLLEGE, &file).unwrap(), 0);
}

#[test]
fn only_bundles_runs_the_two_bundle_lines() {
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_xindang-bench"))
        .args([
            "--only",
            "bundles",
            "--bundle-students",
            "20",
            "--runs",
            "1",
            "--out",
        ])
        .arg(out.path())
        .env("XINDANG_KDF_MS", "0")
        .status()
        .unwrap();
    assert!(status.success());
    let rows: Vec<Row> =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("summary.json")).unwrap())
            .unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["bundle_export", "bundle_import"]);
    let bad = Command::new(env!("CARGO_BIN_EXE_xindang-bench"))
        .args(["--only", "bundle"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--only: unknown group bundle"));
}
