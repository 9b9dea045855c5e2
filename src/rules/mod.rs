//! Rules as data: the policy file (校规 as TOML), its academic calendar, and the obligation engine
//! that turns rules and the records of an archive into dated obligations.

pub mod calendar;
pub mod engine;
pub mod policy;

pub use engine::{Obligation, ObligationFilter, ObligationKind, ObligationStatus};
pub use policy::{Policy, PRESETS};
