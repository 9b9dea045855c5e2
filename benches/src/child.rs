//! The measuring children. Each runs in its own process so its peak memory (VmHWM) is its own,
//! and prints one JSON line per measurement on stdout. The same code runs in both builds of this
//! binary: the encrypted one and the plaintext one (`xindang::crypto::SEALS` false), so the two
//! sides differ by the core's cryptography and nothing else.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use xindang::crypto::kdf::KdfParams;
use xindang::rules::ObligationFilter;
use xindang::{Archive, Session};

use crate::data::{today, Built};
use crate::{BResult, PASSPHRASE};

/// One measurement from a child.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sample {
    /// Operation name.
    pub op: String,
    /// Best time over the runs, milliseconds.
    pub ms: f64,
    /// Median time over the runs, milliseconds.
    pub median_ms: f64,
    /// Runs.
    pub runs: usize,
    /// Best CPU time of this process's thread over the runs, ms (Linux schedstat), if known.
    /// On a loaded machine this is close to what an idle one would take for CPU-bound work;
    /// it leaves out waiting for the disk (fsync).
    #[serde(default)]
    pub cpu_ms: Option<f64>,
    /// The process's peak resident memory so far, MiB (Linux: VmHWM), if known.
    pub peak_mb: Option<f64>,
    /// Best CPU time of the whole process over the runs, ms (user + system of every thread,
    /// ended ones included; /proc/self/stat, in clock ticks of 10 ms), if known. `cpu_ms` counts
    /// only the measuring thread: where the core hands work to a second thread (the snapshot's
    /// chunks opened at unlock, the headers opened in a rebuild), this column has it too.
    #[serde(default)]
    pub process_cpu_ms: Option<f64>,
}

/// The process's peak resident set so far, in MiB (VmHWM from /proc; `None` elsewhere).
pub fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

/// Time this thread has spent on a CPU, ms (the first field of /proc/thread-self/schedstat).
pub fn cpu_now() -> Option<f64> {
    // The kernel adds the running slice to this counter only at scheduler events; a yield is
    // one, so the reading is exact rather than up to a tick (4 ms) stale.
    std::thread::yield_now();
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: f64 = text.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e6)
}

/// CPU time of the whole process so far, ms (utime + stime of /proc/self/stat, 10 ms ticks).
pub fn process_cpu_now() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may hold spaces; the fields after it are plain numbers.
    let rest = text.get(text.rfind(')')? + 2..)?;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// Runs `f` `runs` times; prints and returns the sample.
fn measure<T>(op: &str, runs: usize, mut f: impl FnMut() -> BResult<T>) -> BResult<Sample> {
    let mut times = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    let mut process = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        let (c, p) = (cpu_now(), process_cpu_now());
        let t = Instant::now();
        let out = f()?;
        times.push(ms(t));
        if let (Some(a), Some(b)) = (c, cpu_now()) {
            cpu.push(b - a);
        }
        if let (Some(a), Some(b)) = (p, process_cpu_now()) {
            process.push(b - a);
        }
        drop(black_box(out));
    }
    let mut s = emit_quiet(op, times, cpu);
    s.process_cpu_ms = process.into_iter().min_by(f64::total_cmp);
    print_sample(&s);
    Ok(s)
}

fn emit(op: &str, times: Vec<f64>, cpu: Vec<f64>) -> Sample {
    let s = emit_quiet(op, times, cpu);
    print_sample(&s);
    s
}

fn print_sample(s: &Sample) {
    if let Ok(line) = serde_json::to_string(s) {
        println!("{line}");
    }
}

fn emit_quiet(op: &str, mut times: Vec<f64>, cpu: Vec<f64>) -> Sample {
    times.sort_by(f64::total_cmp);
    Sample {
        op: op.to_string(),
        ms: times.first().copied().unwrap_or(0.0),
        median_ms: times.get(times.len() / 2).copied().unwrap_or(0.0),
        runs: times.len(),
        cpu_ms: cpu.into_iter().min_by(f64::total_cmp),
        peak_mb: peak_mb(),
        process_cpu_ms: None,
    }
}

fn cpu_since(start: Option<f64>) -> Vec<f64> {
    match (start, cpu_now()) {
        (Some(a), Some(b)) => vec![b - a],
        _ => Vec::new(),
    }
}

fn e(err: xindang::Error) -> String {
    err.to_string()
}

/// How many times each operation runs (the best counts; the machine is shared).
pub struct Runs {
    /// Unlocks.
    pub unlock: usize,
    /// Fast in-memory operations.
    pub fast: usize,
}

fn open_filter() -> ObligationFilter {
    ObligationFilter {
        open_only: true,
        ..ObligationFilter::default()
    }
}

/// The session operations: unlock, list, search, file, dashboard, and at the end (its 64 MiB and
/// more would otherwise count in every later peak) the KDF alone, in the encrypted build only
/// (the plaintext build's is one HMAC).
pub fn measure_session(dir: &Path, built: &Built, runs: &Runs) -> BResult<()> {
    let archive = Archive::open(dir).map_err(e)?;
    // Unlock after the key derivation: the recovery slot needs no Argon2id, so this is the
    // key unwrap, the unlock audit entry and the loading of the index.
    measure("unlock", runs.unlock, || {
        Session::unlock_with_recovery(&archive, &built.recovery).map_err(e)
    })?;
    let mut s = Session::unlock_with_recovery(&archive, &built.recovery).map_err(e)?;
    measure("list_students", runs.fast, || Ok(s.list_students()))?;
    measure("search_name", runs.fast, || {
        Ok(s.search(&built.name_prefix, 200))
    })?;
    measure("search_student_no", runs.fast, || {
        Ok(s.search(&built.student_no, 200))
    })?;
    measure("student_file", runs.fast, || {
        s.student_file(&built.file_student).map_err(e)
    })?;
    measure("dashboard", runs.fast, || {
        s.obligations(today(), &open_filter()).map_err(e)
    })?;
    drop(s);
    // The unlock without a current index snapshot (first unlock of an old archive, after a crash
    // or another writer): the index rebuilt from every sealed row. Closing writes it back.
    let snapshot = dir.join(xindang::session::SNAPSHOT_FILE);
    measure("unlock_rebuild", runs.unlock, || {
        let _ = std::fs::remove_file(&snapshot);
        Session::unlock_with_recovery(&archive, &built.recovery).map_err(e)
    })?;
    if xindang::crypto::SEALS {
        let (kdf, salt) = slot_params(dir)?;
        measure("kdf", runs.unlock, || {
            kdf.derive(PASSPHRASE.as_bytes(), &salt).map_err(e)
        })?;
    }
    Ok(())
}

/// The Argon2id parameters and salt of the first passphrase slot (stored in clear by design).
fn slot_params(dir: &Path) -> BResult<(KdfParams, Vec<u8>)> {
    let db = rusqlite::Connection::open(dir.join("archive.db")).map_err(|e| e.to_string())?;
    let (kdf, salt): (String, Vec<u8>) = db
        .query_row(
            "SELECT kdf, salt FROM key_slots WHERE kind = 'passphrase' ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| e.to_string())?;
    let params: KdfParams = serde_json::from_str(&kdf).map_err(|e| e.to_string())?;
    Ok((params, salt))
}

/// What the app does at start, in a fresh process: open the archive, unlock with the passphrase
/// (Argon2id included), compute the first dashboard.
pub fn cold(dir: &Path) -> BResult<()> {
    let (c, t) = (cpu_now(), Instant::now());
    let archive = Archive::open(dir).map_err(e)?;
    let s = Session::unlock(&archive, PASSPHRASE).map_err(e)?;
    let first = s.obligations(today(), &open_filter()).map_err(e)?;
    let took = ms(t);
    black_box(first);
    emit("cold_start", vec![took], cpu_since(c));
    Ok(())
}

/// A roster .xlsx read and imported into a new, empty archive (creating it is not timed).
pub fn roster(dir: &Path, xlsx: &Path) -> BResult<()> {
    let (mut s, _) = Session::create(dir, PASSPHRASE).map_err(e)?;
    let (c, t) = (cpu_now(), Instant::now());
    let parsed = xindang::roster::parse_file(xlsx).map_err(|e| e.to_string())?;
    emit("roster_parse", vec![ms(t)], cpu_since(c));
    let report = xindang::import::roster(&mut s, &parsed, crate::data::BATCH).map_err(e)?;
    let took = ms(t);
    if report.load.added as usize != parsed.rows.len() || !parsed.errors.is_empty() {
        return Err(format!(
            "roster import: {} added of {} rows, {} errors",
            report.load.added,
            parsed.rows.len(),
            parsed.errors.len()
        ));
    }
    emit("roster_import", vec![took], cpu_since(c));
    Ok(())
}

/// Exports a sync bundle of the whole college archive to the center (best of `runs`), then
/// imports it at the center once (a second import of the same bundle is a no-op by design).
pub fn bundle(
    college: &Path,
    center: &Path,
    recovery: (&str, &str),
    out: &Path,
    runs: usize,
) -> BResult<()> {
    {
        let a = Archive::open(college).map_err(e)?;
        let mut s = Session::unlock_with_recovery(&a, recovery.0).map_err(e)?;
        measure("bundle_export", runs, || {
            s.export_bundle(xindang::site::CENTER_NAME, out).map_err(e)
        })?;
    }
    let a = Archive::open(center).map_err(e)?;
    let mut s = Session::unlock_with_recovery(&a, recovery.1).map_err(e)?;
    let file = std::fs::read(out).map_err(|e| e.to_string())?;
    let (c, t) = (cpu_now(), Instant::now());
    let (report, _receipt) = s.import_bundle(&file).map_err(e)?;
    let took = ms(t);
    if report.students_added == 0 || report.records_added == 0 {
        return Err("bundle import added nothing".into());
    }
    emit("bundle_import", vec![took], cpu_since(c));
    Ok(())
}
