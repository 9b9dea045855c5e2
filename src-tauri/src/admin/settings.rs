//! Settings (passphrase, recovery key, auto-lock), the policy and the obligations 待办 pages.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::rules::calendar::today;
use xindang::session::obligation_pages::{ObligationPage, ObligationQuery};
use xindang::session::policy_checks::{self, PolicyPreset, PolicyProblem};

use crate::dialogs::{self, file_name, FileKind};
use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// A workbook written by an export.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportExported {
    /// The file's name.
    pub file_name: String,
    /// Rows written.
    pub rows: i32,
}

/// The policy in force and the presets to choose from.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyView {
    /// The TOML text in force.
    pub text: String,
    /// The shipped presets.
    pub presets: Vec<PolicyPreset>,
}

/// Changes the passphrase after checking the old one.
pub fn change_passphrase(state: &mut AppState, old: &str, new: &str) -> Result<(), CommandError> {
    crate::state::check_passphrase_arg(old)?;
    crate::state::check_passphrase_arg(new)?;
    state.session_mut()?.verify_passphrase(old)?;
    Ok(state.session_mut()?.change_passphrase(new)?)
}

/// Replaces the recovery key after the core checked the current passphrase (throttled like an
/// unlock); returns the new one, to be shown once.
pub fn new_recovery_key(state: &mut AppState, passphrase: &str) -> Result<String, CommandError> {
    crate::state::check_passphrase_arg(passphrase)?;
    Ok(state
        .session_mut()?
        .new_recovery_key_confirmed(passphrase)?
        .to_string())
}

/// Stores the auto-lock time in the archive and applies it at once. Returns the time in force.
pub fn set_auto_lock(state: &mut AppState, seconds: u32) -> Result<u32, CommandError> {
    state.session_mut()?.set_auto_lock_seconds(seconds)?;
    apply_archive_settings(state);
    Ok(state.status().auto_lock_seconds)
}

/// Applies the archive's stored settings after an unlock. The test override of a debug build
/// (`XINDANG_AUTO_LOCK_SECS`, see [`crate::protect`]) wins over the stored time.
pub fn apply_archive_settings(state: &mut AppState) {
    if crate::protect::auto_lock_override().is_some() {
        return;
    }
    let stored = state
        .session()
        .ok()
        .and_then(|s| s.app_settings().ok())
        .and_then(|a| a.auto_lock_seconds);
    if let Some(secs) = stored {
        state.set_idle_limit(Duration::from_secs(u64::from(secs)));
    }
}

/// The policy in force and the presets.
pub fn policy_view(state: &mut AppState) -> Result<PolicyView, CommandError> {
    Ok(PolicyView {
        text: state.session()?.policy_text()?,
        presets: policy_checks::policy_presets(),
    })
}

/// A preset's text.
pub fn policy_preset(id: &str) -> Result<String, CommandError> {
    Ok(policy_checks::policy_preset_text(id)?.to_owned())
}

/// Validates a policy text without saving it.
pub fn policy_check(text: &str) -> Result<Option<PolicyProblem>, CommandError> {
    Ok(policy_checks::check_policy(text)?)
}

/// Saves a policy; a broken one is refused (`policy_invalid`) and the last good one stays.
pub fn policy_save(state: &mut AppState, text: &str) -> Result<(), CommandError> {
    state.session_mut()?.set_policy(text)?;
    Ok(())
}

/// A page of today's obligations.
pub fn obligation_page(
    state: &mut AppState,
    query: &ObligationQuery,
) -> Result<ObligationPage, CommandError> {
    Ok(state.session()?.obligation_page(today(), query)?)
}

/// Exports every obligation matching `query` as .xlsx where the user chooses; returns the file
/// name and the number of rows, `None` if cancelled.
pub fn obligations_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    query: &ObligationQuery,
) -> Result<Option<ReportExported>, CommandError> {
    let proposed = format!("待办事项-{}.xlsx", today().format("%Y%m%d"));
    let pick = || dialogs::save(app, FileKind::Report, "导出待办事项", &proposed);
    dialogs::unlocked_then(state, pick, |s, path| {
        Ok(ReportExported {
            rows: s
                .session_mut()?
                .export_obligations_xlsx(today(), query, path)?,
            file_name: file_name(path),
        })
    })
}
