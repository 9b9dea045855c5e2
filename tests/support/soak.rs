//! The crash-safety harness: runs the real `xindang` binary on a copy of a prepared archive and
//! SIGKILLs it at a seeded random moment, then lets the scenario check what is left.
//!
//! A scenario is one kind of write (roster import, passphrase change, talk …). Adding one (bundle
//! import, handover) means implementing [`Scenario`] and calling [`soak`] with it.
//!
//! Reproducibility: the moments are drawn from `XINDANG_SOAK_SEED` (default [`DEFAULT_SEED`]) and
//! the scenario's name; a failing trial prints its seed, number and delay. The wall clock still
//! decides what the process had reached at that moment, so a failure may need a few reruns.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::{Duration, Instant};

use super::*;

/// The seed used when `XINDANG_SOAK_SEED` is not set.
pub const DEFAULT_SEED: u64 = 0x5eed_0007;

/// splitmix64: small, seedable, good enough to spread kill moments.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, stream: &str) -> Rng {
        let mut s = seed;
        for b in stream.bytes() {
            s = s.rotate_left(5) ^ u64::from(b);
        }
        Rng(s)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// The seed of this run.
pub fn seed() -> u64 {
    std::env::var("XINDANG_SOAK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED)
}

/// `XINDANG_SOAK_TRIALS` (the whole soak run's count, shared out by the scenarios' weights), or
/// the quick default.
pub fn trials(weight_of_20: usize, quick: bool) -> usize {
    if quick {
        return weight_of_20;
    }
    let total: usize = std::env::var("XINDANG_SOAK_TRIALS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    (total * weight_of_20).div_ceil(20)
}

/// Copies the files of `from` (a flat archive folder) into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
}

/// What happened to the killed process.
#[derive(Debug, Clone)]
pub struct Kill {
    /// The delay after the start at which SIGKILL was sent.
    pub after: Duration,
    /// The process had already exited on its own (with this status) before the moment came.
    pub exited: Option<ExitStatus>,
}

/// Starts `cmd` and SIGKILLs it `after` its start (unless it ended before).
pub fn run_and_kill(mut cmd: Command, after: Duration) -> Kill {
    cmd.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Kill {
                after,
                exited: Some(status),
            };
        }
        let elapsed = start.elapsed();
        if elapsed >= after {
            break;
        }
        std::thread::sleep((after - elapsed).min(Duration::from_millis(2)));
    }
    child.kill().unwrap(); // SIGKILL on Unix: no destructor, no atexit, nothing flushed.
    child.wait().unwrap();
    Kill {
        after,
        exited: None,
    }
}

/// How far the killed operation had come, as judged by the scenario's check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Nothing of the operation was committed.
    Nothing,
    /// Some whole units (batches) were committed, not all.
    Partial,
    /// All of it was committed.
    Complete,
}

/// One kind of interrupted write.
pub trait Scenario {
    /// Short name (also the RNG stream).
    fn name(&self) -> &str;
    /// The empty template archive (a college archive unless the scenario says otherwise).
    fn init(&self) -> Xd {
        Xd::init()
    }
    /// Fills the template archive (created and initialised with [`PASS`]) once.
    fn prepare(&mut self, x: &Xd);
    /// The command that will be killed, on the trial's copy `x`.
    fn command(&self, x: &Xd, trial: usize) -> Command;
    /// Checks the copy after the kill and says how far the operation got. Panics on any breach.
    fn check(&self, x: &Xd, trial: usize, kill: &Kill) -> Outcome;
    /// Strings that must never appear on disk (UTF-8 or UTF-16) in the trial's folder: the
    /// archive, anything the killed process wrote beside it, and its temporary folder (`TMPDIR`).
    fn markers(&self, _trial: usize) -> Vec<String> {
        Vec::new()
    }
}

/// A trial's archive: a fresh temporary folder holding a copy of the template.
pub fn copy_of(template: &Xd) -> Xd {
    let x = Xd::empty();
    copy_dir(&template.dir(), &x.dir());
    x
}

/// Checks that hold after any kill: the file passes SQLite's integrity check (before anything
/// else touches it), the archive opens and unlocks with `pass`, and the audit chain verifies.
pub fn open_checked(x: &Xd, pass: &str) -> xindang::Session {
    {
        let db = rusqlite::Connection::open(x.dir().join("archive.db")).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "SQLite integrity check");
        let fk: i64 = db
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(fk, 0, "foreign keys");
    }
    let archive = xindang::Archive::open(&x.dir()).unwrap();
    let session = xindang::Session::unlock(&archive, pass).unwrap();
    session.audit_log().expect("the audit chain verifies");
    session
}

/// Audit entries of one action.
pub fn audit_count(s: &xindang::Session, action: xindang::audit::AuditAction) -> usize {
    s.audit_log()
        .unwrap()
        .iter()
        .filter(|e| e.action == action)
        .count()
}

/// Runs `trials` kills of `scenario`; returns how many ended in each outcome.
pub fn soak(scenario: &mut dyn Scenario, trials: usize) -> Vec<(Outcome, usize)> {
    let seed = seed();
    let template = scenario.init();
    scenario.prepare(&template);
    // The uninterrupted run sets the range of the kill moments.
    let full = copy_of(&template);
    let start = Instant::now();
    let status = scenario.command(&full, 0).status().unwrap();
    let total = start.elapsed();
    assert!(
        status.success(),
        "{}: the uninterrupted run fails",
        scenario.name()
    );
    let done = Kill {
        after: total,
        exited: Some(status),
    };
    assert_eq!(
        scenario.check(&full, 0, &done),
        Outcome::Complete,
        "{}: the uninterrupted run",
        scenario.name()
    );
    drop(full);

    let mut rng = Rng::new(seed, scenario.name());
    let mut tally = std::collections::BTreeMap::new();
    // Odd trials: anywhere up to 10 % past the measured time, so some trials see a finished run.
    // Even trials: from 70 % to 120 %, where the writing is (the start of every run is spent
    // starting up and in Argon2id), so both outcomes turn up even for a short transaction.
    let total_us = total.as_micros() as u64;
    for trial in 1..=trials {
        let after = Duration::from_micros(if trial % 2 == 1 {
            rng.below(total_us * 11 / 10)
        } else {
            total_us * 7 / 10 + rng.below(total_us / 2)
        });
        let x = copy_of(&template);
        // The process's temporary files land in the trial's folder, so the leak scan sees them.
        let tmp = x.path("tmp");
        std::fs::create_dir_all(&tmp).unwrap();
        let mut cmd = scenario.command(&x, trial);
        cmd.env("TMPDIR", &tmp);
        let kill = run_and_kill(cmd, after);
        let name = scenario.name().to_string();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let outcome = scenario.check(&x, trial, &kill);
            for m in scenario.markers(trial) {
                let hits = find_plaintext(x.tmp.path(), &m);
                assert!(hits.is_empty(), "marker readable in {hits:?}");
            }
            outcome
        }));
        match outcome {
            Ok(o) => *tally.entry(o).or_insert(0usize) += 1,
            Err(e) => {
                // Keep the broken archive for a post-mortem.
                let keep: PathBuf =
                    std::env::temp_dir().join(format!("xindang-soak-{name}-{trial}"));
                let _ = std::fs::remove_dir_all(&keep);
                copy_dir(&x.dir(), &keep);
                eprintln!(
                    "{name}: trial {trial} (seed {seed}, killed after {:?}, exited {:?}) failed; archive kept in {}",
                    kill.after,
                    kill.exited,
                    keep.display()
                );
                std::panic::resume_unwind(e);
            }
        }
    }
    let tally: Vec<_> = tally.into_iter().collect();
    println!(
        "{}: {trials} kills over {:?} (seed {seed}): {:?}",
        scenario.name(),
        total,
        tally
    );
    tally
}
