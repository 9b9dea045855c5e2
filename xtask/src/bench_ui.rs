//! `cargo xtask bench --ui [--sizes 30000,100000] [--runs 5]`: the app in its real window, timed.
//! Builds the UI and the app and command line as released but with debug assertions (profile
//! `release-webdriver`: a release build refuses WebDriver), makes a demo archive per size in
//! `<target>/bench-ui/` (kept for the next run; key slot at the 64 MiB floor, `XINDANG_KDF_MS=0`),
//! then runs `tests/e2e/bench-ui.mjs` through WebDriver under Xvfb. Results in
//! `<target>/bench-ui/summary.json` and on standard output; docs/benchmarks.md reports them.

use std::path::Path;

use crate::util::{cmd, step, Failure};
use crate::{build_ui, cargo, exe, root, setup, target_dir};

/// The demo archives' passphrase (demo data only).
const PASSPHRASE: &str = "xindang-bench-ui";

pub fn run(args: &[String]) -> Result<(), Failure> {
    let mut sizes = "30000,100000".to_string();
    let mut runs = "5".to_string();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let value = it.next().cloned();
        match (arg.as_str(), value) {
            ("--sizes", Some(v)) => sizes = v,
            ("--runs", Some(v)) => runs = v,
            _ => return Err(Failure(format!("bench --ui: unknown argument {arg}"))),
        }
    }
    step("install what is missing", || {
        setup::install(setup::Purpose::Test)
    })?;
    step("UI type check and build", build_ui)?;
    // As a package is built (the embedded UI served by the custom protocol, LTO), but with debug
    // assertions on: a release build refuses WebDriver (Cargo.toml, profile release-webdriver).
    step(
        "build the app and command line (profile release-webdriver)",
        || {
            cmd(
                cargo(),
                [
                    "build",
                    "--profile",
                    "release-webdriver",
                    "-p",
                    "xindang-app",
                    "--features",
                    "tauri/custom-protocol",
                    "-p",
                    "xindang",
                ],
            )
            .run()
        },
    )?;
    let release = target_dir().join("release-webdriver");
    let cli = release.join(exe("xindang"));
    let dir = target_dir().join("bench-ui");
    let mut archives = Vec::new();
    for size in sizes.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let archive = dir.join(format!("archive-{size}"));
        step(&format!("demo archive of {size} students"), || {
            demo(&cli, &archive, size)
        })?;
        archives.push(format!("{size}={}", archive.display()));
    }
    let out = dir.join("summary.json");
    step("time the app through WebDriver", || {
        cmd("node", ["tests/e2e/bench-ui.mjs"])
            .dir(root())
            .env("XINDANG_APP_BIN", release.join(exe("xindang-app")))
            .env("XINDANG_CLI_BIN", &cli)
            .env("TAURI_DRIVER", setup::tool_path("tauri-driver"))
            .env("XINDANG_BENCH_ARCHIVES", archives.join(","))
            .env("XINDANG_BENCH_PASSPHRASE", PASSPHRASE)
            .env("XINDANG_BENCH_RUNS", &runs)
            .env("XINDANG_BENCH_OUT", &out)
            .run()
    })?;
    println!("bench --ui: results in {}", out.display());
    Ok(())
}

/// A demo archive of `size` students at `archive`, unless one is there from an earlier run.
fn demo(cli: &Path, archive: &Path, size: &str) -> Result<(), Failure> {
    let ready = archive.with_extension("ready");
    if ready.is_file() {
        eprintln!(
            "xtask: keeping {} (delete it for a fresh one)",
            archive.display()
        );
        return Ok(());
    }
    let _ = std::fs::remove_dir_all(archive);
    let path = archive.to_string_lossy().into_owned();
    for args in [
        vec!["--archive", &path, "init"],
        vec![
            "--archive",
            &path,
            "demo",
            "--students",
            size,
            "--seed",
            "1",
        ],
    ] {
        cmd(cli, args)
            .env("XINDANG_PASSPHRASE", PASSPHRASE)
            .env("XINDANG_KDF_MS", "0")
            .quiet_stdout()
            .run()?;
    }
    // Marks a finished archive, so an interrupted demo is made again rather than measured.
    std::fs::write(&ready, b"")
        .map_err(|e| Failure(format!("cannot write {}: {e}", archive.display())))
}
