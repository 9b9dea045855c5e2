//! The logic behind the reports page 报表 (weekly 周报 / monthly 月报 / semester 学期总结) and the
//! four-level network page 四级网络 (校—院—班—寝): the core computes, this module picks the day,
//! opens the native dialogs and turns a refused grid table into where-and-why for the screen.
//! The network page also records the work that fulfils the network's duties (dorm visits 走访宿舍,
//! meetings, trainings 培训) and waives a duty with its reason; the core's refusals come back with
//! codes of their own so the screen can say in Chinese what is wrong.
//! The weekly review meeting 周研判 has its own screen elsewhere.

use std::path::Path;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use typeshare::typeshare;
use xindang::audit::AuditAction;
use xindang::model::StudentStatus;
use xindang::rules::network::{Network, NetworkActivity, NetworkCheck, NetworkWaiver};
use xindang::rules::report::{Report, ReportKind};
use xindang::rules::{ObligationFilter, ObligationStatus};

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

/// A recorded network activity with the names of its people (a name is empty when the id names
/// nobody in the network, e.g. after a new grid table).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityRow {
    /// The activity as stored.
    pub activity: NetworkActivity,
    /// Name of who held it (empty when unknown or none).
    pub person_name: String,
    /// Names of the attendees, in the order of `activity.attendees`.
    pub attendee_names: Vec<String>,
}

/// A dorm that can be visited, with the colleges of its residents (a mixed dorm has several).
#[typeshare]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkDorm {
    /// The dorm as the roster writes it.
    pub dorm: String,
    /// Colleges of its enrolled residents, sorted.
    pub colleges: Vec<String>,
}

/// The work of the network: recorded activities (newest first) and the dorms to choose from.
#[typeshare]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetworkWork {
    /// Activities, newest first.
    pub activities: Vec<ActivityRow>,
    /// Dorms of enrolled on-campus students and of the dorm heads, sorted.
    pub dorms: Vec<NetworkDorm>,
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

/// The recorded activities, newest first, with names; and the dorms of the archive.
pub fn network_activities(state: &mut AppState) -> Result<NetworkWork, CommandError> {
    let s = state.session()?;
    let net = s.network()?;
    let name = |id: &str| {
        net.people
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.name.clone())
            .unwrap_or_default()
    };
    let mut activities: Vec<ActivityRow> = s
        .network_activities()?
        .into_iter()
        .map(|a| ActivityRow {
            person_name: name(&a.person),
            attendee_names: a.attendees.iter().map(|x| name(x)).collect(),
            activity: a,
        })
        .collect();
    // The core keeps them oldest first (stable by date); the screen wants the latest on top.
    activities.reverse();
    let mut dorms: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        std::collections::BTreeMap::new();
    for st in s.list_students() {
        if st.status == StudentStatus::Enrolled && !st.dorm.trim().is_empty() {
            dorms.entry(st.dorm).or_default().insert(st.college);
        }
    }
    for p in &net.people {
        for d in p.dorms.iter().filter(|d| !d.trim().is_empty()) {
            dorms
                .entry(d.clone())
                .or_default()
                .insert(p.college.clone());
        }
    }
    Ok(NetworkWork {
        activities,
        dorms: dorms
            .into_iter()
            .map(|(dorm, colleges)| NetworkDorm {
                dorm,
                colleges: colleges.into_iter().collect(),
            })
            .collect(),
    })
}

/// Records an activity; returns its id. A day after today is refused (work is recorded once
/// done); the core checks who may hold what.
pub fn network_activity_add(
    state: &mut AppState,
    activity: NetworkActivity,
) -> Result<String, CommandError> {
    if activity.date > today() {
        return Err(coded(
            "network_future_date",
            "the activity's date is after today",
        ));
    }
    state.session_mut()?.add_activity(activity).map_err(refusal)
}

/// Waives an open network duty with its reason. The duty must be one the engine lists as due or
/// overdue today (rule, person, subject and due date as the 待办 list gives them).
pub fn network_waive(state: &mut AppState, waiver: NetworkWaiver) -> Result<(), CommandError> {
    let s = state.session_mut()?;
    if waiver.reason.trim().is_empty() {
        return Err(refusal(xindang::Error::Invalid {
            field: "reason",
            reason: "a waiver needs its reason",
        }));
    }
    let open = s
        .obligations(today(), &ObligationFilter::default())?
        .into_iter()
        .any(|o| {
            o.student_no.is_empty()
                && matches!(o.status, ObligationStatus::Due | ObligationStatus::Overdue)
                && *o.rule == *waiver.rule.trim()
                && *o.person == *waiver.person.trim()
                && *o.subject == *waiver.subject.trim()
                && o.due == waiver.due
        });
    if !open {
        return Err(coded(
            "network_no_duty",
            "no open network duty has this rule, person, subject and due date",
        ));
    }
    s.waive_network(waiver).map_err(refusal)
}

fn coded(code: &str, message: &str) -> CommandError {
    CommandError {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// The core's refusals of an activity or a waiver, each with its own code (the UI has Chinese for
/// each); other errors keep theirs.
fn refusal(e: xindang::Error) -> CommandError {
    let xindang::Error::Invalid { field, reason } = &e else {
        return e.into();
    };
    let code = match (*field, *reason) {
        ("person", "must be a counselor or backbone of the network") => "network_visit_holder",
        ("person", "must be a counselor of the network") => "network_counselor_only",
        ("person", "must be a backbone of the network") => "network_backbone_only",
        ("person", _) => "network_person_unknown",
        ("attendees", _) => "network_trainees",
        ("hours", _) => "network_hours",
        ("dorm", _) => "network_dorm",
        ("reason", _) => "network_waiver_reason",
        ("subject", _) | ("rule", _) => "network_no_duty",
        _ => return e.into(),
    };
    coded(code, &e.to_string())
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
    use xindang::rules::network::{ActivityKind, NetworkRole};

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

    fn with_demo_network(dir: &Path) -> AppState {
        let mut s = unlocked(dir);
        let sess = s.session_mut().expect("open");
        let config = xindang::synth::SynthConfig {
            seed: 1,
            students: 300,
            today: today(),
            records_per_student: 0,
        };
        let batch: Vec<_> = xindang::synth::students(&config)
            .map(|st| (st.profile, st.records))
            .collect();
        sess.load_students(batch, |_, new| new).expect("load");
        sess.demo_network().expect("network");
        s
    }

    fn activity(kind: ActivityKind, person: &str) -> NetworkActivity {
        NetworkActivity {
            id: String::new(),
            kind,
            date: today(),
            person: person.to_owned(),
            dorm: String::new(),
            attendees: Vec::new(),
            hours: 0.0,
            note: String::new(),
        }
    }

    #[test]
    fn activities_are_recorded_named_and_refused_with_codes_of_their_own() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = with_demo_network(dir.path());
        let net = s.session().expect("open").network().expect("network");
        let of = |r: NetworkRole| {
            net.people
                .iter()
                .find(|p| p.role == r)
                .unwrap_or_else(|| panic!("{r:?} of {}", net.people.len()))
        };
        let (c, b, h) = (
            of(NetworkRole::Counselor),
            of(NetworkRole::Backbone),
            of(NetworkRole::DormHead),
        );
        let work = network_activities(&mut s).expect("work");
        assert!(work.activities.is_empty());
        assert!(!work.dorms.is_empty());
        let dorm = work.dorms[0].dorm.clone();

        // A dorm head cannot hold a backbone meeting; a counselor can.
        let e = network_activity_add(&mut s, activity(ActivityKind::BackboneMeeting, &h.id))
            .expect_err("dorm head");
        assert_eq!(e.code, "network_counselor_only");
        let e = network_activity_add(&mut s, activity(ActivityKind::DormHeadMeeting, &c.id))
            .expect_err("counselor");
        assert_eq!(e.code, "network_backbone_only");
        let e = network_activity_add(&mut s, activity(ActivityKind::DormVisit, &h.id))
            .expect_err("visit");
        assert_eq!(e.code, "network_visit_holder");
        let e = network_activity_add(&mut s, activity(ActivityKind::DormVisit, &c.id))
            .expect_err("no dorm");
        assert_eq!(e.code, "network_dorm");
        let mut t = activity(ActivityKind::Training, &c.id);
        t.attendees = vec![b.id.clone()];
        let e = network_activity_add(&mut s, t.clone()).expect_err("no hours");
        assert_eq!(e.code, "network_hours");
        t.attendees.clear();
        t.hours = 2.0;
        let e = network_activity_add(&mut s, t.clone()).expect_err("no trainees");
        assert_eq!(e.code, "network_trainees");
        let mut later = activity(ActivityKind::BackboneMeeting, &c.id);
        later.date = today() + chrono::Days::new(1);
        let e = network_activity_add(&mut s, later).expect_err("future");
        assert_eq!(e.code, "network_future_date");
        assert!(network_activities(&mut s)
            .expect("work")
            .activities
            .is_empty());

        let mut v = activity(ActivityKind::DormVisit, &c.id);
        v.dorm = dorm.clone();
        network_activity_add(&mut s, v).expect("visit");
        t.attendees = vec![b.id.clone(), h.id.clone()];
        let id = network_activity_add(&mut s, t).expect("training");
        let work = network_activities(&mut s).expect("work");
        assert_eq!(work.activities.len(), 2);
        // Newest first: recorded the same day, the later one on top.
        assert_eq!(work.activities[0].activity.id, id);
        assert_eq!(work.activities[0].person_name, c.name);
        assert_eq!(
            work.activities[0].attendee_names,
            vec![b.name.clone(), h.name.clone()]
        );
        assert_eq!(work.activities[1].activity.dorm, dorm);
    }

    #[test]
    fn a_waiver_needs_an_open_duty_and_its_reason() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = with_demo_network(dir.path());
        let open = s
            .session()
            .expect("open")
            .obligations(today(), &ObligationFilter::default())
            .expect("obligations")
            .into_iter()
            .find(|o| {
                !o.person.is_empty()
                    && matches!(o.status, ObligationStatus::Due | ObligationStatus::Overdue)
            });
        // Outside every semester of the policy there is no duty to waive: say so, don't pass.
        let o = open.expect("the policy's calendar covers today");
        let mut w = NetworkWaiver {
            rule: o.rule.to_string(),
            person: o.person.to_string(),
            subject: o.subject.to_string(),
            due: o.due,
            reason: " ".into(),
        };
        let e = network_waive(&mut s, w.clone()).expect_err("no reason");
        assert_eq!(e.code, "network_waiver_reason");
        w.reason = "出差".into();
        let mut wrong = w.clone();
        wrong.due = o.due + chrono::Days::new(400);
        let e = network_waive(&mut s, wrong).expect_err("no such duty");
        assert_eq!(e.code, "network_no_duty");
        network_waive(&mut s, w.clone()).expect("waived");
        let again = network_waive(&mut s, w).expect_err("no longer open");
        assert_eq!(again.code, "network_no_duty");
        let now = s
            .session()
            .expect("open")
            .obligations(today(), &ObligationFilter::default())
            .expect("obligations");
        assert!(now.iter().any(|x| x.rule == o.rule
            && x.person == o.person
            && x.subject == o.subject
            && x.due == o.due
            && x.status == ObligationStatus::Waived
            && x.waived_reason.as_deref() == Some("出差")));
    }

    #[test]
    fn every_refusal_of_the_core_has_a_code_of_its_own() {
        // Read from the core's source, so a new refusal there fails here until it has a code
        // (and the UI its Chinese, see ui/src/i18n/reports.zh-CN.ts).
        let core = include_str!("../../src/session/network.rs");
        let start = core.find("pub fn add_activity").expect("add_activity");
        let end = core.find("fn meetings(").expect("end");
        let body = &core[start..end];
        let mut n = 0;
        for (i, _) in body.match_indices("field: \"") {
            let rest = &body[i + 8..];
            let field = &rest[..rest.find('"').expect("end")];
            let rest = &rest[rest.find("reason: \"").expect("reason") + 9..];
            let reason = &rest[..rest.find('"').expect("end")];
            let e = refusal(xindang::Error::Invalid {
                field: Box::leak(field.to_owned().into_boxed_str()),
                reason: Box::leak(reason.to_owned().into_boxed_str()),
            });
            assert!(e.code.starts_with("network_"), "{field}: {reason}");
            n += 1;
        }
        assert!(n >= 8, "{n}");
    }
}
