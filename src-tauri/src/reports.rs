//! The logic behind the reports page 报表 (weekly 周报 / monthly 月报 / semester 学期总结) and the
//! four-level network page 四级网络 (校—院—班—寝): the core computes, this module picks the day,
//! opens the native dialogs and turns a refused grid table into where-and-why for the screen.
//! The weekly review meeting 周研判 has its own screen elsewhere.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::audit::AuditAction;
use xindang::rules::network::{Network, NetworkCheck};
use xindang::rules::report::{Report, ReportKind};

use crate::dialogs::{self, FileKind};
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
    /// Why, in Chinese.
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

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The day a report is for: `YYYY-MM-DD`, or today when absent.
pub fn report_day(day: Option<&str>) -> Result<NaiveDate, CommandError> {
    match day.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(today()),
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| CommandError::invalid("date", "expected YYYY-MM-DD")),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
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
fn report_file_name(r: &Report) -> String {
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
    let Some(path) = dialogs::save(app, FileKind::Report, "导出报表", &proposed)? else {
        return Ok(None);
    };
    state.with(|s| {
        s.session_mut()?
            .export_report(kind, day, &path)
            .map_err(CommandError::from)
    })?;
    Ok(Some(WorkbookSaved {
        file_name: file_name(&path),
    }))
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
    state.with(|s| s.session().map(|_| ()))?;
    let proposed = format!("网格管理表-{}.xlsx", today().format("%Y%m%d"));
    let Some(path) = dialogs::save(app, FileKind::Grid, "导出网格管理表", &proposed)? else {
        return Ok(None);
    };
    state.with(|s| {
        s.session_mut()?
            .export_grid(&path)
            .map_err(CommandError::from)
    })?;
    Ok(Some(WorkbookSaved {
        file_name: file_name(&path),
    }))
}

/// Reads a grid table the user chooses and makes it the network; a refused file comes back as a
/// [`GridProblem`] (the stored network stays). `None` if cancelled.
pub fn grid_import<R: Runtime>(
    app: &AppHandle<R>,
    state: &Shared,
) -> Result<Option<GridImported>, CommandError> {
    state.with(|s| s.session().map(|_| ()))?;
    let Some(path) = dialogs::open(app, FileKind::Grid, "导入网格管理表")? else {
        return Ok(None);
    };
    state.with(|s| grid_import_file(s, &path)).map(Some)
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
                reason: grid_reason_zh(reason).to_owned(),
            }),
        }),
        Err(e) => Err(e.into()),
    }
}

/// The core's reasons for refusing a grid row, in Chinese (the core keeps English one-liners for
/// the command line).
fn grid_reason_zh(reason: &str) -> &'static str {
    match reason {
        "no header row with this column in the first 10 rows" => "前 10 行中没有包含此列的表头",
        "the file is not a readable workbook" => "文件不是可读取的 Excel 工作簿",
        "the workbook has no sheet" => "工作簿中没有工作表",
        "use 辅导员, 心理委员 or 寝室长" => "请填写“辅导员”“心理委员”或“寝室长”",
        "is required" => "不能为空",
        "use 本科 or 研究生" => "请填写“本科”或“研究生”",
        "appears twice" => "重复出现",
        "use 校外住宿, 转专业 or 调换寝室" => "请填写“校外住宿”“转专业”或“调换寝室”",
        _ => "内容不符合要求",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::AppState;
    use std::time::Duration;

    fn unlocked(dir: &Path) -> AppState {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let mut s = AppState::new(dir.join("archive"), Duration::from_secs(600));
        s.create("reports-口令-2026").expect("create");
        s
    }

    #[test]
    fn the_day_is_a_date_or_today() {
        assert_eq!(report_day(None).expect("today"), today());
        assert_eq!(report_day(Some(" ")).expect("today"), today());
        assert_eq!(
            report_day(Some("2026-03-02")).expect("date"),
            NaiveDate::from_ymd_opt(2026, 3, 2).expect("day")
        );
        let e = report_day(Some("2026-02-30")).expect_err("no such day");
        assert_eq!(e.code, "invalid_input");
    }

    #[test]
    fn a_report_and_the_network_of_a_new_archive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = unlocked(dir.path());
        let r = report_view(&mut s, ReportKind::Monthly, Some("2026-03-10")).expect("report");
        assert_eq!(r.students, 0);
        assert_eq!(r.start, NaiveDate::from_ymd_opt(2026, 3, 1).expect("day"));
        assert_eq!(report_file_name(&r), "月报-2026-03.xlsx");
        report_print(&mut s, ReportKind::Monthly, Some("2026-03-10")).expect("print");
        let log = s.session().expect("open").audit_log().expect("log");
        assert!(log.iter().any(|e| e.detail == "print report Monthly"));
        let v = network_view(&mut s).expect("network");
        assert!(v.network.people.is_empty());
        assert_eq!(v.check.students, 0);
    }

    #[test]
    fn a_refused_grid_names_sheet_row_and_column_in_chinese_and_keeps_the_network() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = unlocked(dir.path());
        let bad = dir.path().join("grid.csv");
        std::fs::write(&bad, "hello\n").expect("write");
        let r = grid_import_file(&mut s, &bad).expect("answered");
        assert!(r.check.is_none());
        let p = r.problem.expect("a problem");
        assert!(!p.reason.is_empty());
        assert!(p
            .reason
            .chars()
            .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
        assert!(network_view(&mut s)
            .expect("view")
            .network
            .people
            .is_empty());
    }

    #[test]
    fn every_reason_the_core_gives_has_chinese() {
        // Read from the core's source, so a new reason there fails here until it has Chinese.
        let core = include_str!("../../src/rules/grid.rs");
        let mut reasons = Vec::new();
        for (i, _) in core.match_indices("reason: \"") {
            let rest = &core[i + 9..];
            reasons.push(&rest[..rest.find('"').expect("end of string")]);
        }
        for (i, _) in core.match_indices("bad(\"") {
            let rest = &core[i + 5..];
            let rest = &rest[rest.find(", \"").expect("reason") + 3..];
            reasons.push(&rest[..rest.find('"').expect("end of string")]);
        }
        assert!(reasons.len() >= 8, "{reasons:?}");
        for r in reasons {
            assert_ne!(grid_reason_zh(r), "内容不符合要求", "{r}");
        }
    }
}
