//! The bench code runs at a tiny size: the archives it builds hold what the measurements look
//! for, and the whole suite runs and writes its summary. Here both sides are this (encrypted)
//! build, given as its own `--plaintext-bin`; `cargo xtask bench` runs the plaintext build. No
//! timing is asserted.

use std::process::Command;

use xindang::rules::ObligationFilter;
use xindang::{Archive, Session};
use xindang_bench::data::{build, build_bundle_sites, today, FILE_RECORDS};
use xindang_bench::Row;

const BIN: &str = env!("CARGO_BIN_EXE_xindang-bench");

#[test]
fn the_built_archive_holds_what_the_measurements_look_for() {
    std::env::set_var("XINDANG_KDF_MS", "0");
    let dir = tempfile::tempdir().unwrap();
    let built = build(60, dir.path()).unwrap();
    let mut s = Session::unlock_with_recovery(&Archive::open(dir.path()).unwrap(), &built.recovery)
        .unwrap();
    assert_eq!(s.student_count(), 60);
    assert_eq!(built.students, 60);
    let listed: i32 = s.list_students().iter().map(|s| s.record_count).sum();
    assert_eq!(listed as usize, built.records);
    for q in [&built.name_prefix, &built.student_no] {
        assert!(!s.search(q, 200).is_empty(), "search {q:?} finds someone");
    }
    assert_eq!(
        s.search(&built.student_no, 200)[0].student_no,
        built.student_no,
        "an exact 学号 comes first"
    );
    let file = s.student_file(&built.file_student).unwrap();
    assert_eq!(file.records.len(), FILE_RECORDS);
    let open_only = ObligationFilter {
        open_only: true,
        ..ObligationFilter::default()
    };
    assert!(
        !s.obligations(today(), &open_only).unwrap().is_empty(),
        "the synthetic set has open obligations"
    );
}

#[test]
fn the_bundle_sites_trust_each_other() {
    std::env::set_var("XINDANG_KDF_MS", "0");
    let dir = tempfile::tempdir().unwrap();
    let d = |n: &str| dir.path().join(n);
    let (built, center_recovery) = build_bundle_sites(25, &d("college"), &d("center")).unwrap();
    let mut college =
        Session::unlock_with_recovery(&Archive::open(&d("college")).unwrap(), &built.recovery)
            .unwrap();
    college
        .export_bundle(xindang::site::CENTER_NAME, &d("sync.age"))
        .unwrap();
    let mut center =
        Session::unlock_with_recovery(&Archive::open(&d("center")).unwrap(), &center_recovery)
            .unwrap();
    let (report, _receipt) = center
        .import_bundle(&std::fs::read(d("sync.age")).unwrap())
        .unwrap();
    assert_eq!(report.students_added, 25);
    assert_eq!(report.records_added as usize, built.records);
}

fn suite(args: &[&str], out: &std::path::Path) -> Vec<Row> {
    let status = Command::new(BIN)
        .args(args)
        .arg("--plaintext-bin")
        .arg(BIN)
        .arg("--out")
        .arg(out)
        .env("XINDANG_KDF_MS", "0")
        .status()
        .expect("the bench binary starts");
    assert!(status.success());
    let summary = std::fs::read_to_string(out.join("summary.json")).expect("a summary");
    serde_json::from_str(&summary).expect("summary.json is a list of rows")
}

#[test]
fn the_suite_runs_at_a_tiny_size_and_writes_its_summary() {
    let out = tempfile::tempdir().unwrap();
    let rows = suite(
        &[
            "--sizes",
            "40",
            "--roster-rows",
            "40",
            "--bundle-students",
            "30",
            "--runs",
            "1",
        ],
        out.path(),
    );
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    for name in [
        "unlock",
        "unlock_rebuild",
        "list_students",
        "search_name",
        "search_student_no",
        "student_file",
        "dashboard",
        "kdf",
        "cold_start",
        "roster_parse",
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
fn only_bundles_runs_the_two_bundle_lines() {
    let out = tempfile::tempdir().unwrap();
    let rows = suite(
        &[
            "--only",
            "bundles",
            "--bundle-students",
            "20",
            "--runs",
            "1",
        ],
        out.path(),
    );
    let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["bundle_export", "bundle_import"]);
    let bad = Command::new(BIN)
        .args(["--only", "bundle"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--only: unknown group bundle"));
}

#[test]
fn without_the_plaintext_build_the_suite_says_how_to_run_it() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(BIN)
        .args(["--sizes", "40", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("cargo xtask bench"));
}
