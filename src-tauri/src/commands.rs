//! The commands the webview may invoke. Each is a one-line adapter onto
//! [`AppState`](crate::state::AppState), which validates arguments and calls the core, where the
//! logic lives. Every command counts as activity for the auto-lock (`touch` does nothing else).
//!
//! They run on the async runtime (`async` attribute) so the key derivation never blocks the window.
//! Adding one: here, `generate_handler!` in lib.rs, `COMMANDS` in build.rs, the capability file, the
//! isolation hook and ui/src/api.ts (`hardening_tests` checks they agree).

use tauri::State;
use xindang::model::StudentList;
use zeroize::Zeroizing;

use crate::error::CommandError;
use crate::state::{ArchiveStatus, Shared};

/// Whether an archive exists and whether it is unlocked.
#[tauri::command(async)]
pub fn archive_status(state: State<'_, Shared>) -> ArchiveStatus {
    state.with(|s| s.status())
}

/// Creates the archive, its first person (the administrator) named `name`; returns the recovery
/// key's text, to be shown once.
#[tauri::command(async)]
pub fn create_archive(
    state: State<'_, Shared>,
    name: Option<String>,
    passphrase: Zeroizing<String>,
) -> Result<String, CommandError> {
    state
        .with(|s| s.create(name.as_deref(), &passphrase))
        .map(|key| key.as_str().to_owned())
}

/// Unlocks the archive as `user` (`null`: the only person, or the founding administrator).
#[tauri::command(async)]
pub fn unlock(
    state: State<'_, Shared>,
    user: Option<String>,
    passphrase: Zeroizing<String>,
) -> Result<(), CommandError> {
    state.with(|s| s.unlock(user.as_deref(), &passphrase))
}

/// 忘记口令: unlocks with the recovery key and sets a new passphrase for `user` (throttled like an
/// unlock).
#[tauri::command(async)]
pub fn unlock_with_recovery(
    state: State<'_, Shared>,
    recovery_key: Zeroizing<String>,
    user: Option<String>,
    new_passphrase: Zeroizing<String>,
) -> Result<(), CommandError> {
    state.with(|s| s.unlock_with_recovery(&recovery_key, user.as_deref(), &new_passphrase))
}

/// Locks the archive: the keys are dropped and zeroized.
#[tauri::command(async)]
pub fn lock(state: State<'_, Shared>) {
    state.with(|s| s.lock());
}

/// The user is active (typing, clicking) without calling any other command: postpones auto-lock.
#[tauri::command(async)]
pub fn touch(state: State<'_, Shared>) -> Result<(), CommandError> {
    state.with(|s| s.session().map(|_| ()))
}

/// Every student, as the list shows them (column by column: a third of the JSON of rows), unless
/// the list the app holds (`known`, its version) is current.
#[tauri::command(async)]
pub fn list_students(
    state: State<'_, Shared>,
    known: Option<String>,
) -> Result<StudentList, CommandError> {
    state.with(|s| s.list_students(known.as_deref()))
}
