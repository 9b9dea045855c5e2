//! The record kinds of the model, amendments, attachments, profiles.

use crate::cli::archive::profile;
use crate::support::*;

#[test]
fn every_record_kind_round_trips_through_json() {
    let x = Xd::init();
    x.import(&[profile("2025010301", "赵敏", "13800003331")]);
    let records = [
        r#"{"date":"2025-09-05","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"screening","data":{"instrument":"UPI","score":"27","result":"moderate","flagged":true,"notes":"第25题阳性"}}}"#,
        r#"{"date":"2025-09-12","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"talk","data":{"category":"freshman","place":"辅导员办公室","text":"新生入学谈话","follow_up":"2025-10-12"}}}"#,
        r#"{"date":"2025-09-13","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"parent_contact","data":{"contact":"母亲","method":"phone","text":"告知筛查结果"}}}"#,
        r#"{"date":"2025-09-14","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"key_concern","data":{"level":"key","problem_types":["情绪问题"],"until":null,"reason":"筛查阳性，访谈后确认"}}}"#,
        r#"{"date":"2025-09-15","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"crisis","data":{"level":"A","rationale":"适应困难，无危险行为","actions":"每周谈话"}}}"#,
        r#"{"date":"2025-09-16","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"plan","data":{"prevention":"朋辈关注","intervention":"心理咨询","handling":"家校联动","review_dates":["2025-10-16"]}}}"#,
        r#"{"date":"2025-09-20","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"referral","data":{"institution":"市精神卫生中心","reason":"持续低落","diagnosis":"抑郁发作（中度）","hospital_diagnosed":true,"medication":"遵医嘱服药"}}}"#,
        r#"{"date":"2025-10-20","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"leave_review","data":{"kind":"leave","certificate":true,"assessment":"建议休学治疗","approved":true,"notes":""}}}"#,
    ];
    for (i, r) in records.iter().enumerate() {
        let path = x.path(&format!("r{i}.json"));
        std::fs::write(&path, r).unwrap();
        x.ok(&[
            "record",
            "add",
            "--student",
            "2025010301",
            path.to_str().unwrap(),
        ]);
    }
    let file = x.json(&["student", "show", "2025010301", "--json"]);
    let kinds: Vec<&str> = file["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["body"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "screening",
            "talk",
            "parent_contact",
            "key_concern",
            "crisis",
            "plan",
            "referral",
            "leave_review"
        ]
    );
    for (stored, sent) in file["records"].as_array().unwrap().iter().zip(records) {
        let mut sent: serde_json::Value = serde_json::from_str(sent).unwrap();
        // The author is the unlocked person, whatever the JSON says.
        sent["author"] = "管理员".into();
        assert_eq!(stored["record"], sent);
    }
    let list = x.json(&["student", "list", "--json"]);
    assert_eq!(list[0]["concern"], "key");
    assert_eq!(list[0]["record_count"], 8);
}

#[test]
fn a_crisis_level_needs_its_rationale() {
    let x = Xd::init();
    x.import(&[profile("2025010302", "周芷若", "13800003332")]);
    let path = x.path("c.json");
    std::fs::write(&path, r#"{"date":"2025-09-15","author":"李老师","amends":null,"amend_reason":"","body":{"kind":"crisis","data":{"level":"B","rationale":"  ","actions":""}}}"#).unwrap();
    let out = x.run(&[
        "record",
        "add",
        "--student",
        "2025010302",
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        stderr(&out).trim(),
        "error: invalid rationale: a crisis level needs its rationale"
    );
}

#[test]
fn an_amendment_supersedes_and_keeps_the_original() {
    let x = Xd::init();
    x.import(&[profile("2025010303", "张无忌", "13800003333")]);
    let id = x.ok(&[
        "talk",
        "add",
        "--student",
        "2025010303",
        "--category",
        "academic",
        "--date",
        "2025-11-02",
        "--text",
        "原始记录：挂科两门",
    ]);
    let fix = format!(
        r#"{{"date":"2025-11-02","author":"李老师","amends":"{}","amend_reason":"科目数量记错","body":{{"kind":"talk","data":{{"category":"academic","place":"","text":"更正：挂科一门","follow_up":null}}}}}}"#,
        id.trim()
    );
    let path = x.path("fix.json");
    std::fs::write(&path, fix).unwrap();
    let new_id = x.ok(&[
        "record",
        "add",
        "--student",
        "2025010303",
        path.to_str().unwrap(),
    ]);
    let file = x.json(&["student", "show", "2025010303", "--json"]);
    let recs = file["records"].as_array().unwrap();
    assert_eq!(recs.len(), 2, "the original is kept");
    let original = recs.iter().find(|r| r["id"] == id.trim()).unwrap();
    assert_eq!(original["superseded_by"], new_id.trim());
    assert_eq!(
        original["record"]["body"]["data"]["text"],
        "原始记录：挂科两门"
    );
    // The database refuses to change or remove a record, whoever asks.
    let db = x.db();
    assert!(db.execute("DELETE FROM records", []).is_err());
    assert!(db.execute("UPDATE records SET body = header", []).is_err());
    // Amending a record of another file is refused.
    x.import(&[profile("2025010304", "小昭", "13800003334")]);
    let out = x.run(&[
        "record",
        "add",
        "--student",
        "2025010304",
        path.to_str().unwrap(),
    ]);
    assert_eq!(
        stderr(&out).trim(),
        "error: no record with that id in this student's file"
    );
}

#[test]
fn attachments_are_sealed_and_come_back_whole() {
    let x = Xd::init();
    x.import(&[profile("2025010305", "殷离", "13800003335")]);
    let content: Vec<u8> = b"%PDF-1.4\n"
        .iter()
        .copied()
        .chain((0..300_000u32).flat_map(|i| format!("诊断证明第{i}行\n").into_bytes()))
        .collect();
    let src = x.path("证明.pdf");
    std::fs::write(&src, &content).unwrap();
    let id = x.ok(&[
        "attachment",
        "add",
        "--student",
        "2025010305",
        "--file",
        src.to_str().unwrap(),
        "--description",
        "复学诊断证明",
    ]);
    assert!(find_plaintext(&x.dir(), "诊断证明第12345行").is_empty());
    let out = x.path("back.pdf");
    x.ok(&[
        "attachment",
        "get",
        "--student",
        "2025010305",
        "--record",
        id.trim(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(std::fs::read(&out).unwrap(), content);
    let file = x.json(&["student", "show", "2025010305", "--json"]);
    assert_eq!(
        file["records"][0]["record"]["body"]["data"]["media_type"],
        "application/pdf"
    );
    assert_eq!(
        file["records"][0]["record"]["body"]["data"]["size"],
        content.len()
    );
    let big = x.path("big.bin");
    std::fs::write(&big, vec![0u8; 21 * 1024 * 1024]).unwrap();
    let out = x.run(&[
        "attachment",
        "add",
        "--student",
        "2025010305",
        "--file",
        big.to_str().unwrap(),
    ]);
    assert_eq!(
        stderr(&out).trim(),
        "error: file too large: attachments are limited to 20 MB"
    );
}

#[test]
fn talk_add_checks_its_arguments() {
    let x = Xd::init();
    x.import(&[profile("2025010306", "杨过", "13800003336")]);
    let out = x.run(&[
        "talk",
        "add",
        "--student",
        "2025010306",
        "--category",
        "gossip",
        "--date",
        "2025-11-02",
        "--text",
        "x",
    ]);
    assert!(stderr(&out).contains("invalid --category"));
    let out = x.run(&[
        "talk",
        "add",
        "--student",
        "2025010306",
        "--category",
        "other",
        "--date",
        "2025-02-30",
        "--text",
        "x",
    ]);
    assert_eq!(stderr(&out).trim(), "error: invalid --date: use YYYY-MM-DD");
    let out = x.run(&[
        "talk",
        "add",
        "--student",
        "9999999999",
        "--category",
        "other",
        "--date",
        "2025-02-03",
        "--text",
        "x",
    ]);
    assert_eq!(
        stderr(&out).trim(),
        "error: no student with that student number"
    );
    // A 学号 typed with full-width digits finds the student.
    x.ok(&[
        "talk",
        "add",
        "--student",
        "２０２５０１０３０６",
        "--category",
        "hardship",
        "--date",
        "2025-02-03",
        "--text",
        "申请困难补助",
    ]);
}

#[test]
fn demo_fills_the_archive_deterministically() {
    let a = Xd::init();
    a.ok(&["demo", "--students", "60", "--seed", "7"]);
    let b = Xd::init();
    b.ok(&["demo", "--students", "60", "--seed", "7"]);
    let la = a.json(&["student", "list", "--json"]);
    let lb = b.json(&["student", "list", "--json"]);
    assert_eq!(la.as_array().unwrap().len(), 60);
    let strip = |v: &serde_json::Value| -> Vec<(String, String, i64)> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["student_no"].as_str().unwrap().into(),
                    s["name"].as_str().unwrap().into(),
                    s["record_count"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(strip(&la), strip(&lb));
    assert!(strip(&la).iter().map(|s| s.2).sum::<i64>() > 60);
}
