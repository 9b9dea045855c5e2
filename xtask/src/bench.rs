//! `cargo xtask bench`: builds the bench binary twice in release, as is (the encrypted side) and
//! with `--cfg xindang_plain_bench` (the core's cryptography switched off, src/crypto/aead.rs) in
//! its own target folder, then runs the first, which alternates between the two.
//!
//! This is the only place that sets the cfg. A rustc cfg rather than a cargo feature: a feature
//! the bench package enabled would be on for every package of the same `cargo` call (the command
//! line in `cargo test --workspace`), a cfg passed here reaches only this call. The separate target
//! folder keeps the plaintext libraries apart from every other build's; the command line and the
//! app refuse to compile under the cfg.

use std::path::{Path, PathBuf};

use crate::util::{cargo, cmd, step, Failure};

/// The cfg of the plaintext side.
const PLAIN_CFG: &str = "xindang_plain_bench";

fn build(target: &Path, rustflags: Option<String>) -> Result<(), Failure> {
    let target = target.to_string_lossy().into_owned();
    let mut c = cmd(
        cargo(),
        [
            "build",
            "--release",
            "-p",
            "xindang-bench",
            "--bin",
            "xindang-bench",
            "--target-dir",
            &target,
        ],
    );
    if let Some(flags) = rustflags {
        c = c.env("CARGO_ENCODED_RUSTFLAGS", flags);
    }
    c.run()
}

/// The caller's rustflags (CARGO_ENCODED_RUSTFLAGS, else RUSTFLAGS) plus the plaintext cfg, in
/// cargo's encoded form (separated by 0x1f).
fn plain_rustflags() -> String {
    let mut flags: Vec<String> = match std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        Ok(f) if !f.is_empty() => f.split('\x1f').map(str::to_string).collect(),
        _ => std::env::var("RUSTFLAGS")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect(),
    };
    flags.push("--cfg".into());
    flags.push(PLAIN_CFG.into());
    flags.join("\x1f")
}

fn exe(dir: &Path) -> PathBuf {
    dir.join("release")
        .join(format!("xindang-bench{}", std::env::consts::EXE_SUFFIX))
}

/// Builds both sides and runs the suite; results in `<target>/bench/`. Extra arguments
/// (`--quick`, `--sizes 3000`) pass through.
pub fn run(target: &Path, args: &[String]) -> Result<(), Failure> {
    let plain_target = target.join("bench-plain");
    step("build the benchmarks (release, encrypted)", || {
        build(target, None)
    })?;
    step(
        "build the benchmarks (release, plaintext: --cfg xindang_plain_bench)",
        || build(&plain_target, Some(plain_rustflags())),
    )?;
    let out = target.join("bench");
    let mut all: Vec<String> = args.to_vec();
    all.push("--out".into());
    all.push(out.to_string_lossy().into_owned());
    all.push("--plaintext-bin".into());
    all.push(exe(&plain_target).to_string_lossy().into_owned());
    step("run the benchmarks", || {
        cmd(
            exe(target).to_string_lossy().as_ref(),
            all.iter().map(String::as_str),
        )
        .run()
    })?;
    println!("bench: results in {}", out.join("summary.json").display());
    Ok(())
}
