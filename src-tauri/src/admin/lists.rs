//! Lists in 名单导入 (心理普查 results, trigger lists, observers' reports): a file chosen and
//! checked against the archive with nothing written (the core's dry run), then imported. The file
//! is read again at the second step, by the path kept in [`Staging`], never kept in memory.

use std::path::Path;

use tauri::{AppHandle, Runtime};
use xindang::roster::lists::{self, ListKind};
use xindang::rules::calendar::today;
use xindang::session::ListImportReport;
use xindang::Error;

use super::Staging;
use crate::dialogs::{self, FileKind};
use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// Asks for a list file of `kind` and previews its import; `None` when cancelled.
pub fn list_pick<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
    kind: ListKind,
) -> Result<Option<ListImportReport>, CommandError> {
    let pick = || dialogs::open(app, FileKind::Roster, "选择名单文件");
    dialogs::unlocked_then(state, pick, |s, path| {
        let report = list_report(s, path, kind, true)?;
        staging.with(|st| st.list = Some((path.to_path_buf(), kind)));
        Ok(report)
    })
}

/// Imports the list chosen by [`list_pick`].
pub fn list_import(
    state: &mut AppState,
    staging: &Staging,
) -> Result<ListImportReport, CommandError> {
    let (path, kind) = staging
        .with(|st| st.list.clone())
        .ok_or_else(|| CommandError::invalid("list", "no list file chosen"))?;
    let report = list_report(state, &path, kind, false)?;
    staging.with(|st| st.list = None);
    Ok(report)
}

/// Checks (`dry_run`) or imports a list file as of today, signed by the session's actor.
pub(crate) fn list_report(
    state: &mut AppState,
    path: &Path,
    kind: ListKind,
    dry_run: bool,
) -> Result<ListImportReport, CommandError> {
    let s = state.session_mut()?;
    let parsed = lists::parse_file(path, kind).map_err(Error::from)?;
    let author = s.actor().to_string();
    Ok(s.import_list(&parsed, today(), &author, dry_run)?)
}
