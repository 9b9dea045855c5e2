//! The reports, network and weekly review screens' functions on real archives: what each answers,
//! and that each refusal reaches the webview with the core's code, field and reason (the same the
//! command line gets, see tests/cli/parity.rs).

use std::path::Path;
use std::time::Duration;

use chrono::NaiveDate;
use xindang::rules::calendar::today;
use xindang::rules::network::{ActivityKind, NetworkActivity, NetworkRole, NetworkWaiver};
use xindang::rules::report::ReportKind;
use xindang::rules::{ObligationFilter, ObligationStatus};

use crate::error::CommandError;
use crate::reports::*;
use crate::state::AppState;

fn unlocked(dir: &Path) -> AppState {
    std::env::set_var("XINDANG_KDF_MS", "0");
    let mut s = AppState::new(dir.join("archive"), Duration::from_secs(600));
    s.create(None, "screens-口令-2026").expect("create");
    s
}

/// An archive of the synthetic school (with `records` records each) and the demo network.
pub(crate) fn demo(dir: &Path, records: usize) -> AppState {
    let mut s = unlocked(dir);
    let sess = s.session_mut().expect("open");
    let config = xindang::synth::SynthConfig {
        seed: 1,
        students: 300,
        today: today(),
        records_per_student: records,
    };
    let batch: Vec<_> = xindang::synth::students(&config)
        .map(|st| (st.profile, st.records))
        .collect();
    sess.load_students(batch, |_, new| new).expect("load");
    sess.demo_network().expect("network");
    s
}

/// (code, field, reason) of a refusal.
pub(crate) fn why<T: std::fmt::Debug>(
    r: Result<T, CommandError>,
) -> (String, Option<String>, Option<String>) {
    let e = r.expect_err("refused");
    (e.code, e.field, e.reason)
}

pub(crate) fn refusal(
    code: &str,
    field: &str,
    reason: &str,
) -> (String, Option<String>, Option<String>) {
    (code.into(), Some(field.into()), Some(reason.into()))
}

#[test]
fn the_day_is_a_date_or_today_with_a_typed_refusal() {
    assert_eq!(report_day(None).expect("today"), today());
    assert_eq!(report_day(Some(" ")).expect("today"), today());
    assert_eq!(
        report_day(Some("2026-03-02")).expect("date"),
        NaiveDate::from_ymd_opt(2026, 3, 2).expect("day")
    );
    assert_eq!(
        why(report_day(Some("2026-02-30"))),
        refusal("invalid_input", "date", "bad_date")
    );
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
fn a_refused_grid_names_sheet_row_column_and_reason_code_and_keeps_the_network() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = unlocked(dir.path());
    let bad = dir.path().join("grid.csv");
    std::fs::write(&bad, "hello\n").expect("write");
    let r = grid_import_file(&mut s, &bad).expect("answered");
    assert!(r.check.is_none());
    let p = r.problem.expect("a problem");
    assert_eq!(p.reason, "grid_unreadable");
    assert!(network_view(&mut s)
        .expect("view")
        .network
        .people
        .is_empty());
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
    let mut s = demo(dir.path(), 0);
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
    let work = s.session().expect("open").network_work().expect("work");
    assert!(work.activities.is_empty());
    assert!(!work.dorms.is_empty());
    let dorm = work.dorms[0].dorm.clone();
    let mut add = |a: NetworkActivity| -> Result<String, CommandError> {
        Ok(s.session_mut()?.add_activity(a, today())?)
    };
    let code = |r: Result<String, CommandError>| r.expect_err("refused").code;

    // A dorm head cannot hold a backbone meeting; a counselor can.
    let refused = [
        (
            activity(ActivityKind::BackboneMeeting, &h.id),
            "network_counselor_only",
        ),
        (
            activity(ActivityKind::DormHeadMeeting, &c.id),
            "network_backbone_only",
        ),
        (
            activity(ActivityKind::DormVisit, &h.id),
            "network_visit_holder",
        ),
        (activity(ActivityKind::DormVisit, &c.id), "network_dorm"),
    ];
    for (a, want) in refused {
        assert_eq!(code(add(a)), want);
    }
    let mut t = activity(ActivityKind::Training, &c.id);
    t.attendees = vec![b.id.clone()];
    assert_eq!(code(add(t.clone())), "network_hours");
    t.attendees.clear();
    t.hours = 2.0;
    assert_eq!(code(add(t.clone())), "network_trainees");
    let mut later = activity(ActivityKind::BackboneMeeting, &c.id);
    later.date = today() + chrono::Days::new(1);
    let e = add(later).expect_err("future");
    assert_eq!(
        (e.code.as_str(), e.field.as_deref(), e.reason.as_deref()),
        (
            "network_future_date",
            Some("date"),
            Some("network_future_date")
        )
    );

    let mut v = activity(ActivityKind::DormVisit, &c.id);
    v.dorm = dorm.clone();
    add(v).expect("visit");
    t.attendees = vec![b.id.clone(), h.id.clone()];
    let id = add(t).expect("training");
    let work = s.session().expect("open").network_work().expect("work");
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
    let mut s = demo(dir.path(), 0);
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
    let mut waive = |w: NetworkWaiver| -> Result<(), CommandError> {
        Ok(s.session_mut()?.waive_network(w, today())?)
    };
    assert_eq!(
        waive(w.clone()).expect_err("no reason").code,
        "network_waiver_reason"
    );
    w.reason = "出差".into();
    let mut wrong = w.clone();
    wrong.due = o.due + chrono::Days::new(400);
    assert_eq!(
        waive(wrong).expect_err("no such duty").code,
        "network_no_duty"
    );
    waive(w.clone()).expect("waived");
    assert_eq!(
        waive(w).expect_err("no longer open").code,
        "network_no_duty"
    );
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
