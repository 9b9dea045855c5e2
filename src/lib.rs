//! XinDang 心档: the encrypted archive of student psychological files, without any user interface.
//!
//! The map of modules and the invariants are in ARCHITECTURE.md at the root of the repository.
// Denied everywhere but the thread CPU clock of src/crypto/kdf.rs (a foreign call).
#![deny(unsafe_code)]
#![deny(missing_docs)]

// The benchmarks' plaintext build seals nothing (src/crypto/aead.rs): it never makes the command
// line; the app refuses it as well (src-tauri/src/main.rs).
#[cfg(all(xindang_plain_bench, feature = "cli"))]
compile_error!("--cfg xindang_plain_bench is for `cargo xtask bench` only: the command line never builds without encryption");

pub mod archive;
pub mod audit;
pub mod bundle;
pub mod crypto;
mod db;
pub mod error;
pub mod import;
pub mod model;
pub mod normalize;
pub mod people;
pub mod reason;
pub mod recovery;
pub mod roster;
pub mod rules;
pub mod session;
pub mod site;
// Not in the desktop app (feature `synth`, see Cargo.toml); the core's own unit tests use it.
#[cfg(any(test, feature = "synth"))]
pub mod synth;

pub use archive::{Archive, SiteKind};
pub use db::SCHEMA_VERSION;
pub use error::{Error, Result};
pub use recovery::RecoveryKey;
pub use session::Session;
