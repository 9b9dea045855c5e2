//! Native open/save dialogs, opened by Rust (the webview has no dialog or file-system permission):
//! the user picks a path, Rust reads or writes the file, and the webview sees only the result.
//!
//! End-to-end tests cannot click in a GTK dialog, so debug builds answer from a file instead when
//! `XINDANG_E2E_DIALOG` names one: each line answers one dialog in turn with the path chosen (an
//! empty line: cancelled; no file: cancelled). Release builds ignore the variable.

use std::path::{Path, PathBuf};

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// The one shape of a command with a native dialog: refused at once while locked, the dialog
/// opened with the state mutex free (a dialog left open never blocks the auto-lock), then `then`
/// run on the chosen path under the mutex. `None` when the user cancelled.
pub fn unlocked_then<T>(
    state: &Shared,
    pick: impl FnOnce() -> Result<Option<PathBuf>, CommandError>,
    then: impl FnOnce(&mut AppState, &Path) -> Result<T, CommandError>,
) -> Result<Option<T>, CommandError> {
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = pick()? else {
        return Ok(None);
    };
    state.with(|s| then(s, &path)).map(Some)
}

/// A path's file name, for the screen (never its folder).
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// What a dialog is for: its title and file-type filter.
#[derive(Debug, Clone, Copy)]
pub enum FileKind {
    /// A roster (名单) spreadsheet.
    Roster,
    /// A site profile (站点公钥文件).
    Profile,
    /// A sync or handover bundle, or a receipt.
    Bundle,
    /// A report or list exported as an Excel workbook.
    Report,
    /// An attachment to a student's file: a scanned certificate as an image or PDF.
    Attachment,
    /// The four-level network's grid table 网格管理表 (written as .xlsx; read from any workbook).
    Grid,
}

impl FileKind {
    fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            FileKind::Roster => (
                "名单（Excel / CSV）",
                &["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt"],
            ),
            FileKind::Profile => ("站点公钥文件", &["json"]),
            FileKind::Bundle => ("心档数据包", &["age", "xdb"]),
            FileKind::Report => ("Excel 工作簿", &["xlsx"]),
            FileKind::Attachment => ("图片或 PDF", &["pdf", "png", "jpg", "jpeg", "gif", "webp"]),
            FileKind::Grid => ("网格管理表（Excel）", &["xlsx", "xlsm", "xls", "ods"]),
        }
    }
}

/// Asks for a file to open; `None` when the user cancels.
pub fn open<R: Runtime>(
    app: &AppHandle<R>,
    kind: FileKind,
    title: &str,
) -> Result<Option<PathBuf>, CommandError> {
    if let Some(answer) = scripted() {
        return Ok(answer);
    }
    let (name, ext) = kind.filter();
    app.dialog()
        .file()
        .set_title(title)
        .add_filter(name, ext)
        .blocking_pick_file()
        .map(local)
        .transpose()
}

/// Asks where to save, proposing `file_name`; `None` when the user cancels.
pub fn save<R: Runtime>(
    app: &AppHandle<R>,
    kind: FileKind,
    title: &str,
    file_name: &str,
) -> Result<Option<PathBuf>, CommandError> {
    if let Some(answer) = scripted() {
        return Ok(answer);
    }
    let (name, ext) = kind.filter();
    app.dialog()
        .file()
        .set_title(title)
        .add_filter(name, ext)
        .set_file_name(file_name)
        .blocking_save_file()
        .map(local)
        .transpose()
}

fn local(path: tauri_plugin_dialog::FilePath) -> Result<PathBuf, CommandError> {
    path.into_path()
        .map_err(|_| CommandError::invalid("file", "not a local file"))
}

/// The scripted answer of an end-to-end test (debug builds only): the first line of the script
/// file; later lines are kept for the dialogs that follow (import a bundle, then save its receipt).
#[cfg(debug_assertions)]
fn scripted() -> Option<Option<PathBuf>> {
    let script = PathBuf::from(std::env::var_os("XINDANG_E2E_DIALOG")?);
    let text = std::fs::read_to_string(&script).unwrap_or_default();
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().trim().to_owned();
    let rest: Vec<&str> = lines.collect();
    let _ = if rest.is_empty() {
        std::fs::remove_file(&script)
    } else {
        std::fs::write(&script, rest.join("\n"))
    };
    Some((!first.is_empty()).then(|| PathBuf::from(first)))
}

#[cfg(not(debug_assertions))]
fn scripted() -> Option<Option<PathBuf>> {
    None
}
