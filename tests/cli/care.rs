//! Issue 17 parts 3 and 4 through the command line: leave and return 休学 / 复学 (a return approved
//! only with the certificate and the assessment on record; the status follows; a leave pauses term
//! duties), and the profile amended field by field with its reason.

use serde_json::Value;

use crate::cli::archive::profile;
use crate::cli::obligations::use_every_rule;
use crate::support::*;

const SNO: &str = "2026010150";

fn setup() -> Xd {
    let x = Xd::init();
    use_every_rule(&x);
    let mut p = profile(SNO, "林黛玉", "13800005550");
    p.grade = "2026".into();
    x.import(&[p]);
    x
}

fn leave_json(
    date: &str,
    kind: &str,
    certificate: bool,
    assessment: &str,
    approved: bool,
) -> String {
    format!(
        r#"{{"date":"{date}","author":"李老师","amends":null,"amend_reason":"","body":{{"kind":"leave_review","data":{{"kind":"{kind}","certificate":{certificate},"assessment":"{assessment}","approved":{approved},"notes":""}}}}}}"#
    )
}

fn add(x: &Xd, name: &str, json: &str) -> std::process::Output {
    let path = x.path(name);
    std::fs::write(&path, json).unwrap();
    x.run(&["record", "add", "--student", SNO, path.to_str().unwrap()])
}

fn show(x: &Xd) -> Value {
    x.json(&["student", "show", SNO, "--json"])
}

/// The audit entries that wrote something (records, profiles).
fn writes(x: &Xd) -> usize {
    x.json(&["audit", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "write")
        .count()
}

fn open_rules(x: &Xd, today: &str) -> Vec<String> {
    x.json(&["obligations", "--today", today, "--student", SNO, "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_return_approval_without_a_certificate_on_record_is_refused_and_nothing_is_written() {
    let x = setup();
    let out = add(
        &x,
        "leave.json",
        &leave_json("2026-09-03", "leave", true, "建议休学治疗", true),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        show(&x)["profile"]["status"],
        "on_leave",
        "a leave sets 学籍状态"
    );

    let records = show(&x)["records"].as_array().unwrap().len();
    let before = writes(&x);
    let out = add(
        &x,
        "r1.json",
        &leave_json("2026-11-20", "return", false, "评估通过", true),
    );
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        "error: invalid certificate: a return is approved only with the hospital certificate on record"
    );
    let file = show(&x);
    assert_eq!(
        file["records"].as_array().unwrap().len(),
        records,
        "nothing written"
    );
    assert_eq!(file["profile"]["status"], "on_leave");
    assert_eq!(writes(&x), before, "no write audited");

    // A certificate dated after the approval was not on record at the time.
    let out = add(
        &x,
        "late.json",
        &leave_json("2026-11-25", "return", true, "", false),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = add(
        &x,
        "r1b.json",
        &leave_json("2026-11-20", "return", false, "评估通过", true),
    );
    assert!(
        stderr(&out).contains("invalid certificate"),
        "{}",
        stderr(&out)
    );

    // The certificate recorded first, then an approval without an assessment: refused too.
    let out = add(
        &x,
        "r2.json",
        &leave_json("2026-11-15", "return", true, "", false),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = add(
        &x,
        "r3.json",
        &leave_json("2026-11-20", "return", false, " ", true),
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("invalid assessment"),
        "{}",
        stderr(&out)
    );
    assert_eq!(show(&x)["profile"]["status"], "on_leave");

    // With the assessment: approved, and the status restored.
    let out = add(
        &x,
        "r4.json",
        &leave_json("2026-11-20", "return", false, "评估通过，可复学", true),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(show(&x)["profile"]["status"], "enrolled");
    let audit = x.json(&["audit", "list", "--json"]);
    let last = audit
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["action"] == "write")
        .unwrap();
    assert_eq!(last["detail"], "leave_review record; profile: status");
}

#[test]
fn a_leave_pauses_term_duties_but_not_the_contacts_of_a_diagnosed_student() {
    let x = setup();
    let referral = r#"{"date":"2026-09-02","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"referral","data":{"institution":"市精神卫生中心","reason":"持续低落","diagnosis":"抑郁发作","hospital_diagnosed":true,"medication":""}}}"#;
    assert!(add(&x, "ref.json", referral).status.success());
    let paused = [
        "screening.semester",
        "screening.freshman",
        "parents.all",
        "must-talk.freshman",
    ];
    let enrolled = open_rules(&x, "2026-11-24");
    for rule in ["screening.semester", "parents.all", "must-talk.freshman"] {
        assert!(
            enrolled.iter().any(|r| r == rule),
            "{rule} owed while enrolled"
        );
    }

    assert!(add(
        &x,
        "leave.json",
        &leave_json("2026-09-03", "leave", true, "建议休学", true)
    )
    .status
    .success());
    let on_leave = open_rules(&x, "2026-11-24");
    for rule in paused {
        assert!(
            !on_leave.iter().any(|r| r == rule),
            "{rule} paused on leave"
        );
    }
    assert!(
        on_leave.iter().any(|r| r == "diagnosed.student"),
        "a diagnosed student on leave is still contacted: {on_leave:?}"
    );

    // Back at school: what fell due during the leave stays paused, what falls due after is owed.
    let back = leave_json("2026-11-20", "return", true, "评估通过", true);
    assert!(add(&x, "back.json", &back).status.success());
    let after = open_rules(&x, "2026-11-24");
    assert!(
        !after.iter().any(|r| r == "screening.semester"),
        "{after:?}"
    );
    assert!(
        !after.iter().any(|r| r == "must-talk.freshman"),
        "{after:?}"
    );
    assert!(after.iter().any(|r| r == "parents.all"), "{after:?}");
    assert!(after.iter().any(|r| r == "return.approval"), "{after:?}");
}

#[test]
fn after_a_profile_amendment_show_has_the_new_value_and_the_audit_names_the_change() {
    let x = setup();
    let out = x.ok(&[
        "student",
        "amend",
        SNO,
        "--dorm",
        "7栋-101",
        "--guardians",
        "母亲,王芳,139 0000 5551",
        "--off-campus",
        "学府路 8 号",
        "--accompanied",
        "yes",
        "--companion",
        "王芳",
        "--reason",
        "调换寝室，母亲陪读",
    ]);
    assert!(out.contains("dorm: 6栋-302 -> 7栋-101"), "{out}");

    let file = show(&x);
    let p = &file["profile"];
    assert_eq!(p["dorm"], "7栋-101");
    assert_eq!(p["guardians"][0]["phone"], "13900005551");
    assert_eq!(p["off_campus"]["address"], "学府路 8 号");
    assert_eq!(p["off_campus"]["accompanied"], true);
    assert_eq!(p["off_campus"]["companion"], "王芳");

    // The amendment is in the file: old → new per field, and why.
    let last = file["records"].as_array().unwrap().last().unwrap()["record"].clone();
    assert_eq!(last["body"]["kind"], "profile_amendment");
    let data = &last["body"]["data"];
    assert_eq!(data["reason"], "调换寝室，母亲陪读");
    let fields: Vec<&str> = data["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["dorm", "guardians", "off_campus"]);
    assert_eq!(data["changes"][0]["old"], "6栋-302");
    assert_eq!(data["changes"][0]["new"], "7栋-101");

    // The audit names the fields, never the values.
    let audit = x.json(&["audit", "list", "--json"]);
    let entry = audit
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["action"] == "write")
        .unwrap();
    assert_eq!(entry["student_no"], SNO);
    assert_eq!(
        entry["detail"],
        "profile amended: dorm, guardians, off_campus"
    );
    let all = audit.to_string();
    assert!(!all.contains("7栋") && !all.contains("王芳") && !all.contains("学府路"));
}

#[test]
fn a_profile_amendment_needs_its_reason_and_a_change() {
    let x = setup();
    let before = writes(&x);
    let out = x.run(&[
        "student", "amend", SNO, "--dorm", "7栋-101", "--reason", "  ",
    ]);
    assert_eq!(
        stderr(&out).trim(),
        "error: invalid reason: a profile amendment needs its reason"
    );
    let out = x.run(&[
        "student", "amend", SNO, "--dorm", "6栋-302", "--reason", "核对",
    ]);
    assert_eq!(
        stderr(&out).trim(),
        "error: invalid profile: the amendment changes nothing"
    );
    let out = x.run(&[
        "student", "amend", SNO, "--status", "away", "--reason", "核对",
    ]);
    assert!(stderr(&out).contains("invalid field"), "{}", stderr(&out));
    assert_eq!(writes(&x), before, "nothing written");
    assert_eq!(show(&x)["profile"]["dorm"], "6栋-302");

    // The status through an amendment, in Chinese or English.
    x.ok(&[
        "student",
        "amend",
        SNO,
        "--status",
        "休学",
        "--reason",
        "学院通知",
    ]);
    assert_eq!(show(&x)["profile"]["status"], "on_leave");
}

/// 000 四（一）5: a student living off campus (or with an accompanying parent) is contacted, and
/// so are the parents, every `off_campus_contact_days` of the semester; a talk and a parent
/// contact in the period fulfil them; a student back on campus owes none.
#[test]
fn off_campus_students_and_their_parents_are_contacted_regularly() {
    let x = setup();
    x.ok(&["policy", "preset", "000"]);
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let off = |x: &Xd| -> Vec<(String, String)> {
        x.json(&["obligations", "--today", &today, "--json", "--student", SNO])
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["rule"].as_str().unwrap().starts_with("off-campus."))
            .map(|o| {
                (
                    o["rule"].as_str().unwrap().to_string(),
                    o["source"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert!(off(&x).is_empty(), "on campus: nothing owed");
    x.ok(&[
        "student",
        "amend",
        SNO,
        "--off-campus",
        "南湖路 12 号 3 单元 501",
        "--accompanied",
        "yes",
        "--companion",
        "母亲 王芳",
        "--off-campus-approved",
        "yes",
        "--reason",
        "家长陪读，学院已审批",
    ]);
    let owed = off(&x);
    assert!(
        owed.iter().any(|(r, _)| r == "off-campus.student")
            && owed.iter().any(|(r, _)| r == "off-campus.parents"),
        "{owed:?}"
    );
    // The source names the seed's clause, the interval marked as the school's.
    assert!(
        owed.iter().all(|(_, s)| s == "local: 000 四（一）5"),
        "{owed:?}"
    );
    x.ok(&[
        "student",
        "amend",
        SNO,
        "--off-campus",
        "none",
        "--reason",
        "搬回学校宿舍",
    ]);
    assert!(off(&x).is_empty(), "back on campus: nothing owed");
}
