//! The domain model of DOMAIN.md: the student file 一生一档 and every kind of record kept in it.
//!
//! These types are what the core seals into the archive and what crosses to the UI (via typeshare),
//! so they use strings for ids and `i32` for counts.

pub mod media;
mod record;
mod student;

pub use media::{sniff_media_type, MediaType};
pub use record::*;
pub use student::*;
