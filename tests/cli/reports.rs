//! The reports as .xlsx: the weekly review of key-concern students, the monthly report 月报 and the
//! semester summary, checked by their figures, read back as workbooks, and opened by LibreOffice
//! headless with their Chinese content intact.

use std::path::{Path, PathBuf};
use std::process::Command;

use calamine::{Data, Reader};
use serde_json::{json, Value};

use crate::cli::archive::profile;
use crate::support::*;

const A: &str = "2025040101";
const B: &str = "2025040102";

fn record(x: &Xd, sno: &str, date: &str, body: Value) {
    let rec =
        json!({"date": date, "author": "李老师", "amends": null, "amend_reason": "", "body": body});
    let path = x.path("rec.json");
    std::fs::write(&path, rec.to_string()).unwrap();
    x.ok(&["record", "add", "--student", sno, path.to_str().unwrap()]);
}

fn talk(x: &Xd, sno: &str, date: &str, category: &str) {
    record(
        x,
        sno,
        date,
        json!({"kind": "talk", "data": {"category": category, "place": "办公室", "text": "谈话", "follow_up": null}}),
    );
}

/// Two students, A on the key-concern list since 11-02 and reviewed in a meeting on 11-13; talks,
/// a parent contact and a crisis in the week of 11-09.
fn archive() -> Xd {
    let x = Xd::init();
    x.import(&[
        profile(A, "甲同学", "13800000000"),
        profile(B, "乙同学", "13800000000"),
    ]);
    record(
        &x,
        A,
        "2026-11-02",
        json!({"kind": "key_concern", "data": {"level": "key", "problem_types": ["学业困难"], "until": null, "reason": "挂科较多"}}),
    );
    talk(&x, A, "2026-11-05", "academic");
    talk(&x, A, "2026-11-10", "academic");
    talk(&x, B, "2026-11-11", "relationship");
    record(
        &x,
        A,
        "2026-11-12",
        json!({"kind": "parent_contact", "data": {"contact": "母亲", "method": "phone", "text": "沟通学业"}}),
    );
    record(
        &x,
        B,
        "2026-11-12",
        json!({"kind": "crisis", "data": {"level": "A", "rationale": "适应困难", "actions": "谈话"}}),
    );
    let meeting = json!({
        "date": "2026-11-13",
        "attendees": ["张某", "李某"],
        "minutes": "研判。",
        "signed_by": "张某",
        "items": [{"student_no": A, "decision": "keep", "level": null, "reason": "学业有起色，维持关注"}],
    });
    let path = x.path("meeting.json");
    std::fs::write(&path, meeting.to_string()).unwrap();
    x.ok(&["review", "sign", path.to_str().unwrap()]);
    x
}

fn report(x: &Xd, kind: &str, today: &str) -> (PathBuf, Value) {
    let out = x.path(&format!("{kind}.xlsx"));
    let v: Value = serde_json::from_str(&x.ok(&[
        "report",
        kind,
        "--today",
        today,
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    (out, v)
}

fn count(v: &Value, list: &str, label: &str) -> i64 {
    v[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["label"] == label)
        .unwrap()["count"]
        .as_i64()
        .unwrap()
}

/// Every sheet of a workbook as rows of text.
fn sheets(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    wb.sheet_names()
        .into_iter()
        .map(|name| {
            let range = wb.worksheet_range(&name).unwrap();
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Float(f) => format!("{f}"),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            (name, rows)
        })
        .collect()
}

fn row_of<'a>(sheet: &'a [Vec<String>], first: &str) -> &'a [String] {
    sheet
        .iter()
        .find(|r| r.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no row {first}"))
}

#[test]
fn weekly_monthly_and_semester_reports_carry_their_figures() {
    let x = archive();
    let (weekly, w) = report(&x, "weekly", "2026-11-13");
    assert_eq!(
        (w["start"].as_str(), w["end"].as_str()),
        (Some("2026-11-09"), Some("2026-11-15"))
    );
    assert_eq!(
        w["title"],
        "重点关注学生周研判表（2026-11-09 至 2026-11-15）"
    );
    assert_eq!(count(&w, "talks_by_category", "学业困难"), 1);
    assert_eq!(count(&w, "talks_by_category", "寝室人际情感"), 1);
    assert_eq!(count(&w, "crises", "A级"), 1);
    assert_eq!(w["parent_contacts"], 1);
    assert_eq!(w["key_concern"], 1);
    assert_eq!(w["meetings"], 1);
    let row = &w["concern_list"][0];
    assert_eq!(row["student_no"], A);
    assert_eq!(row["decision"], "维持：学业有起色，维持关注");
    assert_eq!(
        (row["talks"].as_i64(), row["parent_contacts"].as_i64()),
        (Some(1), Some(1))
    );
    // The week's review was held on time (Friday 11-13).
    let wr = w["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == "weekly-review")
        .unwrap();
    assert_eq!(
        (wr["total"].as_i64(), wr["on_time"].as_i64()),
        (Some(1), Some(1))
    );

    let book = sheets(&weekly);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "重点关注学生",
            "概况",
            "谈话分类",
            "工作事项完成",
            "关注等级变化",
            "危机事件"
        ]
    );
    let list = &book[0].1;
    assert_eq!(
        list[0][0],
        "武昌首义学院 重点关注学生周研判表（2026-11-09 至 2026-11-15）"
    );
    assert_eq!(
        row_of(list, A)[1..6],
        [
            "甲同学",
            "计算机学院",
            "计科2501",
            "重点关注",
            "维持：学业有起色，维持关注"
        ]
    );
    // Counts are numbers, so the office can sum them.
    assert_eq!(row_of(&book[2].1, "学业困难")[1], "1");

    let (_, m) = report(&x, "monthly", "2026-11-24");
    assert_eq!(
        (m["start"].as_str(), m["end"].as_str()),
        (Some("2026-11-01"), Some("2026-11-30"))
    );
    assert_eq!(count(&m, "talks_by_category", "学业困难"), 2);
    assert_eq!(m["new_concern"], 1);
    // The weeks of November so far: 11-13 held; 11-06 and 11-20 missed; 11-27 still due.
    let wr = m["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["rule"] == "weekly-review")
        .unwrap()
        .clone();
    assert_eq!(
        (wr["on_time"].as_i64(), wr["open"].as_i64()),
        (Some(1), Some(3))
    );

    let (semester, s) = report(&x, "semester", "2026-11-24");
    assert_eq!(
        (s["start"].as_str(), s["end"].as_str()),
        (Some("2026-08-31"), Some("2027-01-15"))
    );
    let points = s["concern_over_time"].as_array().unwrap();
    // Month ends from August to the day asked: on the list from November only.
    let dates: Vec<&str> = points.iter().map(|p| p["date"].as_str().unwrap()).collect();
    assert_eq!(
        dates,
        ["2026-08-31", "2026-09-30", "2026-10-31", "2026-11-24"]
    );
    assert_eq!(points[2]["key"], 0);
    assert_eq!(points[3]["key"], 1);
    let book = sheets(&semester);
    assert_eq!(book[0].0, "概况");
    assert_eq!(row_of(&book[0].1, "重点关注学生数")[1], "1");

    // Bad input: a clear line, nothing written.
    let bad = x.run(&[
        "report",
        "yearly",
        "--out",
        x.path("y.xlsx").to_str().unwrap(),
    ]);
    assert!(stderr(&bad).contains("use weekly, monthly or semester"));
    let bad = x.run(&[
        "report",
        "semester",
        "--today",
        "2030-01-01",
        "--out",
        x.path("y.xlsx").to_str().unwrap(),
    ]);
    assert!(!bad.status.success());
    let bad = x.run(&[
        "report",
        "weekly",
        "--out",
        x.path("no/such/dir/w.xlsx").to_str().unwrap(),
    ]);
    assert!(
        stderr(&bad).starts_with("error: file error"),
        "{}",
        stderr(&bad)
    );
    assert!(!x.path("y.xlsx").exists());
    // Exports are audited.
    let log = x.ok(&["audit", "list"]);
    assert!(log.matches("report").count() >= 3, "{log}");
}

/// LibreOffice's `soffice`, if installed.
fn soffice() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|d| [d.join("soffice"), d.join("libreoffice")])
        .find(|p| p.is_file())
}

#[test]
fn reports_open_in_libreoffice_with_their_chinese_intact() {
    let Some(soffice) = soffice() else {
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        assert!(!ci, "soffice (LibreOffice) is required under CI: `cargo xtask setup` installs libreoffice-calc-nogui");
        eprintln!(
            "skipped: soffice is not installed (Debian: libreoffice-calc-nogui); CI runs this test"
        );
        return;
    };
    let x = archive();
    let files: Vec<PathBuf> = ["weekly", "monthly", "semester"]
        .iter()
        .map(|k| report(&x, k, "2026-11-13").0)
        .collect();
    let out = x.path("csv");
    // Its own profile, so parallel runs do not fight over ~/.config; all sheets, UTF-8 (76).
    let status = Command::new(soffice)
        .arg(format!(
            "-env:UserInstallation=file://{}",
            x.path("lo-profile").display()
        ))
        .args(["--headless", "--convert-to"])
        .arg("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1")
        .arg("--outdir")
        .arg(&out)
        .args(&files)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", stderr(&status));
    let read = |name: &str| {
        std::fs::read_to_string(out.join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}; {}", stdout(&status)))
    };
    let list = read("weekly-重点关注学生.csv");
    assert!(
        list.contains("武昌首义学院 重点关注学生周研判表（2026-11-09 至 2026-11-15）"),
        "{list}"
    );
    assert!(
        list.contains(
            "2025040101,甲同学,计算机学院,计科2501,重点关注,维持：学业有起色，维持关注,1,1,"
        ),
        "{list}"
    );
    let talks = read("monthly-谈话分类.csv");
    assert!(talks.contains("学业困难,2"), "{talks}");
    assert!(talks.contains("寝室人际情感,1"), "{talks}");
    let summary = read("semester-概况.csv");
    assert!(summary.contains("学生心理健康工作学期总结"), "{summary}");
    assert!(summary.contains("重点关注学生数,1"), "{summary}");
    let done = read("semester-工作事项完成.csv");
    assert!(done.contains("重点关注学生·周研判,"), "{done}");
}
