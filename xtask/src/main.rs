//! `cargo xtask run` and `cargo xtask test`: all set-up, build and test chores.
fn main() {}
