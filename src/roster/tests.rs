//! Tests on real files: workbooks written with rust_xlsxwriter, CSV encoded with encoding_rs, and
//! a legacy .xls made by xlwt (tests/fixtures/roster/make_xls.py).

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};

use super::read::Cell;
use super::*;
use crate::model::{DegreeLevel, Gender, Guardian, StudentStatus};

/// A scratch folder removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("xindang-roster-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn codes(p: &RosterParse) -> Vec<(u32, &'static str)> {
    p.errors.iter().map(|e| (e.row, e.code())).collect()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/roster")
        .join(name)
}

fn sample_profiles() -> Vec<StudentProfile> {
    vec![
        StudentProfile {
            student_no: "2025010101".into(),
            name: "张三".into(),
            gender: Some(Gender::Male),
            birth_date: Some(date(2005, 3, 7)),
            college: "计算机学院".into(),
            major: "计算机科学与技术".into(),
            class_name: "计科2501".into(),
            dorm: "6栋-302".into(),
            grade: "2025".into(),
            level: DegreeLevel::Undergraduate,
            status: StudentStatus::Enrolled,
            phone: "13800138000".into(),
            home_address: "湖北省武汉市洪山区 珞喻路1号".into(),
            guardians: vec![
                Guardian {
                    name: "张伟".into(),
                    relation: "父亲".into(),
                    phone: "13900139000".into(),
                },
                Guardian {
                    name: "李娜".into(),
                    relation: "母亲".into(),
                    phone: "027-87654321".into(),
                },
            ],
            off_campus: None,
        },
        StudentProfile {
            student_no: "S2024GR07".into(),
            name: "Ali Hassan".into(),
            gender: Some(Gender::Female),
            birth_date: None,
            college: "外国语学院".into(),
            level: DegreeLevel::Graduate,
            status: StudentStatus::OnLeave,
            phone: "+8613800138001".into(),
            guardians: vec![Guardian {
                name: "Hassan".into(),
                relation: "家长".into(),
                phone: String::new(),
            }],
            ..StudentProfile::default()
        },
        StudentProfile {
            student_no: "2021000003".into(),
            name: "王五".into(),
            gender: None,
            birth_date: Some(date(2000, 2, 29)),
            grade: "2021".into(),
            status: StudentStatus::Graduated,
            ..StudentProfile::default()
        },
        StudentProfile {
            student_no: "2021000004".into(),
            name: "赵六".into(),
            status: StudentStatus::Withdrawn,
            ..StudentProfile::default()
        },
        StudentProfile {
            student_no: "2021000005".into(),
            name: "钱七".into(),
            status: StudentStatus::Transferred,
            ..StudentProfile::default()
        },
    ]
}

#[test]
fn round_trip_write_then_parse() {
    let dir = Scratch::new("round-trip");
    let path = dir.path("名单.xlsx");
    let profiles = sample_profiles();
    write_xlsx(&path, &profiles).unwrap();
    let parsed = parse_file(&path).unwrap();
    assert_eq!(parsed.header_row, 1);
    assert_eq!(parsed.sheet, "名单");
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    assert!(parsed.ignored_columns.is_empty());
    assert_eq!(parsed.columns.len(), RosterField::ALL.len());
    for (i, field) in RosterField::ALL.iter().enumerate() {
        assert_eq!(parsed.column_of(*field), Some(u32::try_from(i).unwrap()));
    }
    let back: Vec<StudentProfile> = parsed.rows.iter().map(|r| r.profile.clone()).collect();
    assert_eq!(back, profiles);
    let numbers: Vec<u32> = parsed.rows.iter().map(|r| r.row).collect();
    assert_eq!(numbers, vec![2, 3, 4, 5, 6]);
}

/// The messy workbook of real offices, row by row (Excel row numbers in comments).
fn messy_workbook(path: &Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let title = Format::new().set_bold();
    let date_fmt = Format::new().set_num_format("yyyy/m/d");
    let sci = Format::new().set_num_format("0.00E+00");
    // 1: merged title; 2: blank; 3: header.
    ws.merge_range(0, 0, 0, 10, "2025级新生名单", &title)
        .unwrap();
    let headers = [
        "序号",
        "学号*",
        " 姓 名（必填）",
        "性别",
        "出生日期",
        "学院",
        "班级",
        "手机号码",
        "家长姓名",
        "家长电话",
        "备注",
    ];
    for (c, h) in (0u16..).zip(headers) {
        ws.write_string(2, c, h).unwrap();
    }
    // 4: 学号 as a number shown in scientific notation, date as a serial with a date format,
    // phones as numbers.
    ws.write_number(3, 0, 1).unwrap();
    ws.write_number_with_format(3, 1, 2_025_010_101.0, &sci)
        .unwrap();
    ws.write_string(3, 2, "张三").unwrap();
    ws.write_string(3, 3, "男").unwrap();
    ws.write_number_with_format(3, 4, 38418.0, &date_fmt)
        .unwrap();
    ws.write_string(3, 5, "计算机学院").unwrap();
    ws.write_string(3, 6, "计科2501").unwrap();
    ws.write_number(3, 7, 13_800_138_000.0).unwrap();
    ws.write_string(3, 8, "张伟").unwrap();
    ws.write_number(3, 9, 13_900_139_000.0).unwrap();
    ws.write_string(3, 10, "班长").unwrap();
    // 5: full-width digits, ideographic and stray spaces, text date.
    ws.write_number(4, 0, 2).unwrap();
    ws.write_string(4, 1, "２０２５０１０１０２").unwrap();
    ws.write_string(4, 2, "李　四").unwrap();
    ws.write_string(4, 3, " 女 ").unwrap();
    ws.write_string(4, 4, "2005/3/7").unwrap();
    ws.write_string(4, 5, "  计算机学院\u{3000}").unwrap();
    ws.write_string(4, 6, "计科  2501").unwrap();
    ws.write_string(4, 7, "138 0013 8001").unwrap();
    // 6: blank row.
    // 7: duplicate of row 4.
    ws.write_number(6, 0, 4).unwrap();
    ws.write_string(6, 1, "2025010101").unwrap();
    ws.write_string(6, 2, "王五").unwrap();
    // 8: missing name.
    ws.write_number(7, 0, 5).unwrap();
    ws.write_string(7, 1, "2025010105").unwrap();
    ws.write_string(7, 3, "男").unwrap();
    // 9: impossible date.
    ws.write_number(8, 0, 6).unwrap();
    ws.write_string(8, 1, "2025010106").unwrap();
    ws.write_string(8, 2, "赵六").unwrap();
    ws.write_string(8, 4, "2005-02-30").unwrap();
    // 10: bad phone.
    ws.write_number(9, 0, 7).unwrap();
    ws.write_string(9, 1, " 2025010107 ").unwrap();
    ws.write_string(9, 2, "钱七").unwrap();
    ws.write_string(9, 4, "2005年3月7日").unwrap();
    ws.write_string(9, 7, "12345").unwrap();
    // 11: bad 学号.
    ws.write_number(10, 0, 8).unwrap();
    ws.write_string(10, 1, "20250101-08").unwrap();
    ws.write_string(10, 2, "周八").unwrap();
    // 12: bad gender.
    ws.write_number(11, 0, 9).unwrap();
    ws.write_string(11, 1, "2025010109").unwrap();
    ws.write_string(11, 2, "孙九").unwrap();
    ws.write_string(11, 3, "未知").unwrap();
    // 13: letters in 学号, Latin name, compact date, +86, two guardians.
    ws.write_number(12, 0, 10).unwrap();
    ws.write_string(12, 1, "ｓｔ２０２５００１").unwrap();
    ws.write_string(12, 2, " Anna  Smith ").unwrap();
    ws.write_string(12, 3, "F").unwrap();
    ws.write_number(12, 4, 20_050_307.0).unwrap();
    ws.write_string(12, 7, "+86 138 0013 8002").unwrap();
    ws.write_string(12, 8, "John Smith；李娜").unwrap();
    ws.write_string(12, 9, "010-12345678；13900139001").unwrap();
    // 14: only the ignored 序号 column: blank to the importer.
    ws.write_number(13, 0, 11).unwrap();
    // 15: no 学号 (and a note that must not matter).
    ws.write_number(14, 0, 12).unwrap();
    ws.write_string(14, 2, "周十").unwrap();
    ws.write_string(14, 10, "转专业").unwrap();
    // 16: two errors in one row: missing name and a bad guardian phone.
    ws.write_string(15, 1, "2025010116").unwrap();
    ws.write_string(15, 9, "父亲 139").unwrap();
    wb.save(path).unwrap();
}

#[test]
fn messy_workbook_is_read_row_by_row() {
    let dir = Scratch::new("messy");
    let path = dir.path("messy.xlsx");
    messy_workbook(&path);
    let p = parse_file(&path).unwrap();
    assert_eq!(p.header_row, 3);
    assert_eq!(p.ignored_columns, vec!["序号", "备注"]);
    assert_eq!(p.column_of(RosterField::StudentNo), Some(1));
    assert_eq!(p.column_of(RosterField::Name), Some(2));
    assert_eq!(p.column_of(RosterField::GuardianPhone), Some(9));
    assert_eq!(p.column_of(RosterField::Dorm), None);
    assert_eq!(
        codes(&p),
        vec![
            (7, "duplicate_student_no"),
            (8, "missing_name"),
            (9, "invalid_date"),
            (10, "invalid_phone"),
            (11, "invalid_student_no"),
            (12, "invalid_gender"),
            (15, "missing_student_no"),
            (16, "missing_name"),
            (16, "invalid_phone"),
        ]
    );
    let dup = &p.errors[0];
    assert!(dup.detail.contains("row 4"), "{}", dup.detail);
    assert!(p.errors[2]
        .detail
        .contains("'2005-02-30' is not a real date"));
    assert!(p.errors[2].detail.contains("column E (出生日期)"));
    // No phone number or name is echoed.
    for e in &p.errors {
        assert!(
            !e.detail.contains("12345") && !e.detail.contains("139"),
            "{e}"
        );
        assert!(
            !e.detail.contains("王五") && !e.detail.contains("周十"),
            "{e}"
        );
    }
    assert_eq!(
        p.errors[3].to_string(),
        format!("row 10: {}", p.errors[3].detail)
    );

    let rows: Vec<u32> = p.rows.iter().map(|r| r.row).collect();
    assert_eq!(rows, vec![4, 5, 13]);
    let expected_4 = StudentProfile {
        student_no: "2025010101".into(),
        name: "张三".into(),
        gender: Some(Gender::Male),
        birth_date: Some(date(2005, 3, 7)),
        college: "计算机学院".into(),
        class_name: "计科2501".into(),
        phone: "13800138000".into(),
        guardians: vec![Guardian {
            name: "张伟".into(),
            relation: "家长".into(),
            phone: "13900139000".into(),
        }],
        ..StudentProfile::default()
    };
    assert_eq!(p.rows[0].profile, expected_4);
    let expected_5 = StudentProfile {
        student_no: "2025010102".into(),
        name: "李四".into(),
        gender: Some(Gender::Female),
        birth_date: Some(date(2005, 3, 7)),
        college: "计算机学院".into(),
        class_name: "计科 2501".into(),
        phone: "13800138001".into(),
        ..StudentProfile::default()
    };
    assert_eq!(p.rows[1].profile, expected_5);
    let expected_13 = StudentProfile {
        student_no: "ST2025001".into(),
        name: "Anna Smith".into(),
        gender: Some(Gender::Female),
        birth_date: Some(date(2005, 3, 7)),
        phone: "+8613800138002".into(),
        guardians: vec![
            Guardian {
                name: "John Smith".into(),
                relation: "家长".into(),
                phone: "010-12345678".into(),
            },
            Guardian {
                name: "李娜".into(),
                relation: "家长".into(),
                phone: "13900139001".into(),
            },
        ],
        ..StudentProfile::default()
    };
    assert_eq!(p.rows[2].profile, expected_13);
    // The same bytes through parse_bytes.
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(parse_bytes("messy.xlsx", &bytes).unwrap(), p);
}

const CSV_TEXT: &str = "2025级新生名单,,,,,\r\n\
                        ,,,,,\r\n\
                        学号,姓名,性别,出生日期,宿舍号,联系电话\r\n\
                        2025010101,张三,男,2005-03-07,6栋-302,13800138000\r\n\
                        \r\n\
                        ２０２５０１０１０２,李　四,女,2005.3.7,\"6栋\n302\",13800138001\r\n\
                        2025010103,王五,男,2005-13-01,,\r\n\
                        2.02501E+09,赵六,,,,\r\n";

fn check_csv(p: &RosterParse) {
    assert_eq!(p.header_row, 3);
    assert_eq!(p.sheet, "");
    let rows: Vec<(u32, &str, &str)> = p
        .rows
        .iter()
        .map(|r| {
            (
                r.row,
                r.profile.student_no.as_str(),
                r.profile.name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![(4, "2025010101", "张三"), (6, "2025010102", "李四")]
    );
    assert_eq!(p.rows[0].profile.dorm, "6栋-302");
    assert_eq!(p.rows[0].profile.birth_date, Some(date(2005, 3, 7)));
    assert_eq!(p.rows[1].profile.dorm, "6栋 302");
    assert_eq!(p.rows[1].profile.phone, "13800138001");
    assert_eq!(
        codes(p),
        vec![(7, "invalid_date"), (8, "invalid_student_no")]
    );
    assert!(p.errors[1].detail.contains("scientific notation"));
}

#[test]
fn csv_in_gbk_and_utf8_with_bom() {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(CSV_TEXT);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really GBK, not UTF-8");
    let dir = Scratch::new("csv");
    let gbk_path = dir.path("gbk.csv");
    std::fs::write(&gbk_path, &gbk).unwrap();
    check_csv(&parse_file(&gbk_path).unwrap());

    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(CSV_TEXT.as_bytes());
    let bom_path = dir.path("bom.CSV");
    std::fs::write(&bom_path, &bom).unwrap();
    let from_bom = parse_file(&bom_path).unwrap();
    check_csv(&from_bom);
    // No header cell keeps a BOM.
    assert_eq!(from_bom.columns[0].header, "学号");

    // Excel's "Unicode text": UTF-16LE with BOM, tab-separated.
    let tabbed = CSV_TEXT.replace(',', "\t");
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in tabbed.encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    check_csv(&parse_bytes("名单.txt", &utf16).unwrap());
}

#[test]
fn legacy_xls_fixture() {
    let p = parse_file(&fixture("roster_2025.xls")).unwrap();
    assert_eq!(p.sheet, "2025级名单");
    assert_eq!(p.header_row, 3);
    assert_eq!(p.ignored_columns, vec!["序号"]);
    assert_eq!(p.column_of(RosterField::BirthDate), Some(4));
    assert_eq!(p.column_of(RosterField::Dorm), Some(7));
    assert_eq!(codes(&p), vec![(6, "invalid_date")]);
    assert!(p.errors[0].detail.contains("'2006-02-30'"));
    let rows: Vec<u32> = p.rows.iter().map(|r| r.row).collect();
    assert_eq!(rows, vec![4, 5, 7]);
    assert_eq!(
        p.rows[0].profile,
        StudentProfile {
            student_no: "2025030101".into(),
            name: "陈静".into(),
            gender: Some(Gender::Female),
            birth_date: Some(date(2006, 11, 2)),
            college: "外国语学院".into(),
            class_name: "英语2501".into(),
            dorm: "6栋-302".into(),
            phone: "15900001111".into(),
            guardians: vec![Guardian {
                name: "陈建国".into(),
                relation: "家长".into(),
                phone: "13700002222".into(),
            }],
            ..StudentProfile::default()
        }
    );
    assert_eq!(
        p.rows[1].profile,
        StudentProfile {
            student_no: "2025030102".into(),
            name: "Ali Hassan".into(),
            gender: Some(Gender::Male),
            birth_date: Some(date(2005, 12, 31)),
            college: "外国语学院".into(),
            class_name: "英语2501".into(),
            dorm: "6栋-303".into(),
            phone: "15900001112".into(),
            ..StudentProfile::default()
        }
    );
    assert_eq!(
        p.rows[2].profile,
        StudentProfile {
            student_no: "2025030104".into(),
            name: "黄丽".into(),
            gender: Some(Gender::Female),
            birth_date: Some(date(2006, 6, 7)),
            college: "外国语学院".into(),
            class_name: "日语2501".into(),
            phone: "027-87654321".into(),
            guardians: vec![Guardian {
                name: "黄海".into(),
                relation: "家长".into(),
                phone: "13700002223".into(),
            }],
            ..StudentProfile::default()
        }
    );
}

#[test]
fn unreadable_files_give_stable_codes() {
    let dir = Scratch::new("bad");
    let code = |name: &str, bytes: &[u8]| {
        let path = dir.path(name);
        std::fs::write(&path, bytes).unwrap();
        parse_file(&path).unwrap_err().code()
    };
    // A truncated workbook.
    let good = dir.path("good.xlsx");
    write_xlsx(&good, &sample_profiles()).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    assert_eq!(
        code("cut.xlsx", &bytes[..bytes.len() / 2]),
        "roster_unreadable"
    );
    // Zip magic and garbage; plain garbage; text named .xlsx; a binary named .csv.
    assert_eq!(code("zip.xlsx", b"PK\x03\x04garbage"), "roster_unreadable");
    assert_eq!(
        code("text.xlsx", "学号,姓名\n1,2\n".as_bytes()),
        "roster_unreadable"
    );
    assert_eq!(
        code("bin.csv", &[0x00, 0x9f, 0x92, 0x96, 0x00]),
        "roster_unreadable"
    );
    assert_eq!(
        code(
            "cfb.xls",
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]
        ),
        "roster_unreadable"
    );
    assert_eq!(
        code(
            "page.xls",
            b"<html><table><tr><td>1</td></tr></table></html>"
        ),
        "roster_unreadable"
    );
    assert_eq!(code("empty.xlsx", b""), "roster_empty");
    assert_eq!(code("empty.csv", b" \r\n"), "roster_empty");
    assert_eq!(code("roster.pdf", b"%PDF-1.4"), "roster_unsupported_format");
    assert_eq!(code("noext", b"abc"), "roster_unsupported_format");
    assert_eq!(
        code("nohead.csv", "编号,名字\n1,张三\n".as_bytes()),
        "roster_no_header"
    );
    assert_eq!(
        code("onlyhead.csv", "学号,姓名\n,\n".as_bytes()),
        "roster_empty"
    );
    // A workbook without a header row.
    let nohead = dir.path("nohead.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "2025级新生名单").unwrap();
    ws.write_string(1, 0, "编号").unwrap();
    ws.write_string(1, 1, "姓名").unwrap();
    wb.save(&nohead).unwrap();
    let err = parse_file(&nohead).unwrap_err();
    assert_eq!(err.code(), "roster_no_header");
    assert!(err.to_string().starts_with("no header row found"));
    // An empty workbook.
    let blank = dir.path("blank.xlsx");
    Workbook::new().save(&blank).unwrap();
    assert_eq!(parse_file(&blank).unwrap_err().code(), "roster_empty");
    // A missing file.
    assert_eq!(
        parse_file(&dir.path("absent.xlsx")).unwrap_err().code(),
        "roster_io"
    );
}

#[test]
fn overrides_map_unknown_headers() {
    let csv = "编号,名字,院系,随便\n2025010101,张三,文学院,6栋\n";
    assert_eq!(
        parse_bytes("a.csv", csv.as_bytes()).unwrap_err().code(),
        "roster_no_header"
    );
    let overrides = ColumnOverrides {
        header_row: Some(1),
        columns: vec![
            ColumnOverride {
                column: 0,
                field: Some(RosterField::StudentNo),
            },
            ColumnOverride {
                column: 1,
                field: Some(RosterField::Name),
            },
            // Take the college away from 院系 and give 随便 the dorm.
            ColumnOverride {
                column: 2,
                field: None,
            },
            ColumnOverride {
                column: 3,
                field: Some(RosterField::Dorm),
            },
        ],
    };
    let p = parse_bytes_with("a.csv", csv.as_bytes(), &overrides).unwrap();
    assert_eq!(p.header_row, 1);
    assert_eq!(p.ignored_columns, vec!["院系"]);
    assert_eq!(p.rows.len(), 1);
    assert_eq!(p.rows[0].profile.student_no, "2025010101");
    assert_eq!(p.rows[0].profile.college, "");
    assert_eq!(p.rows[0].profile.dorm, "6栋");
    // Moving a field to another column takes it from the first.
    let moved = ColumnOverrides {
        header_row: None,
        columns: vec![ColumnOverride {
            column: 2,
            field: Some(RosterField::Name),
        }],
    };
    let csv = "学号,姓名,学生姓名\n2025010101,张,张三\n";
    let p = parse_bytes_with("a.csv", csv.as_bytes(), &moved).unwrap();
    assert_eq!(p.column_of(RosterField::Name), Some(2));
    assert_eq!(p.rows[0].profile.name, "张三");
    let json = serde_json::to_string(&moved).unwrap();
    assert_eq!(
        json,
        r#"{"header_row":null,"columns":[{"column":2,"field":"name"}]}"#
    );
}

#[test]
fn header_aliases_and_marks() {
    use super::header::field_for_header;
    assert_eq!(field_for_header(" 学 号 *"), Some(RosterField::StudentNo));
    assert_eq!(field_for_header("*学籍号"), Some(RosterField::StudentNo));
    assert_eq!(field_for_header("姓名（必填）"), Some(RosterField::Name));
    assert_eq!(
        field_for_header("年级（入学年份）"),
        Some(RosterField::Grade)
    );
    assert_eq!(field_for_header("联系电话(本人)"), Some(RosterField::Phone));
    assert_eq!(field_for_header("宿舍楼栋"), Some(RosterField::Dorm));
    assert_eq!(field_for_header("培养层次"), Some(RosterField::Level));
    assert_eq!(
        field_for_header("家长联系电话"),
        Some(RosterField::GuardianPhone)
    );
    assert_eq!(
        field_for_header("监护人关系"),
        Some(RosterField::GuardianRelation)
    );
    assert_eq!(field_for_header("籍贯"), Some(RosterField::HomeAddress));
    assert_eq!(field_for_header("备注"), None);
    assert_eq!(field_for_header("学号姓名"), None);
}

#[test]
fn cell_values() {
    use super::values::{date, grade, level, number_text, phone_value, status, student_no};
    let t = |s: &str| Cell::Text(s.to_string());
    assert_eq!(number_text(2_025_010_101.0), "2025010101");
    assert_eq!(number_text(13_800_138_000.0), "13800138000");
    assert_eq!(
        student_no(&Cell::Number(2_025_010_101.0))
            .unwrap()
            .as_deref(),
        Some("2025010101")
    );
    assert!(student_no(&Cell::Number(2025.5)).is_err());
    assert!(student_no(&t("ABC")).is_err());
    assert!(student_no(&t("123456789012345678901")).is_err());
    assert_eq!(
        student_no(&t("=\"0012345\"")).unwrap().as_deref(),
        Some("0012345")
    );
    assert_eq!(student_no(&t(" ")).unwrap(), None);
    assert_eq!(student_no(&Cell::Error), Err(values::Bad::Formula));

    for s in [
        "2005-03-07",
        "2005/3/7",
        "2005.3.7",
        "2005年3月7日",
        "20050307",
        "２００５－０３－０７",
        "2005-03-07 00:00:00",
        "2005-03-07T00:00:00",
    ] {
        assert_eq!(date(&t(s)).unwrap(), Some(date_ymd(2005, 3, 7)), "{s}");
    }
    assert_eq!(
        date(&Cell::Number(38418.0)).unwrap(),
        Some(date_ymd(2005, 3, 7))
    );
    assert_eq!(
        date(&Cell::Number(20_050_307.0)).unwrap(),
        Some(date_ymd(2005, 3, 7))
    );
    assert_eq!(date(&t("2005年3月")).unwrap(), Some(date_ymd(2005, 3, 1)));
    assert_eq!(
        date(&Cell::Date(Some(date_ymd(2005, 3, 7)))).unwrap(),
        Some(date_ymd(2005, 3, 7))
    );
    assert_eq!(date(&Cell::Empty).unwrap(), None);
    for s in [
        "2005-02-30",
        "2005-13-01",
        "05/3/7",
        "3/7/2005",
        "下周",
        "1800-01-01",
        "2005-3-7-1",
    ] {
        assert!(date(&t(s)).is_err(), "{s}");
    }
    assert!(date(&Cell::Number(2005.0)).is_err());
    assert!(date(&Cell::Date(None)).is_err());

    for (raw, want) in [
        ("13800138000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("１３８ ００１３ ８０００", "13800138000"),
        ("027-87654321", "027-87654321"),
        ("(027)87654321", "02787654321"),
        ("87654321", "87654321"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("+1 415 555 0100", "+14155550100"),
    ] {
        assert_eq!(phone_value(raw).unwrap(), want, "{raw}");
    }
    for raw in [
        "12345",
        "1380013800",
        "138001380000",
        "abc",
        "13800138000/13900139000",
        "+86 12345",
        "1234567",
    ] {
        assert!(phone_value(raw).is_err(), "{raw}");
    }
    assert_eq!(grade(&Cell::Number(2025.0)).unwrap(), "2025");
    assert_eq!(grade(&t("2025级")).unwrap(), "2025");
    assert_eq!(level(&t("硕士研究生")).unwrap(), DegreeLevel::Graduate);
    assert_eq!(level(&t("博士")).unwrap(), DegreeLevel::Graduate);
    assert_eq!(level(&t("本科")).unwrap(), DegreeLevel::Undergraduate);
    assert!(level(&t("高中")).is_err());
    assert_eq!(status(&t("在校")).unwrap(), StudentStatus::Enrolled);
    assert_eq!(status(&t("休学")).unwrap(), StudentStatus::OnLeave);
    assert_eq!(status(&t("退学")).unwrap(), StudentStatus::Withdrawn);
    assert!(status(&t("失联")).is_err());
}

fn date_ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    date(y, m, d)
}

#[test]
fn serde_shapes_for_the_ui() {
    let e = RowError {
        sheet: String::new(),
        row: 7,
        reason: RowErrorReason::DuplicateStudentNo,
        detail: "x".into(),
    };
    let json = serde_json::to_string(&e).unwrap();
    assert_eq!(
        json,
        r#"{"sheet":"","row":7,"reason":"duplicate_student_no","detail":"x"}"#
    );
    for r in [
        RowErrorReason::MissingStudentNo,
        RowErrorReason::MissingName,
        RowErrorReason::DuplicateStudentNo,
        RowErrorReason::InvalidStudentNo,
        RowErrorReason::InvalidDate,
        RowErrorReason::InvalidPhone,
        RowErrorReason::InvalidGender,
        RowErrorReason::InvalidLevel,
        RowErrorReason::InvalidStatus,
        RowErrorReason::FormulaError,
    ] {
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            format!("\"{}\"", r.code())
        );
    }
}

/// 30,000 rows: run with `cargo test --release --lib roster::tests::large -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn large_roster_timing() {
    let dir = Scratch::new("large");
    let path = dir.path("large.xlsx");
    let template = sample_profiles().remove(0);
    let profiles: Vec<StudentProfile> = (0..30_000)
        .map(|i| StudentProfile {
            student_no: format!("2025{i:06}"),
            phone: format!("138{i:08}"),
            ..template.clone()
        })
        .collect();
    let start = std::time::Instant::now();
    write_xlsx(&path, &profiles).unwrap();
    let written = start.elapsed();
    let start = std::time::Instant::now();
    let p = parse_file(&path).unwrap();
    let parsed = start.elapsed();
    println!("write {written:?}, parse {parsed:?}");
    assert_eq!(p.rows.len(), 30_000);
    assert!(p.errors.is_empty());
}

/// Two cells at opposite corners of an .xlsx sheet (A1 and XFD1048576, a few KB) would make
/// calamine's `worksheet_range` allocate a dense grid of 17 billion cells and abort the process
/// (its `worksheet_range_ref` then `Range::from_sparse`); the sheet is now streamed and measured
/// first (read.rs, `xlsx_range`).
#[test]
fn an_xlsx_spanning_the_whole_sheet_is_refused_not_allocated() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "学号").unwrap();
    ws.write_string(0, 1, "姓名").unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert!(bytes.len() < 20_000, "{}", bytes.len());
    assert_eq!(
        parse_bytes("xlsx", &bytes).unwrap_err().code(),
        "roster_too_large"
    );
}
