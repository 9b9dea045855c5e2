//! `cargo xtask package`: the Debian package (Debian 12 and later, and the Debian-based desktops
//! colleges use: 统信 UOS, 银河麒麟), made by Tauri's bundler from `src-tauri/tauri.conf.json`
//! (docs/packaging.md). The Tauri CLI is the prebuilt one from npm (ui/package.json), not compiled.
//!
//! - `release()`: the release build (root Cargo.toml's `[profile.release]`), what ships.
//! - `debug()`: the debug build the end-to-end tests already use, packaged without recompiling,
//!   so that `cargo xtask test` can install it and test the installed app within its time budget.

use std::path::{Path, PathBuf};

use crate::util::{cargo, cmd, step, Failure};
use crate::{build_ui, exe, root, setup, target_dir};

/// Which build goes into the package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Debug,
    Release,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Release => "release",
        }
    }
}

/// `cargo xtask package`: builds the UI, the app and the command line in release, and makes the .deb.
pub fn release() -> Result<(), Failure> {
    if !cfg!(target_os = "linux") {
        return Err(Failure(
            "the .deb is built on Linux only; Windows (NSIS) and macOS (dmg) packages are \
             configured in src-tauri/tauri.conf.json but built on those systems (docs/packaging.md)"
                .into(),
        ));
    }
    step("install what is missing", || {
        setup::install(setup::Purpose::Run)
    })?;
    step("UI type check and build", build_ui)?;
    build_release()?;
    let deb = step("make the .deb", || bundle(Profile::Release))?;
    describe(&deb);
    Ok(())
}

/// The release app and command line, as a package holds them. `tauri/custom-protocol` is what
/// `tauri build` adds: the app serves its embedded UI as a production build (no development
/// mode), whatever the configuration holds.
pub fn build_release() -> Result<(), Failure> {
    step("build the app (release)", || {
        cmd(
            cargo(),
            [
                "build",
                "--release",
                "-p",
                "xindang-app",
                "--features",
                "tauri/custom-protocol",
            ],
        )
        .run()
    })?;
    step("build the command line (release)", || {
        cmd(
            cargo(),
            ["build", "--release", "-p", "xindang", "--bin", "xindang"],
        )
        .run()
    })
}

/// Packages the debug app and command line already built (for the end-to-end tests) as a .deb;
/// nothing off Linux, where there is no .deb to make or install.
pub fn debug() -> Result<Option<PathBuf>, Failure> {
    if !cfg!(target_os = "linux") {
        eprintln!("xtask: SKIPPED the .deb: Debian packages are made and installed on Linux only");
        return Ok(None);
    }
    bundle(Profile::Debug).map(Some)
}

/// Runs Tauri's bundler on what cargo built for `profile`; returns the .deb.
fn bundle(profile: Profile) -> Result<PathBuf, Failure> {
    let built = target_dir().join(profile.dir());
    for name in ["xindang-app", "xindang"] {
        let bin = built.join(exe(name));
        if !bin.is_file() {
            return Err(Failure(format!(
                "{} is not built: build the app and the command line first",
                bin.display()
            )));
        }
    }
    let out = built.join("bundle/deb");
    // Only this build's package is left there, so the one found below is the one just made.
    let _ = std::fs::remove_dir_all(&out);
    // The command line goes to /usr/bin beside the app; its path depends on the profile and on
    // CARGO_TARGET_DIR, so it is given here rather than fixed in tauri.conf.json.
    let cli = built.join(exe("xindang"));
    let files = format!(
        r#"{{"bundle":{{"linux":{{"deb":{{"files":{{"/usr/bin/xindang":{}}}}}}}}}}}"#,
        json_string(&cli.to_string_lossy())
    );
    let mut args = vec![
        "bundle",
        "--bundles",
        "deb",
        "--ci",
        // Patching writes into the built binary in place, which may be shared (hard-linked) with
        // another checkout's target folder; it only serves Tauri's updater, which is not used.
        "--no-binary-patching",
        "--config",
        &files,
    ];
    if profile == Profile::Debug {
        args.push("--debug");
    }
    cmd(tauri_cli(), args)
        .dir(root().join("src-tauri"))
        .env("CARGO_TARGET_DIR", target_dir())
        .run()?;
    find_deb(&out)
}

/// The Tauri CLI installed by `npm ci` in ui/.
fn tauri_cli() -> PathBuf {
    let name = if cfg!(windows) { "tauri.cmd" } else { "tauri" };
    root().join("ui/node_modules/.bin").join(name)
}

fn find_deb(dir: &Path) -> Result<PathBuf, Failure> {
    std::fs::read_dir(dir)
        .map_err(|e| {
            Failure(format!(
                "the bundler wrote nothing in {}: {e}",
                dir.display()
            ))
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .ok_or_else(|| Failure(format!("no .deb in {}", dir.display())))
}

/// Prints where the package is, its size and its control fields, as `dpkg-deb -I` reads them.
fn describe(deb: &Path) {
    let size = std::fs::metadata(deb).map(|m| m.len()).unwrap_or(0);
    println!(
        "\n  package: {}\n  size: {:.1} MiB\n",
        deb.display(),
        size as f64 / (1024.0 * 1024.0)
    );
    let deb = deb.to_string_lossy().into_owned();
    if let Some(info) = cmd("dpkg-deb", ["--field", &deb]).output() {
        println!("{info}");
    }
    println!(
        "  install: sudo apt install {deb}\n  \
         (apt installs the Depends too; `dpkg -i` then `apt-get -f install` does the same)"
    );
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::json_string;

    #[test]
    fn paths_are_quoted_as_json() {
        assert_eq!(json_string(r#"/a b/"q"\x"#), r#""/a b/\"q\"\\x""#);
        assert_eq!(json_string("t\tn"), r#""t\u0009n""#);
    }
}
