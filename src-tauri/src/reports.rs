//! The logic behind the reports page 报表 (weekly 周报 / monthly 月报 / semester 学期总结) and the
//! four-level network page 四级网络 (校—院—班—寝): the core computes and parses the day, this
//! module opens the native dialogs and turns a refused grid table into where-and-why for the screen.
//! The network page also records the work that fulfils the network's duties (dorm visits 走访宿舍,
//! meetings, trainings 培训) and waives a duty with its reason: the core checks both, and its
//! typed refusals reach the screen with their codes.
//! The weekly review meeting 周研判 has its own screen elsewhere.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::audit::AuditAction;
use xindang::rules::calendar::{parse_day, today};
use xindang::rules::network::{Network, NetworkCheck};
use xindang::rules::report::{Report, ReportKind};

use crate::dialogs::{self, file_name, FileKind};
use crate::error::CommandError;
use crate::state::{AppState, Shared};

/// The network page's data: the stored network and its check.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkView {
    /// People and liaisons (empty until a grid table is imported).
    pub network: Network,
    /// The check against the policy in force and the archive's students.
    pub check: NetworkCheck,
}

/// A workbook written where the user chose.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkbookSaved {
    /// The file's name (not its folder).
    pub file_name: String,
}

/// Where and why a grid table was refused: sheet, row and column as the spreadsheet shows them.
/// Names the place only, never a cell's content.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridProblem {
    /// Sheet name.
    pub sheet: String,
    /// 1-based row (0: the workbook as a whole).
    pub row: u32,
    /// Column header (empty: the row or workbook as a whole).
    pub field: String,
    /// Why: the core's reason code (`grid_*`), which the UI has Chinese for.
    pub reason: String,
}

/// What importing a grid table did: the new network's check, or the problem that kept the stored
/// network as it was.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridImported {
    /// The file's name.
    pub file_name: String,
    /// The check of the imported network (`None` when refused).
    pub check: Option<NetworkCheck>,
    /// Why the file was refused (`None` when imported).
    pub problem: Option<GridProblem>,
}

/// The day a report is for: `YYYY-MM-DD`, or today when absent (the core's one parser of days).
pub fn report_day(day: Option<&str>) -> Result<NaiveDate, CommandError> {
    Ok(parse_day(day, "date", today())?)
}

/// The report of the period holding `day` (today when absent).
pub fn report_view(
    state: &mut AppState,
    kind: ReportKind,
    day: Option<&str>,
) -> Result<Report, CommandError> {
    let day = report_day(day)?;
    Ok(state.session()?.report(kind, day)?)
}

/// The file name proposed for a report: its kind and its period (the title repeats the period).
pub(crate) fn report_file_name(r: &Report) -> String {
    match r.kind {
        ReportKind::Weekly => format!("周报-{}至{}.xlsx", r.start, r.end),
        ReportKind::Monthly => format!("月报-{}.xlsx", r.start.format("%Y-%m")),
        ReportKind::Semester => format!("学期总结-{}至{}.xlsx", r.start, r.end),
    }
}

/// Writes the report as .xlsx where the user chooses (the core audits the export); `None` if
/// cancelled.
pub fn report_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
    kind: ReportKind,
    day: Option<&str>,
) -> Result<Option<WorkbookSaved>, CommandError> {
    let day = report_day(day)?;
    // Computed first so a day outside the calendar fails before a dialog opens.
    let proposed = state.with(|s| {
        s.session()?
            .report(kind, day)
            .map(|r| report_file_name(&r))
            .map_err(CommandError::from)
    })?;
    let pick = || dialogs::save(app, FileKind::Report, "导出报表", &proposed);
    dialogs::unlocked_then(state, pick, |s, path| {
        s.session_mut()?.export_report(kind, day, path)?;
        Ok(WorkbookSaved {
            file_name: file_name(path),
        })
    })
}

/// Notes in the audit log that the report is being printed (a printout is an export of the
/// concern list like the .xlsx); the webview prints after this succeeds.
pub fn report_print(
    state: &mut AppState,
    kind: ReportKind,
    day: Option<&str>,
) -> Result<(), CommandError> {
    let day = report_day(day)?;
    let s = state.session_mut()?;
    // Refuses a day outside the calendar as the screen would.
    s.report(kind, day)?;
    Ok(s.log(AuditAction::Export, None, &format!("print report {kind:?}"))?)
}

/// The stored network and its check.
pub fn network_view(state: &mut AppState) -> Result<NetworkView, CommandError> {
    let s = state.session()?;
    Ok(NetworkView {
        network: s.network()?,
        check: s.network_check()?,
    })
}

/// Writes the grid table 网格管理表 (with the check's findings) where the user chooses; `None` if
/// cancelled.
pub fn grid_export<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
) -> Result<Option<WorkbookSaved>, CommandError> {
    let proposed = format!("网格管理表-{}.xlsx", today().format("%Y%m%d"));
    let pick = || dialogs::save(app, FileKind::Grid, "导出网格管理表", &proposed);
    dialogs::unlocked_then(state, pick, |s, path| {
        s.session_mut()?.export_grid(path)?;
        Ok(WorkbookSaved {
            file_name: file_name(path),
        })
    })
}

/// Reads a grid table the user chooses and makes it the network; a refused file comes back as a
/// [`GridProblem`] (the stored network stays). `None` if cancelled.
pub fn grid_import<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
) -> Result<Option<GridImported>, CommandError> {
    let pick = || dialogs::open(app, FileKind::Grid, "导入网格管理表");
    dialogs::unlocked_then(state, pick, grid_import_file)
}

/// Imports the grid table at `path` (the dialog's choice).
pub fn grid_import_file(state: &mut AppState, path: &Path) -> Result<GridImported, CommandError> {
    let file_name = file_name(path);
    match state.session_mut()?.import_grid(path) {
        Ok(check) => Ok(GridImported {
            file_name,
            check: Some(check),
            problem: None,
        }),
        Err(xindang::Error::Grid {
            sheet,
            row,
            field,
            reason,
        }) => Ok(GridImported {
            file_name,
            check: None,
            problem: Some(GridProblem {
                sheet: sheet.to_owned(),
                row,
                field: field.to_owned(),
                reason: reason.code().to_owned(),
            }),
        }),
        Err(e) => Err(e.into()),
    }
}
