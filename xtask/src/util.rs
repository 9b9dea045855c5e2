//! Running commands with a clear line before each and a clear failure after.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The cargo that runs this xtask (`CARGO`), else `cargo` from PATH.
pub fn cargo() -> OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// Tests passed and failed over a whole run, from every runner's own summary lines.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Passed.
    pub passed: u64,
    /// Failed.
    pub failed: u64,
}

impl Tally {
    /// Counts a line of cargo's test harness (`test result: ok. 3 passed; 0 failed; …`) or of
    /// node's test runner (`# pass 3`, `# fail 0`).
    pub fn count_line(&mut self, line: &str) {
        if let Some(rest) = line.strip_prefix("test result: ") {
            for part in rest.split(';') {
                let part = part
                    .trim()
                    .trim_start_matches("ok. ")
                    .trim_start_matches("FAILED. ");
                if let Some(n) = part
                    .strip_suffix(" passed")
                    .and_then(|n| n.trim().parse::<u64>().ok())
                {
                    self.passed += n;
                }
                if let Some(n) = part
                    .strip_suffix(" failed")
                    .and_then(|n| n.trim().parse::<u64>().ok())
                {
                    self.failed += n;
                }
            }
        } else if let Some(n) = line
            .strip_prefix("# pass ")
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            self.passed += n;
        } else if let Some(n) = line
            .strip_prefix("# fail ")
            .and_then(|n| n.trim().parse::<u64>().ok())
        {
            self.failed += n;
        }
    }
}

/// Why a task failed, in one sentence for the terminal.
#[derive(Debug)]
pub struct Failure(pub String);

/// Runs one named step of a task, timing it.
pub fn step<T>(name: &str, f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    eprintln!("\n==> {name}");
    let started = Instant::now();
    let out = f().map_err(|Failure(msg)| Failure(format!("{name}: {msg}")))?;
    eprintln!("==> {name}: ok ({:.1} s)", started.elapsed().as_secs_f64());
    Ok(out)
}

/// A command to run from the repository root, inheriting the terminal.
pub struct Cmd {
    program: OsString,
    args: Vec<OsString>,
    dir: PathBuf,
    envs: Vec<(OsString, OsString)>,
    quiet_stdout: bool,
    hint: Option<String>,
}

/// Builds a command.
pub fn cmd<I, S>(program: impl AsRef<OsStr>, args: I) -> Cmd
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Cmd {
        program: program.as_ref().to_owned(),
        args: args.into_iter().map(|a| a.as_ref().to_owned()).collect(),
        dir: crate::root(),
        envs: Vec::new(),
        quiet_stdout: false,
        hint: None,
    }
}

impl Cmd {
    /// Runs in `dir` instead of the repository root.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = dir.as_ref().to_owned();
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Discards standard output (secrets such as a recovery key, or noise).
    pub fn quiet_stdout(mut self) -> Self {
        self.quiet_stdout = true;
        self
    }

    /// What to tell the user when it fails.
    pub fn fail_hint(mut self, hint: &str) -> Self {
        self.hint = Some(hint.to_owned());
        self
    }

    fn display(&self) -> String {
        let mut s = self.program.to_string_lossy().into_owned();
        for a in &self.args {
            s.push(' ');
            s.push_str(&a.to_string_lossy());
        }
        s
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args).current_dir(&self.dir);
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        if self.quiet_stdout {
            c.stdout(Stdio::null());
        }
        c
    }

    /// Runs it; a non-zero exit is a failure.
    pub fn run(self) -> Result<(), Failure> {
        eprintln!("$ {}", self.display());
        let status = self.command().status().map_err(|e| {
            Failure(format!(
                "could not start `{}`: {e}",
                self.program.to_string_lossy()
            ))
        })?;
        if status.success() {
            return Ok(());
        }
        let mut msg = format!("`{}` failed ({status})", self.display());
        if let Some(hint) = &self.hint {
            msg.push_str(": ");
            msg.push_str(hint);
        }
        Err(Failure(msg))
    }

    /// Runs it, echoing its standard output and counting the test results in it.
    pub fn run_counting(self, tally: &mut Tally) -> Result<(), Failure> {
        use std::io::{BufRead, BufReader};
        eprintln!("$ {}", self.display());
        let mut child = self.command().stdout(Stdio::piped()).spawn().map_err(|e| {
            Failure(format!(
                "could not start `{}`: {e}",
                self.program.to_string_lossy()
            ))
        })?;
        let before = *tally;
        if let Some(out) = child.stdout.take() {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                println!("{line}");
                tally.count_line(&line);
            }
        }
        let status = child
            .wait()
            .map_err(|e| Failure(format!("`{}`: {e}", self.display())))?;
        let failed = tally.failed - before.failed;
        if status.success() && failed == 0 {
            return Ok(());
        }
        Err(Failure(format!(
            "`{}` failed ({status}): {} passed, {failed} failed",
            self.display(),
            tally.passed - before.passed
        )))
    }

    /// Runs it silently and returns its standard output, if it ran and succeeded.
    pub fn output(self) -> Option<String> {
        let out = self
            .command()
            .stderr(Stdio::null())
            .stdout(Stdio::piped())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::Tally;

    #[test]
    fn tally_reads_cargo_and_node_summaries() {
        let mut t = Tally::default();
        t.count_line("test result: ok. 30 passed; 0 failed; 4 ignored; 0 measured; 0 filtered out; finished in 1.63s");
        t.count_line(
            "test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out",
        );
        t.count_line("# pass 4");
        t.count_line("# fail 0");
        t.count_line("ok 1 - first run");
        assert_eq!((t.passed, t.failed), (36, 1));
    }
}
