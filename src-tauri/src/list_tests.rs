//! The lists, inbox and waiver paths of the shell on real archives: a list checked with nothing
//! written, imported once, the same file again changing nothing; and each refusal reaching the
//! webview with the core's code, field and reason.

use std::time::Duration;

use chrono::Days;
use xindang::model::{NewRecord, RecordBody, StudentProfile, Waiver};
use xindang::roster::lists::ListKind;
use xindang::roster::RowErrorReason;
use xindang::rules::calendar::today;

use crate::admin::{list_import, list_report, Staging};
use crate::error::CommandError;
use crate::screen_tests::{refusal, why};
use crate::state::AppState;

fn archive(dir: &std::path::Path) -> AppState {
    std::env::set_var("XINDANG_KDF_MS", "0");
    let mut s = AppState::new(dir.join("archive"), Duration::from_secs(600));
    s.create(None, "lists-口令-2026").expect("create");
    let students = ["王芳", "李雷"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let p = StudentProfile {
                student_no: format!("202501010{}", i + 1),
                name: (*name).into(),
                college: "计算机学院".into(),
                class_name: "计科2501".into(),
                ..StudentProfile::default()
            };
            (p, Vec::new())
        })
        .collect();
    s.session_mut()
        .expect("open")
        .load_students(students, |_, new| new)
        .expect("load");
    s
}

fn records(s: &mut AppState, sno: &str) -> usize {
    s.session_mut()
        .expect("open")
        .student_file(sno)
        .expect("file")
        .records
        .len()
}

#[test]
fn a_list_is_checked_with_nothing_written_then_imported_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = archive(dir.path());
    let day = today().checked_sub_days(Days::new(3)).expect("a day");
    let csv = dir.path().join("学业预警.csv");
    std::fs::write(
        &csv,
        format!("学号,姓名,预警日期,预警原因\n2025010101,王芳,{day},两门课程不及格\n2099999999,无此人,{day},挂科\n"),
    )
    .expect("csv");
    let staging = Staging::default();
    assert_eq!(
        list_import(&mut s, &staging)
            .expect_err("nothing chosen")
            .code,
        "invalid_input"
    );

    let check = list_report(&mut s, &csv, ListKind::Academic, true).expect("dry run");
    assert!(check.dry_run);
    assert_eq!((check.added, check.unchanged), (1, 0));
    assert_eq!(check.errors.len(), 1);
    assert_eq!(check.errors[0].row, 3);
    assert_eq!(check.errors[0].reason, RowErrorReason::UnknownStudent);
    assert_eq!(check.sample.len(), 1);
    assert_eq!(check.sample[0].student_no, "2025010101");
    assert_eq!(check.sheets.len(), 1);
    assert_eq!(records(&mut s, "2025010101"), 0, "the check wrote nothing");

    staging.with(|st| st.list = Some((csv.clone(), ListKind::Academic)));
    let done = list_import(&mut s, &staging).expect("import");
    assert!(!done.dry_run);
    assert_eq!(done.added, 1);
    assert_eq!(records(&mut s, "2025010101"), 1);
    assert!(
        staging.with(|st| st.list.is_none()),
        "the file is forgotten"
    );

    staging.with(|st| st.list = Some((csv, ListKind::Academic)));
    let again = list_import(&mut s, &staging).expect("again");
    assert_eq!((again.added, again.unchanged), (0, 1));
    assert_eq!(records(&mut s, "2025010101"), 1);
}

#[test]
fn triage_and_waivers_are_refused_without_their_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = archive(dir.path());
    let csv = dir.path().join("晴雨表.csv");
    let day = today();
    std::fs::write(
        &csv,
        format!("班级,报告人,学号,姓名,观察内容,日期\n计科2501,心理委员 赵某,2025010101,王芳,连续三天未去上课,{day}\n计科2501,心理委员 赵某,2025010102,李雷,情绪低落,{day}\n"),
    )
    .expect("csv");
    let r = list_report(&mut s, &csv, ListKind::Observations, false).expect("import");
    assert_eq!(r.added, 2);
    let view = s
        .session()
        .expect("open")
        .inbox_view(today())
        .expect("inbox");
    assert_eq!((view.open, view.overdue), (2, 0));
    let id = |sno: &str| {
        view.rows
            .iter()
            .find(|r| r.item.student_no == sno)
            .expect("item")
            .item
            .id
            .clone()
    };
    let (first, second) = (id("2025010101"), id("2025010102"));
    let mut dismiss = |id: &str, reason: &str| -> Result<(), CommandError> {
        Ok(s.session_mut()?.dismiss_observation(id, reason, today())?)
    };
    assert_eq!(
        why(dismiss(&second, "  ")),
        refusal("invalid_input", "reason", "dismiss_reason_missing")
    );
    dismiss(&second, "已由宿管处理").expect("dismissed");
    assert_eq!(
        why(dismiss(&second, "again")),
        refusal("invalid_input", "item", "inbox_item_gone")
    );
    let sess = s.session_mut().expect("open");
    let filed = sess
        .file_observation(&first, "已约谈", "辅导员", today())
        .expect("filed");
    let view = sess.inbox_view(today()).expect("inbox");
    assert_eq!(view.open, 0);
    let file = sess.student_file("2025010101").expect("file");
    assert!(file.records.iter().any(|r| r.id == filed));

    // The triage duties are done (under a policy with a triage deadline: 003's; the default 000
    // names none, and owes none); a student's waiver needs its reason, as on the command line.
    let owes = |sess: &xindang::Session| {
        sess.student_obligations("2025010101", today())
            .expect("duties")
            .iter()
            .any(|o| &*o.rule == "inbox.triage")
    };
    assert!(!owes(sess));
    sess.set_policy(xindang::rules::PRESETS[3].1).expect("003");
    let duties = sess
        .student_obligations("2025010101", today())
        .expect("duties");
    assert!(duties
        .iter()
        .any(|o| &*o.rule == "inbox.triage" && o.status == xindang::rules::ObligationStatus::Done));
    let waiver = |reason: &str| NewRecord {
        date: today(),
        author: String::new(),
        amends: None,
        amend_reason: String::new(),
        body: RecordBody::Waiver(Waiver {
            rule: "parents.all".into(),
            due: today(),
            reason: reason.into(),
        }),
    };
    let mut waive = |reason: &str| -> Result<String, CommandError> {
        Ok(s.session_mut()?.add_record("2025010101", waiver(reason))?)
    };
    assert_eq!(
        why(waive(" ")),
        refusal("invalid_input", "reason", "waiver_reason_missing")
    );
    waive("入学即办理休学").expect("waived");
}
