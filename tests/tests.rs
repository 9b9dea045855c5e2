//! Integration tests of the core and the `xindang` command line, on real SQLite files in
//! temporary folders. One test binary, so it compiles once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod cli;
