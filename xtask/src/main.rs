//! `cargo xtask run` and `cargo xtask test`: all set-up, build and test chores, cross-platform.
//!
//! On Debian (as root or with sudo) the system packages the build needs are installed when missing;
//! elsewhere the tasks say what is missing and go on with what the platform allows.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Debian packages the build and the tests need.
const APT_PACKAGES: &[&str] = &["build-essential", "pkg-config", "sqlite3"];

type Result<T = ()> = std::result::Result<T, String>;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn run(cmd: &mut Command) -> Result {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: {shown}");
    let status = cmd.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// Installs the missing Debian packages (Linux only).
fn install_system_packages() -> Result {
    if !cfg!(target_os = "linux") || Command::new("dpkg").arg("--version").output().is_err() {
        eprintln!(
            "xtask: not a Debian system; install a C compiler and sqlite3 if the build fails"
        );
        return Ok(());
    }
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
                .unwrap_or(false)
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let sudo = !is_root();
    let apt = |args: &[&str]| {
        let mut c = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "-qq", "--no-install-recommends"]);
    install.args(&missing);
    run(&mut install)
}

fn test() -> Result {
    install_system_packages()?;
    run(cargo().args(["fmt", "--all", "--check"]))?;
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    let (passed, failed) = cargo_test()?;
    // One closing line for the whole run, summing every test binary's result.
    println!("tests: {passed} passed, {failed} failed");
    Ok(())
}

/// Runs `cargo test --workspace`, echoing its output, and sums the results of every test binary.
fn cargo_test() -> Result<(u64, u64)> {
    use std::io::{BufRead, BufReader};
    let mut cmd = cargo();
    cmd.args(["test", "--workspace"])
        .stdout(std::process::Stdio::piped());
    eprintln!("xtask: {cmd:?}");
    let mut child = cmd.spawn().map_err(|e| format!("cargo test: {e}"))?;
    let (mut passed, mut failed) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            println!("{line}");
            if let Some(rest) = line.strip_prefix("test result: ") {
                let count = |word: &str| -> u64 {
                    rest.split(';')
                        .find_map(|part| {
                            part.trim()
                                .trim_start_matches("ok. ")
                                .trim_start_matches("FAILED. ")
                                .strip_suffix(word)
                        })
                        .and_then(|n| n.trim().parse().ok())
                        .unwrap_or(0)
                };
                passed += count(" passed");
                failed += count(" failed");
            }
        }
    }
    let status = child.wait().map_err(|e| format!("cargo test: {e}"))?;
    if !status.success() || failed > 0 {
        return Err(format!(
            "cargo test failed: {passed} passed, {failed} failed"
        ));
    }
    Ok((passed, failed))
}

fn demo_run() -> Result {
    install_system_packages()?;
    run(cargo().args(["build", "-p", "xindang", "--bin", "xindang"]))?;
    let dir = root().join("target/demo-archive");
    let pass = "xindang-demo-2026";
    let bin = root()
        .join("target/debug")
        .join(format!("xindang{}", std::env::consts::EXE_SUFFIX));
    if !dir.join("archive.db").exists() {
        run(Command::new(&bin)
            .arg("--archive")
            .arg(&dir)
            .arg("init")
            .env("XINDANG_PASSPHRASE", pass))?;
        run(Command::new(&bin)
            .arg("--archive")
            .arg(&dir)
            .args(["demo", "--students", "300", "--seed", "1"])
            .env("XINDANG_PASSPHRASE", pass))?;
    }
    println!("Demo archive: {}\nPassphrase: {pass}", dir.display());
    Ok(())
}

fn main() -> ExitCode {
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "test" => test(),
        "run" => demo_run(),
        _ => Err("usage: cargo xtask run | test".into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
