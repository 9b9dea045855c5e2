//! Search 检索 over the unlocked archive: 学号 exact (through the blind index) and prefix, 姓名
//! prefix, full-width input, a limit, and no match.

use crate::support::Xd;
use xindang::model::StudentProfile;

fn person(no: &str, name: &str) -> StudentProfile {
    StudentProfile {
        student_no: no.into(),
        name: name.into(),
        college: "计算机学院".into(),
        class_name: "计科2401".into(),
        ..StudentProfile::default()
    }
}

fn found(s: &xindang::Session, q: &str, limit: usize) -> Vec<String> {
    s.search(q, limit)
        .into_iter()
        .map(|x| x.student_no)
        .collect()
}

#[test]
fn search_by_student_no_and_name_prefix() {
    let x = Xd::init();
    x.import(&[
        person("2401010101", "张伟"),
        person("2401010102", "张伟华"),
        person("2401010103", "王芳"),
        person("24010101", "李娜"),
        person("2501010101", "阿依古丽·买买提"),
    ]);
    let s = xindang::Session::unlock(&xindang::Archive::open(&x.dir()).unwrap(), &x.pass).unwrap();
    // An exact 学号 comes first, then the 学号 it prefixes, in order.
    assert_eq!(
        found(&s, "24010101", 10),
        ["24010101", "2401010101", "2401010102", "2401010103"]
    );
    // Full-width digits and spaces are the same 学号.
    assert_eq!(found(&s, " ２４０１０１０１０３ ", 10), ["2401010103"]);
    assert_eq!(found(&s, "张伟", 10), ["2401010101", "2401010102"]);
    assert_eq!(found(&s, "张伟华", 10), ["2401010102"]);
    assert_eq!(found(&s, "阿依", 10), ["2501010101"]);
    // A name is matched from its start only.
    assert!(found(&s, "伟", 10).is_empty());
    assert!(found(&s, "赵", 10).is_empty());
    assert!(found(&s, "   ", 10).is_empty());
    assert_eq!(found(&s, "24", 2), ["24010101", "2401010101"]);
    let hit = &s.search("王芳", 1)[0];
    assert_eq!(
        (hit.name.as_str(), hit.class_name.as_str()),
        ("王芳", "计科2401")
    );
}
