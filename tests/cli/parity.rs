//! The app and the command line refuse the same things: each input here goes through the command
//! line (the real binary) and through the core API the app's commands call (the same `Session`
//! methods and core functions, see src-tauri/src/screen_tests.rs for the app's side), and both get
//! the same typed reason; the command line prints the core's sentence for it.

use serde_json::json;
use xindang::error::Reason;
use xindang::rules::calendar;
use xindang::Error;

use crate::cli::archive::profile;
use crate::support::*;

const A: &str = "2025090101";

/// The command line refused, printing the core's English sentence for this refusal.
fn cli_refuses(out: &std::process::Output, expected: &Error) {
    assert!(!out.status.success(), "accepted: {}", stdout(out));
    assert_eq!(stderr(out).trim(), format!("error: {expected}"));
}

/// An unlocked session of the command line's archive, as the app holds one.
fn session(x: &Xd) -> xindang::Session {
    std::env::set_var("XINDANG_KDF_MS", "0");
    xindang::Session::unlock(&xindang::Archive::open(&x.dir()).unwrap(), &x.pass).unwrap()
}

#[test]
fn a_raise_to_a_lower_level_is_refused_by_both() {
    let x = Xd::init();
    x.import(&[profile(A, "甲同学", "13800000000")]);
    let rec = json!({"date": "2026-11-02", "author": "李老师", "amends": null, "amend_reason": "",
        "body": {"kind": "key_concern", "data": {"level": "special", "problem_types": ["情绪问题"],
        "until": null, "reason": "约谈后确认"}}});
    let path = x.path("concern.json");
    std::fs::write(&path, rec.to_string()).unwrap();
    x.ok(&["record", "add", "--student", A, path.to_str().unwrap()]);
    let meeting = json!({
        "date": "2026-11-06",
        "attendees": ["辅导员 李某"],
        "minutes": "逐一研判。",
        "signed_by": "李某",
        "items": [{"student_no": A, "decision": "raise", "level": "key", "reason": "加重"}],
    });
    let file = x.path("meeting.json");
    std::fs::write(&file, meeting.to_string()).unwrap();
    let expected = Error::refused("level", Reason::RaiseNotHigher);
    cli_refuses(
        &x.run(&["review", "sign", file.to_str().unwrap()]),
        &expected,
    );
    let m = serde_json::from_value(meeting).unwrap();
    let e = session(&x).sign_review(m).unwrap_err();
    assert_eq!(
        (e.code(), e.field(), e.reason()),
        ("invalid_input", Some("level"), Some(Reason::RaiseNotHigher))
    );
    assert!(session(&x).review_meetings().unwrap().is_empty());
}

#[test]
fn an_attachment_that_is_not_a_pdf_or_an_image_is_refused_by_both_whatever_its_name() {
    let x = Xd::init();
    x.import(&[profile(A, "甲同学", "13800000000")]);
    let fake = x.path("证明.pdf");
    std::fs::write(&fake, "<html><script>alert(1)</script></html>").unwrap();
    let expected = Error::refused("attachment", Reason::UnsupportedMedia);
    cli_refuses(
        &x.run(&[
            "attachment",
            "add",
            "--student",
            A,
            "--file",
            fake.to_str().unwrap(),
        ]),
        &expected,
    );
    // The app reads the chosen file with the same core function.
    let e = xindang::model::media::read_attachment(&fake, 20).unwrap_err();
    assert_eq!(e.reason(), Some(Reason::UnsupportedMedia));
    assert_eq!(e.code(), "invalid_input");
    let file = x.json(&["student", "show", A, "--json"]);
    assert!(!file.to_string().contains("证明.pdf"), "nothing was stored");
}

#[test]
fn a_bad_date_is_refused_by_both() {
    let x = Xd::init();
    let out = x.path("r.xlsx");
    cli_refuses(
        &x.run(&[
            "report",
            "weekly",
            "--out",
            out.to_str().unwrap(),
            "--today",
            "2026-02-30",
        ]),
        &Error::refused("--today", Reason::BadDate),
    );
    // The app parses its days with the same function (its field is `date`).
    let e = calendar::parse_day(Some("2026-02-30"), "date", calendar::today()).unwrap_err();
    assert_eq!(
        (e.code(), e.reason()),
        ("invalid_input", Some(Reason::BadDate))
    );
}

#[test]
fn a_broken_grid_table_is_refused_by_both_with_its_place_and_reason() {
    let x = Xd::init();
    let bad = x.path("grid.xlsx");
    std::fs::write(&bad, "not a workbook").unwrap();
    let out = x.run(&["network", "import", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    let e = session(&x).import_grid(&bad).unwrap_err();
    assert_eq!(stderr(&out).trim(), format!("error: {e}"));
    assert_eq!(
        (e.code(), e.reason()),
        ("grid_invalid", Some(Reason::GridUnreadable))
    );
}

#[test]
fn network_work_dated_after_today_is_refused_by_both() {
    let x = Xd::init();
    let tomorrow = calendar::today().succ_opt().unwrap();
    let day = tomorrow.to_string();
    let out = x.run(&[
        "network",
        "activity",
        "--kind",
        "backbone-meeting",
        "--person",
        "T001",
        "--date",
        &day,
    ]);
    let expected = Error::refused("date", Reason::NetworkFutureDate);
    cli_refuses(&out, &expected);
    let a = xindang::rules::network::NetworkActivity {
        id: String::new(),
        kind: xindang::rules::network::ActivityKind::BackboneMeeting,
        date: tomorrow,
        person: "T001".into(),
        dorm: String::new(),
        attendees: Vec::new(),
        hours: 0.0,
        note: String::new(),
    };
    let e = session(&x).add_activity(a, calendar::today()).unwrap_err();
    assert_eq!(
        (e.code(), e.reason()),
        ("network_future_date", Some(Reason::NetworkFutureDate))
    );
}

#[test]
fn a_crisis_step_without_an_open_case_or_of_no_step_is_refused_by_both() {
    let x = Xd::init();
    x.ok(&["policy", "preset", "002"]);
    x.import(&[profile(A, "甲同学", "13800000000")]);
    let at = calendar::parse_moment(Some("2026-11-24 10:00"), "at", calendar::now()).unwrap();
    // No case yet: the step and the closing are refused alike.
    let expected = Error::refused("student", Reason::CrisisNoOpenCase);
    cli_refuses(
        &x.run(&[
            "crisis",
            "step",
            A,
            "--step",
            "report",
            "--by",
            "王老师",
            "--at",
            "2026-11-24 10:00",
        ]),
        &expected,
    );
    let e = session(&x)
        .record_crisis_step(A, "report", at, "王老师", "")
        .unwrap_err();
    assert_eq!(e.reason(), Some(Reason::CrisisNoOpenCase));
    let e = session(&x).close_crisis(A, at, "结束", "领导").unwrap_err();
    assert_eq!(e.reason(), Some(Reason::CrisisNoOpenCase));
    // An open case, a step the policy does not name; a time in the wrong form.
    x.ok(&[
        "crisis",
        "assess",
        A,
        "--level",
        "C",
        "--rationale",
        "自伤",
        "--at",
        "2026-11-24 09:00",
    ]);
    let expected = Error::refused("step", Reason::CrisisStepUnknown);
    cli_refuses(
        &x.run(&["crisis", "step", A, "--step", "nap", "--by", "王老师"]),
        &expected,
    );
    let e = session(&x)
        .record_crisis_step(A, "nap", at, "王老师", "")
        .unwrap_err();
    assert_eq!(
        (e.field(), e.reason()),
        (Some("step"), Some(Reason::CrisisStepUnknown))
    );
    let bad = calendar::parse_moment(Some("11/24 10点"), "at", calendar::now()).unwrap_err();
    assert_eq!(bad.reason(), Some(Reason::BadTime));
    cli_refuses(
        &x.run(&[
            "crisis",
            "step",
            A,
            "--step",
            "report",
            "--by",
            "王老师",
            "--at",
            "11/24 10点",
        ]),
        &Error::refused("--at", Reason::BadTime),
    );
    // Nothing was written by any of them: every step is still owed.
    let cases = session(&x).student_crisis_cases(A, at).unwrap();
    assert!(cases[0]
        .steps
        .iter()
        .all(|s| s.done_at.is_none() || s.key == "assessment"));
}

#[test]
fn a_waiver_or_a_dismissal_without_its_reason_is_refused_by_both() {
    let x = Xd::init();
    x.import(&[profile(A, "甲同学", "13800000000")]);
    let expected = Error::refused("reason", Reason::WaiverReasonMissing);
    cli_refuses(
        &x.run(&[
            "waive",
            "--student",
            A,
            "--rule",
            "parents.all",
            "--due",
            "2026-11-30",
            "--reason",
            " ",
        ]),
        &expected,
    );
    let waiver: xindang::model::NewRecord = serde_json::from_value(json!({
        "date": "2026-11-02", "author": "李老师", "amend_reason": "",
        "body": {"kind": "waiver", "data": {"rule": "parents.all", "due": "2026-11-30", "reason": " "}}
    }))
    .unwrap();
    let e = session(&x).add_record(A, waiver).unwrap_err();
    assert_eq!(
        (e.code(), e.field(), e.reason()),
        (
            "invalid_input",
            Some("reason"),
            Some(Reason::WaiverReasonMissing)
        )
    );

    // An observer's report in the inbox, dismissed without a reason, then twice.
    let csv = x.path("晴雨表.csv");
    std::fs::write(
        &csv,
        format!("学号,观察内容,日期\n{A},情绪低落,2026-11-02\n"),
    )
    .unwrap();
    x.ok(&[
        "list",
        "import",
        csv.to_str().unwrap(),
        "--kind",
        "observations",
    ]);
    let id = x.json(&["list", "inbox", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let expected = Error::refused("reason", Reason::DismissReasonMissing);
    cli_refuses(
        &x.run(&["list", "dismiss", &id, "--reason", " "]),
        &expected,
    );
    let today = calendar::today();
    let e = session(&x)
        .dismiss_observation(&id, " ", today)
        .unwrap_err();
    assert_eq!(e.reason(), Some(Reason::DismissReasonMissing));
    x.ok(&["list", "dismiss", &id, "--reason", "已由宿管处理"]);
    let expected = Error::refused("item", Reason::InboxItemGone);
    cli_refuses(
        &x.run(&["list", "dismiss", &id, "--reason", "再次"]),
        &expected,
    );
    let e = session(&x)
        .dismiss_observation(&id, "再次", today)
        .unwrap_err();
    assert_eq!(
        (e.code(), e.field(), e.reason()),
        ("invalid_input", Some("item"), Some(Reason::InboxItemGone))
    );
}

#[test]
fn a_return_without_a_certificate_is_refused_by_both() {
    let x = Xd::init();
    x.import(&[profile(A, "甲同学", "13800000000")]);
    let record = |kind: &str, certificate: bool, approved: bool| {
        json!({"date": "2026-11-02", "author": "李老师", "amends": null, "amend_reason": "",
            "body": {"kind": "leave_review", "data": {"kind": kind, "certificate": certificate,
            "assessment": "评估通过", "approved": approved, "notes": ""}}})
    };
    let leave = x.path("leave.json");
    std::fs::write(&leave, record("leave", true, true).to_string()).unwrap();
    x.ok(&["record", "add", "--student", A, leave.to_str().unwrap()]);
    let back = record("return", false, true);
    let path = x.path("return.json");
    std::fs::write(&path, back.to_string()).unwrap();
    let expected = Error::refused("certificate", Reason::ReturnNeedsCertificate);
    cli_refuses(
        &x.run(&["record", "add", "--student", A, path.to_str().unwrap()]),
        &expected,
    );
    let mut s = session(&x);
    let e = s
        .add_record(A, serde_json::from_value(back).unwrap())
        .unwrap_err();
    assert_eq!(
        (e.code(), e.field(), e.reason()),
        (
            "invalid_input",
            Some("certificate"),
            Some(Reason::ReturnNeedsCertificate)
        )
    );
    assert_eq!(s.student_file(A).unwrap().records.len(), 1);
}

#[test]
fn a_profile_amendment_without_its_reason_is_refused_by_both() {
    let x = Xd::init();
    x.import(&[profile(A, "甲同学", "13800000000")]);
    let expected = Error::refused("reason", Reason::AmendReasonMissing);
    cli_refuses(
        &x.run(&["student", "amend", A, "--dorm", "7栋-101", "--reason", " "]),
        &expected,
    );
    let mut s = session(&x);
    let mut p = s.profile(A).unwrap().clone();
    p.dorm = "7栋-101".into();
    let e = s.amend_profile(A, p, " ", "李老师").unwrap_err();
    assert_eq!(
        (e.code(), e.field(), e.reason()),
        (
            "invalid_input",
            Some("reason"),
            Some(Reason::AmendReasonMissing)
        )
    );
    assert_eq!(s.profile(A).unwrap().dorm, "6栋-302");
}
