//! Crisis cases 危机个案 through the command line: opened by an assessment or a first report, the
//! steps its level requires under the policy in force (presets 001 and 002) as obligations due in
//! hours, re-grading, after-care, closing, and what is refused.

use chrono::NaiveDateTime;
use serde_json::Value;

use crate::cli::archive::profile;
use crate::support::*;

const SNO: &str = "2025030101";
const TODAY: &str = "2026-11-24";

fn setup(preset: &str) -> Xd {
    let x = Xd::init();
    x.ok(&["policy", "preset", preset]);
    x.import(&[profile(SNO, "危机测试", "13800000031")]);
    x
}

/// Appends a record given as the JSON of its body; returns its id.
fn record(x: &Xd, date: &str, kind: &str, data: &str) -> String {
    let json = format!(
        r#"{{"date":"{date}","author":"李老师","amends":null,"amend_reason":"","body":{{"kind":"{kind}","data":{data}}}}}"#
    );
    let path = x.path(&format!("crisis-{kind}-{date}-{}.json", data.len()));
    std::fs::write(&path, json).unwrap();
    x.ok(&["record", "add", "--student", SNO, path.to_str().unwrap()])
        .trim()
        .to_string()
}

fn moment(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// The crisis obligations of the student on `today`, by rule.
fn crisis_obligations(x: &Xd, today: &str) -> Vec<Value> {
    x.json(&["obligations", "--today", today, "--student", SNO, "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["rule"].as_str().unwrap().starts_with("crisis."))
        .filter(|o| o["rule"] != "crisis.follow-up")
        .cloned()
        .collect()
}

fn rules(list: &[Value]) -> Vec<String> {
    let mut r: Vec<String> = list
        .iter()
        .map(|o| o["rule"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

fn find<'a>(list: &'a [Value], rule: &str) -> &'a Value {
    list.iter()
        .find(|o| o["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {list:#?}"))
}

/// The student's cases, newest first.
fn cases(x: &Xd) -> Vec<Value> {
    x.json(&["crisis", "show", SNO, "--json"])
        .as_array()
        .unwrap()
        .clone()
}

fn step<'a>(case: &'a Value, key: &str) -> &'a Value {
    case["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no step {key} in {case:#}"))
}

fn done(x: &Xd, key: &str, at: &str) -> String {
    x.ok(&[
        "crisis",
        "step",
        SNO,
        "--step",
        key,
        "--at",
        at,
        "--by",
        "王老师",
    ])
    .trim()
    .to_string()
}

#[test]
fn after_a_level_c_record_the_report_parents_watch_and_referral_are_due_within_24_hours() {
    for preset in ["002", "001"] {
        let x = setup(preset);
        let at = "2026-11-24 09:30";
        record(
            &x,
            "2026-11-24",
            "crisis",
            r#"{"level":"C","rationale":"割腕自伤，未造成严重后果","actions":"送医包扎","time":"09:30"}"#,
        );
        let list = crisis_obligations(&x, TODAY);
        for rule in [
            "crisis.step.report",
            "crisis.step.parents",
            "crisis.step.watch",
            "crisis.step.referral",
        ] {
            let o = find(&list, rule);
            assert_eq!(o["student_no"], SNO, "{preset} {rule}");
            assert_eq!(o["kind"], "crisis_step");
            assert_eq!(o["status"], "due", "{preset} {rule}");
            let due = moment(o["due_at"].as_str().unwrap());
            let hours = (due - moment(at)).num_minutes() as f64 / 60.0;
            assert!(
                hours > 0.0 && hours <= 24.0,
                "{preset} {rule}: due {hours} hours after the record"
            );
            assert_eq!(o["due"], due.date().to_string());
            assert_eq!(o["since"], "2026-11-24");
            assert_ne!(o["source"], "local", "{preset} {rule} names its article");
        }
        // Offered steps (休学, the police) are never obligations.
        assert!(!rules(&list)
            .iter()
            .any(|r| r.ends_with(".leave") || r.ends_with(".police")));
        // The report names the level's organiser (002), the duty leader out of hours.
        if preset == "002" {
            let label = find(&list, "crisis.step.report")["label"].as_str().unwrap();
            assert!(label.contains("非上班时间为值班校领导"), "{label}");
        }
        // The next day the steps not done are overdue.
        let list = crisis_obligations(&x, "2026-11-26");
        assert_eq!(find(&list, "crisis.step.referral")["status"], "overdue");
    }
}

#[test]
fn steps_are_done_with_time_and_who_and_after_care_follows_the_response() {
    let x = setup("002");
    x.ok(&[
        "crisis",
        "assess",
        SNO,
        "--level",
        "C",
        "--rationale",
        "自伤行为",
        "--at",
        "2026-11-24 09:30",
    ]);
    let id = done(&x, "report", "2026-11-24 10:00");
    let list = crisis_obligations(&x, TODAY);
    let report = find(&list, "crisis.step.report");
    assert_eq!(report["status"], "done");
    assert_eq!(report["fulfilled_by"], id.as_str());
    // No after-care while the response owes a step.
    assert!(!rules(&list).iter().any(|r| r.starts_with("crisis.after.")));
    // The step record keeps the policy's words of the step, the organiser filled in.
    let file = x.json(&["student", "show", SNO, "--json"]);
    let rec = file["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        rec["record"]["body"]["data"]["label"],
        "报告学校分管心理健康工作校领导（非上班时间为值班校领导）"
    );
    let c = &cases(&x)[0];
    assert_eq!(step(c, "report")["done_by"], "王老师");
    assert_eq!(step(c, "report")["done_at"], "2026-11-24 10:00");
    assert_eq!(step(c, "filing")["status"], "waiting");
    for key in ["watch", "parents"] {
        done(&x, key, "2026-11-24 11:00");
    }
    done(&x, "referral", "2026-11-25 08:00");
    // After-care counts from the response's last step: 资料备案 within 72 hours of it.
    let list = crisis_obligations(&x, "2026-11-25");
    assert_eq!(
        rules(&list),
        [
            "crisis.after.evaluation",
            "crisis.after.family-contact",
            "crisis.after.filing",
            "crisis.after.follow-up",
            "crisis.step.parents",
            "crisis.step.referral",
            "crisis.step.report",
            "crisis.step.watch",
        ]
    );
    let filing = find(&list, "crisis.after.filing");
    assert_eq!(filing["due_at"], "2026-11-28 08:00");
    assert_eq!(filing["status"], "due");
    assert_eq!(filing["source"], "local: 002 第十二条（四）");
}

#[test]
fn regrading_adds_the_new_levels_steps_keeps_the_done_ones_and_drops_the_rest() {
    let x = setup("002");
    record(
        &x,
        "2026-11-24",
        "crisis",
        r#"{"level":"B","rationale":"情绪不稳，有自伤倾向","actions":"","time":"08:00"}"#,
    );
    let list = crisis_obligations(&x, TODAY);
    assert_eq!(
        rules(&list),
        [
            "crisis.step.parents",
            "crisis.step.report",
            "crisis.step.watch"
        ]
    );
    let report_due = find(&list, "crisis.step.report")["due_at"].clone();
    assert_eq!(report_due, "2026-11-24 10:00");
    done(&x, "report", "2026-11-24 09:00");
    // Up to C: the referral is added, due from the new assessment; the rest keep their times.
    record(
        &x,
        "2026-11-24",
        "crisis",
        r#"{"level":"C","rationale":"出现自伤行为","actions":"","time":"14:00"}"#,
    );
    let list = crisis_obligations(&x, TODAY);
    assert_eq!(
        find(&list, "crisis.step.referral")["due_at"],
        "2026-11-25 14:00"
    );
    assert_eq!(find(&list, "crisis.step.report")["status"], "done");
    assert_eq!(
        find(&list, "crisis.step.watch")["due_at"],
        "2026-11-24 09:00"
    );
    let c = &cases(&x)[0];
    assert_eq!(c["level"], "C");
    assert_eq!(
        c["organiser"],
        "学校分管心理健康工作校领导（非上班时间为值班校领导）"
    );
    // Down to A: steps not done and no longer required drop; the done report stays done.
    record(
        &x,
        "2026-11-25",
        "crisis",
        r#"{"level":"A","rationale":"情绪平稳，已就医","actions":"","time":"09:00"}"#,
    );
    let c = &cases(&x)[0];
    assert_eq!(c["level"], "A");
    assert_eq!(step(c, "report")["status"], "done");
    let keys: Vec<&str> = c["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["aftercare"].as_bool().unwrap())
        .map(|s| s["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["report"]);
    let list = crisis_obligations(&x, "2026-11-25");
    assert!(rules(&list).contains(&"crisis.step.report".to_string()));
    assert!(!rules(&list)
        .iter()
        .any(|r| r == "crisis.step.watch" || r == "crisis.step.referral"));
    // One case throughout.
    assert_eq!(cases(&x).len(), 1);
}

#[test]
fn a_first_report_opens_the_case_the_assessment_grades_it_and_a_closing_ends_it() {
    let x = setup("001");
    x.ok(&[
        "crisis",
        "report",
        SNO,
        "--reporter",
        "寝室长 李某",
        "--text",
        "凌晨发现该生在阳台情绪激动",
        "--at",
        "2026-11-24 01:10",
    ]);
    // Before any assessment: what every level needs, and the assessment itself.
    let list = crisis_obligations(&x, TODAY);
    assert_eq!(
        rules(&list),
        [
            "crisis.assessment",
            "crisis.step.on-site",
            "crisis.step.report"
        ]
    );
    assert_eq!(
        find(&list, "crisis.step.on-site")["due_at"],
        "2026-11-24 02:10"
    );
    let open = x.json(&["crisis", "list", "--today", TODAY, "--json"]);
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0]["level"], Value::Null);
    assert_eq!(open[0]["next"]["key"], "on-site");
    // The assessment grades it: C adds the watch, the parents and the referral, from its time.
    x.ok(&[
        "crisis",
        "assess",
        SNO,
        "--level",
        "C",
        "--rationale",
        "自伤未遂",
        "--at",
        "2026-11-24 03:00",
    ]);
    let list = crisis_obligations(&x, TODAY);
    assert_eq!(find(&list, "crisis.assessment")["status"], "done");
    assert_eq!(
        find(&list, "crisis.step.referral")["due_at"],
        "2026-11-25 03:00"
    );
    for key in [
        "on-site", "report", "watch", "parents", "referral", "police",
    ] {
        done(&x, key, "2026-11-24 05:00");
    }
    let c = &cases(&x)[0];
    assert_eq!(step(c, "police")["status"], "done");
    assert_eq!(step(c, "leave")["status"], "offered");
    assert!(c["next"].is_null());
    // Closed: it stays in the file and owes nothing more.
    x.ok(&[
        "crisis",
        "close",
        SNO,
        "--reason",
        "已住院治疗，家长陪护",
        "--approved-by",
        "学工部 张部长",
        "--at",
        "2026-11-26 10:00",
    ]);
    assert!(crisis_obligations(&x, "2026-11-27").is_empty());
    let open = x.json(&["crisis", "list", "--today", "2026-11-27", "--json"]);
    assert_eq!(open.as_array().unwrap().len(), 0);
    let all = cases(&x);
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["closed_at"], "2026-11-26 10:00");
    assert_eq!(all[0]["closed_approved_by"], "学工部 张部长");
    let dash = x.json(&["student", "show", SNO, "--json"]);
    let kinds: Vec<&str> = dash["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["body"]["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"crisis_report") && kinds.contains(&"crisis_close"));
    // A new assessment opens a new case.
    x.ok(&[
        "crisis",
        "assess",
        SNO,
        "--level",
        "B",
        "--rationale",
        "复发",
        "--at",
        "2026-12-01 09:00",
    ]);
    assert_eq!(cases(&x).len(), 2);
}

#[test]
fn steps_and_closings_are_refused_without_an_open_case_or_a_known_step() {
    let x = setup("002");
    let refused = |args: &[&str], says: &str| {
        let out = x.run(args);
        assert!(!out.status.success(), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    };
    refused(
        &["crisis", "step", SNO, "--step", "report", "--by", "王老师"],
        "no open crisis case",
    );
    refused(
        &[
            "crisis",
            "close",
            SNO,
            "--reason",
            "结束",
            "--approved-by",
            "领导",
        ],
        "no open crisis case",
    );
    x.ok(&[
        "crisis",
        "assess",
        SNO,
        "--level",
        "C",
        "--rationale",
        "自伤",
        "--at",
        "2026-11-24 09:00",
    ]);
    refused(
        &["crisis", "step", SNO, "--step", "no-such", "--by", "王老师"],
        "no step with this key",
    );
    refused(
        &["crisis", "step", SNO, "--step", "report", "--by", " "],
        "name who did it",
    );
    refused(
        &[
            "crisis",
            "step",
            SNO,
            "--step",
            "report",
            "--by",
            "王老师",
            "--at",
            "2026-11-23 09:00",
        ],
        "before the crisis case was opened",
    );
    refused(
        &[
            "crisis",
            "step",
            SNO,
            "--step",
            "report",
            "--by",
            "王老师",
            "--at",
            "24/11 9点",
        ],
        "YYYY-MM-DD HH:MM",
    );
    refused(
        &[
            "crisis",
            "close",
            SNO,
            "--reason",
            " ",
            "--approved-by",
            "领导",
        ],
        "needs its reason",
    );
    refused(
        &[
            "crisis",
            "close",
            SNO,
            "--reason",
            "结束",
            "--approved-by",
            "",
        ],
        "approved it",
    );
    // Nothing was written by the refusals: the case still owes every step.
    let list = crisis_obligations(&x, TODAY);
    assert!(list.iter().all(|o| o["status"] == "due"), "{list:#?}");
}

#[test]
fn a_policy_without_a_protocol_keeps_cases_but_names_no_steps() {
    for preset in ["000", "003", "004"] {
        let x = setup(preset);
        x.ok(&[
            "crisis",
            "assess",
            SNO,
            "--level",
            "D",
            "--rationale",
            "自伤危及生命",
            "--at",
            "2026-11-24 09:00",
        ]);
        assert!(crisis_obligations(&x, TODAY).is_empty(), "{preset}");
        let c = &cases(&x)[0];
        assert_eq!(c["protocol"], false, "{preset}");
        assert!(c["steps"].as_array().unwrap().is_empty());
        assert!(x
            .ok(&["crisis", "show", SNO])
            .contains("the policy names no crisis steps"));
        let out = x.run(&["crisis", "step", SNO, "--step", "report", "--by", "王老师"]);
        assert!(!out.status.success());
        x.ok(&[
            "crisis",
            "close",
            SNO,
            "--reason",
            "已转介",
            "--approved-by",
            "学工部",
        ]);
        assert!(x
            .json(&["crisis", "list", "--json"])
            .as_array()
            .unwrap()
            .is_empty());
    }
}
