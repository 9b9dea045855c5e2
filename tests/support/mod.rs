//! Running the real `xindang` binary against a temporary archive.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub const PASS: &str = "正确的口令 correct horse 2026";

pub struct Xd {
    pub tmp: tempfile::TempDir,
    pub pass: String,
}

impl Xd {
    /// A fresh archive, initialised.
    pub fn init() -> Xd {
        let x = Xd::empty();
        let out = x.run(&["init"]);
        assert!(out.status.success(), "init failed: {}", stderr(&out));
        x
    }

    /// A temporary folder with no archive yet.
    pub fn empty() -> Xd {
        Xd {
            tmp: tempfile::tempdir().unwrap(),
            pass: PASS.to_string(),
        }
    }

    pub fn dir(&self) -> PathBuf {
        self.tmp.path().join("archive")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_xindang"));
        c.arg("--archive").arg(self.dir()).args(args);
        c.env("XINDANG_PASSPHRASE", &self.pass)
            .env("XINDANG_KDF_MS", "0")
            .env_remove("XINDANG_ARCHIVE")
            .env_remove("XINDANG_NEW_PASSPHRASE")
            .env_remove("XINDANG_RECOVERY_KEY")
            .stdin(Stdio::null());
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = self.command(args);
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
        stdout(&out)
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir().join("archive.db")).unwrap()
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file below `dir`, read whole.
pub fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// The places where `needle` appears in UTF-8, UTF-16LE or UTF-16BE in any file below `dir`.
pub fn find_plaintext(dir: &Path, needle: &str) -> Vec<String> {
    let utf8 = needle.as_bytes().to_vec();
    let le: Vec<u8> = needle
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let be: Vec<u8> = needle
        .encode_utf16()
        .flat_map(|u| u.to_be_bytes())
        .collect();
    let mut hits = Vec::new();
    for (path, bytes) in files_below(dir) {
        for (enc, pat) in [("utf-8", &utf8), ("utf-16le", &le), ("utf-16be", &be)] {
            if bytes.windows(pat.len()).any(|w| w == pat.as_slice()) {
                hits.push(format!("{} ({enc})", path.display()));
            }
        }
    }
    hits
}

impl Xd {
    /// Writes a roster .xlsx of these students and imports it.
    pub fn import(&self, people: &[xindang::model::StudentProfile]) -> String {
        let path = self.path(&format!("roster-{}.xlsx", people.len()));
        xindang::roster::write_xlsx(&path, people).unwrap();
        self.ok(&["roster", "import", path.to_str().unwrap()])
    }
}
pub mod soak;
