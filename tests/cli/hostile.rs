//! The hostile-peer suite (issue 14): a trusted peer, signing with its real key, tries to change
//! what is not its own. Each hostile bundle is built with the library's own framing
//! (`bundle::frame_changes`, `seal_container`, `encrypt`) and the attacker's real site identity,
//! and goes through the real `Session::import_bundle`: it is refused, whole or change by change,
//! and nothing of the victim's changes.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use xindang::bundle::{self, BundleKind, Change, ChangeOp, Manifest, SiteRef};
use xindang::model::*;
use xindang::session::sync::{BundleImportReport, ConflictKind, HeldStudents};
use xindang::site::SiteProfile;
use xindang::{Session, SiteKind};

const PASS: &str = "敌对同伴测试 hostile peer 2026";
/// 学号 of student X, registered by college B (乙学院).
const X: &str = "2024990001";

/// A center trusting two colleges, 甲学院 (A, the attacker) and 乙学院 (B), and B's student X
/// (with a talk) synced to the center.
struct World {
    tmp: tempfile::TempDir,
    center: Session,
    a: Session,
    b: Session,
    center_profile: SiteProfile,
    b_profile: SiteProfile,
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).expect("date")
}

/// A student of `college`, from the synthetic generator with our own 学号 and 学院.
fn student(no: &str, college: &str) -> StudentProfile {
    let mut p = xindang::synth::generate(&xindang::synth::SynthConfig::new(7, 1, day()))
        .remove(0)
        .profile;
    p.student_no = no.to_string();
    p.college = college.to_string();
    p
}

fn talk(text: &str) -> NewRecord {
    NewRecord {
        date: day(),
        author: "辅导员".into(),
        amends: None,
        amend_reason: String::new(),
        body: RecordBody::Talk(Talk {
            category: TalkCategory::Other,
            place: "办公室".into(),
            text: text.into(),
            follow_up: None,
        }),
    }
}

fn crisis() -> NewRecord {
    NewRecord {
        date: day(),
        author: "伪造者".into(),
        amends: None,
        amend_reason: String::new(),
        body: RecordBody::Crisis(CrisisAssessment {
            level: CrisisLevel::D,
            rationale: "伪造的危机评估".into(),
            actions: String::new(),
            time: None,
        }),
    }
}

impl World {
    fn new() -> World {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let tmp = tempfile::tempdir().expect("temp dir");
        let (mut center, _) =
            Session::create_as(&tmp.path().join("center"), PASS, SiteKind::Center, "中心")
                .expect("center");
        let (mut a, _) = Session::create(&tmp.path().join("a"), PASS).expect("a");
        let (mut b, _) = Session::create(&tmp.path().join("b"), PASS).expect("b");
        let center_profile = center.site_profile(None).expect("profile");
        let mut b_profile = None;
        for (s, name) in [(&mut a, "甲学院"), (&mut b, "乙学院")] {
            let p = s.site_profile(Some(name)).expect("profile");
            center.import_profile(p.clone()).expect("trust");
            s.import_profile(center_profile.clone()).expect("trust");
            b_profile = Some(p);
        }
        let mut w = World {
            tmp,
            center,
            a,
            b,
            center_profile,
            b_profile: b_profile.expect("b"),
        };
        w.b.put_student(student(X, "乙学院")).expect("put");
        w.b.add_record(X, talk("乙学院的谈话")).expect("talk");
        let p = w.path("b1.age");
        let (r, _) = sync(&mut w.b, &mut w.center, &p);
        assert_eq!((r.students_added, r.records_added), (1, 1));
        w
    }

    fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }
}

/// A real export from `from` to the center and its import there.
fn sync(from: &mut Session, center: &mut Session, path: &Path) -> (BundleImportReport, Vec<u8>) {
    from.export_bundle(xindang::site::CENTER_NAME, path)
        .expect("export");
    center
        .import_bundle(&std::fs::read(path).expect("read"))
        .expect("import")
}

/// The center's file of a student: its profile and records (opening it is audited, which is not
/// part of the file).
fn file_of(s: &mut Session, no: &str) -> StudentFile {
    s.student_file(no).expect("file")
}

/// Everything the center shows that a bundle could change.
fn state(s: &mut Session) -> String {
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}",
        s.list_students(),
        file_of(s, X),
        s.sync_conflicts().expect("conflicts"),
        s.peer_status().expect("peers")
    )
}

/// A bundle from `attacker` to `to`, framed and signed by the library with the attacker's real
/// key, carrying exactly `changes`.
fn forge(
    attacker: &mut Session,
    to: &SiteProfile,
    kind: BundleKind,
    bundle_seq: i64,
    (from_seq, to_seq): (i64, i64),
    changes: &[Change],
    audit: Option<bundle::AuditAnchor>,
) -> Vec<u8> {
    let site = attacker.site(None).expect("site");
    let carried: Vec<(Change, Option<Vec<u8>>)> =
        changes.iter().map(|c| (c.clone(), None)).collect();
    let frames = bundle::frame_changes(changes.iter().map(|c| (c, None))).expect("frames");
    let manifest = Manifest {
        format: bundle::FORMAT_VERSION,
        bundle_id: xindang::crypto::hex(&xindang::crypto::random::<16>()),
        kind,
        sender: SiteRef::of(site.profile()),
        recipient: SiteRef::of(to),
        created_at: "2026-11-20T10:00:00+08:00".into(),
        bundle_seq,
        from_seq,
        to_seq,
        counts: bundle::count(&carried),
        content_sha256: String::new(),
        receipt: None,
        sender_profile: None,
        audit,
    };
    let (_, plain) = bundle::seal_container(&site, manifest, &frames).expect("seal");
    bundle::encrypt(to, &plain).expect("encrypt")
}

fn profile_change(origin: &str, seq: i64, hlc: u64, p: StudentProfile) -> Change {
    Change {
        origin: origin.to_string(),
        seq,
        hlc,
        student_no: p.student_no.clone(),
        op: ChangeOp::Profile { profile: p },
    }
}

fn record_change(origin: &str, seq: i64, hlc: u64, no: &str, record: NewRecord) -> Change {
    Change {
        origin: origin.to_string(),
        seq,
        hlc,
        student_no: no.to_string(),
        op: ChangeOp::Record {
            written_at: "2026-11-20T10:00:00+08:00".into(),
            record,
            has_attachment: false,
        },
    }
}

/// The must-hold of issue 14: college A, given a roster with X's 学号, adds a record for X and
/// sends a bundle. The center's file of X is unchanged, and the conflict queue and the receipt
/// name the refusal.
#[test]
fn a_college_given_another_colleges_student_changes_nothing_of_it() {
    let mut w = World::new();
    let before = file_of(&mut w.center, X);
    w.a.put_student(student(X, "甲学院")).expect("roster");
    w.a.add_record(X, crisis()).expect("record");
    let p = w.path("a1.age");
    let (report, receipt) = sync(&mut w.a, &mut w.center, &p);
    assert_eq!(
        (
            report.students_added,
            report.profiles_updated,
            report.records_added
        ),
        (0, 0, 0)
    );
    assert_eq!(report.refused.len(), 2, "{report:?}");
    assert_eq!(file_of(&mut w.center, X), before);
    let conflicts = w.center.sync_conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    let c = &conflicts[0];
    assert_eq!(
        (c.kind, c.student_no.as_str(), c.other_site.as_str()),
        (ConflictKind::Unauthorized, X, "甲学院")
    );
    assert_eq!(c.fields, vec!["profile", "record"]);
    // The signed receipt names both refused changes.
    let site = w.a.site(None).expect("site");
    let plain = bundle::decrypt(&site, &receipt).expect("decrypt");
    let opened = bundle::open_container(&plain, &w.center_profile).expect("open");
    let body = opened.manifest.receipt.expect("a receipt");
    assert_eq!(body.refused, report.refused);
    assert_eq!(body.applied, 0);
    w.a.import_receipt(&receipt).expect("receipt");
    // A person settles it; X is still B's.
    w.center.settle_conflict(&c.id).expect("settle");
    assert_eq!(w.center.profile(X).expect("x").college, "乙学院");
}

/// (a) A forged profile of X (its 学院 turned to A's, its clock far ahead) and a fabricated crisis
/// record, A's own origin and sequence: both refused, X's file unchanged. (b) Then the center's
/// results for X go to B only, never to A.
#[test]
fn a_forged_overwrite_is_refused_and_results_go_only_to_the_owning_college() {
    let mut w = World::new();
    let a_id = w.a.site(None).expect("site").site_id();
    let before = file_of(&mut w.center, X);
    let forged = forge(
        &mut w.a,
        &w.center_profile.clone(),
        BundleKind::Sync,
        1,
        (1, 2),
        &[
            profile_change(&a_id, 1, u64::MAX - 1, student(X, "甲学院")),
            record_change(&a_id, 2, u64::MAX - 1, X, crisis()),
        ],
        None,
    );
    let (report, _) = w.center.import_bundle(&forged).expect("import");
    assert_eq!(
        report.refused,
        vec![format!("{a_id}:1"), format!("{a_id}:2")]
    );
    assert_eq!(file_of(&mut w.center, X), before);

    // (b) The center screens X; the result goes to B, and A gets nothing of X.
    w.center
        .add_record(X, talk("中心的筛查结果"))
        .expect("result");
    let to_a = w.path("to-a.age");
    let sent = w.center.export_bundle("甲学院", &to_a).expect("export");
    assert_eq!(sent.counts.students, 0, "{sent:?}");
    let status = w.center.peer_status().expect("status");
    let a_status = status
        .iter()
        .find(|p| p.profile.name == "甲学院")
        .expect("a");
    assert_eq!(a_status.unacknowledged, 0);
    w.a.import_bundle(&std::fs::read(&to_a).expect("read"))
        .expect("import");
    assert!(w.a.profile(X).is_err(), "A learned of X");
    let to_b = w.path("to-b.age");
    let sent = w.center.export_bundle("乙学院", &to_b).expect("export");
    assert_eq!(sent.counts.records, 1);
    w.b.import_bundle(&std::fs::read(&to_b).expect("read"))
        .expect("import");
    assert_eq!(w.b.student_file(X).expect("x").records.len(), 2);
}

/// (c) A pre-claims B's next (origin, seq): the bundle is refused whole, nothing changes, and B's
/// real change with that sequence number is then stored.
#[test]
fn a_bundle_claiming_another_sites_changes_is_refused_whole() {
    let mut w = World::new();
    let b_id = w.b_profile.site_id();
    let before = state(&mut w.center);
    let forged = forge(
        &mut w.a,
        &w.center_profile.clone(),
        BundleKind::Sync,
        1,
        (1, 1),
        &[record_change(&b_id, 3, 1, X, crisis())],
        None,
    );
    let err = w.center.import_bundle(&forged).expect_err("refused");
    assert_eq!(err.code(), "bundle_foreign_origin");
    assert_eq!(state(&mut w.center), before);
    // B's real third change (seq 3) arrives and is stored.
    w.b.add_record(X, talk("乙学院的第二次谈话")).expect("talk");
    let p = w.path("b2.age");
    let (report, _) = sync(&mut w.b, &mut w.center, &p);
    // (Its first two changes travel again, unacknowledged, and are skipped as held.)
    assert_eq!(
        (report.records_added, report.skipped, report.refused.len()),
        (1, 2, 0),
        "{report:?}"
    );
    assert_eq!(file_of(&mut w.center, X).records.len(), 2);
}

/// (d) A claims the center's own origin: refused whole in a sync bundle, change by change in a
/// handover, and the center goes on writing (no clash on its own (origin, seq)).
#[test]
fn a_bundle_claiming_the_receivers_own_origin_is_refused() {
    let mut w = World::new();
    let center_id = w.center_profile.site_id();
    let before = state(&mut w.center);
    let z = student("2024990077", "甲学院");
    let forged = forge(
        &mut w.a,
        &w.center_profile.clone(),
        BundleKind::Sync,
        1,
        (1, 1),
        &[profile_change(&center_id, 1_000, 1, z.clone())],
        None,
    );
    let err = w.center.import_bundle(&forged).expect_err("refused");
    assert_eq!(err.code(), "bundle_foreign_origin");
    assert_eq!(state(&mut w.center), before);
    // A handover may carry other sites' changes, but never ones claiming the receiver's own.
    let forged = forge(
        &mut w.a,
        &w.center_profile.clone(),
        BundleKind::Handover,
        0,
        (0, 0),
        &[
            profile_change(&center_id, 4, 1, z.clone()),
            record_change(&center_id, 5, 1, &z.student_no, crisis()),
        ],
        None,
    );
    let (report, _) = w.center.import_bundle(&forged).expect("import");
    assert_eq!(report.refused.len(), 2, "{report:?}");
    assert_eq!(report.students_added, 0);
    assert!(w.center.profile(&z.student_no).is_err());
    // The center's next local writes take those sequence numbers without a clash.
    for i in 0..4 {
        w.center
            .add_record(X, talk(&format!("中心的记录{i}")))
            .expect("the center still writes");
    }
    w.center
        .put_student(student("2024990078", "乙学院"))
        .expect("the center still writes");
}

/// (e) Clocks of u64::MAX: clamped, no overflow, and the center's next edit still wins locally.
#[test]
fn a_clock_at_its_end_is_clamped_and_overflows_nothing() {
    let mut w = World::new();
    let a_id = w.a.site(None).expect("site").site_id();
    let y = student("2024990055", "甲学院");
    let forged = forge(
        &mut w.a,
        &w.center_profile.clone(),
        BundleKind::Sync,
        1,
        (1, 2),
        &[
            profile_change(&a_id, 1, u64::MAX, y.clone()),
            record_change(&a_id, 2, u64::MAX, &y.student_no, talk("来自未来的谈话")),
        ],
        None,
    );
    let (report, _) = w.center.import_bundle(&forged).expect("import");
    assert_eq!((report.students_added, report.records_added), (1, 1));
    // The center's clock went no further than the allowed skew: its own edit still wins.
    let mut edited = y.clone();
    edited.dorm = "中心改过的宿舍".into();
    w.center.put_student(edited).expect("edit");
    w.center
        .add_record(&y.student_no, talk("中心的谈话"))
        .expect("write");
    assert_eq!(
        w.center.profile(&y.student_no).expect("y").dorm,
        "中心改过的宿舍"
    );
    // And its results for Y still reach A (Y is A's), which imports them.
    let to_a = w.path("to-a.age");
    w.center.export_bundle("甲学院", &to_a).expect("export");
    let (got, _) =
        w.a.import_bundle(&std::fs::read(&to_a).expect("read"))
            .expect("import at A");
    assert!(got.refused.is_empty() && got.students_added == 1, "{got:?}");
    assert_eq!(
        w.a.profile(&y.student_no).expect("y").dorm,
        "中心改过的宿舍"
    );
}

/// A handover of a student the receiver already holds is refused until a person chooses
/// (`handover_student_held`, nothing written, the preview names the file held); returned, the
/// sender, told so by the receipt, keeps the file and may write to it again.
#[test]
fn a_handover_of_a_held_student_is_refused_and_the_sender_keeps_it() {
    let mut w = World::new();
    let wno = "2024990066";
    w.a.put_student(student(wno, "甲学院")).expect("put");
    let p = w.path("a1.age");
    sync(&mut w.a, &mut w.center, &p);
    w.a.add_record(wno, talk("移交前的谈话")).expect("talk");
    let before = file_of(&mut w.center, wno);
    let h = w.path("h.age");
    let choice = xindang::session::sync::HandoverChoice {
        student_nos: vec![wno.into()],
        ..Default::default()
    };
    w.a.export_handover(xindang::site::CENTER_NAME, &choice, &h)
        .expect("handover");
    let bytes = std::fs::read(&h).expect("read");
    let preview = w.center.preview_bundle(&bytes).expect("preview");
    assert_eq!(preview.held.len(), 1);
    assert_eq!(preview.held[0].student_no, wno);
    assert_eq!(preview.held[0].name, before.profile.name);
    let seen = state(&mut w.center);
    let e = w.center.import_bundle(&bytes).expect_err("no choice made");
    assert!(
        matches!(
            e,
            xindang::Error::Refused {
                reason: xindang::reason::Reason::HandoverStudentHeld,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(state(&mut w.center), seen, "nothing written");
    let (report, receipt) = w
        .center
        .import_bundle_with(&bytes, HeldStudents::Return)
        .expect("import");
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert_eq!(report.conflicts[0].kind, ConflictKind::HandoverExisting);
    assert_eq!(file_of(&mut w.center, wno), before);
    let r = w.a.import_receipt(&receipt).expect("receipt");
    assert_eq!((r.retired, r.kept.clone()), (0, vec![wno.to_string()]));
    w.a.add_record(wno, talk("退回后的谈话"))
        .expect("writable again");
}

/// A handover of a student the receiver already holds, merged once a person confirms it
/// (确认合并): the sender's new record joins the file held here, the profile held here stays,
/// nothing is refused, and the sender retires its file on the receipt.
#[test]
fn a_handover_of_a_held_student_is_merged_when_confirmed() {
    let mut w = World::new();
    let wno = "2024990067";
    w.a.put_student(student(wno, "甲学院")).expect("put");
    let p = w.path("a1.age");
    sync(&mut w.a, &mut w.center, &p);
    w.a.add_record(wno, talk("移交前最后一次谈话"))
        .expect("talk");
    let before = file_of(&mut w.center, wno);
    let h = w.path("h.age");
    let choice = xindang::session::sync::HandoverChoice {
        student_nos: vec![wno.into()],
        ..Default::default()
    };
    w.a.export_handover(xindang::site::CENTER_NAME, &choice, &h)
        .expect("handover");
    let (report, receipt) = w
        .center
        .import_bundle_with(&std::fs::read(&h).expect("read"), HeldStudents::Merge)
        .expect("import");
    assert!(report.refused.is_empty(), "{report:?}");
    assert!(report.conflicts.is_empty(), "{report:?}");
    assert_eq!(report.records_added, 1, "{report:?}");
    let after = file_of(&mut w.center, wno);
    assert_eq!(after.profile, before.profile);
    assert_eq!(after.records.len(), before.records.len() + 1);
    assert!(after.records.iter().any(|r| matches!(
        &r.record.body,
        RecordBody::Talk(t) if t.text == "移交前最后一次谈话"
    )));
    let r = w.a.import_receipt(&receipt).expect("receipt");
    assert_eq!((r.retired, r.kept.len()), (1, 0));
    assert!(w.a.profile(wno).is_err(), "retired at the sender");
}

/// The audit anchor: a sync bundle showing the sender's audit log shorter than an earlier one
/// raises the alarm in the peer status, until a person settles it.
#[test]
fn an_audit_log_that_went_backwards_raises_the_alarm() {
    let mut w = World::new();
    w.a.put_student(student("2024990088", "甲学院"))
        .expect("put");
    let a1 = w.path("a1.age");
    let sent =
        w.a.export_bundle(xindang::site::CENTER_NAME, &a1)
            .expect("export");
    w.center
        .import_bundle(&std::fs::read(&a1).expect("read"))
        .expect("import");
    let alarm = |s: &Session| {
        s.peer_status()
            .expect("status")
            .into_iter()
            .find(|p| p.profile.name == "甲学院")
            .expect("a")
            .audit_alarm
    };
    assert!(!alarm(&w.center));
    assert!(w.center.audit_alarms().expect("alarms").is_empty());
    // The next bundle, signed by A, shows a log of one entry: a restored or re-chained copy.
    let next = i64::from(sent.to_seq) + 1;
    let forged = forge(
        &mut w.a,
        &w.center_profile.clone(),
        BundleKind::Sync,
        2,
        (next, next - 1),
        &[],
        Some(bundle::AuditAnchor {
            seq: 1,
            head: "00".repeat(32),
        }),
    );
    w.center.import_bundle(&forged).expect("import");
    assert!(alarm(&w.center));
    let alarms = w.center.audit_alarms().expect("alarms");
    assert_eq!(alarms.len(), 1);
    assert!(alarms[0].shorter && alarms[0].got_seq == 1 && alarms[0].seen_seq > 1);
    // A later bundle going beyond the highest anchor seen does not clear it; a person does.
    let forged = forge(
        &mut w.a,
        &w.center_profile.clone(),
        BundleKind::Sync,
        3,
        (next, next - 1),
        &[],
        Some(bundle::AuditAnchor {
            seq: 10_000,
            head: "11".repeat(32),
        }),
    );
    w.center.import_bundle(&forged).expect("import");
    assert!(alarm(&w.center));
    w.center.settle_audit_alarm("甲学院").expect("settle");
    assert!(!alarm(&w.center));
}

/// Retirement leaves the 学号 and the reason of a handed-over student in no weekly review: the
/// meeting keeps its other students and the decision's count, not who it was nor why.
#[test]
fn a_retired_students_review_decision_keeps_neither_number_nor_reason() {
    use xindang::rules::review::{ReviewItem, ReviewMeeting};
    let mut w = World::new();
    let (gone, stays) = ("2024990077", "2024990078");
    for no in [gone, stays] {
        w.a.put_student(student(no, "甲学院")).expect("put");
        let concern = NewRecord {
            body: RecordBody::KeyConcern(KeyConcern {
                level: ConcernLevel::Key,
                problem_types: vec!["情绪问题".into()],
                until: None,
                reason: "普查预警".into(),
            }),
            ..talk("")
        };
        w.a.add_record(no, concern).expect("concern");
    }
    let agenda = w.a.review_agenda(day()).expect("agenda");
    let items: Vec<ReviewItem> = agenda
        .items
        .iter()
        .map(|i| ReviewItem {
            student_no: i.student_no.clone(),
            decision: ReviewDecision::Keep,
            level: None,
            reason: format!("维持关注：{}的情况需要继续跟进", i.student_no),
        })
        .collect();
    assert_eq!(items.len(), 2);
    let id =
        w.a.sign_review(ReviewMeeting {
            id: String::new(),
            date: day(),
            attendees: vec!["王老师".into()],
            minutes: "周研判".into(),
            signed_by: "王老师".into(),
            items,
        })
        .expect("sign");
    let h = w.path("h.age");
    let choice = xindang::session::sync::HandoverChoice {
        student_nos: vec![gone.into()],
        ..Default::default()
    };
    w.a.export_handover(xindang::site::CENTER_NAME, &choice, &h)
        .expect("handover");
    let (_, receipt) = w
        .center
        .import_bundle(&std::fs::read(&h).expect("read"))
        .expect("import");
    assert_eq!(w.a.import_receipt(&receipt).expect("receipt").retired, 1);
    let m = w.a.review_meeting(&id).expect("meeting");
    assert_eq!(m.items.len(), 2, "the meeting keeps its count of decisions");
    let text = serde_json::to_string(&m).expect("json");
    assert!(!text.contains(gone), "{text}");
    assert!(text.contains(stays), "{text}");
    assert_eq!(
        m.items
            .iter()
            .filter(|i| i.student_no.is_empty() && i.reason.is_empty())
            .count(),
        1
    );
}

/// A retirement whose WAL checkpoint cannot finish (another connection still reads an older
/// snapshot, whose pages may hold the retired files) is reported failed (`checkpoint_busy`), not
/// as done; importing the receipt again, once the reader is gone, finishes it.
#[test]
fn a_retirement_whose_checkpoint_cannot_finish_fails_until_it_can() {
    let mut w = World::new();
    let gone = "2024990079";
    w.a.put_student(student(gone, "甲学院")).expect("put");
    w.a.add_record(gone, talk("移交前的谈话")).expect("talk");
    let h = w.path("h.age");
    let choice = xindang::session::sync::HandoverChoice {
        student_nos: vec![gone.into()],
        ..Default::default()
    };
    w.a.export_handover(xindang::site::CENTER_NAME, &choice, &h)
        .expect("handover");
    let (_, receipt) = w
        .center
        .import_bundle(&std::fs::read(&h).expect("read"))
        .expect("import");
    let reader =
        rusqlite::Connection::open(w.tmp.path().join("a").join("archive.db")).expect("open");
    reader.execute_batch("BEGIN").expect("begin");
    let n: i64 = reader
        .query_row("SELECT count(*) FROM students", [], |r| r.get(0))
        .expect("read");
    assert_eq!(n, 1);
    let e =
        w.a.import_receipt(&receipt)
            .expect_err("the checkpoint is blocked");
    assert_eq!(e.code(), "checkpoint_busy", "{e:?}");
    assert!(w.a.profile(gone).is_err(), "the rows are gone all the same");
    reader.execute_batch("COMMIT").expect("end");
    drop(reader);
    w.a.import_receipt(&receipt).expect("finished now");
    let wal = w.tmp.path().join("a").join("archive.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).expect("wal").len() == 0);
}

/// A profile conflict is settled field by field: the values in force and those that lost side
/// by side; taking a lost value amends the profile with a reason naming the site, audited.
#[test]
fn a_profile_conflict_is_settled_field_by_field() {
    let mut w = World::new();
    let no = "2024990099";
    w.a.put_student(student(no, "甲学院")).expect("put");
    let p = w.path("a1.age");
    sync(&mut w.a, &mut w.center, &p);
    let mut at_center = w.center.profile(no).expect("x").clone();
    at_center.dorm = "中心登记的宿舍".into();
    w.center.put_student(at_center).expect("center edit");
    let mut at_a = w.a.profile(no).expect("x").clone();
    at_a.dorm = "学院登记的宿舍".into();
    at_a.phone = "13900009999".into();
    w.a.put_student(at_a).expect("college edit");
    let p = w.path("a2.age");
    let (report, _) = sync(&mut w.a, &mut w.center, &p);
    assert_eq!(report.conflicts.len(), 1, "{report:?}");
    assert!(
        report.conflicts[0].lost.is_none(),
        "the report names fields, not values"
    );
    let id = w.center.sync_conflicts().expect("conflicts")[0].id.clone();
    let fields = w.center.conflict_fields(&id).expect("fields");
    let in_force = w.center.profile(no).expect("x").dorm.clone();
    let dorm = fields
        .iter()
        .find(|f| f.field == "dorm")
        .expect("dorm differs");
    assert_eq!(dorm.kept, in_force);
    assert_ne!(dorm.lost, in_force);
    // A field that does not differ is refused, and nothing changes.
    assert!(w
        .center
        .settle_conflict_taking(&id, &["name".to_string()], "中心王老师")
        .is_err());
    assert_eq!(w.center.sync_conflicts().expect("conflicts").len(), 1);
    let lost = dorm.lost.clone();
    w.center
        .settle_conflict_taking(&id, &["dorm".to_string()], "中心王老师")
        .expect("settle");
    assert_eq!(w.center.profile(no).expect("x").dorm, lost);
    assert!(w.center.sync_conflicts().expect("conflicts").is_empty());
    let file = file_of(&mut w.center, no);
    let amended = file
        .records
        .iter()
        .find_map(|r| match &r.record.body {
            RecordBody::ProfileAmendment(a) => Some(a.clone()),
            _ => None,
        })
        .expect("an amendment in the file");
    assert!(
        amended.reason.contains("同步冲突处理"),
        "{}",
        amended.reason
    );
    assert_eq!(amended.changes[0].field, "dorm");
}
