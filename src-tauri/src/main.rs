//! The XinDang 心档 desktop app. Everything lives in the library so it can be tested.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

// The benchmarks' plaintext build of the core seals nothing (src/crypto/aead.rs): never an app.
#[cfg(xindang_plain_bench)]
compile_error!("--cfg xindang_plain_bench is for `cargo xtask bench` only: the app never builds without encryption");

fn main() {
    xindang_app::run();
}
