//! XinDang 心档: the encrypted archive of student psychological files, without any user interface.
//!
//! The map of modules and the invariants are in ARCHITECTURE.md at the root of the repository.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod model;
pub mod normalize;
