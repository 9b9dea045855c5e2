//! Roster import through the command line: a messy file of the kind offices send.

use crate::cli::archive::profile;
use crate::support::*;

#[test]
fn a_messy_gbk_csv_imports_good_rows_and_names_bad_ones() {
    let x = Xd::init();
    let csv = "2025级新生名单,,,,,,,\n\
               学号,姓名,性别,学院,专业,班级,宿舍,联系电话\n\
               ２０２５０２０１０１, 陈 静 ,女,外国语学院,英语,英语2501,3栋-101,13800004441\n\
               2025020102,,男,外国语学院,英语,英语2501,5栋-201,13800004442\n\
               2025020101,陈静重复,女,外国语学院,英语,英语2501,3栋-101,13800004443\n\
               2025020103,刘洋,男,外国语学院,英语,英语2501,5栋-201,1380000\n\
               2025020104,孙悦,女,外国语学院,英语,英语2502,3栋-102,13800004444\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(csv);
    let path = x.path("名单.csv");
    std::fs::write(&path, &bytes).unwrap();
    let out = x.ok(&["roster", "import", path.to_str().unwrap()]);
    assert!(out.contains("2 added"), "{out}");
    assert!(out.contains("row 4:"), "missing name named by row: {out}");
    assert!(out.contains("row 5:"), "duplicate named by row: {out}");
    assert!(out.contains("row 6:"), "bad phone named by row: {out}");
    let list = x.json(&["student", "list", "--json"]);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["陈静", "孙悦"]);
    assert_eq!(list[0]["student_no"], "2025020101");

    // Importing again updates instead of duplicating; a changed dorm is taken.
    x.import(&[xindang::model::StudentProfile {
        dorm: "9栋-909".into(),
        ..profile("2025020104", "孙悦", "13800004444")
    }]);
    let list = x.json(&["student", "list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["dorm"], "9栋-909");
    assert_eq!(list[1]["college"], "计算机学院");
}

#[test]
fn a_broken_spreadsheet_is_refused_with_a_clear_message() {
    let x = Xd::init();
    let path = x.path("broken.xlsx");
    std::fs::write(&path, b"PK\x03\x04 this is not really a zip").unwrap();
    let out = x.run(&["roster", "import", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "{err}"
    );
}

/// The .xls the fuzzer found (calamine would have aborted on an 84 GB grid): the command line
/// says in one English line that the file is too large or damaged, and the archive is unchanged.
#[test]
fn a_workbook_too_large_to_read_safely_is_refused_in_one_line() {
    let x = Xd::init();
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/roster/fuzz-open-sparse-grid.xls");
    let path = x.path("名单.xls");
    std::fs::copy(&fixture, &path).unwrap();
    let before = files_below(&x.dir());
    let out = x.run(&["roster", "import", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: ") && err.lines().count() == 1,
        "{err}"
    );
    assert!(err.contains("too large to read safely"), "{err}");
    assert_eq!(files_below(&x.dir()), before);
}
