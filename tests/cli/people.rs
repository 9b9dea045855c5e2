//! Several people on one archive (issue 18): each with their own passphrase and role, caseloads
//! enforced by keys, the unlocked person the author and the actor, caseloads handed over.

use serde_json::Value;

use crate::cli::archive::profile;
use crate::support::*;

const A_PASS: &str = "王老师的口令 apple tree 7";
const B_PASS: &str = "李老师的口令 river stone 9";
const L_PASS: &str = "负责人口令 mountain 2026";

fn student(sno: &str, name: &str, class: &str) -> xindang::model::StudentProfile {
    xindang::model::StudentProfile {
        class_name: class.into(),
        ..profile(sno, name, "13800000000")
    }
}

/// An archive with two classes, two counselors (王老师 on 计科2501, 李老师 on 软件2502) and a
/// leader, set up by the founding administrator.
fn college() -> Xd {
    let x = Xd::init();
    x.import(&[
        student("2025010001", "欧阳娜娜", "计科2501"),
        student("2025010002", "上官婉儿", "计科2501"),
        student("2025020001", "司马相如", "软件2502"),
    ]);
    // An archive made now can take people at once; its recovery key was made with people.
    for (name, role, pass) in [
        ("王老师", "counselor", A_PASS),
        ("李老师", "counselor", B_PASS),
        ("张书记", "leader", L_PASS),
    ] {
        let out = x.run_env(
            &["user", "add", name, "--role", role],
            &[("XINDANG_NEW_PASSPHRASE", pass)],
        );
        assert!(out.status.success(), "user add {name}: {}", stderr(&out));
    }
    x.ok(&[
        "caseload",
        "assign",
        "--user",
        "王老师",
        "--class",
        "计科2501",
    ]);
    x.ok(&[
        "caseload",
        "assign",
        "--user",
        "李老师",
        "--class",
        "软件2502",
    ]);
    x
}

fn as_person(x: &Xd, user: &str, pass: &str, args: &[&str]) -> std::process::Output {
    let mut c = x.command(&[]);
    c.env("XINDANG_USER", user)
        .env("XINDANG_PASSPHRASE", pass)
        .args(args);
    c.output().unwrap()
}

fn list_as(x: &Xd, user: &str, pass: &str) -> Vec<String> {
    let out = as_person(x, user, pass, &["student", "list", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut nos: Vec<String> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["student_no"].as_str().unwrap().to_string())
        .collect();
    nos.sort();
    nos
}

#[test]
fn two_counselors_see_only_their_own_caseloads_and_the_leader_sees_both() {
    let x = college();
    assert_eq!(list_as(&x, "王老师", A_PASS), ["2025010001", "2025010002"]);
    assert_eq!(list_as(&x, "李老师", B_PASS), ["2025020001"]);
    assert_eq!(
        list_as(&x, "张书记", L_PASS),
        ["2025010001", "2025010002", "2025020001"]
    );
    // The other's student is refused, in one line, naming no student data.
    let out = as_person(&x, "王老师", A_PASS, &["student", "show", "2025020001"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(!err.contains("司马相如"), "{err}");
    // Another's passphrase does not open one's slot.
    let out = as_person(&x, "王老师", B_PASS, &["student", "list"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // Neither caseload's names are on disk in plaintext.
    for name in ["欧阳娜娜", "上官婉儿", "司马相如", "计科2501", "软件2502"] {
        assert!(find_plaintext(&x.dir(), name).is_empty(), "{name} on disk");
    }
}

#[test]
fn a_counselors_slot_cannot_open_anothers_data_keys_even_with_the_files() {
    use xindang::{Archive, Session};
    let x = college();
    std::env::set_var("XINDANG_KDF_MS", "0");
    let archive = Archive::open(&x.dir()).unwrap();
    let a = Session::unlock_as(&archive, Some("王老师"), A_PASS).unwrap();
    assert_eq!(a.student_count(), 2);
    assert!(a.profile("2025020001").is_err());
    // Every caseload wrap the file holds for 软件2502 is opened by no grant of 王老师.
    let db = x.db();
    let slot: i64 = db
        .query_row(
            "SELECT id FROM key_slots WHERE label = '王老师'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let grants: i64 = db
        .query_row(
            "SELECT count(*) FROM grants WHERE slot_id = ?1",
            [slot],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(grants, 1, "one caseload: 计科2501");
    let legacy: i64 = db
        .query_row(
            "SELECT count(*) FROM students WHERE length(data_key) > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(legacy, 0, "no data key is under the key every slot shares");
}

#[test]
fn the_unlocked_person_is_the_author_and_the_actor() {
    let x = college();
    let out = as_person(
        &x,
        "李老师",
        B_PASS,
        &[
            "talk",
            "add",
            "--student",
            "2025020001",
            "--category",
            "academic",
            "--date",
            "2026-12-01",
            "--text",
            "学业困难谈话",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = as_person(
        &x,
        "李老师",
        B_PASS,
        &["student", "show", "2025020001", "--json"],
    );
    let file: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let talk = file["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record"]["body"]["kind"] == "talk")
        .unwrap();
    assert_eq!(talk["record"]["author"], "李老师");
    let out = as_person(&x, "李老师", B_PASS, &["audit", "list", "--json"]);
    let log: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let write = log
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["action"] == "write")
        .unwrap();
    assert_eq!(write["actor"], "李老师");
}

#[test]
fn after_a_transfer_the_receiver_sees_the_students_and_the_giver_no_longer_can() {
    let x = college();
    let owed = |user: &str, pass: &str| -> Vec<String> {
        let out = as_person(&x, user, pass, &["obligations", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let mut nos: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|o| o["status"] != "done")
            .filter_map(|o| o["student_no"].as_str())
            .filter(|n| n.starts_with("202501"))
            .map(str::to_string)
            .collect();
        nos.sort();
        nos
    };
    let wang_owed = owed("王老师", A_PASS);
    assert!(!wang_owed.is_empty(), "new students owe their first talks");
    assert!(owed("李老师", B_PASS).is_empty());
    let out = x.run(&[
        "caseload",
        "transfer",
        "--from",
        "王老师",
        "--to",
        "李老师",
        "--class",
        "计科2501",
        "--reason",
        "王老师调岗，班级移交",
        "--note",
        "2025010001=每周二复诊，家长知情",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(list_as(&x, "王老师", A_PASS).is_empty());
    assert_eq!(
        list_as(&x, "李老师", B_PASS),
        ["2025010001", "2025010002", "2025020001"]
    );
    assert_eq!(
        list_as(&x, "张书记", L_PASS).len(),
        3,
        "the leader keeps them"
    );
    // The handover note is in the student's file, for the receiver.
    let out = as_person(
        &x,
        "李老师",
        B_PASS,
        &["student", "show", "2025010001", "--json"],
    );
    let file: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert!(file["records"].as_array().unwrap().iter().any(|r| {
        r["record"]["body"]["kind"] == "observation"
            && r["record"]["body"]["data"]["text"] == "每周二复诊，家长知情"
    }));
    // A note for a student who is not moving is refused, and nothing moves.
    let out = x.run(&[
        "caseload",
        "transfer",
        "--from",
        "李老师",
        "--to",
        "王老师",
        "--class",
        "软件2502",
        "--reason",
        "测试",
        "--note",
        "2025010001=不在移交范围",
    ]);
    assert!(!out.status.success());
    assert_eq!(list_as(&x, "王老师", A_PASS), Vec::<String>::new());
    // Their open obligations moved with them.
    assert_eq!(owed("李老师", B_PASS), wang_owed);
    assert!(owed("王老师", A_PASS).is_empty());
    let people = x.json(&["user", "list", "--json"]);
    let wang = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["person"]["name"] == "王老师")
        .unwrap();
    assert!(wang["caseloads"].as_array().unwrap().is_empty());
    let log = x.json(&["audit", "list", "--json"]);
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "people" && e["detail"].as_str().unwrap().contains("王老师调岗")));
}

#[test]
fn a_counselor_may_not_manage_people_and_refusals_are_one_line() {
    let x = college();
    let out = as_person(&x, "王老师", A_PASS, &["user", "remove", "李老师"]);
    assert!(!out.status.success());
    assert_eq!(stderr(&out).trim().lines().count(), 1);
    let out = x.run(&["user", "remove", "管理员"]);
    assert!(!out.status.success(), "the last administrator stays");
    let out = x.run(&["--user", "无此人", "student", "list"]);
    assert!(!out.status.success());
    // A counselor importing a row of another's class is refused that row, not the archive.
    let out = x.run(&["user", "remove", "李老师"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<String> = x
        .json(&["user", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person"]["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["管理员", "王老师", "张书记"]);
}

#[test]
fn the_recovery_key_resets_a_persons_access_with_their_caseloads() {
    let x = Xd::empty();
    let out = x.run(&["init"]);
    let key = stdout(&out).trim().to_string();
    x.import(&[student("2025010001", "欧阳娜娜", "计科2501")]);
    x.run_env(
        &["user", "add", "王老师", "--role", "counselor"],
        &[("XINDANG_NEW_PASSPHRASE", A_PASS)],
    );
    x.ok(&[
        "caseload",
        "assign",
        "--user",
        "王老师",
        "--class",
        "计科2501",
    ]);
    let mut c = x.command(&["passphrase", "reset"]);
    c.env("XINDANG_USER", "王老师")
        .env("XINDANG_RECOVERY_KEY", &key)
        .env("XINDANG_NEW_PASSPHRASE", "新口令 forgot it 2027");
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        list_as(&x, "王老师", "新口令 forgot it 2027"),
        ["2025010001"]
    );
    let out = as_person(&x, "王老师", A_PASS, &["student", "list"]);
    assert_eq!(out.status.code(), Some(3), "the old passphrase is gone");
}

#[test]
fn an_archive_from_before_people_becomes_a_one_person_archive_and_takes_people_after_a_new_recovery_key(
) {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/archive-v3");
    let x = Xd::empty();
    std::fs::create_dir_all(x.dir()).unwrap();
    std::fs::copy(src.join("archive.db"), x.dir().join("archive.db")).unwrap();
    // The one slot it had is its person, an administrator, who sees every file as before.
    let people = x.json(&["user", "list", "--json"]);
    assert_eq!(people.as_array().unwrap().len(), 1);
    assert_eq!(people[0]["person"]["role"], "admin");
    x.ok(&["student", "show", "2024000001", "--json"]);
    // Its recovery key predates people: it could not reset their access, so none are added.
    let out = x.run_env(
        &["user", "add", "王老师", "--role", "counselor"],
        &[("XINDANG_NEW_PASSPHRASE", A_PASS)],
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("recovery key"), "{}", stderr(&out));
    x.ok(&["recovery-key"]);
    let legacy: i64 = x
        .db()
        .query_row(
            "SELECT count(*) FROM students WHERE length(data_key) > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(legacy, 0, "the files moved into caseloads");
    x.ok(&["student", "show", "2024000001", "--json"]);
    let out = x.run_env(
        &["user", "add", "王老师", "--role", "counselor"],
        &[("XINDANG_NEW_PASSPHRASE", A_PASS)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(list_as(&x, "王老师", A_PASS).is_empty(), "no caseload yet");
}

#[test]
fn a_counselor_importing_another_caseloads_rows_skips_them_and_says_so() {
    let x = college();
    let roster = x.path("wang.xlsx");
    xindang::roster::write_xlsx(
        &roster,
        &[
            student("2025010003", "新同学甲", "计科2501"),
            student("2025020001", "司马相如", "软件2502"),
            student("2025020002", "新同学乙", "软件2502"),
        ],
    )
    .unwrap();
    let out = as_person(
        &x,
        "王老师",
        A_PASS,
        &["roster", "import", roster.to_str().unwrap(), "--json"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rep: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rep["load"]["added"], 1);
    assert_eq!(rep["load"]["not_held"], 2);
    assert_eq!(
        list_as(&x, "王老师", A_PASS),
        ["2025010001", "2025010002", "2025010003"]
    );
    assert_eq!(
        list_as(&x, "李老师", B_PASS),
        ["2025020001"],
        "李老师's file untouched"
    );
}

/// What a passphrase handover of `choice` from `home` to a fresh archive on another workstation
/// did: the receiver, its import report and the receipt's report back home.
struct Handed {
    there: Xd,
    imported: Value,
    retired: Value,
}

fn hand_over(home: &Xd, choice: &[&str]) -> Handed {
    let s = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let fp = home.ok(&[
        "profile",
        "export",
        "--out",
        &s(&home.path("p.json")),
        "--name",
        "计算机学院王老师",
    ]);
    let there = Xd::init();
    let there_fp = there.ok(&[
        "profile",
        "export",
        "--out",
        &s(&there.path("p.json")),
        "--name",
        "计算机学院赵老师",
    ]);
    let pass = [("XINDANG_BUNDLE_PASSPHRASE", "交接口令 2026 四组 七八")];
    let h = home.path("handover.age");
    let mut args = vec!["handover", "export"];
    args.extend_from_slice(choice);
    let out_path = s(&h);
    args.extend_from_slice(&["--to", "赵老师", "--passphrase", "--out", &out_path]);
    let out = home.run_env(&args, &pass);
    assert!(out.status.success(), "{}", stderr(&out));
    let r = there.path("receipt.age");
    let out = there.run_env(
        &[
            "bundle",
            "import",
            &s(&h),
            "--receipt-out",
            &s(&r),
            "--json",
            "--fingerprint",
            fp.trim(),
        ],
        &pass,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let imported: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = home.run_env(
        &[
            "receipt",
            "import",
            &s(&r),
            "--json",
            "--fingerprint",
            there_fp.trim(),
        ],
        &pass,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    Handed {
        there,
        imported,
        retired: serde_json::from_slice(&out.stdout).unwrap(),
    }
}

/// A counselor leaving a workstation carries a class to the counselor who takes it over on
/// another workstation: a handover bundle of the caseload, its receipt, the files retired at home.
#[test]
fn a_caseload_goes_from_workstation_to_workstation_with_its_receipt() {
    let home = college();
    let h = hand_over(&home, &["--class", "计科2501"]);
    assert_eq!(
        h.imported["students_added"], 2,
        "the class, and only the class"
    );
    let mut nos: Vec<String> = h
        .there
        .json(&["student", "list", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["student_no"].as_str().unwrap().to_string())
        .collect();
    nos.sort();
    assert_eq!(nos, ["2025010001", "2025010002"]);
    assert_eq!(h.retired["retired"], 2);
    assert_eq!(
        list_as(&home, "张书记", L_PASS),
        ["2025020001"],
        "only the class left home"
    );
}

/// 004's retirement after a handover rotates the caseload that held the file: the classmates'
/// data keys are wrapped again under a new key, and they still open.
#[test]
fn a_retirement_rotates_the_caseload_that_held_the_file() {
    let home = college();
    let wraps = || -> std::collections::BTreeSet<Vec<u8>> {
        let db = home.db();
        let mut stmt = db.prepare("SELECT wrapped FROM student_wraps").unwrap();
        let rows = stmt.query_map([], |r| r.get(0)).unwrap();
        rows.map(|r| r.unwrap()).collect()
    };
    let before = wraps();
    assert_eq!(before.len(), 3);
    let h = hand_over(&home, &["--student", "2025010001"]);
    assert_eq!(h.retired["retired"], 1);
    // Two files left: the classmate's wrap is new (its caseload rotated), the other class's kept.
    let after = wraps();
    assert_eq!(after.len(), 2);
    assert_eq!(after.intersection(&before).count(), 1);
    assert_eq!(list_as(&home, "王老师", A_PASS), ["2025010002"]);
    assert_eq!(
        list_as(&home, "张书记", L_PASS),
        ["2025010002", "2025020001"]
    );
}

/// The observers' reports 收件箱 about a student are that student's counselor's to triage: another
/// counselor neither sees nor files them.
#[test]
fn a_counselor_sees_and_triages_only_reports_about_their_own_students() {
    use crate::cli::lists::{row, workbook};
    let x = college();
    let path = x.path("晴雨表.xlsx");
    workbook(
        &path,
        &[(
            "12月",
            vec![
                row(&["班级", "报告人", "学号", "姓名", "观察内容", "日期"]),
                row(&[
                    "计科2501",
                    "心理委员 赵某",
                    "2025010001",
                    "欧阳娜娜",
                    "连续三天未去上课",
                    "2026-12-01",
                ]),
                row(&[
                    "软件2502",
                    "心理委员 钱某",
                    "2025020001",
                    "司马相如",
                    "深夜独自在天台",
                    "2026-12-02",
                ]),
            ],
        )],
    );
    let out = x.run(&[
        "list",
        "import",
        path.to_str().unwrap(),
        "--kind",
        "observations",
        "--json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let inbox = |user: &str, pass: &str| -> Vec<Value> {
        let out = as_person(&x, user, pass, &["list", "inbox", "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_str::<Value>(&stdout(&out))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    };
    let wang = inbox("王老师", A_PASS);
    assert_eq!(wang.len(), 1);
    assert_eq!(wang[0]["student_no"], "2025010001");
    let li = inbox("李老师", B_PASS);
    assert_eq!(li.len(), 1);
    assert!(!serde_json::to_string(&wang).unwrap().contains("天台"));
    assert_eq!(inbox("张书记", L_PASS).len(), 2, "the leader sees both");
    // 王老师 cannot dismiss 李老师's report, even knowing its id.
    let id = li[0]["id"].as_str().unwrap();
    let out = as_person(
        &x,
        "王老师",
        A_PASS,
        &["list", "dismiss", id, "--reason", "不是我的"],
    );
    assert!(!out.status.success());
    assert_eq!(inbox("李老师", B_PASS)[0]["status"], "open");
}
