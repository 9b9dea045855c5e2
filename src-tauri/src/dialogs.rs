//! Native open/save dialogs, opened by Rust (the webview has no dialog or file-system permission):
//! the user picks a path, Rust reads or writes the file, and the webview sees only the result.
//!
//! End-to-end tests cannot click in a GTK dialog, so debug builds answer from a file instead when
//! `XINDANG_E2E_DIALOG` names one: its first line is the path chosen (empty: cancelled), and it is
//! removed once read, so every dialog needs its own answer. Release builds ignore the variable.

use std::path::PathBuf;

use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

use crate::error::CommandError;

/// What a dialog is for: its title and file-type filter.
#[derive(Debug, Clone, Copy)]
pub enum FileKind {
    /// A roster (名单) spreadsheet.
    Roster,
    /// A site profile (站点公钥文件).
    Profile,
    /// A sync or handover bundle, or a receipt.
    Bundle,
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

/// The scripted answer of an end-to-end test (debug builds only).
#[cfg(debug_assertions)]
fn scripted() -> Option<Option<PathBuf>> {
    let script = PathBuf::from(std::env::var_os("XINDANG_E2E_DIALOG")?);
    let text = std::fs::read_to_string(&script).unwrap_or_default();
    let _ = std::fs::remove_file(&script);
    let line = text.lines().next().unwrap_or_default().trim();
    Some((!line.is_empty()).then(|| PathBuf::from(line)))
}

#[cfg(not(debug_assertions))]
fn scripted() -> Option<Option<PathBuf>> {
    None
}
