//! The desktop app's dependencies stay lean: it links neither the command line's parsing and
//! prompts (clap, rpassword) nor, through them, anything the terminal needs. The core package's
//! features keep them out (Cargo.toml, `cli`); this check fails when a change brings them back.

use crate::util::{cargo, cmd, Failure};

/// Crates the app must not link.
const FORBIDDEN: [&str; 2] = ["clap", "rpassword"];

/// Fails if `cargo tree -p xindang-app -e normal` lists a forbidden crate.
pub fn check() -> Result<(), Failure> {
    let tree = cmd(
        cargo(),
        [
            "tree",
            "-p",
            "xindang-app",
            "-e",
            "normal",
            "--prefix",
            "none",
        ],
    )
    .output()
    .ok_or_else(|| Failure("`cargo tree -p xindang-app -e normal` failed".into()))?;
    let found = forbidden_in(&tree);
    if found.is_empty() {
        return Ok(());
    }
    Err(Failure(format!(
        "the app links {}: depend on the core with `default-features = false` (see the features \
         of Cargo.toml)",
        found.join(", ")
    )))
}

/// The forbidden crates named in `cargo tree --prefix none` output (one `name vX.Y.Z` a line).
fn forbidden_in(tree: &str) -> Vec<&'static str> {
    FORBIDDEN
        .into_iter()
        .filter(|name| {
            tree.lines()
                .any(|l| l.split_whitespace().next() == Some(*name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::forbidden_in;

    #[test]
    fn names_only_whole_crate_names() {
        let tree = "xindang-app v0.1.0\nclap_lex v0.7.0\nrpassword v7.5.4\nserde v1.0.0\n";
        assert_eq!(forbidden_in(tree), ["rpassword"]);
        assert!(forbidden_in("xindang v0.1.0\n").is_empty());
    }
}
