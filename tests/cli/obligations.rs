//! The obligation engine through `xindang obligations`: one test per rule, each showing the
//! obligation appear and a record fulfil it. The policy in force is the test policy with every
//! rule (tests/fixtures/policy/every-rule.toml, no school's); its autumn semester 2026 runs
//! 2026-08-31 … 2027-01-15.

use serde_json::Value;

use crate::cli::archive::profile;
use crate::support::*;

const TODAY: &str = "2026-11-24";

/// The test policy with every rule the engine knows (the presets each have their seed's only).
pub fn every_rule_policy() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/policy/every-rule.toml")
}

/// Puts the test policy with every rule in force.
pub fn use_every_rule(x: &Xd) {
    x.ok(&["policy", "set", &every_rule_policy().to_string_lossy()]);
}

fn setup(students: &[(&str, &str)]) -> Xd {
    let x = Xd::init();
    use_every_rule(&x);
    let people: Vec<_> = students
        .iter()
        .map(|(sno, grade)| {
            let mut p = profile(sno, "测试学生", "13800000000");
            p.grade = grade.to_string();
            p
        })
        .collect();
    x.import(&people);
    x
}

/// Obligations on `today`, checked to list no duty twice.
fn obligations_on(x: &Xd, today: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["obligations", "--today", today, "--json"];
    args.extend_from_slice(extra);
    let list = x.json(&args).as_array().unwrap().clone();
    let mut keys: Vec<String> = list
        .iter()
        .map(|o| {
            format!(
                "{}|{}|{}|{}",
                o["student_no"], o["rule"], o["since"], o["due"]
            )
        })
        .collect();
    keys.sort();
    let n = keys.len();
    keys.dedup();
    assert_eq!(keys.len(), n, "an obligation is listed twice");
    list
}

fn rule(x: &Xd, sno: &str, rule: &str) -> Vec<Value> {
    obligations_on(x, TODAY, &["--student", sno])
        .into_iter()
        .filter(|o| o["rule"] == rule)
        .collect()
}

/// (due, status) of each obligation.
fn states(list: &[Value]) -> Vec<(String, String)> {
    list.iter()
        .map(|o| {
            (
                o["due"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn st(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// Appends a record given as the JSON of its body; returns its id.
fn record(x: &Xd, sno: &str, date: &str, kind: &str, data: &str) -> String {
    let json = format!(
        r#"{{"date":"{date}","author":"李老师","amends":null,"amend_reason":"","body":{{"kind":"{kind}","data":{data}}}}}"#
    );
    let path = x.path(&format!("rec-{}.json", rand_name()));
    std::fs::write(&path, json).unwrap();
    x.ok(&["record", "add", "--student", sno, path.to_str().unwrap()])
        .trim()
        .to_string()
}

fn rand_name() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::Relaxed).to_string()
}

fn talk(x: &Xd, sno: &str, category: &str, date: &str) -> String {
    x.ok(&[
        "talk",
        "add",
        "--student",
        sno,
        "--category",
        category,
        "--date",
        date,
        "--text",
        "谈话内容",
    ]);
    // The talk command prints nothing machine-readable: find the id in the file.
    let file = x.json(&["student", "show", sno, "--json"]);
    file["records"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|r| r["record"]["date"] == date && r["record"]["body"]["kind"] == "talk")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn parent_contact(x: &Xd, sno: &str, date: &str) -> String {
    record(
        x,
        sno,
        date,
        "parent_contact",
        r#"{"contact":"母亲","method":"phone","text":"沟通近况"}"#,
    )
}

#[test]
fn freshman_roster_import_owes_the_freshman_talk_until_it_is_recorded() {
    let x = setup(&[("2026010101", "2026"), ("2025010101", "2025")]);
    let list = obligations_on(&x, "2026-09-10", &[]);
    let fresh: Vec<_> = list
        .iter()
        .filter(|o| o["rule"] == "must-talk.freshman")
        .collect();
    assert_eq!(fresh.len(), 1, "only this year's intake owes it");
    assert_eq!(fresh[0]["student_no"], "2026010101");
    assert_eq!(fresh[0]["kind"], "talk");
    assert_eq!(fresh[0]["due"], "2026-09-30");
    assert_eq!(fresh[0]["status"], "due");
    assert_eq!(
        rule(&x, "2026010101", "must-talk.freshman")[0]["status"],
        "overdue"
    );
    // --due-before keeps only earlier due dates.
    let before = obligations_on(&x, "2026-09-10", &["--due-before", "2026-09-30"]);
    assert!(before.iter().all(|o| o["rule"] != "must-talk.freshman"));

    // A talk of another category does not fulfil it; a freshman talk does.
    talk(&x, "2026010101", "other", "2026-09-05");
    assert_eq!(
        states(&rule(&x, "2026010101", "must-talk.freshman")),
        st(&[("2026-09-30", "overdue")])
    );
    let id = talk(&x, "2026010101", "freshman", "2026-09-08");
    let done = rule(&x, "2026010101", "must-talk.freshman");
    assert_eq!(states(&done), st(&[("2026-09-30", "done")]));
    assert_eq!(done[0]["fulfilled_by"], id.as_str());
    assert_eq!(done[0]["fulfilled_on"], "2026-09-08");
    // --open hides it now.
    let open = obligations_on(&x, TODAY, &["--open", "--student", "2026010101"]);
    assert!(open.iter().all(|o| o["rule"] != "must-talk.freshman"));
}

#[test]
fn each_must_talk_event_owes_a_talk_of_its_category() {
    let x = setup(&[("2025010102", "2025")]);
    let sno = "2025010102";
    // (category, days allowed by preset 000)
    let cases = [
        ("key-time", 7),
        ("special-group", 14),
        ("requested", 3),
        ("reward-discipline", 7),
        ("academic", 7),
        ("relationship", 3),
        ("hardship", 7),
    ];
    for (cat, days) in cases {
        x.ok(&[
            "event",
            "--student",
            sno,
            "--trigger",
            cat,
            "--date",
            "2026-11-02",
            "--note",
            "事件",
        ]);
        let r = format!("must-talk.{cat}");
        let due = format!("2026-11-{:02}", 2 + days);
        assert_eq!(
            states(&rule(&x, sno, &r)),
            st(&[(&due, "overdue")]),
            "{cat}"
        );
        talk(&x, sno, cat, "2026-11-03");
        assert_eq!(states(&rule(&x, sno, &r)), st(&[(&due, "done")]), "{cat}");
    }
    // Two events need two talks: one talk fulfils only the first.
    x.ok(&[
        "event",
        "--student",
        sno,
        "--trigger",
        "academic",
        "--date",
        "2026-11-20",
    ]);
    assert_eq!(
        states(&rule(&x, sno, "must-talk.academic")),
        st(&[("2026-11-09", "done"), ("2026-11-27", "due")])
    );
    talk(&x, sno, "academic", "2026-11-21");
    assert_eq!(
        states(&rule(&x, sno, "must-talk.academic")),
        st(&[("2026-11-09", "done"), ("2026-11-27", "done")])
    );
    // "other" is not a trigger.
    let out = x.run(&[
        "event",
        "--student",
        sno,
        "--trigger",
        "other",
        "--date",
        "2026-11-20",
    ]);
    assert!(!out.status.success());
}

#[test]
fn hospital_diagnosed_students_owe_half_monthly_contacts_with_student_and_parents() {
    let x = setup(&[("2025010103", "2025")]);
    let sno = "2025010103";
    record(
        &x,
        sno,
        "2026-10-01",
        "referral",
        r#"{"institution":"市精神卫生中心","reason":"持续低落","diagnosis":"抑郁发作","hospital_diagnosed":true,"medication":"遵医嘱"}"#,
    );
    let periods = [
        ("2026-10-15", "overdue"),
        ("2026-10-30", "overdue"),
        ("2026-11-14", "overdue"),
        ("2026-11-29", "due"),
    ];
    assert_eq!(states(&rule(&x, sno, "diagnosed.student")), st(&periods));
    assert_eq!(states(&rule(&x, sno, "diagnosed.parents")), st(&periods));
    talk(&x, sno, "other", "2026-10-05");
    talk(&x, sno, "other", "2026-11-20");
    parent_contact(&x, sno, "2026-11-20");
    assert_eq!(
        states(&rule(&x, sno, "diagnosed.student")),
        st(&[
            ("2026-10-15", "done"),
            ("2026-10-30", "overdue"),
            ("2026-11-14", "overdue"),
            ("2026-11-29", "done"),
        ])
    );
    assert_eq!(
        states(&rule(&x, sno, "diagnosed.parents")),
        st(&[
            ("2026-10-15", "overdue"),
            ("2026-10-30", "overdue"),
            ("2026-11-14", "overdue"),
            ("2026-11-29", "done"),
        ])
    );
}

#[test]
fn every_students_parents_once_a_semester() {
    let x = setup(&[("2025010104", "2025")]);
    let sno = "2025010104";
    // A contact of the previous semester does not count for this one.
    parent_contact(&x, sno, "2026-06-01");
    assert_eq!(
        states(&rule(&x, sno, "parents.all")),
        st(&[("2027-01-15", "due")])
    );
    assert!(rule(&x, sno, "parents.key-concern").is_empty());
    parent_contact(&x, sno, "2026-09-20");
    assert_eq!(
        states(&rule(&x, sno, "parents.all")),
        st(&[("2027-01-15", "done")])
    );
}

const KEY_CONCERN: &str =
    r#"{"level":"key","problem_types":["情绪问题"],"until":null,"reason":"访谈后确认"}"#;

#[test]
fn key_concern_parents_twice_a_semester() {
    let x = setup(&[("2025010105", "2025")]);
    let sno = "2025010105";
    record(&x, sno, "2026-09-10", "key_concern", KEY_CONCERN);
    assert_eq!(
        states(&rule(&x, sno, "parents.key-concern")),
        st(&[("2026-11-07", "overdue"), ("2027-01-15", "due")])
    );
    parent_contact(&x, sno, "2026-10-01");
    parent_contact(&x, sno, "2026-11-20");
    assert_eq!(
        states(&rule(&x, sno, "parents.key-concern")),
        st(&[("2026-11-07", "done"), ("2027-01-15", "done")])
    );
}

#[test]
fn weekly_review_of_key_concern_students_and_decisions_feed_the_level() {
    let x = setup(&[("2025010106", "2025")]);
    let sno = "2025010106";
    record(&x, sno, "2026-11-02", "key_concern", KEY_CONCERN);
    // Weeks of 11-02, 11-09, 11-16, 11-23, due on Fridays (preset 000).
    assert_eq!(
        states(&rule(&x, sno, "weekly-review")),
        st(&[
            ("2026-11-06", "overdue"),
            ("2026-11-13", "overdue"),
            ("2026-11-20", "overdue"),
            ("2026-11-27", "due"),
        ])
    );
    record(
        &x,
        sno,
        "2026-11-06",
        "review",
        r#"{"decision":"keep","level":null,"reason":"情绪平稳，继续关注","meeting":null}"#,
    );
    // A raise needs its new level.
    let path = x.path("raise.json");
    std::fs::write(&path, r#"{"date":"2026-11-13","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"review","data":{"decision":"raise","level":null,"reason":"加重","meeting":null}}}"#).unwrap();
    assert!(!x
        .run(&["record", "add", "--student", sno, path.to_str().unwrap()])
        .status
        .success());
    // Closing (销号) on 11-18 fulfils that week and ends the reviews after it.
    record(
        &x,
        sno,
        "2026-11-18",
        "review",
        r#"{"decision":"close","level":null,"reason":"状态恢复，经研判销号","meeting":null}"#,
    );
    assert_eq!(
        states(&rule(&x, sno, "weekly-review")),
        st(&[
            ("2026-11-06", "done"),
            ("2026-11-13", "overdue"),
            ("2026-11-20", "done"),
        ])
    );
    // Off the list, the key-concern parent contacts are no longer owed either.
    assert!(rule(&x, sno, "parents.key-concern").is_empty());
}

#[test]
fn plan_review_dates_are_obligations() {
    let x = setup(&[("2025010107", "2025")]);
    let sno = "2025010107";
    record(
        &x,
        sno,
        "2026-10-01",
        "plan",
        r#"{"prevention":"朋辈关注","intervention":"心理咨询","handling":"家校联动","review_dates":["2026-10-20","2026-12-01"]}"#,
    );
    // The second review is listed from a week before its date (plan_review_early_days = 7).
    assert_eq!(
        states(&rule(&x, sno, "plan.review")),
        st(&[("2026-10-20", "overdue"), ("2026-12-01", "due")])
    );
    record(
        &x,
        sno,
        "2026-10-18",
        "review",
        r#"{"decision":"keep","level":null,"reason":"按方案执行","meeting":null}"#,
    );
    record(
        &x,
        sno,
        "2026-11-24",
        "review",
        r#"{"decision":"keep","level":null,"reason":"按方案执行","meeting":null}"#,
    );
    assert_eq!(
        states(&rule(&x, sno, "plan.review")),
        st(&[("2026-10-20", "done"), ("2026-12-01", "done")])
    );
}

#[test]
fn flagged_screenings_owe_a_follow_up_interview() {
    let x = setup(&[("2025010108", "2025")]);
    let sno = "2025010108";
    record(
        &x,
        sno,
        "2026-09-08",
        "screening",
        r#"{"instrument":"UPI","score":"12","result":"normal","flagged":false,"notes":""}"#,
    );
    assert!(rule(&x, sno, "screening.follow-up").is_empty());
    record(
        &x,
        sno,
        "2026-09-10",
        "screening",
        r#"{"instrument":"SCL-90","score":"T=65","result":"moderate","flagged":true,"notes":""}"#,
    );
    assert_eq!(
        states(&rule(&x, sno, "screening.follow-up")),
        st(&[("2026-09-24", "overdue")])
    );
    talk(&x, sno, "other", "2026-09-20");
    assert_eq!(
        states(&rule(&x, sno, "screening.follow-up")),
        st(&[("2026-09-24", "done")])
    );
}

#[test]
fn every_student_is_screened_in_the_semesters_screening_month() {
    let x = setup(&[("2025010114", "2025")]);
    let sno = "2025010114";
    // Preset 000: September in the autumn semester.
    let on = |day: &str| {
        obligations_on(&x, day, &["--student", sno])
            .into_iter()
            .filter(|o| o["rule"] == "screening.semester")
            .map(|o| {
                (
                    o["due"].as_str().unwrap().to_string(),
                    o["status"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(on("2026-09-10"), st(&[("2026-09-30", "due")]));
    assert_eq!(on(TODAY), st(&[("2026-09-30", "overdue")]));
    // A screening of the spring semester does not count; one in September does.
    record(
        &x,
        sno,
        "2026-03-10",
        "screening",
        r#"{"instrument":"UPI","score":"8","result":"normal","flagged":false,"notes":""}"#,
    );
    assert_eq!(on(TODAY), st(&[("2026-09-30", "overdue")]));
    let id = record(
        &x,
        sno,
        "2026-09-12",
        "screening",
        r#"{"instrument":"UPI","score":"9","result":"normal","flagged":false,"notes":""}"#,
    );
    assert_eq!(on(TODAY), st(&[("2026-09-30", "done")]));
    let o = rule(&x, sno, "screening.semester");
    assert_eq!(o[0]["fulfilled_by"], id.as_str());
    assert_eq!(o[0]["kind"], "screening");
}

#[test]
fn crises_owe_follow_up_talks() {
    let x = setup(&[("2025010109", "2025")]);
    let sno = "2025010109";
    record(
        &x,
        sno,
        "2026-11-01",
        "crisis",
        r#"{"level":"B","rationale":"情绪不稳，有自伤倾向","actions":"通知家长，转介"}"#,
    );
    let expect =
        |a: &str, b: &str, c: &str| st(&[("2026-11-02", a), ("2026-11-08", b), ("2026-12-01", c)]);
    assert_eq!(
        states(&rule(&x, sno, "crisis.follow-up")),
        expect("overdue", "overdue", "due")
    );
    // A talk on the day of the crisis is part of handling it, not a follow-up.
    talk(&x, sno, "other", "2026-11-01");
    talk(&x, sno, "other", "2026-11-02");
    talk(&x, sno, "other", "2026-11-05");
    assert_eq!(
        states(&rule(&x, sno, "crisis.follow-up")),
        expect("done", "done", "due")
    );
}

#[test]
fn return_to_school_needs_certificate_assessment_and_approval() {
    let x = setup(&[("2025010110", "2025")]);
    let sno = "2025010110";
    record(
        &x,
        sno,
        "2026-03-01",
        "leave_review",
        r#"{"kind":"leave","certificate":true,"assessment":"建议休学","approved":true,"notes":""}"#,
    );
    record(
        &x,
        sno,
        "2026-11-10",
        "leave_review",
        r#"{"kind":"return","certificate":false,"assessment":"","approved":false,"notes":"申请复学"}"#,
    );
    for step in ["return.certificate", "return.assessment", "return.approval"] {
        assert_eq!(
            states(&rule(&x, sno, step)),
            st(&[("2026-11-24", "due")]),
            "{step}"
        );
    }
    record(
        &x,
        sno,
        "2026-11-15",
        "leave_review",
        r#"{"kind":"return","certificate":true,"assessment":"","approved":false,"notes":"提交诊断证明"}"#,
    );
    record(
        &x,
        sno,
        "2026-11-20",
        "leave_review",
        r#"{"kind":"return","certificate":true,"assessment":"评估通过","approved":true,"notes":""}"#,
    );
    let done = |step: &str| rule(&x, sno, step)[0]["fulfilled_on"].clone();
    assert_eq!(done("return.certificate"), "2026-11-15");
    assert_eq!(done("return.assessment"), "2026-11-20");
    assert_eq!(done("return.approval"), "2026-11-20");
}

#[test]
fn a_waiver_with_its_reason_closes_an_obligation() {
    let x = setup(&[("2026010111", "2026")]);
    let sno = "2026010111";
    let bad = x.run(&[
        "waive",
        "--student",
        sno,
        "--rule",
        "must-talk.freshman",
        "--due",
        "2026-09-30",
        "--reason",
        "  ",
    ]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("reason"));
    x.ok(&[
        "waive",
        "--student",
        sno,
        "--rule",
        "must-talk.freshman",
        "--due",
        "2026-09-30",
        "--reason",
        "入学即办理休学",
        "--date",
        "2026-09-02",
    ]);
    let o = rule(&x, sno, "must-talk.freshman");
    assert_eq!(states(&o), st(&[("2026-09-30", "waived")]));
    assert_eq!(o[0]["waived_reason"], "入学即办理休学");
}

#[test]
fn records_dated_after_today_do_not_count() {
    let x = setup(&[("2026010112", "2026")]);
    let sno = "2026010112";
    talk(&x, sno, "freshman", "2026-09-20");
    let on = |day: &str| {
        obligations_on(&x, day, &["--student", sno])
            .into_iter()
            .find(|o| o["rule"] == "must-talk.freshman")
            .map(|o| o["status"].as_str().unwrap().to_string())
    };
    assert_eq!(on("2026-09-10").as_deref(), Some("due"));
    assert_eq!(on("2026-09-20").as_deref(), Some("done"));
    // Before the semester began nothing is owed yet.
    assert_eq!(on("2026-08-01"), None);
}

#[test]
fn a_broken_policy_names_line_and_field_and_the_last_good_one_stays() {
    let x = setup(&[("2026010113", "2026")]);
    let sno = "2026010113";
    let preset = x.ok(&["policy", "show"]);
    assert!(preset.contains("规则测试"));

    let good = preset.replace("freshman_days = 30", "freshman_days = 10");
    let good_path = x.path("good.toml");
    std::fs::write(&good_path, &good).unwrap();
    x.ok(&["policy", "set", good_path.to_str().unwrap()]);
    assert_eq!(
        states(&rule(&x, sno, "must-talk.freshman")),
        st(&[("2026-09-10", "overdue")])
    );

    let broken = good.replace("diagnosed_contact_days = 15", "diagnosed_contact_days = -3");
    let line = broken
        .lines()
        .position(|l| l.starts_with("diagnosed_contact_days"))
        .unwrap()
        + 1;
    let broken_path = x.path("broken.toml");
    std::fs::write(&broken_path, &broken).unwrap();
    let out = x.run(&["policy", "set", broken_path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "line {line}, field cadence.diagnosed_contact_days"
        )),
        "{err}"
    );
    // A semester that ends before it starts: a check beyond TOML types, same form.
    let reversed = good.replacen("end = 2026-01-16", "end = 2025-08-01", 1);
    std::fs::write(&broken_path, &reversed).unwrap();
    let err = stderr(&x.run(&["policy", "set", broken_path.to_str().unwrap()]));
    assert!(err.contains("field calendar.semesters[0].end"), "{err}");

    assert_eq!(x.ok(&["policy", "show"]).trim_end(), good.trim_end());
    assert_eq!(
        states(&rule(&x, sno, "must-talk.freshman")),
        st(&[("2026-09-10", "overdue")])
    );

    // A preset by id; the stored policy is sealed like everything else.
    x.ok(&["policy", "preset", "003"]);
    assert!(x.ok(&["policy", "show"]).contains("武汉大学"));
    assert!(find_plaintext(&x.dir(), "武汉大学").is_empty());
    assert!(find_plaintext(&x.dir(), "backbones_per_counselor").is_empty());
}

/// Every obligation names its rule's source: under preset 000 the half-monthly contacts cite
/// 000 四（一）3, the weekly review's weekday is the school's choice for a rule of 四（三）2, and a
/// policy without `[sources]` is local throughout.
#[test]
fn obligations_name_the_source_of_their_rule() {
    let x = setup(&[("2025010103", "2025")]);
    let sno = "2025010103";
    record(
        &x,
        sno,
        "2026-10-01",
        "referral",
        r#"{"institution":"市精神卫生中心","reason":"持续低落","diagnosis":"抑郁发作","hospital_diagnosed":true,"medication":"遵医嘱"}"#,
    );
    let all = obligations_on(&x, TODAY, &[]);
    assert!(!all.is_empty());
    assert!(all.iter().all(|o| o["source"] == "local"), "{all:?}");

    x.ok(&["policy", "preset", "000"]);
    let all = obligations_on(&x, TODAY, &[]);
    let source = |r: &str| -> Vec<String> {
        let mut v: Vec<String> = all
            .iter()
            .filter(|o| o["rule"] == r)
            .map(|o| o["source"].as_str().unwrap().to_string())
            .collect();
        v.dedup();
        v
    };
    assert_eq!(source("diagnosed.parents"), ["000 四（一）3"]);
    assert_eq!(source("parents.all"), ["000 四（三）1"]);
    assert_eq!(source("screening.semester"), ["000 四（一）1"]);
    // 000 has no 八必谈: the freshman talk of the 2025 intake is not owed under it.
    assert!(all
        .iter()
        .all(|o| !o["rule"].as_str().unwrap().starts_with("must-talk.")));
    assert!(all.iter().all(|o| o["source"].is_string()));
}

#[test]
fn diagnosed_contacts_go_on_over_the_break_and_end_with_a_recorded_recovery() {
    let x = setup(&[("2025010131", "2025")]);
    let sno = "2025010131";
    record(
        &x,
        sno,
        "2026-12-20",
        "referral",
        r#"{"institution":"市精神卫生中心","reason":"持续低落","diagnosis":"抑郁发作","hospital_diagnosed":true,"medication":"舍曲林 50mg 每日一次"}"#,
    );
    // The autumn semester ends 2027-01-15, the spring one starts 2027-02-22: the winter break
    // changes the channel (a call instead of a meeting), not the duty.
    let dues = |today: &str| -> Vec<String> {
        obligations_on(&x, today, &["--student", sno])
            .into_iter()
            .filter(|o| o["rule"] == "diagnosed.student")
            .map(|o| o["due"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        dues("2027-02-10"),
        ["2027-01-03", "2027-01-18", "2027-02-02", "2027-02-17"]
    );
    // The hospital finds the student recovered: no period begins after that day.
    record(
        &x,
        sno,
        "2027-01-25",
        "treatment",
        r#"{"medication":"","adherent":true,"revisited":true,"recovered":true,"note":"医院评估康复，停药"}"#,
    );
    assert_eq!(
        dues("2027-02-10"),
        ["2027-01-03", "2027-01-18", "2027-02-02"]
    );
}

#[test]
fn diagnosed_contacts_go_on_while_the_student_is_on_leave() {
    let x = Xd::init();
    use_every_rule(&x);
    let mut p = profile("2025010132", "休学学生", "13800000132");
    p.status = xindang::model::StudentStatus::OnLeave;
    x.import(&[p]);
    let sno = "2025010132";
    record(
        &x,
        sno,
        "2026-10-01",
        "referral",
        r#"{"institution":"市精神卫生中心","reason":"持续低落","diagnosis":"抑郁发作","hospital_diagnosed":true,"medication":"遵医嘱"}"#,
    );
    assert_eq!(rule(&x, sno, "diagnosed.parents").len(), 4);
    assert_eq!(rule(&x, sno, "diagnosed.student").len(), 4);
}

#[test]
fn each_revisit_date_set_gets_a_reminder_done_by_the_revisit() {
    let x = setup(&[("2025010133", "2025")]);
    let sno = "2025010133";
    record(
        &x,
        sno,
        "2026-11-02",
        "referral",
        r#"{"institution":"市精神卫生中心","reason":"持续低落","diagnosis":"抑郁发作","hospital_diagnosed":true,"medication":"遵医嘱","next_revisit":"2026-11-30"}"#,
    );
    let revisits = |today: &str| {
        obligations_on(&x, today, &["--student", sno])
            .into_iter()
            .filter(|o| o["rule"] == "diagnosed.revisit")
            .collect::<Vec<_>>()
    };
    // The reminder opens 7 days before the revisit (every-rule.toml) and is due on it.
    assert!(revisits("2026-11-22").is_empty());
    let r = revisits(TODAY);
    assert_eq!(states(&r), st(&[("2026-11-30", "due")]));
    assert_eq!(r[0]["since"], "2026-11-23");
    assert_eq!(r[0]["kind"], "revisit");
    // The revisit is recorded with the medication and the next date: the first reminder is done,
    // the next one comes.
    let id = record(
        &x,
        sno,
        "2026-11-30",
        "treatment",
        r#"{"medication":"舍曲林 50mg 每日一次","adherent":true,"revisited":true,"next_revisit":"2026-12-28","recovered":false,"note":""}"#,
    );
    let r = revisits("2026-12-22");
    assert_eq!(
        states(&r),
        st(&[("2026-11-30", "done"), ("2026-12-28", "due")])
    );
    assert_eq!(r[0]["fulfilled_by"], id.as_str());
    // The test policy names no sources; preset 000 says "local: 000 四（一）3" (presets.rs).
    assert_eq!(r[0]["source"], "local");
}
