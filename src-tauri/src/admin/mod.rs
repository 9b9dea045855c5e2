//! The shell's side of the administrative screens, by subject: roster import ([`roster`]),
//! settings, policy and obligations ([`settings`]), sync and handover with the counseling center
//! ([`sync`]). Each function checks the shell's own arguments, calls the core and shapes the result
//! for one screen; [`admin_commands`](crate::admin_commands) are one-line adapters onto them.
//!
//! Files are chosen in native dialogs ([`dialogs`](crate::dialogs)) opened while the state mutex is
//! free, so a dialog left open never blocks the auto-lock thread. A roster or profile chosen for a
//! two-step screen (preview, then import: rosters and lists [`lists`]) is kept in [`Staging`] by path; its content is read
//! again at the second step and never kept in memory between the two.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};

use xindang::roster::lists::ListKind;
use xindang::site::SiteProfile;

mod import;
mod lists;
mod passphrase;
mod roster;
mod settings;
mod sync;
#[cfg(test)]
mod tests;

pub use import::*;
pub use lists::*;
pub use passphrase::*;
pub use roster::*;
pub use settings::*;
pub use sync::*;

/// Files chosen at the first step of a two-step screen.
#[derive(Default)]
pub struct Staging(Mutex<Staged>);

#[derive(Default)]
pub(crate) struct Staged {
    pub(crate) roster: Option<PathBuf>,
    pub(crate) profile: Option<SiteProfile>,
    /// A passphrase handover or receipt, between its preview and its import.
    pub(crate) passphrase_file: Option<PathBuf>,
    /// A handover naming students held here, until a person merges or returns them.
    pub(crate) held_bundle: Option<PathBuf>,
    pub(crate) list: Option<(PathBuf, ListKind)>,
}

impl Staging {
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Staged) -> T) -> T {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
