//! XinDang benchmarks: each operation of the core on an encrypted archive against the same
//! operation of the same code built without its cryptography, in the same run
//! (docs/benchmarks.md).
//!
//! The orchestrator ([`run`]) is the encrypted build. It runs everything else in child processes
//! (`xindang-bench child …`), alternating between itself and the plaintext build of this binary
//! (`--plaintext-bin`, built by `cargo xtask bench` with `--cfg xindang_plain_bench`): each side
//! builds its own archives, then measures them, so each peak memory figure belongs to one
//! operation's process and not to the building.
#![forbid(unsafe_code)]

pub mod child;
pub mod data;
pub mod report;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use child::Sample;
use data::{Built, BundleSites};
pub use report::Row;

/// Errors of the bench are printed and end the run; a string is enough.
pub type BResult<T> = std::result::Result<T, String>;

/// The passphrase of every benchmark archive (synthetic data only).
pub const PASSPHRASE: &str = "bench-passphrase-2026";

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Archive sizes in students.
    pub sizes: Vec<usize>,
    /// Rows of the roster .xlsx imported.
    pub roster_rows: usize,
    /// Students in the archive whose bundle is exported and imported.
    pub bundle_students: usize,
    /// Output folder (`target/bench`): summary.json, summary.md, the work folder.
    pub out: PathBuf,
    /// Unlock and KDF repetitions.
    pub unlock_runs: usize,
    /// Repetitions of the fast operations.
    pub fast_runs: usize,
    /// Cold starts (each a fresh process) per side.
    pub cold_runs: usize,
    /// Bundle export repetitions.
    pub export_runs: usize,
    /// `--reuse DIR`: keep each size's built archive pair in `DIR/s<N>` and, when a later run
    /// finds one there (its `built.json`), measure it again instead of building anew (building
    /// 100,000 students takes minutes). The measuring children leave the pair as they found it
    /// (the index snapshot is rewritten when their sessions close).
    pub reuse: Option<PathBuf>,
    /// Which groups run (`--only sessions,cold,roster,bundles`); all when empty.
    pub only: Vec<String>,
    /// The plaintext build of this binary (`--plaintext-bin`). The smoke tests pass this binary
    /// itself, which exercises the whole run with encryption on both sides.
    pub plaintext_bin: Option<PathBuf>,
}

/// The groups `--only` selects: the session lines per size, the cold starts per size, the roster
/// import, the bundles.
pub const GROUPS: [&str; 4] = ["sessions", "cold", "roster", "bundles"];

impl Options {
    /// Whether the group `name` (one of [`GROUPS`]) runs.
    pub fn runs_group(&self, name: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|g| g == name)
    }
}

impl Options {
    /// The full run (3,000, 30,000, 100,000 students) or the quick one (3,000 and 30,000).
    pub fn standard(quick: bool, out: PathBuf) -> Self {
        Options {
            sizes: if quick {
                vec![3_000, 30_000]
            } else {
                vec![3_000, 30_000, 100_000]
            },
            roster_rows: 30_000,
            bundle_students: 5_000,
            out,
            unlock_runs: 3,
            fast_runs: 11,
            cold_runs: if quick { 2 } else { 3 },
            export_runs: if quick { 1 } else { 2 },
            reuse: None,
            only: Vec::new(),
            plaintext_bin: None,
        }
    }
}

fn progress(msg: &str) {
    eprintln!("bench: {msg}");
}

/// The two builds of this binary: the encrypted one (this process) and the plaintext one.
struct Sides {
    encrypted: PathBuf,
    plaintext: PathBuf,
}

impl Sides {
    fn of(opts: &Options) -> BResult<Sides> {
        if !xindang::crypto::SEALS {
            return Err(
                "this is the plaintext build: run the encrypted one, which starts this \
                        one (`cargo xtask bench`)"
                    .into(),
            );
        }
        let encrypted =
            std::env::current_exe().map_err(|e| format!("cannot find the bench binary: {e}"))?;
        let plaintext = opts.plaintext_bin.clone().ok_or(
            "--plaintext-bin is missing: run the benchmarks through `cargo xtask bench`, which \
             builds the plaintext side",
        )?;
        Ok(Sides {
            encrypted,
            plaintext,
        })
    }
}

/// Runs `exe` as a child with `args`; returns its samples (the JSON lines of its stdout).
fn child(exe: &Path, args: &[&str]) -> BResult<Vec<Sample>> {
    let out = Command::new(exe)
        .arg("child")
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start a bench child ({}): {e}", exe.display()))?;
    if !out.status.success() {
        return Err(format!("bench child {args:?} failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect())
}

fn path_arg(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn fresh_dir(p: &Path) -> BResult<()> {
    if p.exists() {
        std::fs::remove_dir_all(p).map_err(|e| format!("cannot clear {}: {e}", p.display()))?;
    }
    std::fs::create_dir_all(p).map_err(|e| format!("cannot create {}: {e}", p.display()))
}

/// Every sample as measured: (side, students, sample).
type Samples = Vec<(String, usize, Sample)>;

/// Pairs encrypted and plaintext samples into rows, keeping the raw samples.
fn pair(students: usize, enc: &[Sample], plain: &[Sample], rows: &mut Vec<Row>, all: &mut Samples) {
    for s in enc {
        // The KDF has no plaintext counterpart (the plaintext build's is one HMAC, unmeasured).
        let p = plain.iter().find(|p| p.op == s.op && s.op != "kdf");
        rows.push(Row::new(&s.op, students, s, p));
        all.push(("encrypted".into(), students, s.clone()));
    }
    for p in plain {
        all.push(("plaintext".into(), students, p.clone()));
    }
}

/// Best of several single-sample children.
fn best(samples: Vec<Sample>) -> Vec<Sample> {
    let mut out: Vec<Sample> = Vec::new();
    for s in samples {
        match out.iter_mut().find(|o| o.op == s.op) {
            Some(o) => {
                if s.ms < o.ms {
                    o.ms = s.ms;
                }
                o.cpu_ms = match (o.cpu_ms, s.cpu_ms) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                o.peak_mb = match (o.peak_mb, s.peak_mb) {
                    (Some(a), Some(b)) => Some(a.max(b)),
                    (a, b) => a.or(b),
                };
                o.runs += s.runs;
            }
            None => out.push(s),
        }
    }
    out
}

/// The roster lines: the same .xlsx imported into a new archive by each build.
fn roster(
    opts: &Options,
    sides: &Sides,
    work: &Path,
    rows: &mut Vec<Row>,
    all: &mut Samples,
) -> BResult<()> {
    progress(&format!(
        "roster import of {} rows from .xlsx",
        opts.roster_rows
    ));
    let xlsx = work.join("roster.xlsx");
    xindang::roster::write_xlsx(&xlsx, &data::roster_profiles(opts.roster_rows))
        .map_err(|e| e.to_string())?;
    let es = child(
        &sides.encrypted,
        &[
            "roster",
            &path_arg(&work.join("roster-enc")),
            &path_arg(&xlsx),
        ],
    )?;
    let ps = child(
        &sides.plaintext,
        &[
            "roster",
            &path_arg(&work.join("roster-plain")),
            &path_arg(&xlsx),
        ],
    )?;
    pair(opts.roster_rows, &es, &ps, rows, all);
    Ok(())
}

/// Runs every benchmark; returns the rows (also written to `summary.json` and `summary.md`).
pub fn run(opts: &Options) -> BResult<Vec<Row>> {
    let sides = Sides::of(opts)?;
    let work = opts.out.join("work");
    fresh_dir(&work)?;
    let machine = report::Machine::now();
    let mut rows = Vec::new();
    let mut all: Samples = Vec::new();
    let unlock_runs = opts.unlock_runs.to_string();
    let fast_runs = opts.fast_runs.to_string();
    let sizes: &[usize] = if opts.runs_group("sessions") || opts.runs_group("cold") {
        &opts.sizes
    } else {
        &[]
    };
    for &n in sizes {
        let dir = match &opts.reuse {
            Some(keep) => keep.join(format!("s{n}")),
            None => work.join(format!("s{n}")),
        };
        let (enc, plain) = (dir.join("enc"), dir.join("plain"));
        let (enc_info, plain_info) = (dir.join("built-enc.json"), dir.join("built-plain.json"));
        let (e, p) = (path_arg(&enc), path_arg(&plain));
        let (ei, pi) = (path_arg(&enc_info), path_arg(&plain_info));
        let reused = match (&opts.reuse, read_built(Some(&ei)), read_built(Some(&pi))) {
            (Some(_), Ok(a), Ok(b)) if a.students == n && b.students == n => Some(a),
            _ => None,
        };
        let built = match reused {
            Some(built) => {
                progress(&format!("{n} students: reusing {}", dir.display()));
                built
            }
            None => {
                fresh_dir(&dir)?;
                progress(&format!(
                    "building {n} students, encrypted and plaintext (not timed)"
                ));
                let count = n.to_string();
                child(&sides.encrypted, &["build", &count, &e, &ei])?;
                child(&sides.plaintext, &["build", &count, &p, &pi])?;
                read_built(Some(&ei))?
            }
        };
        progress(&format!(
            "{n} students, {} records: unlock, list, search, student file, dashboard, kdf",
            built.records
        ));
        if opts.runs_group("sessions") {
            let es = child(
                &sides.encrypted,
                &["measure", &e, &ei, &unlock_runs, &fast_runs],
            )?;
            let ps = child(
                &sides.plaintext,
                &["measure", &p, &pi, &unlock_runs, &fast_runs],
            )?;
            pair(n, &es, &ps, &mut rows, &mut all);
        }
        if opts.runs_group("cold") {
            progress(&format!("{n} students: cold starts"));
            let (mut ec, mut pc) = (Vec::new(), Vec::new());
            for _ in 0..opts.cold_runs {
                ec.extend(child(&sides.encrypted, &["cold", &e])?);
                pc.extend(child(&sides.plaintext, &["cold", &p])?);
            }
            pair(n, &best(ec), &best(pc), &mut rows, &mut all);
        }
        if opts.reuse.is_none() {
            std::fs::remove_dir_all(&dir).map_err(|e| e.to_string())?;
        }
    }

    if opts.runs_group("roster") {
        roster(opts, &sides, &work, &mut rows, &mut all)?;
    }
    if opts.runs_group("bundles") {
        bundles(opts, &sides, &work, &mut rows, &mut all)?;
    }
    let _ = std::fs::remove_dir_all(&work);

    let machine = machine.finish();
    report::write(&opts.out, &rows, &all, &machine)?;
    print!("{}", report::table(&rows, &machine));
    Ok(rows)
}

/// The bundle export and import of an `opts.bundle_students` college, both sides.
fn bundles(
    opts: &Options,
    sides: &Sides,
    work: &Path,
    rows: &mut Vec<Row>,
    all: &mut Samples,
) -> BResult<()> {
    progress(&format!(
        "bundles of {} students (building not timed)",
        opts.bundle_students
    ));
    let b = work.join("bundle");
    fresh_dir(&b)?;
    let (count, runs) = (
        opts.bundle_students.to_string(),
        opts.export_runs.to_string(),
    );
    let side = |exe: &Path, name: &str| -> BResult<Vec<Sample>> {
        let d = |part: &str| path_arg(&b.join(format!("{name}-{part}")));
        let (college, center, info) = (d("college"), d("center"), d("sites.json"));
        child(exe, &["bundle-build", &count, &college, &center, &info])?;
        child(
            exe,
            &["bundle", &college, &center, &info, &d("sync.age"), &runs],
        )
    };
    let es = side(&sides.encrypted, "enc")?;
    let ps = side(&sides.plaintext, "plain")?;
    pair(opts.bundle_students, &es, &ps, rows, all);
    Ok(())
}

fn parse<T: std::str::FromStr>(s: Option<&String>, what: &str) -> BResult<T> {
    s.and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bench child: missing or bad {what}"))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> BResult<T> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> BResult<()> {
    let text = serde_json::to_string(value).map_err(|e| e.to_string())?;
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_built(path: Option<&String>) -> BResult<Built> {
    read_json(Path::new(path.ok_or("bench child: missing info file")?))
}

/// The child side: `child <mode> <args…>`.
pub fn run_child(args: &[String]) -> BResult<()> {
    let path = |i: usize| -> BResult<PathBuf> {
        args.get(i)
            .map(PathBuf::from)
            .ok_or_else(|| format!("bench child: missing argument {i}"))
    };
    let runs = || -> BResult<child::Runs> {
        Ok(child::Runs {
            unlock: parse(args.get(3), "unlock runs")?,
            fast: parse(args.get(4), "fast runs")?,
        })
    };
    let count = || -> BResult<usize> { parse(args.get(1), "student count") };
    match args.first().map(String::as_str) {
        Some("build") => write_json(&path(3)?, &data::build(count()?, &path(2)?)?),
        Some("measure") => child::measure_session(&path(1)?, &read_built(args.get(2))?, &runs()?),
        Some("cold") => child::cold(&path(1)?),
        Some("roster") => child::roster(&path(1)?, &path(2)?),
        Some("bundle-build") => {
            let (college, center_recovery) =
                data::build_bundle_sites(count()?, &path(2)?, &path(3)?)?;
            let sites = BundleSites {
                college,
                center_recovery,
            };
            write_json(&path(4)?, &sites)
        }
        Some("bundle") => {
            let sites: BundleSites = read_json(&path(3)?)?;
            child::bundle(
                &path(1)?,
                &path(2)?,
                (&sites.college.recovery, &sites.center_recovery),
                &path(4)?,
                parse(args.get(5), "export runs")?,
            )
        }
        _ => Err("bench child: unknown mode".into()),
    }
}
