//! Rules as data: the policy file (校规 as TOML), its academic calendar, the obligation engine
//! that turns rules and the records of an archive into dated obligations, the four-level network
//! 校—院—班—寝 with its grid table, the weekly review meeting 周研判 and the reports.

pub mod calendar;
pub mod calendar_form;
pub mod college;
pub mod crisis;
pub mod crisis_case;
pub mod engine;
pub mod grid;
pub mod leave;
pub mod network;
pub mod policy;
pub mod provenance;
pub mod report;
pub mod review;
pub mod xlsx;

pub use engine::{Obligation, ObligationFilter, ObligationKind, ObligationStatus};
pub use policy::{Policy, PRESETS};
