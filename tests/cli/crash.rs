//! `kill -9` in the middle of a 30,000-row roster import.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn kill_during_a_large_import_keeps_every_committed_batch_and_a_rerun_completes() {
    let x = Xd::init();
    let config = xindang::synth::SynthConfig {
        seed: 42,
        students: 30_000,
        today: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        records_per_student: 0,
    };
    let people: Vec<_> = xindang::synth::students(&config)
        .map(|s| s.profile)
        .collect();
    let roster = x.path("30000.xlsx");
    xindang::roster::write_xlsx(&roster, &people).unwrap();

    let mut child = x
        .command(&["roster", "import", roster.to_str().unwrap()])
        .spawn()
        .unwrap();
    let wal = x.dir().join("archive.db-wal");
    let start = Instant::now();
    // Kill once the first batches are in the write-ahead log, i.e. in the middle of the writing.
    loop {
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if size > 2_000_000 || start.elapsed() > Duration::from_secs(120) {
            break;
        }
        if child.try_wait().unwrap().is_some() {
            panic!("the import finished before it could be interrupted");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let db = x.db();
    let check: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    drop(db);
    let list = x.json(&["student", "list", "--json"]);
    let n = list.as_array().unwrap().len();
    assert!(n < 30_000, "interrupted before the end ({n})");
    assert_eq!(n % 1000, 0, "only whole batches are committed ({n})");
    x.ok(&["audit", "verify"]);

    let out = x.ok(&["roster", "import", roster.to_str().unwrap()]);
    assert!(out.contains(&format!("{} unchanged", n)), "{out}");
    let list = x.json(&["student", "list", "--json"]);
    let mut numbers: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["student_no"].as_str().unwrap())
        .collect();
    assert_eq!(numbers.len(), 30_000);
    numbers.dedup();
    assert_eq!(numbers.len(), 30_000, "no duplicates");
}
