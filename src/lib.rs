//! XinDang 心档: the encrypted archive of student psychological files, without any user interface.
//!
//! The map of modules and the invariants are in ARCHITECTURE.md at the root of the repository.
// Denied everywhere but the thread CPU clock of src/crypto/kdf.rs (a foreign call).
#![deny(unsafe_code)]
#![deny(missing_docs)]

pub mod archive;
pub mod audit;
pub mod bundle;
pub mod crypto;
mod db;
pub mod error;
pub mod import;
pub mod model;
pub mod normalize;
pub mod reason;
pub mod recovery;
pub mod roster;
pub mod rules;
pub mod session;
pub mod site;
pub mod synth;

pub use archive::{Archive, SiteKind};
/// For the plaintext baseline of the benchmarks, which mirrors the core's bulk loads.
#[doc(hidden)]
pub use db::BulkCache;
pub use db::SCHEMA_VERSION;
pub use error::{Error, Result};
pub use recovery::RecoveryKey;
pub use session::Session;
