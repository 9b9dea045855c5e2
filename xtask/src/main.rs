//! `cargo xtask run` and `cargo xtask test`: all set-up, build and test chores, in plain Rust so
//! they run the same on every machine (no make, no shell scripts).
//!
//! - `cargo xtask test`: installs what is missing, then fmt, typeshare staleness, UI typecheck and
//!   build, clippy, `cargo test --workspace`, the app build and the end-to-end run; fails fast.
//! - `cargo xtask run`: installs what is missing, builds the CLI and the app, creates a demo archive
//!   in `target/demo-archive` and opens the app on it.
//! - `cargo xtask soak`: the long reliability runs: 200+ crash trials, every write limit, bounded
//!   fuzzing of each target, the measured cost of one passphrase guess.
//! - `cargo xtask bench [--quick]`: the benchmarks against a plaintext baseline (docs/benchmarks.md).
//! - `cargo xtask package`: the release .deb (docs/packaging.md); `cargo xtask test` packages the
//!   debug build and the end-to-end run installs it (as root in CI) and tests the installed app.
//! - `cargo xtask setup | ui | typeshare | e2e | deny`: the single steps.

mod app_deps;
mod bench;
mod bench_ui;
mod package;
mod setup;
mod util;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use util::{cargo, cmd, step, Failure, Tally};

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  test        everything CI runs: set-up, fmt, typeshare check, UI build, clippy, tests, app build, e2e
  run         build the CLI and the app, make a demo archive in target/demo-archive, open the app on it
  package     build the release app and command line and make the .deb (target/release/bundle/deb)
  setup       install what is missing (system packages, tauri-driver, typeshare-cli, node modules)
  ui          build the UI into ui/dist (type check included)
  typeshare   regenerate ui/src/types/generated.ts from the Rust types
  e2e         build the UI and the app, then run the end-to-end tests under Xvfb
  deny        cargo deny: licenses, duplicate crates, sources; advisories when the database is reachable
  soak        long runs: crash trials (XINDANG_SOAK_TRIALS, default 200), every write limit,
              fuzzing each target (XINDANG_FUZZ_SECS each, default 60), the cost of a passphrase guess
  bench       benchmarks at 3,000, 30,000 and 100,000 students against a plaintext build;
              --quick: 3,000 and 30,000 only. Writes <target>/bench/summary.json
              --ui [--sizes 30000,100000] [--runs 5]: the release app timed through WebDriver
";

/// The passphrase of the demo archive; printed by `cargo xtask run`. Demo data only.
const DEMO_PASSPHRASE: &str = "xindang-demo-2026";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let started = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("run") => run(),
        Some("setup") => setup::install(setup::Purpose::Test),
        Some("ui") => setup::install(setup::Purpose::Ui).and_then(|()| build_ui()),
        Some("typeshare") => {
            setup::install(setup::Purpose::Typeshare).and_then(|()| typeshare_write())
        }
        Some("e2e") => setup::install(setup::Purpose::Test).and_then(|()| e2e_with_builds()),
        Some("deny") => setup::install(setup::Purpose::Deny).and_then(|()| deny()),
        Some("soak") => soak(),
        Some("package") => package::release(),
        Some("bench") if args.get(1).is_some_and(|a| a == "--ui") => bench_ui::run(&args[2..]),
        Some("bench") => bench::run(&target_dir(), &args[1..]),
        Some("help" | "-h" | "--help") => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => {
            eprintln!("xtask: done in {:.0?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(Failure(msg)) => {
            eprintln!("\nxtask: FAILED: {msg}");
            ExitCode::FAILURE
        }
    }
}

/// Where cargo puts debug binaries: `$CARGO_TARGET_DIR/debug` when set (a shared or per-worktree
/// target folder), else `target/debug`.
fn debug_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir).join("debug"),
        _ => root().join("target/debug"),
    }
}

/// The repository root (the parent of this crate).
pub fn root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.parent().unwrap_or(here).to_path_buf()
}

fn test() -> Result<(), Failure> {
    step("install what is missing", || {
        setup::install(setup::Purpose::Test)
    })?;
    step("cargo fmt --check", || {
        cmd(cargo(), ["fmt", "--all", "--check"])
            .fail_hint("run `cargo fmt --all`")
            .run()
    })?;
    step("typeshare output is current", typeshare_check)?;
    // The app embeds ui/dist at compile time, so the UI is built before anything compiles the app.
    step("UI type check and build", build_ui)?;
    step("cargo clippy", || {
        cmd(
            cargo(),
            [
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )
        .run()
    })?;
    step("cargo deny", deny)?;
    step("the app links no clap or rpassword", app_deps::check)?;
    let mut tally = Tally::default();
    step("cargo test", || {
        cmd(cargo(), ["test", "--workspace"]).run_counting(&mut tally)
    })?;
    step("build the app", build_app_and_cli)?;
    let deb = step("package the debug build (.deb)", package::debug)?;
    step("end-to-end tests", || e2e(&mut tally, deb.as_deref()))?;
    // One closing line for the whole run, summing every test binary and the end-to-end specs.
    println!("tests: {} passed, {} failed", tally.passed, tally.failed);
    Ok(())
}

fn run() -> Result<(), Failure> {
    let started = Instant::now();
    eprintln!(
        "xtask run: builds 心档 (the UI, the app, the command line), makes a demo archive of \
         synthetic students and opens the app on it.\n\
         The first run compiles for several minutes; later runs only rebuild what changed."
    );
    step("install what is missing", || {
        setup::install(setup::Purpose::Run)
    })?;
    step("UI type check and build", build_ui)?;
    step("build the app", build_app)?;
    let root = root();
    let archive = root.join("target/demo-archive");
    let cli = debug_dir().join(exe("xindang"));
    let cli_built = step("build the command line", || {
        cmd(cargo(), ["build", "-p", "xindang", "--bin", "xindang"]).run()
    });
    match cli_built {
        Ok(()) if cli.is_file() => step("demo archive", || demo_archive(&cli, &archive))?,
        _ => eprintln!(
            "xtask: the command line `xindang` could not be built, so no demo archive was made; \
             the app opens on {} (created on first run)",
            archive.display()
        ),
    }
    let app = debug_dir().join(exe("xindang-app"));
    println!(
        "\n  ready in {:.0} s\n  心档 demo archive: {}\n  passphrase (demo data only): {DEMO_PASSPHRASE}\n  \
         the app: {}\n\nopening the app on the demo archive: type the passphrase to unlock; \
         close the window to end\n",
        started.elapsed().as_secs_f64(),
        archive.display(),
        app.display()
    );
    cmd(app.to_string_lossy().as_ref(), [] as [&str; 0])
        .env("XINDANG_ARCHIVE", &archive)
        .run()
}

fn demo_archive(cli: &Path, archive: &Path) -> Result<(), Failure> {
    let archive_arg = archive.to_string_lossy().into_owned();
    let cli = cli.to_string_lossy().into_owned();
    if dir_has_files(archive) {
        eprintln!("xtask: {archive_arg} exists; keeping it (delete it for a fresh demo)");
        return Ok(());
    }
    // `init` prints the recovery key; a demo archive has no use for it, so it is not shown.
    cmd(&cli, ["--archive", &archive_arg, "init"])
        .env("XINDANG_PASSPHRASE", DEMO_PASSPHRASE)
        .quiet_stdout()
        .run()?;
    cmd(
        &cli,
        [
            "--archive",
            &archive_arg,
            "demo",
            "--students",
            "300",
            "--seed",
            "1",
        ],
    )
    .env("XINDANG_PASSPHRASE", DEMO_PASSPHRASE)
    .run()
}

fn dir_has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false)
}

fn exe(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

fn build_ui() -> Result<(), Failure> {
    cmd(setup::NPM, ["run", "build"])
        .dir(root().join("ui"))
        .run()
}

fn build_app() -> Result<(), Failure> {
    cmd(cargo(), ["build", "-p", "xindang-app"]).run()
}

/// The app and, apart (building the two packages in one cargo call unifies their dependencies'
/// features differently and rebuilds half the tree), the command line the end-to-end tests use.
fn build_app_and_cli() -> Result<(), Failure> {
    build_app()?;
    cmd(cargo(), ["build", "-p", "xindang", "--bin", "xindang"]).run()
}

const GENERATED_TS: &str = "ui/src/types/generated.ts";

fn typeshare_to(out: &Path) -> Result<(), Failure> {
    let out = out.to_string_lossy().into_owned();
    cmd(
        "typeshare",
        [".", "--lang=typescript", "--output-file", &out],
    )
    .quiet_stdout()
    .run()
}

fn typeshare_write() -> Result<(), Failure> {
    typeshare_to(&root().join(GENERATED_TS))
}

fn typeshare_check() -> Result<(), Failure> {
    let fresh = root().join("target/xtask/generated.ts");
    if let Some(parent) = fresh.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Failure(format!("cannot create {}: {e}", parent.display())))?;
    }
    typeshare_to(&fresh)?;
    let committed = std::fs::read_to_string(root().join(GENERATED_TS)).unwrap_or_default();
    let regenerated = std::fs::read_to_string(&fresh)
        .map_err(|e| Failure(format!("typeshare wrote nothing: {e}")))?;
    if committed != regenerated {
        return Err(Failure(format!(
            "{GENERATED_TS} is stale: the Rust types changed. Run `cargo xtask typeshare` and commit the result."
        )));
    }
    Ok(())
}

/// Cargo's target folder: `CARGO_TARGET_DIR` if set, else `target/` at the root.
fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) if !d.is_empty() => root().join(d),
        _ => root().join("target"),
    }
}

fn e2e_with_builds() -> Result<(), Failure> {
    step("UI type check and build", build_ui)?;
    step("build the app", build_app_and_cli)?;
    step("end-to-end tests", || e2e(&mut Tally::default(), None))
}

/// Runs `node --test tests/e2e/`; the harness there starts and stops Xvfb and tauri-driver itself.
/// With `deb`, tests/e2e/installed.test.mjs installs that package (as root in CI) and tests it.
fn e2e(tally: &mut Tally, deb: Option<&Path>) -> Result<(), Failure> {
    if !cfg!(target_os = "linux") {
        eprintln!(
            "xtask: SKIPPED end-to-end tests: they drive the app through tauri-driver and WebKitWebDriver \
             under Xvfb, which exist on Linux only"
        );
        return Ok(());
    }
    let root = root();
    let app = debug_dir().join(exe("xindang-app"));
    let artifacts = root.join("target/e2e-artifacts");
    let _ = std::fs::remove_dir_all(&artifacts);
    let mut node = cmd("node", ["--test", "--test-concurrency=1", "tests/e2e/"]);
    if let Some(deb) = deb {
        node = node.env("XINDANG_DEB", deb);
    }
    node.dir(&root)
        .env("XINDANG_APP_BIN", &app)
        .env("XINDANG_E2E_ARTIFACTS", &artifacts)
        .env("XINDANG_CLI_BIN", debug_dir().join(exe("xindang")))
        .env("TAURI_DRIVER", setup::tool_path("tauri-driver"))
        .run_counting(tally)
}

/// `cargo deny`: licenses, bans (duplicate versions, wildcards) and sources always, from
/// deny.toml. Advisories need RustSec's database, which lives in a git repository: it is fetched
/// when the network allows; where it cannot be fetched and no copy is present the advisories check
/// is reported as skipped (docs/security.md), never passed silently and never failed spuriously.
fn deny() -> Result<(), Failure> {
    let deny = setup::tool_path("cargo-deny");
    cmd(
        &deny,
        ["deny", "--locked", "check", "bans", "licenses", "sources"],
    )
    .fail_hint("see deny.toml; a new dependency's license or a second version of a crate")
    .run()?;
    let fetched = cmd(&deny, ["deny", "fetch", "db"]).output().is_some();
    let db = advisory_db();
    if !fetched && !db.as_ref().is_some_and(|d| d.is_dir()) {
        eprintln!(
            "xtask: SKIPPED cargo deny advisories: the advisory database could not be fetched \
             and no copy is present (see docs/security.md)"
        );
        return Ok(());
    }
    if !fetched {
        eprintln!(
            "xtask: the advisory database could not be updated; checking against the copy present"
        );
    }
    cmd(
        &deny,
        ["deny", "--locked", "check", "--disable-fetch", "advisories"],
    )
    .run()
}

/// Where cargo-deny keeps advisory databases (`db-path` in deny.toml).
fn advisory_db() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let dbs = home.join("advisory-dbs");
    std::fs::read_dir(&dbs)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.join("crates").is_dir())
}

/// The fuzz targets of fuzz/ (cargo-fuzz).
const FUZZ_TARGETS: &[&str] = &[
    "bundle_reader",
    "bundle_container",
    "merge",
    "roster",
    "policy",
];

fn soak() -> Result<(), Failure> {
    step("install what is missing", || {
        setup::install(setup::Purpose::Soak)
    })?;
    let trials = std::env::var("XINDANG_SOAK_TRIALS").unwrap_or_else(|_| "200".into());
    let mut tally = Tally::default();
    step(
        &format!("crash trials ({trials}) and every write limit"),
        || {
            // One test at a time: the kill moments are spread over the measured length of an
            // uninterrupted run, which a busy machine stretches.
            cmd(
                cargo(),
                [
                    "test",
                    "-p",
                    "xindang",
                    "--test",
                    "tests",
                    "soak_",
                    "--",
                    "--ignored",
                    "--test-threads=1",
                    "--nocapture",
                ],
            )
            .env("XINDANG_SOAK_TRIALS", &trials)
            .run_counting(&mut tally)
        },
    )?;
    let secs = std::env::var("XINDANG_FUZZ_SECS").unwrap_or_else(|_| "60".into());
    let fuzz = root().join("fuzz");
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let work = target_dir.join("fuzz-corpus");
    // The fuzz workspace builds with its own flags (coverage instrumentation): a folder of its own.
    let fuzz_target_dir = target_dir.join("fuzz");
    // Every target runs even when one fails; the task fails at the end.
    let mut failed = Vec::new();
    for target in FUZZ_TARGETS {
        let run = step(&format!("fuzz {target} for {secs} s"), || {
            // New inputs go to target/ (first folder), the committed seeds stay as they are.
            let found = work.join(target);
            std::fs::create_dir_all(&found)
                .map_err(|e| Failure(format!("cannot create {}: {e}", found.display())))?;
            let seeds = fuzz.join("corpus").join(target);
            cmd(
                setup::tool_path("cargo-fuzz"),
                [
                    "fuzz".as_ref(),
                    "run".as_ref(),
                    "--sanitizer=none".as_ref(),
                    "--target-dir".as_ref(),
                    fuzz_target_dir.as_os_str(),
                    target.as_ref(),
                    found.as_os_str(),
                    seeds.as_os_str(),
                    "--".as_ref(),
                    format!("-max_total_time={secs}").as_ref(),
                    "-rss_limit_mb=3072".as_ref(),
                    "-max_len=65536".as_ref(),
                    "-print_final_stats=1".as_ref(),
                ] as [&std::ffi::OsStr; 13],
            )
            .dir(&fuzz)
            // cargo-fuzz passes -Z flags: allowed on the stable toolchain with RUSTC_BOOTSTRAP.
            .env("RUSTC_BOOTSTRAP", "1")
            .fail_hint("a crash input is in fuzz/artifacts/; keep it as a test once fixed")
            .run()
        });
        if let Err(Failure(msg)) = run {
            eprintln!("xtask: {msg}");
            failed.push(*target);
        }
    }
    step("cost of one passphrase guess", || {
        cmd(
            cargo(),
            [
                "test",
                "-p",
                "xindang",
                "--test",
                "tests",
                "measure_passphrase_guess_cost",
                "--",
                "--ignored",
                "--nocapture",
            ],
        )
        .run_counting(&mut tally)
    })?;
    println!("tests: {} passed, {} failed", tally.passed, tally.failed);
    if !failed.is_empty() {
        return Err(Failure(format!(
            "fuzzing found failures in: {}",
            failed.join(", ")
        )));
    }
    Ok(())
}
