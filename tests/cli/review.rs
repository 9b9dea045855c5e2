//! The weekly review 周研判 as a meeting: the agenda from the key-concern list and what changed
//! since the last meeting, a decision per student with its reason, attendees, minutes and a
//! sign-off; the decisions set the concern levels and fulfil the weekly review obligations.

use serde_json::{json, Value};

use crate::cli::archive::profile;
use crate::support::*;

const A: &str = "2025030101";
const B: &str = "2025030102";
const C: &str = "2025030103";

fn record(x: &Xd, sno: &str, date: &str, body: Value) {
    let rec =
        json!({"date": date, "author": "李老师", "amends": null, "amend_reason": "", "body": body});
    let path = x.path(&format!("r-{sno}-{date}.json"));
    std::fs::write(&path, rec.to_string()).unwrap();
    x.ok(&["record", "add", "--student", sno, path.to_str().unwrap()]);
}

fn concern(x: &Xd, sno: &str, date: &str, level: &str) {
    record(
        x,
        sno,
        date,
        json!({"kind": "key_concern", "data": {"level": level, "problem_types": ["情绪问题"], "until": null, "reason": "约谈后确认"}}),
    );
}

fn agenda(x: &Xd, date: &str) -> Value {
    x.json(&["review", "agenda", "--date", date, "--json"])
}

fn sign(x: &Xd, meeting: Value) -> std::process::Output {
    let path = x.path("meeting.json");
    std::fs::write(&path, meeting.to_string()).unwrap();
    x.run(&["review", "sign", path.to_str().unwrap()])
}

fn meeting(date: &str, items: Value) -> Value {
    json!({
        "date": date,
        "attendees": ["学院副书记 张某", "辅导员 李某", "心理中心 王某"],
        "minutes": "逐一研判重点关注学生情况。",
        "signed_by": "张某",
        "items": items,
    })
}

fn weekly_review(x: &Xd, sno: &str, today: &str) -> Vec<(String, String)> {
    x.json(&["obligations", "--today", today, "--student", sno, "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["rule"] == "weekly-review")
        .map(|o| {
            (
                o["due"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn level_of(x: &Xd, sno: &str) -> Value {
    let list = x.json(&["student", "list", "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["student_no"] == sno)
        .unwrap()["concern"]
        .clone()
}

#[test]
fn a_weekly_review_meeting_decides_each_student_and_feeds_levels_and_obligations() {
    let x = Xd::init();
    x.import(&[
        profile(A, "甲同学", "13800000000"),
        profile(B, "乙同学", "13800000000"),
        profile(C, "丙同学", "13800000000"),
    ]);
    concern(&x, A, "2026-11-02", "key");
    concern(&x, B, "2026-11-03", "special");

    // The agenda: the listed students, highest level first, with what happened (no record text).
    let a = agenda(&x, "2026-11-06");
    let items = a["items"].as_array().unwrap();
    let nos: Vec<&str> = items
        .iter()
        .map(|i| i["student_no"].as_str().unwrap())
        .collect();
    assert_eq!(nos, [B, A]);
    assert_eq!(a["last_meeting"], Value::Null);
    assert_eq!(items[1]["new_on_list"], true);
    assert_eq!(items[1]["changes"], json!(["2026-11-02 列为重点关注"]));
    assert!(!a.to_string().contains("约谈后确认"));

    // Every student of the agenda needs a decision; the minutes and the sign-off are required.
    let keep_a =
        json!({"student_no": A, "decision": "keep", "level": null, "reason": "情绪平稳，继续关注"});
    let lower_b = json!({"student_no": B, "decision": "lower", "level": "key", "reason": "危机解除，降为重点关注"});
    let err = stderr(&sign(&x, meeting("2026-11-06", json!([keep_a]))));
    assert!(err.contains("every student on the agenda"), "{err}");
    let mut m = meeting("2026-11-06", json!([keep_a, lower_b]));
    m["minutes"] = json!("  ");
    assert!(stderr(&sign(&x, m)).contains("minutes"));
    let mut m = meeting("2026-11-06", json!([keep_a, lower_b]));
    m["signed_by"] = json!("");
    assert!(stderr(&sign(&x, m)).contains("signed_by"));
    let raise_no_level =
        json!({"student_no": B, "decision": "raise", "level": null, "reason": "加重"});
    assert!(stderr(&sign(
        &x,
        meeting("2026-11-06", json!([keep_a, raise_no_level]))
    ))
    .contains("level"));
    assert!(weekly_review(&x, A, "2026-11-06")
        .iter()
        .all(|(_, s)| s != "done"));

    let out = sign(&x, meeting("2026-11-06", json!([keep_a, lower_b])));
    assert!(out.status.success(), "{}", stderr(&out));
    let id1 = stdout(&out).trim().to_string();
    // The same day cannot be signed twice.
    assert!(!sign(&x, meeting("2026-11-06", json!([keep_a, lower_b])))
        .status
        .success());

    assert_eq!(
        weekly_review(&x, A, "2026-11-06"),
        [("2026-11-06".into(), "done".into())]
    );
    assert_eq!(
        weekly_review(&x, B, "2026-11-06"),
        [("2026-11-06".into(), "done".into())]
    );
    assert_eq!(level_of(&x, B), "key");
    // The decision is in the student's file as a review record naming the meeting.
    let file = x.json(&["student", "show", B, "--json"]);
    let rec = file["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record"]["body"]["kind"] == "review")
        .unwrap()
        .clone();
    assert_eq!(rec["record"]["body"]["data"]["meeting"], id1.as_str());

    // Next week: changes since the last meeting only.
    record(
        &x,
        A,
        "2026-11-09",
        json!({"kind": "talk", "data": {"category": "other", "place": "办公室", "text": "谈话", "follow_up": null}}),
    );
    let a = agenda(&x, "2026-11-13");
    assert_eq!(a["last_meeting"], "2026-11-06");
    let item_a = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["student_no"] == A)
        .unwrap()
        .clone();
    assert_eq!(item_a["new_on_list"], false);
    assert_eq!(item_a["changes"], json!(["2026-11-09 谈心谈话"]));
    assert_eq!(item_a["last_decision"], "keep");

    // Close 销号 A, raise B: A leaves the list and owes no more reviews; B is special again.
    let close_a = json!({"student_no": A, "decision": "close", "level": null, "reason": "状态恢复，经研判销号"});
    let raise_b = json!({"student_no": B, "decision": "raise", "level": "special", "reason": "复发，升为特别关注"});
    let out = sign(&x, meeting("2026-11-13", json!([close_a, raise_b])));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(level_of(&x, A), Value::Null);
    assert_eq!(level_of(&x, B), "special");
    assert_eq!(
        weekly_review(&x, A, "2026-11-24"),
        [
            ("2026-11-06".into(), "done".into()),
            ("2026-11-13".into(), "done".into())
        ]
    );
    let a = agenda(&x, "2026-11-20");
    let nos: Vec<&str> = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["student_no"].as_str().unwrap())
        .collect();
    assert_eq!(nos, [B]);

    let list = x.json(&["review", "list"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["closed"], 1);
    assert_eq!(list[1]["raised"], 1);
    let shown = x.json(&["review", "show", &id1]);
    assert_eq!(shown["attendees"].as_array().unwrap().len(), 3);
    assert_eq!(shown["minutes"], "逐一研判重点关注学生情况。");
    assert!(!x.run(&["review", "show", "12345"]).status.success());
    // Minutes are sealed.
    assert!(find_plaintext(&x.dir(), "逐一研判").is_empty());
}
