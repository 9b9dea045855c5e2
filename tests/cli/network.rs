//! The four-level network 校—院—班—寝 through the command line: a grid table 网格管理表 as a
//! college fills it in, the checks of policy (1:5:25, every student covered, mixed-college dorms,
//! one-to-one liaisons, separate undergraduate/graduate networks), export and import, and the
//! duties of the network's people as obligations (one test per rule).

use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::cli::archive::profile;
use crate::support::*;

/// A row of the grid table: role, id, name, college, level, classes, dorms, superior.
type Row = [&'static str; 8];

/// One counselor (T001), five backbones (B1–B5, class 计科25b) and five dorm heads under each
/// (H{b}{k}, dorm {b}栋-{k}0{k}): exactly 1:5:25.
fn full_grid() -> Vec<[String; 8]> {
    let mut rows =
        vec![["辅导员", "T001", "王老师", "计算机学院", "本科", "", "", ""].map(String::from)];
    for b in 1..=5 {
        rows.push([
            "心理委员".into(),
            format!("B{b}"),
            format!("委员{b}"),
            "计算机学院".into(),
            "本科".into(),
            format!("计科250{b}"),
            String::new(),
            "T001".into(),
        ]);
        for k in 1..=5 {
            rows.push([
                "寝室长".into(),
                format!("H{b}{k}"),
                format!("寝室长{b}{k}"),
                "计算机学院".into(),
                "本科".into(),
                String::new(),
                dorm(b, k),
                format!("B{b}"),
            ]);
        }
    }
    rows
}

fn dorm(b: u32, k: u32) -> String {
    format!("{b}栋-{k}0{k}")
}

/// Writes a grid table; `liaisons` go to the second sheet.
fn write_grid(x: &Xd, name: &str, rows: &[[String; 8]], liaisons: &[[&str; 3]]) -> String {
    let path = x.path(name);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("网格管理表").unwrap();
    // A title line above the header, as offices do.
    ws.write_string(0, 0, "计算机学院心理健康教育网格管理表")
        .unwrap();
    let header: Row = [
        "角色",
        "工号/学号",
        "姓名",
        "学院",
        "学生类别",
        "负责班级",
        "负责寝室",
        "上级工号/学号",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 2, c as u16, v).unwrap();
        }
    }
    let ws = wb.add_worksheet();
    ws.set_name("一对一联系").unwrap();
    for (c, h) in ["学号", "联系人工号/学号", "原因"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in liaisons.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    wb.save(&path).unwrap();
    path.to_str().unwrap().to_string()
}

/// 25 students, one per dorm of the full grid.
fn students() -> Vec<xindang::model::StudentProfile> {
    let mut v = Vec::new();
    for b in 1..=5 {
        for k in 1..=5 {
            let mut p = profile(&format!("20250{b}0{k}01"), "测试学生", "13800000000");
            p.class_name = format!("计科250{b}");
            p.dorm = dorm(b, k);
            v.push(p);
        }
    }
    v
}

fn check(x: &Xd) -> Value {
    x.json(&["network", "check", "--json"])
}

fn kinds(c: &Value) -> Vec<(String, String)> {
    c["issues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["subject"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The network as stored, people sorted by id (export orders them by role).
fn network(x: &Xd) -> Vec<String> {
    let mut v: Vec<String> = x.json(&["network", "show"])["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.to_string())
        .collect();
    v.sort();
    v
}

fn put_student(x: &Xd, p: &xindang::model::StudentProfile) {
    let path = x.path(&format!("p-{}.json", p.student_no));
    std::fs::write(&path, serde_json::to_string(p).unwrap()).unwrap();
    x.ok(&["student", "put", path.to_str().unwrap()]);
}

#[test]
fn a_full_grid_passes_and_each_gap_is_named() {
    let x = Xd::init();
    // No seed has every network rule: the test policy does (1:5:25 of 003, 1–2 of 004, …).
    crate::cli::obligations::use_every_rule(&x);
    x.import(&students());
    // No network yet: nobody is covered, and the check says so rather than failing.
    let c = check(&x);
    assert_eq!(
        (c["ok"].as_bool(), c["covered"].as_i64()),
        (Some(false), Some(0))
    );

    x.ok(&[
        "network",
        "import",
        &write_grid(&x, "grid.xlsx", &full_grid(), &[]),
    ]);
    let c = check(&x);
    assert_eq!(kinds(&c), Vec::<(String, String)>::new(), "{c}");
    assert_eq!(
        (
            c["counselors"].as_i64(),
            c["backbones"].as_i64(),
            c["dorm_heads"].as_i64()
        ),
        (Some(1), Some(5), Some(25))
    );
    assert_eq!(
        (c["students"].as_i64(), c["covered"].as_i64()),
        (Some(25), Some(25))
    );

    // An off-campus student needs a one-to-one liaison; one who changed dorm is covered by theirs.
    let mut off = profile("2025990001", "校外学生", "13800000001");
    off.class_name = "计科2501".into();
    off.dorm = String::new();
    off.off_campus = Some(xindang::model::OffCampus {
        address: "校外".into(),
        ..Default::default()
    });
    put_student(&x, &off);
    // A resident of another college in a dorm of the grid: their own college has no backbone.
    let mut other = profile("2025990002", "外院学生", "13800000002");
    other.college = "外国语学院".into();
    other.class_name = "英语2501".into();
    other.dorm = dorm(1, 1);
    put_student(&x, &other);
    // A graduate student in a dorm whose head belongs to the undergraduate network.
    let mut grad = profile("2025990003", "研究生", "13800000003");
    grad.level = xindang::model::DegreeLevel::Graduate;
    grad.class_name = "计科2501".into();
    grad.dorm = "研1栋-101".into();
    put_student(&x, &grad);
    let c = check(&x);
    let k = kinds(&c);
    assert!(
        k.contains(&("no_liaison".into(), "2025990001".into())),
        "{k:?}"
    );
    assert!(
        k.contains(&("no_own_college_backbone".into(), "2025990002".into())),
        "{k:?}"
    );
    assert!(
        k.contains(&("no_dorm_head".into(), "研1栋-101".into())),
        "{k:?}"
    );
    assert!(
        k.contains(&("no_class_backbone".into(), "2025990003".into())),
        "{k:?}"
    );
    assert_eq!(c["covered"].as_i64(), Some(25));
    // Details are Chinese, for the screen and the exported table.
    assert!(c["issues"][0]["detail"]
        .as_str()
        .unwrap()
        .chars()
        .any(|ch| ch > '\u{4e00}'));

    // Fix them: a liaison, a backbone and a dorm head of the other college (reporting to a
    // counselor of their own), and a graduate network of its own.
    let mut rows = full_grid();
    let r = |v: [&str; 8]| v.map(String::from);
    rows.push(r([
        "辅导员",
        "T002",
        "李老师",
        "外国语学院",
        "本科",
        "",
        "",
        "",
    ]));
    rows.push(r([
        "心理委员",
        "F1",
        "外院委员",
        "外国语学院",
        "本科",
        "英语2501",
        "",
        "T002",
    ]));
    rows.push(r([
        "辅导员",
        "G001",
        "赵老师",
        "计算机学院",
        "研究生",
        "",
        "",
        "",
    ]));
    rows.push(r([
        "心理委员",
        "GB1",
        "研委员",
        "计算机学院",
        "研究生",
        "计科2501",
        "",
        "G001",
    ]));
    rows.push(r([
        "寝室长",
        "GH1",
        "研寝室长",
        "计算机学院",
        "研究生",
        "",
        "研1栋-101",
        "GB1",
    ]));
    let liaison = [["2025990001", "T001", "校外住宿"]];
    x.ok(&[
        "network",
        "import",
        &write_grid(&x, "grid2.xlsx", &rows, &liaison),
    ]);
    let c = check(&x);
    let k: Vec<String> = kinds(&c).into_iter().map(|(k, _)| k).collect();
    // Only the ratios of the small new networks remain: 1 backbone under T002 and G001, 0 or 1
    // dorm head under F1 and GB1.
    assert!(
        k.iter()
            .all(|k| k == "too_few_backbones" || k == "too_few_dorm_heads"),
        "{k:?}"
    );
    assert_eq!(c["covered"].as_i64(), Some(28));

    // Mixing the levels is named: a graduate dorm head under an undergraduate backbone.
    rows.push(r([
        "寝室长",
        "GH2",
        "研寝室长2",
        "计算机学院",
        "研究生",
        "",
        "研1栋-102",
        "B1",
    ]));
    // And a sixth backbone in one class is over the policy's 1–2.
    rows.push(r([
        "心理委员",
        "B6",
        "委员6",
        "计算机学院",
        "本科",
        "计科2501",
        "",
        "T001",
    ]));
    rows.push(r([
        "心理委员",
        "B7",
        "委员7",
        "计算机学院",
        "本科",
        "计科2501",
        "",
        "T001",
    ]));
    x.ok(&[
        "network",
        "import",
        &write_grid(&x, "grid3.xlsx", &rows, &liaison),
    ]);
    let k = kinds(&check(&x));
    assert!(k.contains(&("mixed_levels".into(), "GH2".into())), "{k:?}");
    assert!(
        k.contains(&("class_members".into(), "计算机学院计科2501".into())),
        "{k:?}"
    );
}

#[test]
fn the_grid_table_round_trips_and_a_bad_row_is_named_without_losing_the_network() {
    let x = Xd::init();
    // No seed has every network rule: the test policy does (1:5:25 of 003, 1–2 of 004, …).
    crate::cli::obligations::use_every_rule(&x);
    x.import(&students());
    x.ok(&[
        "network",
        "import",
        &write_grid(&x, "grid.xlsx", &full_grid(), &[]),
    ]);
    let before = network(&x);
    assert_eq!(before.len(), 31);

    let out = x.path("导出网格.xlsx");
    x.ok(&["network", "export", "--out", out.to_str().unwrap()]);
    x.ok(&["network", "import", out.to_str().unwrap()]);
    assert!(network(&x) == before);

    // A role nobody knows, on the 4th row of the sheet as Excel counts (title, header, T001, …).
    let mut rows = full_grid();
    rows[1][0] = "班长".into();
    let bad = x.run(&["network", "import", &write_grid(&x, "bad.xlsx", &rows, &[])]);
    assert!(!bad.status.success());
    let err = stderr(&bad);
    assert!(
        err.contains("sheet 网格管理表, row 4, column 角色"),
        "{err}"
    );
    // A liaison without a reason.
    let bad = x.run(&[
        "network",
        "import",
        &write_grid(&x, "bad2.xlsx", &full_grid(), &[["2025010101", "T001", ""]]),
    ]);
    assert!(
        stderr(&bad).contains("sheet 一对一联系, row 2, column 原因"),
        "{}",
        stderr(&bad)
    );
    assert!(network(&x) == before);
    // Sealed like everything else: no name of the network in the archive's files.
    assert!(find_plaintext(&x.dir(), "寝室长11").is_empty());
}

fn rule(x: &Xd, today: &str, person: &str, rule: &str) -> Vec<(String, String, String)> {
    let list = x.json(&[
        "obligations",
        "--today",
        today,
        "--person",
        person,
        "--json",
    ]);
    let mut keys: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}|{}|{}|{}|{}",
                o["person"], o["rule"], o["subject"], o["since"], o["due"]
            )
        })
        .collect();
    let n = keys.len();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), n, "an obligation is listed twice");
    list.as_array()
        .unwrap()
        .iter()
        .filter(|o| o["rule"] == rule)
        .map(|o| {
            (
                o["due"].as_str().unwrap().to_string(),
                o["subject"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn activity(x: &Xd, args: &[&str]) -> String {
    let mut a = vec!["network", "activity"];
    a.extend_from_slice(args);
    x.ok(&a).trim().to_string()
}

fn t(v: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    v.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

/// Preset 000: autumn 2026 starts Monday 2026-08-31; two dorm visits a week, every dorm each
/// month, a backbone meeting every 14 days, 4 training hours for backbones and 2 for dorm heads.
#[test]
fn network_duties_appear_and_are_fulfilled_one_rule_at_a_time() {
    let x = Xd::init();
    // No seed has every network rule: the test policy does (1:5:25 of 003, 1–2 of 004, …).
    crate::cli::obligations::use_every_rule(&x);
    // Two students of T001's college, in two dorms.
    let people: Vec<_> = students().into_iter().take(2).collect();
    x.import(&people);
    x.ok(&[
        "network",
        "import",
        &write_grid(&x, "grid.xlsx", &full_grid(), &[]),
    ]);
    let day = "2026-09-13"; // Sunday of the second week

    // dorm-visits.weekly: two a week.
    assert_eq!(
        rule(&x, day, "T001", "dorm-visits.weekly"),
        t(&[
            ("2026-09-06", "第1次", "overdue"),
            ("2026-09-06", "第2次", "overdue"),
            ("2026-09-13", "第1次", "due"),
            ("2026-09-13", "第2次", "due"),
        ])
    );
    // dorm-visits.monthly: each dorm of the counselor's students, by month end (the one day of
    // August joins September).
    assert_eq!(
        rule(&x, day, "T001", "dorm-visits.monthly"),
        t(&[
            ("2026-09-30", "1栋-101", "due"),
            ("2026-09-30", "1栋-202", "due")
        ])
    );
    let v1 = activity(
        &x,
        &[
            "--kind",
            "dorm-visit",
            "--person",
            "T001",
            "--dorm",
            "1栋-101",
            "--date",
            "2026-09-08",
        ],
    );
    activity(
        &x,
        &[
            "--kind",
            "dorm-visit",
            "--person",
            "T001",
            "--dorm",
            "1栋-202",
            "--date",
            "2026-09-10",
        ],
    );
    assert_eq!(
        rule(&x, day, "T001", "dorm-visits.weekly")[2..],
        t(&[
            ("2026-09-13", "第1次", "done"),
            ("2026-09-13", "第2次", "done")
        ])
    );
    assert_eq!(
        rule(&x, day, "T001", "dorm-visits.monthly"),
        t(&[
            ("2026-09-30", "1栋-101", "done"),
            ("2026-09-30", "1栋-202", "done")
        ])
    );
    let list = x.json(&["obligations", "--today", day, "--person", "T001", "--json"]);
    let done = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == "dorm-visits.monthly" && o["status"] == "done")
        .unwrap();
    assert_eq!(done["fulfilled_by"], v1.as_str());
    assert_eq!(done["person_name"], "王老师");
    // A visit by a dorm head (neither counselor nor backbone) is refused.
    let bad = x.run(&[
        "network",
        "activity",
        "--kind",
        "dorm-visit",
        "--person",
        "H11",
        "--dorm",
        "1栋-101",
        "--date",
        "2026-09-08",
    ]);
    assert!(stderr(&bad).contains("person"), "{}", stderr(&bad));

    // backbone-meeting: one per 14 days.
    assert_eq!(
        rule(&x, day, "T001", "backbone-meeting"),
        t(&[("2026-09-13", "", "due")])
    );
    activity(
        &x,
        &[
            "--kind",
            "backbone-meeting",
            "--person",
            "T001",
            "--attendees",
            "B1,B2,B3,B4,B5",
            "--date",
            "2026-09-11",
        ],
    );
    assert_eq!(
        rule(&x, day, "T001", "backbone-meeting"),
        t(&[("2026-09-13", "", "done")])
    );

    // network-training: the counselor organises two a semester (000), due at its halves.
    assert_eq!(
        rule(&x, day, "T001", "network-training"),
        t(&[
            ("2026-11-07", "第1次", "due"),
            ("2027-01-15", "第2次", "due")
        ])
    );

    // training.backbone (4 hours) and training.dorm-head (2 hours), per semester.
    assert_eq!(
        rule(&x, day, "B1", "training.backbone"),
        t(&[("2027-01-15", "", "due")])
    );
    assert_eq!(
        rule(&x, day, "H11", "training.dorm-head"),
        t(&[("2027-01-15", "", "due")])
    );
    activity(
        &x,
        &[
            "--kind",
            "training",
            "--person",
            "T001",
            "--attendees",
            "B1、H11",
            "--hours",
            "2",
            "--date",
            "2026-09-09",
        ],
    );
    assert_eq!(
        rule(&x, day, "B1", "training.backbone"),
        t(&[("2027-01-15", "", "due")]),
        "2 of 4 hours"
    );
    assert_eq!(
        rule(&x, day, "H11", "training.dorm-head"),
        t(&[("2027-01-15", "", "done")])
    );
    activity(
        &x,
        &[
            "--kind",
            "training",
            "--person",
            "T001",
            "--attendees",
            "B1",
            "--hours",
            "2",
            "--date",
            "2026-09-12",
        ],
    );
    assert_eq!(
        rule(&x, day, "B1", "training.backbone"),
        t(&[("2027-01-15", "", "done")])
    );
    let bad = x.run(&[
        "network",
        "activity",
        "--kind",
        "training",
        "--attendees",
        "B1",
        "--hours",
        "0",
        "--date",
        "2026-09-12",
    ]);
    assert!(stderr(&bad).contains("hours"), "{}", stderr(&bad));

    assert_eq!(
        rule(&x, day, "T001", "network-training"),
        t(&[
            ("2026-11-07", "第1次", "done"),
            ("2027-01-15", "第2次", "done")
        ])
    );

    // dorm-head-meeting: each backbone meets their dorm heads every 14 days (003).
    assert_eq!(
        rule(&x, day, "B1", "dorm-head-meeting"),
        t(&[("2026-09-13", "", "due")])
    );
    let bad = x.run(&[
        "network",
        "activity",
        "--kind",
        "dorm-head-meeting",
        "--person",
        "T001",
        "--date",
        "2026-09-12",
    ]);
    assert!(stderr(&bad).contains("backbone"), "{}", stderr(&bad));
    activity(
        &x,
        &[
            "--kind",
            "dorm-head-meeting",
            "--person",
            "B1",
            "--date",
            "2026-09-12",
        ],
    );
    assert_eq!(
        rule(&x, day, "B1", "dorm-head-meeting"),
        t(&[("2026-09-13", "", "done")])
    );

    // backbone.dorm-visits.monthly: each dorm of the backbone's dorm heads, monthly (003).
    let linked = rule(&x, day, "B1", "backbone.dorm-visits.monthly");
    assert_eq!(linked.len(), 5);
    assert!(linked
        .iter()
        .all(|(due, _, s)| due == "2026-09-30" && s == "due"));
    activity(
        &x,
        &[
            "--kind",
            "dorm-visit",
            "--person",
            "B1",
            "--dorm",
            "1栋-303",
            "--date",
            "2026-09-11",
        ],
    );
    let linked = rule(&x, day, "B1", "backbone.dorm-visits.monthly");
    let done: Vec<&str> = linked
        .iter()
        .filter(|(_, _, s)| s == "done")
        .map(|(_, d, _)| d.as_str())
        .collect();
    assert_eq!(done, ["1栋-303"]);

    // A waiver with its reason closes a duty.
    let bad = x.run(&[
        "network",
        "waive",
        "--person",
        "T001",
        "--rule",
        "dorm-visits.weekly",
        "--subject",
        "第1次",
        "--due",
        "2026-09-06",
        "--reason",
        " ",
    ]);
    assert!(!bad.status.success());
    x.ok(&[
        "network",
        "waive",
        "--person",
        "T001",
        "--rule",
        "dorm-visits.weekly",
        "--subject",
        "第1次",
        "--due",
        "2026-09-06",
        "--reason",
        "开学第一周迎新，由学院统一走访",
        "--today",
        day,
    ]);
    assert_eq!(
        rule(&x, day, "T001", "dorm-visits.weekly")[..2],
        t(&[
            ("2026-09-06", "第1次", "waived"),
            ("2026-09-06", "第2次", "overdue")
        ])
    );
}

/// A college's duties (no student, no person): (due, subject, status, college, fulfilled_by).
fn college_duties(x: &Xd, today: &str, rule: &str) -> Vec<(String, String, String, String)> {
    let list = x.json(&["obligations", "--today", today, "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .filter(|o| o["rule"] == rule)
        .map(|o| {
            assert_eq!(
                (o["student_no"].as_str(), o["person"].as_str()),
                (Some(""), Some(""))
            );
            (
                o["due"].as_str().unwrap().to_string(),
                o["subject"].as_str().unwrap().to_string(),
                o["status"].as_str().unwrap().to_string(),
                o["fulfilled_by"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn c4(v: &[(&str, &str, &str, &str)]) -> Vec<(String, String, String, String)> {
    v.iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect()
}

/// Preset 001: each college holds two review meetings 心理工作研判会 a semester, due at its
/// halves (autumn 2026: 2026-11-07 and 2027-01-15), fulfilled by a counselor of that college.
#[test]
fn college_review_meetings_appear_fall_overdue_and_are_fulfilled() {
    let x = Xd::init();
    let people: Vec<_> = students().into_iter().take(2).collect();
    x.import(&people);
    x.ok(&[
        "network",
        "import",
        &write_grid(&x, "grid.xlsx", &full_grid(), &[]),
    ]);
    // Preset 000 does not ask for them.
    assert!(college_duties(&x, "2026-09-13", "college-review-meeting").is_empty());
    x.ok(&["policy", "preset", "001"]);
    let open = c4(&[
        ("2026-11-07", "计算机学院", "due", ""),
        ("2027-01-15", "计算机学院", "due", ""),
    ]);
    assert_eq!(
        college_duties(&x, "2026-09-13", "college-review-meeting"),
        open
    );
    let list = x.json(&["obligations", "--today", "2026-09-13", "--json"]);
    let first = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == "college-review-meeting")
        .unwrap();
    assert_eq!(first["college"], "计算机学院");
    assert_eq!(first["kind"], "college_review_meeting");
    assert_eq!(
        college_duties(&x, "2026-11-09", "college-review-meeting")[0].2,
        "overdue"
    );
    // Only a counselor of the network holds it.
    let bad = x.run(&[
        "network",
        "activity",
        "--kind",
        "college-review-meeting",
        "--person",
        "B1",
        "--date",
        "2026-11-09",
    ]);
    assert!(stderr(&bad).contains("person"), "{}", stderr(&bad));
    let id = activity(
        &x,
        &[
            "--kind",
            "college-review-meeting",
            "--person",
            "T001",
            "--date",
            "2026-11-09",
            "--note",
            "学院心理工作研判会",
        ],
    );
    assert_eq!(
        college_duties(&x, "2026-11-09", "college-review-meeting"),
        c4(&[
            ("2026-11-07", "计算机学院", "done", &id),
            ("2027-01-15", "计算机学院", "due", ""),
        ])
    );
    // The meeting does not count before it is held.
    assert_eq!(
        college_duties(&x, "2026-11-08", "college-review-meeting")[0].2,
        "overdue"
    );
    // The college's duty is waived by its subject, without a person.
    x.ok(&[
        "network",
        "waive",
        "--rule",
        "college-review-meeting",
        "--subject",
        "计算机学院",
        "--due",
        "2027-01-15",
        "--reason",
        "与学校专题会议合并召开",
        "--today",
        "2026-11-09",
    ]);
    assert_eq!(
        college_duties(&x, "2026-11-09", "college-review-meeting")[1].2,
        "waived"
    );
    // A person's rule still needs the person.
    let bad = x.run(&[
        "network",
        "waive",
        "--rule",
        "backbone-meeting",
        "--due",
        "2026-09-13",
        "--reason",
        "x",
    ]);
    assert!(stderr(&bad).contains("person"), "{}", stderr(&bad));
}

/// Preset 002: the monthly report 月报 of each month is due on the 5th of the next; exporting
/// that month's report submits it.
#[test]
fn the_monthly_report_appears_falls_overdue_and_is_submitted_by_its_export() {
    let x = Xd::init();
    let people: Vec<_> = students().into_iter().take(2).collect();
    x.import(&people);
    assert!(college_duties(&x, "2026-10-06", "monthly-report").is_empty());
    x.ok(&["policy", "preset", "002"]);
    // The semester's one day of August joins September.
    assert_eq!(
        college_duties(&x, "2026-09-13", "monthly-report"),
        c4(&[("2026-10-05", "2026-09", "due", "")])
    );
    assert_eq!(
        college_duties(&x, "2026-10-06", "monthly-report"),
        c4(&[
            ("2026-10-05", "2026-09", "overdue", ""),
            ("2026-11-05", "2026-10", "due", ""),
        ])
    );
    // A weekly report is not the monthly one.
    let out = x.path("w.xlsx");
    x.ok(&[
        "report",
        "weekly",
        "--out",
        out.to_str().unwrap(),
        "--today",
        "2026-09-30",
    ]);
    assert_eq!(
        college_duties(&x, "2026-10-06", "monthly-report")[0].2,
        "overdue"
    );
    let out = x.path("m.xlsx");
    x.ok(&[
        "report",
        "monthly",
        "--out",
        out.to_str().unwrap(),
        "--today",
        "2026-09-30",
    ]);
    let list = college_duties(&x, "2026-10-06", "monthly-report");
    assert_eq!(list[0].2, "done");
    assert!(!list[0].3.is_empty());
    assert_eq!(list[1].2, "due");
    let all = x.json(&["obligations", "--today", "2026-10-06", "--json"]);
    let done = all
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == "monthly-report")
        .unwrap();
    assert_eq!(done["fulfilled_on"], "2026-09-30");
    assert_eq!(done["kind"], "monthly_report");
    // The submission is audited as an export.
    assert!(x
        .ok(&["audit", "list", "--json"])
        .contains("report Monthly 2026-09-01..2026-09-30"));
}

/// The school's trainings of the network (000: "每学期至少举办两场以上心理危机干预培训") are the
/// school's duty: the center's archive owes them, a college's does not (its counselors do not each
/// hold the school's trainings).
#[test]
fn the_schools_trainings_are_owed_by_the_center_alone() {
    let college = Xd::init();
    assert!(college_duties(&college, "2026-09-13", "school-training").is_empty());
    let center = Xd::empty();
    let out = center.run(&["init", "--center"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let owed = college_duties(&center, "2026-09-13", "school-training");
    assert_eq!(
        owed.iter()
            .map(|(_, subject, status, _)| (subject.as_str(), status.as_str()))
            .collect::<Vec<_>>(),
        [("第1场", "due"), ("第2场", "due")]
    );
}
