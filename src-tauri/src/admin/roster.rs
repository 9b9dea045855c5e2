//! Roster import 名单导入: a file chosen, previewed with its column mapping, then its good rows
//! imported in batches with progress.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::roster::{self, ColumnMapping, ColumnOverrides, RosterRow, RowError};
use xindang::Error;

use super::Staging;
use crate::dialogs::{self, file_name, FileKind};
use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// Rows of a roster shown in the preview.
const PREVIEW_ROWS: usize = 50;
/// Row errors sent to the screen at most (the count says how many there are).
const PREVIEW_ERRORS: usize = 2000;
/// Students per import transaction.
const IMPORT_BATCH: usize = 500;
/// What the import screen shows of a roster before importing it.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterPreview {
    /// The file's name (no folder).
    pub file_name: String,
    /// The worksheet read (empty for CSV).
    pub sheet: String,
    /// 1-based row of the header.
    pub header_row: u32,
    /// How each column was understood.
    pub columns: Vec<ColumnMapping>,
    /// The first students as they would be imported.
    pub rows: Vec<RosterRow>,
    /// Students that would be imported.
    pub total_rows: i32,
    /// Rows refused (the first [`PREVIEW_ERRORS`]).
    pub errors: Vec<RowError>,
    /// Rows refused in all.
    pub error_count: i32,
}

/// Asks for a roster file and previews it; `None` when cancelled.
pub fn roster_pick<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    staging: &Staging,
) -> Result<Option<RosterPreview>, CommandError> {
    let pick = || dialogs::open(app, FileKind::Roster, "选择名单文件");
    dialogs::unlocked_then(state, pick, |s, path| {
        let preview = roster_preview_of(s, path, &ColumnOverrides::default())?;
        staging.with(|st| st.roster = Some(path.to_path_buf()));
        Ok(preview)
    })
}

/// Previews the chosen roster again with the user's column mapping.
pub fn roster_preview(
    state: &mut AppState,
    staging: &Staging,
    overrides: &ColumnOverrides,
) -> Result<RosterPreview, CommandError> {
    let path = staged_roster(staging)?;
    roster_preview_of(state, &path, overrides)
}

fn staged_roster(staging: &Staging) -> Result<PathBuf, CommandError> {
    staging
        .with(|st| st.roster.clone())
        .ok_or_else(|| CommandError::invalid("roster", "no roster file chosen"))
}

fn roster_preview_of(
    state: &mut AppState,
    path: &Path,
    overrides: &ColumnOverrides,
) -> Result<RosterPreview, CommandError> {
    state.session()?;
    let parsed = roster::parse_file_with(path, overrides).map_err(Error::from)?;
    Ok(RosterPreview {
        file_name: file_name(path),
        sheet: parsed.sheet,
        header_row: parsed.header_row,
        columns: parsed.columns,
        total_rows: parsed.rows.len() as i32,
        rows: parsed.rows.into_iter().take(PREVIEW_ROWS).collect(),
        error_count: parsed.errors.len() as i32,
        errors: parsed.errors.into_iter().take(PREVIEW_ERRORS).collect(),
    })
}

/// The event telling the import screen how far an import is.
pub const ROSTER_PROGRESS_EVENT: &str = "roster-import-progress";

/// The payload of [`ROSTER_PROGRESS_EVENT`].
#[typeshare]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterProgress {
    /// Students written so far.
    pub done: i32,
    /// Students to write.
    pub total: i32,
}

/// Imports the good rows of the chosen roster with the user's mapping, in transactions of
/// [`IMPORT_BATCH`] students (each audited by the core), telling `progress` after each.
pub fn roster_import(
    state: &mut AppState,
    staging: &Staging,
    overrides: &ColumnOverrides,
    mut progress: impl FnMut(RosterProgress),
) -> Result<xindang::import::ImportReport, CommandError> {
    let path = staged_roster(staging)?;
    state.session()?;
    let parsed = roster::parse_file_with(&path, overrides).map_err(Error::from)?;
    let total = parsed.rows.len() as i32;
    let mut report = xindang::import::ImportReport {
        rows: total,
        load: Default::default(),
        errors: parsed.errors.clone(),
    };
    let mut done = 0;
    for chunk in parsed.rows.chunks(IMPORT_BATCH) {
        // The same columns, so the import merges exactly as for the whole file.
        let part = roster::RosterParse {
            sheet: String::new(),
            sheets: Vec::new(),
            header_row: parsed.header_row,
            columns: parsed.columns.clone(),
            rows: chunk.to_vec(),
            errors: Vec::new(),
            ignored_columns: Vec::new(),
        };
        let r = xindang::import::roster(state.session_mut()?, &part, IMPORT_BATCH)?;
        report.load.added += r.load.added;
        report.load.updated += r.load.updated;
        report.load.unchanged += r.load.unchanged;
        done += chunk.len() as i32;
        progress(RosterProgress { done, total });
    }
    staging.with(|st| st.roster = None);
    Ok(report)
}
