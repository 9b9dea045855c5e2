//! 004 二（一）8: the file of a student who left school is handed over to the center, as a duty
//! due `[archive] handover_days` after 学籍状态 changed, done once a handover bundle holds it.

use chrono::{Days, Local};
use serde_json::Value;

use crate::cli::archive::profile;
use crate::support::*;

const SNO: &str = "2022010177";

fn handover_duty(x: &Xd, today: &str) -> Option<Value> {
    x.json(&["obligations", "--today", today, "--json"])
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == "archive.handover")
        .cloned()
}

#[test]
fn a_graduate_owes_the_handover_of_the_file_until_a_bundle_holds_it() {
    let x = Xd::init();
    x.import(&[profile(SNO, "贾宝玉", "13800001777")]);
    let day = |n: u64| {
        (Local::now().date_naive() + Days::new(n))
            .format("%Y-%m-%d")
            .to_string()
    };
    x.ok(&[
        "student",
        "amend",
        SNO,
        "--status",
        "graduated",
        "--reason",
        "2026届毕业离校",
    ]);
    // The default preset (000) does not ask for it.
    assert_eq!(handover_duty(&x, &day(0)), None);
    x.ok(&["policy", "preset", "004"]);
    let o = handover_duty(&x, &day(0)).expect("the handover is owed");
    assert_eq!(o["student_no"], SNO);
    assert_eq!(o["status"], "due");
    assert_eq!(o["since"], day(0), "from the day the status changed");
    assert_eq!(o["due"], day(30), "004's handover_days after it");
    assert_eq!(o["source"], "local: 004 二（一）8");
    assert_eq!(o["label"], "离校学生档案移送心理中心留档");
    assert_eq!(o["fulfil"]["action"], "handover");
    assert_eq!(handover_duty(&x, &day(31)).unwrap()["status"], "overdue");
    // A handover bundle holds the file: done (the file is read-only until its receipt).
    let out = x.run_env(
        &[
            "handover",
            "export",
            "--student",
            SNO,
            "--to",
            "某大学心理中心",
            "--passphrase",
            "--out",
            x.path("h.age").to_str().unwrap(),
        ],
        &[("XINDANG_BUNDLE_PASSPHRASE", "交接口令 horse battery 2026")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(handover_duty(&x, &day(31)).unwrap()["status"], "done");
}

#[test]
fn a_handover_duty_is_waived_with_its_reason() {
    let x = Xd::init();
    x.import(&[profile(SNO, "贾宝玉", "13800001777")]);
    x.ok(&["policy", "preset", "004"]);
    let today = Local::now().date_naive();
    let due = (today + Days::new(30)).format("%Y-%m-%d").to_string();
    x.ok(&[
        "student",
        "amend",
        SNO,
        "--status",
        "transferred",
        "--reason",
        "转学至外校",
    ]);
    let out = x.run(&[
        "waive",
        "--student",
        SNO,
        "--rule",
        "archive.handover",
        "--due",
        &due,
        "--reason",
        "转入学校已派人当面接收纸质档案",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let o = handover_duty(&x, &today.format("%Y-%m-%d").to_string()).unwrap();
    assert_eq!(o["status"], "waived");
    assert_eq!(o["waived_reason"], "转入学校已派人当面接收纸质档案");
}
