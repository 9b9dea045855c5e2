//! Installs what the build and the tests need and is missing, so that a fresh Debian machine needs
//! nothing but Rust, Node.js and these two commands. Each check is cheap when all is there.

use std::path::PathBuf;

use crate::util::{cmd, Failure};

/// What the installed tools are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Everything `cargo xtask test` runs, end-to-end tests included.
    Test,
    /// Building and opening the app.
    Run,
    /// Building the UI only.
    Ui,
    /// Regenerating the TypeScript types.
    Typeshare,
    /// `cargo deny`.
    Deny,
    /// `cargo xtask soak`: the long runs and the fuzzers.
    Soak,
}

/// The npm executable.
pub const NPM: &str = if cfg!(windows) { "npm.cmd" } else { "npm" };

/// Debian packages that building needs (a C compiler for ring and SQLite, Tauri's prerequisites on
/// Linux), and `sqlite3`, which the core's tests use to attack an archive as a curious colleague.
const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "sqlite3",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libxdo-dev",
    "libssl-dev",
];

/// Debian packages the tests need: a virtual display and WebKit's WebDriver for the end-to-end
/// tests, LibreOffice Calc (headless, no GUI) to prove the exported reports open in it, and the
/// standard `age` tool that must open a handover bundle (tests/cli/bundles.rs).
const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "webkit2gtk-driver",
    "dbus-x11",
    // dbus-send: the screen-lock test sends the app a screensaver signal.
    "dbus-bin",
    "libreoffice-calc-nogui",
    "age",
];

/// Tools installed with `cargo install`, pinned so every machine generates and tests alike.
const TAURI_DRIVER: (&str, &str, &str) = ("tauri-driver", "tauri-driver", "2.1.0");
const TYPESHARE: (&str, &str, &str) = ("typeshare", "typeshare-cli", "1.13.4");
const CARGO_DENY: (&str, &str, &str) = ("cargo-deny", "cargo-deny", "0.20.2");
const CARGO_FUZZ: (&str, &str, &str) = ("cargo-fuzz", "cargo-fuzz", "0.13.2");

/// The oldest Node.js that Vite 8 runs on.
const NODE_MIN: (u32, u32) = (20, 19);

/// Installs what `purpose` needs and is missing.
pub fn install(purpose: Purpose) -> Result<(), Failure> {
    match purpose {
        Purpose::Test => {
            system_packages(&[BUILD_PACKAGES, TEST_PACKAGES].concat())?;
            cargo_tool(TYPESHARE)?;
            cargo_tool(CARGO_DENY)?;
            if cfg!(target_os = "linux") {
                cargo_tool(TAURI_DRIVER)?;
            }
            node_modules()
        }
        Purpose::Run => {
            system_packages(BUILD_PACKAGES)?;
            node_modules()
        }
        Purpose::Ui => node_modules(),
        Purpose::Typeshare => cargo_tool(TYPESHARE),
        Purpose::Deny => cargo_tool(CARGO_DENY),
        // libFuzzer is C++: the C++ compiler comes with build-essential.
        Purpose::Soak => {
            system_packages(BUILD_PACKAGES)?;
            cargo_tool(CARGO_FUZZ)
        }
    }
}

fn system_packages(packages: &[&str]) -> Result<(), Failure> {
    if !cfg!(target_os = "linux") {
        eprintln!(
            "xtask: system packages: nothing to install on {} (the system webview is used); \
             end-to-end tests are Linux-only and will be skipped",
            std::env::consts::OS
        );
        return Ok(());
    }
    if cmd("dpkg-query", ["--version"]).output().is_none() {
        eprintln!(
            "xtask: not a Debian-like system (no dpkg): make sure these are installed yourself: {}",
            packages.join(" ")
        );
        return Ok(());
    }
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            cmd("dpkg-query", ["-W", "-f=${Status}", p])
                .output()
                .is_none_or(|status| status.trim() != "install ok installed")
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("xtask: installing Debian packages: {}", missing.join(" "));
    let root = cmd("id", ["-u"])
        .output()
        .is_some_and(|uid| uid.trim() == "0");
    let sudo: &[&str] = if root {
        &[]
    } else if cmd("sudo", ["--version"]).output().is_some() {
        &["sudo"]
    } else {
        return Err(Failure(format!(
            "missing Debian packages and neither root nor sudo: run `apt-get install {}` as root",
            missing.join(" ")
        )));
    };
    let apt = |args: &[&str]| {
        let mut argv: Vec<&str> = sudo.to_vec();
        argv.extend_from_slice(&["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
        argv.extend_from_slice(args);
        cmd(argv[0], &argv[1..]).run()
    };
    apt(&["update", "-q"])?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend_from_slice(&missing);
    apt(&install)
}

/// Where `name` is: on PATH, or in cargo's bin folder (often not on PATH in CI).
pub fn tool_path(name: &str) -> PathBuf {
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let on_path = std::env::var_os("PATH")
        .map(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join(&file))
                .find(|f| f.is_file())
        })
        .unwrap_or_default();
    on_path.unwrap_or_else(|| cargo_bin().join(&file))
}

fn cargo_bin() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os(if cfg!(windows) { "USERPROFILE" } else { "HOME" })
                .map(|h| PathBuf::from(h).join(".cargo"))
        });
    home.unwrap_or_default().join("bin")
}

fn cargo_tool((bin, krate, version): (&str, &str, &str)) -> Result<(), Failure> {
    let path = tool_path(bin);
    let installed = cmd(&path, ["--version"]).output();
    if installed
        .as_deref()
        .is_some_and(|v| v.split_whitespace().any(|w| w == version))
    {
        return Ok(());
    }
    if !path.is_file() || bin == "typeshare" {
        // typeshare's output must match the committed file byte for byte: enforce the pinned version.
        eprintln!("xtask: installing {krate} {version} with cargo (a minute or two, once)");
        cmd(
            crate::util::cargo(),
            [
                "install",
                krate,
                "--locked",
                "--version",
                version,
                "--force",
            ],
        )
        .run()?;
    }
    Ok(())
}

/// `npm ci` in ui/ when node_modules is missing or was installed from another package-lock.json.
fn node_modules() -> Result<(), Failure> {
    check_node()?;
    let ui = crate::root().join("ui");
    let lock = std::fs::read(ui.join("package-lock.json"))
        .map_err(|e| Failure(format!("cannot read ui/package-lock.json: {e}")))?;
    let stamp_file = ui.join("node_modules/.xtask-lock-hash");
    let want = format!("{:016x}", fnv1a(&lock));
    if std::fs::read_to_string(&stamp_file).is_ok_and(|have| have.trim() == want) {
        return Ok(());
    }
    eprintln!("xtask: ui/node_modules is missing or stale: npm ci");
    cmd(NPM, ["ci", "--no-audit", "--no-fund"]).dir(&ui).run()?;
    std::fs::write(&stamp_file, want)
        .map_err(|e| Failure(format!("cannot write {}: {e}", stamp_file.display())))
}

fn check_node() -> Result<(), Failure> {
    let version = cmd("node", ["--version"]).output().ok_or_else(|| {
        Failure(format!(
            "Node.js is not installed: the UI needs Node.js {}.{} or newer with npm",
            NODE_MIN.0, NODE_MIN.1
        ))
    })?;
    let mut parts = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u32>().unwrap_or(0));
    let have = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if have < NODE_MIN {
        return Err(Failure(format!(
            "Node.js {} is too old: the UI build (Vite 8) needs {}.{} or newer",
            version.trim(),
            NODE_MIN.0,
            NODE_MIN.1
        )));
    }
    Ok(())
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}
