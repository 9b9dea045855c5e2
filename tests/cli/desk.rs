//! The counselor's desk (`Session::dashboard`, `export_student_list`, pinyin initials) on a real
//! archive, and `xindang roster sample`.

use chrono::{Days, NaiveDate};
use xindang::audit::AuditAction;
use xindang::model::*;
use xindang::Session;

use crate::cli::archive::profile;
use crate::support::*;

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn days_ago(n: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(n)).unwrap()
}

fn record(date: NaiveDate, body: RecordBody) -> NewRecord {
    NewRecord {
        date,
        author: "王老师".into(),
        amends: None,
        amend_reason: String::new(),
        body,
    }
}

fn crisis(level: CrisisLevel) -> RecordBody {
    RecordBody::Crisis(CrisisAssessment {
        level,
        rationale: "评估依据".into(),
        actions: String::new(),
        time: None,
    })
}

fn open(x: &Xd) -> Session {
    Session::unlock(&xindang::Archive::open(&x.dir()).unwrap(), PASS).unwrap()
}

fn setup() -> (Xd, Session) {
    let x = Xd::init();
    x.import(&[
        profile("2025000001", "张三", "13800000001"),
        profile("2025000002", "欧阳娜娜", "13800000002"),
        profile("2025000003", "李四", "13800000003"),
    ]);
    let s = open(&x);
    (x, s)
}

#[test]
fn the_list_carries_pinyin_initials() {
    let (_x, s) = setup();
    let initials: Vec<(String, String)> = s
        .list_students()
        .into_iter()
        .map(|st| (st.name, st.initials))
        .collect();
    assert_eq!(
        initials,
        vec![
            ("张三".to_string(), "zs".to_string()),
            ("欧阳娜娜".to_string(), "oynn".to_string()),
            ("李四".to_string(), "ls".to_string()),
        ]
    );
}

#[test]
fn dashboard_shows_open_crises_key_concern_and_recent_records() {
    let (_x, mut s) = setup();
    // A recent B-level crisis, then amended to C: the amendment is the case.
    let b = s
        .add_record("2025000001", record(days_ago(3), crisis(CrisisLevel::B)))
        .unwrap();
    let mut amended = record(days_ago(3), crisis(CrisisLevel::C));
    amended.amends = Some(b);
    amended.amend_reason = "复核后升级".into();
    s.add_record("2025000001", amended).unwrap();
    // A crisis whose case was closed is no longer an open case, however recent.
    s.add_record("2025000002", record(days_ago(5), crisis(CrisisLevel::D)))
        .unwrap();
    s.add_record(
        "2025000002",
        record(
            days_ago(2),
            RecordBody::CrisisClose(CrisisClose {
                reason: "已转介住院，危机解除".into(),
                approved_by: "分管校领导".into(),
                time: None,
            }),
        ),
    )
    .unwrap();
    s.add_record(
        "2025000003",
        record(
            days_ago(1),
            RecordBody::KeyConcern(KeyConcern {
                level: ConcernLevel::Special,
                problem_types: vec!["情绪问题".into()],
                until: None,
                reason: "原因".into(),
            }),
        ),
    )
    .unwrap();

    let d = s.dashboard(today()).unwrap();
    assert_eq!(d.today, today());
    assert_eq!(d.counts.students, 3);
    assert_eq!(d.crises.len(), 1, "only the recent case is open");
    assert_eq!(d.crises[0].student_no, "2025000001");
    assert_eq!(
        d.crises[0].level,
        Some(CrisisLevel::C),
        "the amendment counts"
    );
    // The organiser is the policy's: preset 000 names none per level, 002 its 第十二条（三）.
    assert_eq!(d.crises[0].organiser, "");
    s.set_policy(xindang::rules::PRESETS[2].1).unwrap();
    let d = s.dashboard(today()).unwrap();
    assert_eq!(
        d.crises[0].organiser,
        "学校分管心理健康工作校领导（非上班时间为值班校领导）"
    );
    assert_eq!(d.counts.open_crises, 1);
    assert_eq!(d.counts.key_concern, 1);
    assert_eq!(d.key_concern[0].student_no, "2025000003");
    assert_eq!(d.key_concern[0].concern, Some(ConcernLevel::Special));
    // Newest written first; the amendment is marked.
    assert_eq!(d.recent.len(), 5);
    assert!(d
        .recent
        .windows(2)
        .all(|w| w[0].written_at >= w[1].written_at));
    assert!(d.recent.iter().any(|r| r.amendment));
    // Every obligation listed is open and due within the window (or overdue).
    let soon = today() + Days::new(xindang::session::desk::DUE_SOON_DAYS as u64);
    for o in &d.obligations {
        assert!(o.due <= soon, "{} due {}", o.rule, o.due);
        assert!(matches!(
            o.status,
            xindang::rules::ObligationStatus::Due | xindang::rules::ObligationStatus::Overdue
        ));
    }
    assert_eq!(
        d.obligations.len() as i32,
        d.counts.overdue + d.counts.due_today + d.counts.due_soon
    );
}

#[test]
fn export_writes_the_rows_asked_for_and_is_audited() {
    let (x, mut s) = setup();
    let list = s.list_students();
    let ids: Vec<String> = vec![
        list[2].student_no.clone(),
        "2099999999".into(),
        list[0].student_no.clone(),
    ];
    let path = x.path("名单.xlsx");
    assert_eq!(s.export_student_list(&ids, &path).unwrap(), 2);

    // The standard headers let the roster reader take the file back.
    let parsed = xindang::roster::parse_file(&path).unwrap();
    let got: Vec<(&str, &str)> = parsed
        .rows
        .iter()
        .map(|r| (r.profile.student_no.as_str(), r.profile.name.as_str()))
        .collect();
    assert_eq!(got, vec![("2025000003", "李四"), ("2025000001", "张三")]);

    let exports = |s: &Session| {
        s.audit_log()
            .unwrap()
            .into_iter()
            .filter(|e| e.action == AuditAction::Export)
            .map(|e| e.detail)
            .collect::<Vec<_>>()
    };
    assert_eq!(exports(&s), vec!["student list, 2 rows".to_string()]);

    // A folder that does not exist: an error with its code, and no audit entry.
    let bad = x.path("no-such-folder").join("名单.xlsx");
    let err = s.export_student_list(&ids, &bad).unwrap_err();
    assert_eq!(err.code(), "io");
    assert_eq!(exports(&s).len(), 1);
    // The error names no student.
    assert!(!err.to_string().contains("李四"));
}

#[test]
fn roster_sample_writes_a_roster_the_import_reads() {
    let x = Xd::init();
    let file = x.path("sample.xlsx");
    x.ok(&[
        "roster",
        "sample",
        file.to_str().unwrap(),
        "--students",
        "25",
        "--seed",
        "3",
    ]);
    let report = x.json(&["roster", "import", file.to_str().unwrap(), "--json"]);
    assert_eq!(report["load"]["added"], 25);
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    // The same seed gives the same roster.
    let again = x.path("again.xlsx");
    x.ok(&[
        "roster",
        "sample",
        again.to_str().unwrap(),
        "--students",
        "25",
        "--seed",
        "3",
    ]);
    let a = xindang::roster::parse_file(&file).unwrap();
    let b = xindang::roster::parse_file(&again).unwrap();
    assert_eq!(a.rows, b.rows);
}
