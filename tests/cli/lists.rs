//! Lists in through the command line, on real .xlsx workbooks: every sheet of a roster, screening
//! results with a flagged row, a 学业预警 list with a 学号 the archive does not have, observers'
//! reports through the triage inbox, and nothing of them readable on disk.

use rust_xlsxwriter::Workbook;
use serde_json::Value;

use crate::cli::archive::profile;
use crate::support::*;

/// Writes a workbook of named sheets, each a grid of text cells.
pub(super) fn workbook(path: &std::path::Path, sheets: &[(&str, Vec<Vec<String>>)]) {
    let mut wb = Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, text) in row.iter().enumerate() {
                if !text.is_empty() {
                    ws.write_string(r as u32, c as u16, text).unwrap();
                }
            }
        }
    }
    wb.save(path).unwrap();
}

pub(super) fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// Three students of the archive, under the test policy with every rule in force (the lists
/// feed the 八必谈 and the screening follow-up, which not every school's preset has).
fn archive_of_three() -> Xd {
    let x = Xd::init();
    super::obligations::use_every_rule(&x);
    x.import(&[
        profile("2025010101", "王芳", "13800000001"),
        profile("2025010102", "李雷", "13800000002"),
        profile("2025010103", "韩梅梅", "13800000003"),
    ]);
    x
}

fn records_in_db(x: &Xd) -> i64 {
    x.db()
        .query_row("SELECT count(*) FROM records", [], |r| r.get(0))
        .unwrap()
}

fn obligations_of(x: &Xd, student: &str) -> Vec<Value> {
    x.json(&[
        "obligations",
        "--json",
        "--today",
        "2026-10-15",
        "--student",
        student,
    ])
    .as_array()
    .unwrap()
    .clone()
}

fn import(x: &Xd, file: &std::path::Path, kind: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "list",
        "import",
        file.to_str().unwrap(),
        "--kind",
        kind,
        "--today",
        "2026-10-15",
        "--json",
    ];
    args.extend_from_slice(extra);
    x.json(&args)
}

#[test]
fn a_two_sheet_roster_imports_both_sheets_and_names_each() {
    let x = Xd::init();
    let class = |k: u32| -> Vec<Vec<String>> {
        let mut rows = vec![
            row(&[&format!("计科250{k}班学生名单")]),
            row(&["学号", "姓 名", "班级"]),
        ];
        for i in 1..=25 {
            rows.push(row(&[
                &format!("20250{k}01{i:02}"),
                &format!("学生{k}{i:02}"),
                &format!("计科250{k}"),
            ]));
        }
        rows.push(row(&["合计", "25人"]));
        rows
    };
    let path = x.path("两个班.xlsx");
    workbook(
        &path,
        &[
            ("1班", class(1)),
            ("2班", class(2)),
            ("说明", vec![row(&["本表由学院学工办填报"])]),
        ],
    );
    let out = x.ok(&["roster", "import", path.to_str().unwrap()]);
    assert!(out.contains("50 added"), "{out}");
    assert!(out.contains("sheet '1班': 25 rows read"), "{out}");
    assert!(out.contains("sheet '2班': 25 rows read"), "{out}");
    assert!(out.contains("sheet '说明': skipped"), "{out}");
    let list = x.json(&["student", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 50);
}

#[test]
fn a_flagged_screening_row_owes_its_follow_up_and_the_same_sheet_twice_changes_nothing() {
    let x = archive_of_three();
    let path = x.path("2026秋心理普查结果.xlsx");
    workbook(
        &path,
        &[(
            "普查结果",
            vec![
                row(&["2026年秋季学期心理普查结果"]),
                row(&["学号", "姓名", "测评日期", "量表", "总分", "预警等级"]),
                row(&[
                    "2025010101",
                    "王芳",
                    "2026-10-08",
                    "SCL-90",
                    "221",
                    "二级预警",
                ]),
                row(&["2025010102", "李雷", "2026-10-08", "SCL-90", "118", "正常"]),
                row(&[
                    "2099990001",
                    "查无此人",
                    "2026-10-08",
                    "SCL-90",
                    "130",
                    "正常",
                ]),
                row(&[
                    "2025010103",
                    "韩梅梅",
                    "2026-10-08",
                    "SCL-90",
                    "140",
                    "说不清",
                ]),
            ],
        )],
    );
    let before = records_in_db(&x);
    // The preview names the bad rows and writes nothing.
    let preview = import(&x, &path, "screening", &["--dry-run"]);
    assert_eq!(preview["dry_run"], true);
    assert_eq!(preview["added"], 2);
    let codes: Vec<(u64, &str)> = preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, [(5, "unknown_student"), (6, "invalid_result")]);
    assert_eq!(records_in_db(&x), before);
    assert!(obligations_of(&x, "2025010101")
        .iter()
        .all(|o| o["rule"] != "screening.follow-up"));

    let report = import(&x, &path, "screening", &[]);
    assert_eq!(report["added"], 2);
    assert_eq!(report["proposals"][0]["student_no"], "2025010101");
    assert_eq!(report["proposals"][0]["level"], "key");
    let follow_up: Vec<Value> = obligations_of(&x, "2025010101")
        .into_iter()
        .filter(|o| o["rule"] == "screening.follow-up")
        .collect();
    assert_eq!(follow_up.len(), 1, "{follow_up:?}");
    assert!(obligations_of(&x, "2025010102")
        .iter()
        .all(|o| o["rule"] != "screening.follow-up"));
    // The proposal is only a proposal: no key-concern record was written.
    let file = x.json(&["student", "show", "2025010101", "--json"]);
    let kinds: Vec<&str> = file["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["record"]["body"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["screening"]);

    let after = records_in_db(&x);
    assert_eq!(after, before + 2);
    let again = import(&x, &path, "screening", &[]);
    assert_eq!(again["added"], 0);
    assert_eq!(again["unchanged"], 2);
    assert_eq!(records_in_db(&x), after);
    let audit = x.ok(&["audit", "list"]);
    assert_eq!(audit.matches("list screening").count(), 1, "{audit}");
}

#[test]
fn an_academic_warning_list_owes_each_student_the_academic_talk_and_creates_nobody() {
    let x = archive_of_three();
    let path = x.path("学业预警名单.xlsx");
    workbook(
        &path,
        &[(
            "学业预警",
            vec![
                row(&["学号", "姓名", "预警日期", "预警原因"]),
                row(&["2025010101", "王芳", "2026-10-08", "不及格学分超过10分"]),
                row(&["2025010103", "韩 梅梅", "2026-10-09", "退学试读"]),
                row(&["2024999999", "外人", "2026-10-09", "不及格学分超过15分"]),
                row(&["2025010102", "张三", "2026-10-09", "不及格学分超过10分"]),
            ],
        )],
    );
    let out = x.ok(&[
        "list",
        "import",
        path.to_str().unwrap(),
        "--kind",
        "academic",
        "--today",
        "2026-10-15",
    ]);
    assert!(out.contains("2 added"), "{out}");
    assert!(
        out.contains("sheet '学业预警' row 4:") && out.contains("[unknown_student]"),
        "the unknown 学号 is a named row error: {out}"
    );
    assert!(out.contains("[name_mismatch]"), "{out}");
    for sno in ["2025010101", "2025010103"] {
        assert!(
            obligations_of(&x, sno)
                .iter()
                .any(|o| o["rule"] == "must-talk.academic"),
            "{sno}"
        );
    }
    assert!(obligations_of(&x, "2025010102")
        .iter()
        .all(|o| o["rule"] != "must-talk.academic"));
    let list = x.json(&["student", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 3, "no student created");
    assert!(x
        .run(&["student", "show", "2024999999", "--json"])
        .status
        .code()
        .is_some_and(|c| c != 0));
}

#[test]
fn observers_reports_wait_in_the_inbox_until_filed_or_dismissed() {
    let x = archive_of_three();
    let path = x.path("班级心理晴雨表.xlsx");
    workbook(
        &path,
        &[(
            "11月",
            vec![
                row(&["班级", "报告人", "学号", "姓名", "观察内容", "日期"]),
                row(&[
                    "计科2501",
                    "心理委员 赵某",
                    "2025010101",
                    "王芳",
                    "连续三天未去上课",
                    "2026-10-10",
                ]),
                row(&[
                    "计科2501",
                    "心理委员 赵某",
                    "2025010102",
                    "李雷",
                    "和室友争吵后搬出寝室",
                    "2026-10-11",
                ]),
                row(&[
                    "计科2501",
                    "心理委员 赵某",
                    "2025010103",
                    "韩梅梅",
                    "",
                    "2026-10-11",
                ]),
            ],
        )],
    );
    let report = import(&x, &path, "observations", &[]);
    assert_eq!(report["added"], 2);
    assert_eq!(report["errors"][0]["reason"], "missing_text");
    let inbox = x.json(&["list", "inbox", "--json"]);
    let items = inbox.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i["status"] == "open"));
    let id = |sno: &str| {
        items.iter().find(|i| i["student_no"] == sno).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (filed, dismissed) = (id("2025010101"), id("2025010102"));
    // Nothing in the student's file until it is filed.
    let file = x.json(&["student", "show", "2025010101", "--json"]);
    assert!(file["records"].as_array().unwrap().is_empty());
    x.ok(&["list", "file", &filed, "--note", "已约谈"]);
    let out = x.run(&["list", "dismiss", &dismissed, "--reason", " "]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("reason"), "{}", stderr(&out));
    x.ok(&[
        "list",
        "dismiss",
        &dismissed,
        "--reason",
        "已由宿管处理，非心理问题",
    ]);
    let file = x.json(&["student", "show", "2025010101", "--json"]);
    let body = &file["records"][0]["record"]["body"];
    assert_eq!(body["kind"], "observation");
    assert_eq!(body["data"]["text"], "连续三天未去上课");
    assert_eq!(body["data"]["note"], "已约谈");
    let file = x.json(&["student", "show", "2025010102", "--json"]);
    assert!(file["records"].as_array().unwrap().is_empty());
    // Triaged twice? No: both are closed, and the same report again adds nothing.
    assert!(!x.run(&["list", "file", &filed]).status.success());
    let again = import(&x, &path, "observations", &[]);
    assert_eq!(again["added"], 0);
    assert_eq!(again["unchanged"], 2);
    let inbox = x.json(&["list", "inbox", "--json"]);
    let statuses: Vec<&str> = inbox
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 2);
    assert!(statuses.contains(&"filed") && statuses.contains(&"dismissed"));
}

#[test]
fn nothing_of_an_imported_list_reaches_the_disk_in_plaintext() {
    let x = archive_of_three();
    let screening = x.path("普查.xlsx");
    workbook(
        &screening,
        &[(
            "Sheet1",
            vec![
                row(&["学号", "姓名", "日期", "量表", "得分", "结果", "备注"]),
                row(&[
                    "2025010101",
                    "王芳",
                    "2026-10-08",
                    "测评量表甲乙丙",
                    "77",
                    "重度",
                    "自述长期失眠伴随惊恐发作",
                ]),
            ],
        )],
    );
    let hardship = x.path("困难认定.xlsx");
    workbook(
        &hardship,
        &[(
            "Sheet1",
            vec![
                row(&["学号", "姓名", "认定日期", "认定等级"]),
                row(&[
                    "2025010102",
                    "李雷",
                    "2026-10-01",
                    "特别困难家中房屋被洪水冲毁",
                ]),
            ],
        )],
    );
    let reports = x.path("寝室长报告.xlsx");
    workbook(
        &reports,
        &[(
            "Sheet1",
            vec![
                row(&["宿舍", "寝室长", "学号", "姓名", "异常情况", "日期"]),
                row(&[
                    "6栋-302",
                    "寝室长孙某某",
                    "2025010103",
                    "韩梅梅",
                    "深夜独自在阳台哭泣多次",
                    "2026-10-12",
                ]),
            ],
        )],
    );
    assert_eq!(import(&x, &screening, "screening", &[])["added"], 1);
    assert_eq!(import(&x, &hardship, "hardship", &[])["added"], 1);
    assert_eq!(import(&x, &reports, "observations", &[])["added"], 1);
    // Lock (the command ends), so the index snapshot is on disk too.
    for needle in [
        "测评量表甲乙丙",
        "自述长期失眠伴随惊恐发作",
        "特别困难家中房屋被洪水冲毁",
        "寝室长孙某某",
        "深夜独自在阳台哭泣多次",
        "韩梅梅",
        "2025010103",
    ] {
        assert!(
            find_plaintext(&x.dir(), needle).is_empty(),
            "{needle} readable in {:?}",
            find_plaintext(&x.dir(), needle)
        );
    }
}

/// The demo teaches what a kept-up dashboard looks like: at 3,000 students fewer than one open
/// overdue obligation per ten students (students', network people's and the college's), some
/// left to show, and a few reports in the inbox.
#[test]
fn a_3000_student_demo_is_mostly_kept_up() {
    let x = Xd::init();
    x.ok(&["demo", "--students", "3000"]);
    let list = x.json(&["obligations", "--open", "--json"]);
    let overdue: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "overdue")
        .collect();
    assert!(overdue.len() < 300, "{} overdue", overdue.len());
    assert!(!overdue.is_empty(), "a demo shows what slipped");
    let inbox = x.json(&["list", "inbox", "--json"]);
    assert_eq!(inbox.as_array().unwrap().len(), 5);
}

#[test]
fn an_untriaged_report_is_an_obligation_overdue_after_the_limit_and_done_once_triaged() {
    let x = archive_of_three();
    let path = x.path("寝室长报告.xlsx");
    workbook(
        &path,
        &[(
            "报告",
            vec![
                row(&["宿舍", "报告人", "学号", "观察内容", "日期"]),
                row(&[
                    "7-302",
                    "寝室长 钱某",
                    "2025010101",
                    "夜里常哭",
                    "2026-10-10",
                ]),
            ],
        )],
    );
    assert_eq!(import(&x, &path, "observations", &[])["added"], 1);
    let triage_on = |day: &str| -> Value {
        let list = x.json(&[
            "obligations",
            "--json",
            "--today",
            day,
            "--student",
            "2025010101",
        ]);
        list.as_array()
            .unwrap()
            .iter()
            .find(|o| o["rule"] == "inbox.triage")
            .cloned()
            .unwrap_or(Value::Null)
    };
    // Received on the import's day (2026-10-15), due three days later.
    let o = triage_on("2026-10-17");
    assert_eq!(o["status"], "due", "{o}");
    assert_eq!(o["due"], "2026-10-18");
    assert_eq!(o["kind"], "triage");
    assert_eq!(o["fulfil"]["action"], "triage");
    assert_eq!(triage_on("2026-10-19")["status"], "overdue");
    let id = x.json(&["list", "inbox", "--json"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    x.ok(&["list", "file", &id]);
    assert_eq!(triage_on("2026-10-19")["status"], "done");
    // Every must-talk the import or a record calls for names what fulfils it.
    let list = obligations_of(&x, "2025010101");
    assert!(list
        .iter()
        .filter(|o| o["rule"] != "inbox.triage")
        .all(|o| o["fulfil"]["action"].is_string()));
}
