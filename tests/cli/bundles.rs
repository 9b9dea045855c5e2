//! Sync, receipts and handover between real archives through the real binary, and the
//! convergence of merges in any order (docs/bundle-format.md).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::OnceLock;

use proptest::prelude::*;

use crate::support::{find_plaintext, stderr, stdout, Xd, PASS};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A center archive.
fn center() -> Xd {
    let c = Xd::empty();
    c.ok(&["init", "--center"]);
    c
}

/// A college named `name` and a center that trust each other.
fn pair(name: &str) -> (Xd, Xd) {
    let col = Xd::init();
    let cen = center();
    trust(&col, Some(name), &cen, None);
    (col, cen)
}

/// `a` and `b` import each other's profiles; the fingerprints printed on both sides agree.
fn trust(a: &Xd, a_name: Option<&str>, b: &Xd, b_name: Option<&str>) {
    let pa = a.path("my-profile.json");
    let pb = b.path("my-profile.json");
    let mut args = vec!["profile", "export", "--out", s(&pa)];
    if let Some(n) = a_name {
        args.extend(["--name", n]);
    }
    let fa = a.ok(&args);
    let mut args = vec!["profile", "export", "--out", s(&pb)];
    if let Some(n) = b_name {
        args.extend(["--name", n]);
    }
    let fb = b.ok(&args);
    assert_eq!(a.ok(&["profile", "import", s(&pb)]), fb);
    assert_eq!(b.ok(&["profile", "import", s(&pa)]), fa);
    assert_eq!(fa.trim().len(), 19, "fingerprint {fa}");
}

/// Everything in the archive but the audit log (every unlock appends to it).
fn snapshot(x: &Xd) -> Vec<String> {
    let db = x.db();
    let mut out = Vec::new();
    for (t, sql) in [
        ("meta", "SELECT key, hex(value) FROM meta WHERE key <> 'audit_head' ORDER BY key"),
        ("students", "SELECT id, hex(lookup), hex(data_key), version, hex(profile) FROM students ORDER BY id"),
        ("records", "SELECT id, student_id, hex(header), hex(body) FROM records ORDER BY id"),
        ("attachments", "SELECT id, hex(content) FROM attachments ORDER BY id"),
        ("ops", "SELECT id, hex(origin), seq, kind, student_id, target, hex(body) FROM ops ORDER BY id"),
        ("peers", "SELECT id, hex(body) FROM peers ORDER BY id"),
        ("bundles_in", "SELECT id, hex(body) FROM bundles_in ORDER BY id"),
        ("bundles_out", "SELECT id, hex(body) FROM bundles_out ORDER BY id"),
        ("handovers", "SELECT student_id, retiring FROM handovers ORDER BY 1"),
        ("conflicts", "SELECT id, hex(body) FROM conflicts ORDER BY id"),
        ("tombstones", "SELECT id, hex(body) FROM tombstones ORDER BY id"),
    ] {
        let mut stmt = db.prepare(sql).unwrap();
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut line = t.to_string();
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!("|{v:?}"));
                }
                Ok(line)
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
    }
    out
}

fn first_student(x: &Xd) -> (String, String) {
    let list = x.json(&["student", "list", "--json"]);
    let st = &list.as_array().unwrap()[0];
    (
        st["student_no"].as_str().unwrap().to_string(),
        st["name"].as_str().unwrap().to_string(),
    )
}

/// The students of an archive as the command line shows them, without local ids.
fn listing(x: &Xd) -> Vec<serde_json::Value> {
    let list = x.json(&["student", "list", "--json"]);
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("id");
            v
        })
        .collect()
}

/// A student's file without local ids (which differ between archives by design).
fn file_content(x: &Xd, sno: &str) -> serde_json::Value {
    let mut f = x.json(&["student", "show", sno, "--json"]);
    let o = f.as_object_mut().unwrap();
    o.remove("id");
    let records = o.get_mut("records").unwrap().as_array_mut().unwrap();
    for r in records.iter_mut() {
        let r = r.as_object_mut().unwrap();
        r.remove("id");
        let sup = r.remove("superseded_by").unwrap();
        r.insert("superseded".into(), serde_json::Value::Bool(!sup.is_null()));
        let rec = r.get_mut("record").unwrap().as_object_mut().unwrap();
        let amends = rec.remove("amends").unwrap();
        rec.insert("amends".into(), serde_json::Value::Bool(!amends.is_null()));
    }
    records.sort_by_key(|r| r.to_string());
    f
}

fn talk(x: &Xd, sno: &str, text: &str) {
    x.ok(&[
        "talk",
        "add",
        "--student",
        sno,
        "--category",
        "academic",
        "--date",
        "2026-03-02",
        "--text",
        text,
    ]);
}

#[test]
fn college_to_center_round_trip_with_attachment_and_amendment() {
    let (col, cen) = pair("计算机学院");
    col.ok(&["demo", "--students", "6", "--seed", "3"]);
    let (sno, _) = first_student(&col);
    let scan = col.path("证明.pdf");
    std::fs::write(&scan, b"%PDF-1.4 scanned certificate bytes").unwrap();
    col.ok(&["attachment", "add", "--student", &sno, "--file", s(&scan)]);
    let b1 = col.path("b1.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b1)]);
    // No student data is readable in the bundle without the center's identity.
    let bytes = std::fs::read(&b1).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    assert!(crate::support::find_plaintext(col.tmp.path(), &sno)
        .iter()
        .all(|h| !h.contains("b1.age")));

    let r1 = cen.path("r1.age");
    cen.ok(&["bundle", "import", s(&b1), "--receipt-out", s(&r1)]);
    assert_eq!(listing(&cen), listing(&col));
    for st in listing(&col) {
        let sno = st["student_no"].as_str().unwrap();
        assert_eq!(file_content(&cen, sno), file_content(&col, sno));
    }
    // The attachment's bytes arrived.
    let show = cen.json(&["student", "show", &sno, "--json"]);
    let att = show["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record"]["body"]["kind"] == "attachment")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .unwrap();
    let got = cen.path("got.pdf");
    cen.ok(&[
        "attachment",
        "get",
        "--student",
        &sno,
        "--record",
        &att,
        "--out",
        s(&got),
    ]);
    assert_eq!(
        std::fs::read(got).unwrap(),
        b"%PDF-1.4 scanned certificate bytes"
    );

    // Importing the same bundle again changes nothing and gives the same receipt.
    let before = snapshot(&cen);
    let r1b = cen.path("r1b.age");
    let out = cen.ok(&["bundle", "import", s(&b1), "--receipt-out", s(&r1b)]);
    assert!(out.contains("imported before"), "{out}");
    assert_eq!(std::fs::read(&r1).unwrap(), std::fs::read(&r1b).unwrap());
    assert_eq!(snapshot(&cen), before);

    // After the receipt, the next bundle carries only what is new: an amendment of a talk.
    let receipt = col.json(&["receipt", "import", s(&r1), "--json"]);
    assert!(receipt["acked_to"].as_i64().unwrap() > 0);
    talk(&col, &sno, "第一次谈话");
    let file = col.json(&["student", "show", &sno, "--json"]);
    let rid = file["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record"]["body"]["data"]["text"] == "第一次谈话")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let amend = col.path("amend.json");
    std::fs::write(
        &amend,
        serde_json::json!({
            "date": "2026-03-02", "author": "辅导员", "amends": rid, "amend_reason": "日期写错",
            "body": file["records"].as_array().unwrap().iter()
                .find(|r| r["id"] == rid.as_str()).unwrap()["record"]["body"].clone()
        })
        .to_string(),
    )
    .unwrap();
    col.ok(&["record", "add", "--student", &sno, s(&amend)]);
    let b2 = col.path("b2.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b2)]);
    let rep = cen.json(&["bundle", "import", s(&b2), "--json"]);
    assert_eq!(rep["records_added"], 2, "{rep}");
    assert_eq!(rep["students_added"], 0);
    assert_eq!(rep["skipped"], 0);
    assert_eq!(file_content(&cen, &sno), file_content(&col, &sno));
    let amended = file_content(&cen, &sno);
    assert!(amended.to_string().contains("\"superseded\":true"));
}

#[test]
fn damaged_misaddressed_unknown_and_replayed_bundles_are_refused() {
    let (col, cen) = pair("外国语学院");
    col.ok(&["demo", "--students", "3", "--seed", "5"]);
    let b1 = col.path("b1.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b1)]);
    let (sno, _) = first_student(&col);
    talk(&col, &sno, "第二份");
    let b2 = col.path("b2.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b2)]);

    let good = std::fs::read(&b1).unwrap();
    let refuse = |bytes: &[u8], why: &str| {
        let before = snapshot(&cen);
        let f = cen.path("bad.age");
        std::fs::write(&f, bytes).unwrap();
        let out = cen.run(&["bundle", "import", s(&f)]);
        assert!(!out.status.success(), "{why}: accepted");
        let err = stderr(&out);
        assert!(err.lines().count() == 1, "{err}");
        assert_eq!(snapshot(&cen), before, "{why}: the archive changed");
        err
    };
    for at in [30, good.len() / 2, good.len() - 1] {
        let mut t = good.clone();
        t[at] ^= 0x01;
        let e = refuse(&t, "flipped byte");
        assert!(e.contains("damaged"), "{e}");
    }
    for len in [good.len() - 17, good.len() / 2, 10] {
        let e = refuse(&good[..len], "truncated");
        assert!(e.contains("damaged"), "{e}");
    }

    // Encrypted to another center.
    let other = center();
    trust(&col, None, &other, Some("分中心"));
    let mis = col.path("mis.age");
    col.ok(&["bundle", "export", "--to", "分中心", "--out", s(&mis)]);
    let e = refuse(&std::fs::read(&mis).unwrap(), "misaddressed");
    assert!(e.contains("addressed to another site"), "{e}");

    // Signed by a college the center never trusted.
    let stranger = Xd::init();
    stranger.ok(&["demo", "--students", "2", "--seed", "9"]);
    let cen_profile = cen.path("my-profile.json");
    stranger.ok(&["profile", "import", s(&cen_profile)]);
    let unk = stranger.path("unk.age");
    stranger.ok(&["bundle", "export", "--to", "center", "--out", s(&unk)]);
    let e = refuse(&std::fs::read(&unk).unwrap(), "unknown signer");
    assert!(e.contains("unknown site"), "{e}");

    // A valid age file to the center whose manifest was altered: the signature fails.
    let id_file = cen.path("center-identity.txt");
    let out = cen.run(&["identity", "export", "--out", s(&id_file)]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("warning"));
    let identity =
        age::x25519::Identity::from_str(std::fs::read_to_string(&id_file).unwrap().trim()).unwrap();
    let plain = age::decrypt(&identity, &good).unwrap();
    // Same length, so only the signature can tell (the container is binary: edit bytes in place).
    let needle = b"\"bundle_seq\":1";
    let at = plain
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("the manifest names its sequence number");
    let mut forged = plain.clone();
    forged[at + needle.len() - 1] = b'7';
    let forged = age::encrypt(&identity.to_public(), &forged).unwrap();
    let e = refuse(&forged, "forged manifest");
    assert!(e.contains("signature"), "{e}");

    // The newer bundle first; the older one is then a replay.
    cen.ok(&["bundle", "import", s(&b2)]);
    let e = refuse(&good, "replayed");
    assert!(e.contains("older than one already imported"), "{e}");
    // The same bundle again is no replay: a no-op.
    let before = snapshot(&cen);
    assert!(cen
        .ok(&["bundle", "import", s(&b2)])
        .contains("imported before"));
    assert_eq!(snapshot(&cen), before);
    // A receipt is not a bundle, and a bundle not a receipt.
    let out = col.run(&["receipt", "import", s(&b2)]);
    assert!(!out.status.success());
}

#[test]
fn a_lost_bundle_is_reported_as_a_gap() {
    let (col, cen) = pair("数学学院");
    col.ok(&["demo", "--students", "2", "--seed", "21"]);
    let (sno, _) = first_student(&col);
    let b1 = col.path("b1.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b1)]);
    let r1 = cen.path("r1.age");
    cen.ok(&["bundle", "import", s(&b1), "--receipt-out", s(&r1)]);
    col.ok(&["receipt", "import", s(&r1)]);
    talk(&col, &sno, "第二次");
    let b2 = col.path("b2.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b2)]);
    // The center restores a backup taken before b2 arrived, after acknowledging b2.
    let backup = cen.path("backup.db");
    std::fs::copy(cen.dir().join("archive.db"), &backup).unwrap();
    let r2 = cen.path("r2.age");
    cen.ok(&["bundle", "import", s(&b2), "--receipt-out", s(&r2)]);
    col.ok(&["receipt", "import", s(&r2)]);
    std::fs::copy(&backup, cen.dir().join("archive.db")).unwrap();
    talk(&col, &sno, "第三次");
    let b3 = col.path("b3.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b3)]);
    let rep = cen.json(&["bundle", "import", s(&b3), "--json"]);
    assert!(rep["gap"].is_array(), "{rep}");
    assert!(cen
        .ok(&["bundle", "import", s(&b3)])
        .contains("imported before"));
}

/// Every sealed value (and wrapped key) of the tables that hold student data, by (table, row,
/// column).
fn sealed_values(x: &Xd) -> std::collections::BTreeMap<(String, i64, usize), Vec<u8>> {
    let db = x.db();
    let mut out = std::collections::BTreeMap::new();
    for (t, sql) in [
        ("students", "SELECT id, profile, profile FROM students"),
        (
            "student_wraps",
            "SELECT student_id, wrapped, wrapped FROM student_wraps",
        ),
        ("records", "SELECT id, header, body FROM records"),
        (
            "attachments",
            "SELECT id, content, content FROM attachments",
        ),
        ("ops", "SELECT id, body, body FROM ops"),
    ] {
        let mut stmt = db.prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Vec<u8>>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })
            .unwrap();
        for row in rows {
            let (id, a, b) = row.unwrap();
            out.insert((t.to_string(), id, 1), a);
            out.insert((t.to_string(), id, 2), b);
        }
    }
    out
}

/// Issue 14, Deliver 1: a handover of a student the center already holds is refused without a
/// person's choice (the held file's 学号 and name listed, nothing imported, no receipt written);
/// `--merge-held` merges it, and its receipt retires the file at the college.
#[test]
fn a_handover_of_a_held_student_needs_merge_held_on_the_command_line() {
    let (col, cen) = pair("化学学院");
    col.ok(&["demo", "--students", "2", "--seed", "5"]);
    let (sno, name) = first_student(&col);
    let b1 = col.path("b1.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b1)]);
    cen.ok(&["bundle", "import", s(&b1)]);
    let marker = "移交时合并的谈话";
    talk(&col, &sno, marker);
    let h = col.path("h.age");
    col.ok(&["handover", "export", "--student", &sno, "--out", s(&h)]);
    let before = snapshot(&cen);
    let r = cen.path("r.age");
    let out = cen.run(&["bundle", "import", s(&h), "--receipt-out", s(&r)]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("already has") && err.contains("--merge-held"),
        "{err}"
    );
    assert!(err.contains(&sno) && err.contains(&name), "{err}");
    assert_eq!(snapshot(&cen), before, "nothing imported");
    assert!(!r.exists(), "no receipt");
    let out = cen.run(&["bundle", "import", s(&h), "--merge-held", "--return-held"]);
    assert!(!out.status.success(), "one choice only");

    let rep = cen.json(&[
        "bundle",
        "import",
        s(&h),
        "--merge-held",
        "--receipt-out",
        s(&r),
        "--json",
    ]);
    assert_eq!(rep["refused"], serde_json::json!([]), "{rep}");
    assert_eq!(rep["records_added"], 1, "{rep}");
    assert!(file_content(&cen, &sno).to_string().contains(marker));
    assert_eq!(
        col.json(&["receipt", "import", s(&r), "--json"])["retired"],
        1
    );
}

/// Issue 14: once a student's file is retired, no audit entry names the student. The entries
/// about them stay in the chain (written before the retirement, they still verify) and show no
/// 学号 but `student_withheld: "retired"`, in `audit list --json` and in the text listing; the
/// other students' entries keep theirs; the 学号 is in no file of the folder.
#[test]
fn a_retired_student_is_named_in_no_audit_entry_and_the_chain_still_verifies() {
    let (col, cen) = pair("化学学院");
    col.ok(&["demo", "--students", "3", "--seed", "9"]);
    let list = col.json(&["student", "list", "--json"]);
    let sno = list[0]["student_no"].as_str().unwrap().to_string();
    let other = list[1]["student_no"].as_str().unwrap().to_string();
    talk(&col, &sno, "移交前的谈话");
    col.ok(&["student", "show", &sno, "--json"]);
    talk(&col, &other, "留下的学生的谈话");
    let naming = |log: &serde_json::Value, no: &str| {
        log.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["student_no"] == no)
            .count()
    };
    let log = col.json(&["audit", "list", "--json"]);
    let about = naming(&log, &sno);
    assert!(about >= 2, "{log}");
    assert!(log
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["student_withheld"].is_null()));

    let h = col.path("h.age");
    col.ok(&["handover", "export", "--student", &sno, "--out", s(&h)]);
    let r = cen.path("r.age");
    cen.ok(&["bundle", "import", s(&h), "--receipt-out", s(&r)]);
    assert_eq!(
        col.json(&["receipt", "import", s(&r), "--json"])["retired"],
        1
    );

    let log = col.json(&["audit", "list", "--json"]);
    assert!(!log.to_string().contains(&sno), "{log}");
    let retired: Vec<_> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["student_withheld"] == "retired")
        .collect();
    assert_eq!(retired.len(), about, "{log}");
    assert!(retired.iter().all(|e| e["student_no"].is_null()));
    assert!(naming(&log, &other) >= 1, "the others keep their 学号");
    assert!(!col.ok(&["audit", "list"]).contains(&sno));
    assert!(col.ok(&["audit", "verify"]).starts_with("audit log intact"));
    let hits = find_plaintext(&col.dir(), &sno);
    assert!(hits.is_empty(), "{hits:?}");
}

#[test]
fn handover_retires_files_only_with_their_receipt_and_leaves_no_trace() {
    let (col, cen) = pair("化学学院");
    col.ok(&["demo", "--students", "4", "--seed", "8"]);
    let list = col.json(&["student", "list", "--json"]);
    let list = list.as_array().unwrap();
    let sno = list[0]["student_no"].as_str().unwrap().to_string();
    let name = list[0]["name"].as_str().unwrap().to_string();
    let other = list[1]["student_no"].as_str().unwrap().to_string();
    let marker = "移交标记谈话内容：考试焦虑与家庭压力";
    talk(&col, &sno, marker);
    let scan = col.path("诊断证明.pdf");
    std::fs::write(&scan, "%PDF-1.4 ATTACHMENT-MARKER-7f3a 医院诊断证明").unwrap();
    col.ok(&["attachment", "add", "--student", &sno, "--file", s(&scan)]);

    // First handover of both, then again of one only: the first receipt no longer matches.
    let h0 = col.path("h0.age");
    col.ok(&[
        "handover",
        "export",
        "--student",
        &sno,
        "--student",
        &other,
        "--out",
        s(&h0),
    ]);
    let out = col.run(&[
        "talk",
        "add",
        "--student",
        &sno,
        "--category",
        "other",
        "--date",
        "2026-01-01",
        "--text",
        "x",
    ]);
    assert!(stderr(&out).contains("handed over"), "{}", stderr(&out));
    // An unwritable destination fails before anything is committed: no mark, no temporary file.
    let before = snapshot(&col);
    let nowhere = col.path("no-such-folder").join("h.age");
    let out = col.run(&[
        "handover",
        "export",
        "--student",
        &sno,
        "--out",
        s(&nowhere),
    ]);
    assert!(!out.status.success());
    assert_eq!(snapshot(&col), before);
    let h = col.path("h.age");
    let h_id = col.ok(&["handover", "export", "--student", &sno, "--out", s(&h)]);
    let h_id = h_id.trim();
    assert!(std::fs::read_dir(col.tmp.path()).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .ends_with(".tmp")));
    // Both handovers wait for their receipt; the newer one holds the file handed over twice.
    let pending = col.json(&["handover", "list", "--json"]);
    let pending = pending.as_array().unwrap();
    assert_eq!(pending.len(), 2, "{pending:?}");
    let holding = |id: &str| -> Vec<String> {
        pending
            .iter()
            .find(|p| p["bundle_id"] == id)
            .map(|p| serde_json::from_value(p["students"].clone()).unwrap())
            .unwrap()
    };
    assert_eq!(holding(h_id), vec![sno.clone()]);
    let r0 = cen.path("r0.age");
    cen.ok(&["bundle", "import", s(&h0), "--receipt-out", s(&r0)]);
    let before = snapshot(&col);
    let out = col.run(&["receipt", "import", s(&r0)]);
    assert!(stderr(&out).contains("does not match"), "{}", stderr(&out));
    assert_eq!(snapshot(&col), before);

    // The handover bundle opens with the standard age format given the center's identity.
    let id_file = cen.path("center-identity.txt");
    cen.ok(&["identity", "export", "--out", s(&id_file)]);
    let identity =
        age::x25519::Identity::from_str(std::fs::read_to_string(&id_file).unwrap().trim()).unwrap();
    let plain = age::decrypt(&identity, &std::fs::read(&h).unwrap()).unwrap();
    assert!(plain.starts_with(b"XINDANG-BUNDLE/1\n"));
    assert!(String::from_utf8_lossy(&plain).contains(marker));
    match std::process::Command::new("age")
        .args(["-d", "-i", s(&id_file), s(&h)])
        .output()
    {
        Ok(out) => {
            assert!(out.status.success(), "{}", stderr(&out));
            assert_eq!(out.stdout, plain);
        }
        // CI installs `age` (xtask/src/setup.rs TEST_PACKAGES); only a bare developer machine skips.
        Err(_) if std::env::var_os("CI").is_none() => eprintln!(
            "skipped: the age command-line tool is not installed (apt install age); checked with the age crate only"
        ),
        Err(e) => panic!("the age command-line tool is required on CI: {e}"),
    }

    let r = cen.path("r.age");
    cen.ok(&["bundle", "import", s(&h), "--receipt-out", s(&r)]);
    assert!(file_content(&cen, &sno).to_string().contains(marker));
    // Every sealed value of the college's archive before the retirement, by table and row.
    let sealed_before = sealed_values(&col);
    // The index snapshot (sealed under the archive's key) holds the file too until replaced.
    let old_snapshot = std::fs::read(col.dir().join(xindang::session::SNAPSHOT_FILE)).unwrap();
    let rep = col.json(&["receipt", "import", s(&r), "--json"]);
    assert_eq!(rep["retired"], 1);
    let probe = &old_snapshot[old_snapshot.len() / 2..old_snapshot.len() / 2 + 24];
    for (path, bytes) in crate::support::files_below(&col.dir()) {
        assert!(
            !bytes.windows(probe.len()).any(|w| w == probe),
            "the index snapshot from before the retirement survives in {}",
            path.display()
        );
    }
    // The sealed values of the rows now gone (the wrapped data key, profile, records, attachment,
    // changes) are in no file of the archive folder: not in free pages, not in the WAL.
    let sealed_after = sealed_values(&col);
    let gone: Vec<_> = sealed_before
        .iter()
        .filter(|(k, _)| !sealed_after.contains_key(*k))
        .collect();
    assert!(gone.len() >= 5, "{} values gone", gone.len());
    let files = crate::support::files_below(&col.dir());
    for (what, v) in gone {
        // 24 bytes from the middle of a ciphertext: random, so any hit is that value.
        let probe = &v[v.len() / 2 - 12..v.len() / 2 + 12];
        for (path, bytes) in &files {
            assert!(
                !bytes.windows(probe.len()).any(|w| w == probe),
                "a sealed value of a retired file ({what:?}, {} bytes) survives in {}",
                v.len(),
                path.display()
            );
        }
    }
    assert_eq!(rep["receipt_hash"].as_str().unwrap().len(), 64);
    let out = col.run(&["student", "show", &sno]);
    assert!(stderr(&out).contains("no student"));
    // The other student, handed over in the superseded bundle only, stays; and is still read-only.
    col.ok(&["student", "show", &other]);
    let db = col.db();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM students"), 3);
    assert_eq!(count("SELECT count(*) FROM tombstones"), 1);
    assert_eq!(count("SELECT count(*) FROM handovers"), 1);
    drop(db);
    let pending = col.json(&["handover", "list", "--json"]);
    assert_eq!(pending.as_array().unwrap().len(), 1, "{pending}");
    assert_eq!(pending[0]["students"], serde_json::json!([other.clone()]));
    // Importing the receipt again retires nothing more.
    assert_eq!(
        col.json(&["receipt", "import", s(&r), "--json"])["retired"],
        0
    );
    col.ok(&["audit", "verify"]);
    for needle in [
        name.as_str(),
        sno.as_str(),
        marker,
        "ATTACHMENT-MARKER-7f3a",
    ] {
        let hits = find_plaintext(&col.dir(), needle);
        assert!(hits.is_empty(), "{needle:?} found in {hits:?}");
    }
    assert!(
        !col.dir().join("archive.db-wal").exists()
            || std::fs::metadata(col.dir().join("archive.db-wal"))
                .unwrap()
                .len()
                == 0
    );
}

// ---------------------------------------------------------------------------------------------
// Convergence: the same bundles applied in any order give the same center.

struct Fleet {
    _sites: Vec<Xd>,
    center_template: PathBuf,
    bundles: Vec<Vec<u8>>,
    expected: Vec<String>,
    _tmp: tempfile::TempDir,
}

/// The center's whole content, without local ids.
fn state(s: &mut xindang::Session) -> Vec<String> {
    let list = s.list_students();
    let mut out = Vec::new();
    for st in list {
        let f = s.student_file(&st.student_no).unwrap();
        let mut records: Vec<String> = f
            .records
            .iter()
            .map(|r| {
                let mut rec = r.record.clone();
                let amended = rec.amends.take().is_some();
                format!(
                    "{}|{}|{amended}|{}",
                    r.written_at,
                    r.superseded_by.is_some(),
                    serde_json::to_string(&rec).unwrap()
                )
            })
            .collect();
        records.sort();
        out.push(serde_json::to_string(&f.profile).unwrap());
        out.extend(records);
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
    }
}

fn apply(template: &Path, bundles: &[Vec<u8>], order: &[usize]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("c");
    copy_dir(template, &dir);
    let mut s = xindang::Session::unlock(&xindang::Archive::open(&dir).unwrap(), PASS).unwrap();
    for &i in order {
        if let Err(e) = s.import_bundle(&bundles[i]) {
            // An older bundle of a site after its newer one is a replay; its changes are in the newer.
            assert_eq!(e.code(), "bundle_stale", "bundle {i}: {e}");
        }
    }
    state(&mut s)
}

/// A student of the college's own (a 学号 no other college uses) with a talk.
fn talk_to_new(col: &Xd, i: usize) {
    let sno = format!("20980000{i:02}");
    let p = col.path("own.json");
    std::fs::write(
        &p,
        serde_json::json!({
            "student_no": sno, "name": "本院生", "college": "本院", "major": "心理学",
            "class_name": "心理2301", "dorm": "5号楼", "grade": "2023", "level": "undergraduate",
            "status": "enrolled", "phone": "", "home_address": "", "guardians": [],
            "gender": null, "birth_date": null, "off_campus": null
        })
        .to_string(),
    )
    .unwrap();
    col.ok(&["student", "put", s(&p)]);
    talk(col, &sno, "本院的谈话");
}

fn fleet() -> &'static Fleet {
    static FLEET: OnceLock<Fleet> = OnceLock::new();
    FLEET.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let cen = center();
        let shared = |dorm: &str| {
            serde_json::json!({
                "student_no": "2099000001", "name": "转院生", "college": "甲学院", "major": "心理学",
                "class_name": "心理2301", "dorm": dorm, "grade": "2023", "level": "undergraduate",
                "status": "enrolled", "phone": "", "home_address": "", "guardians": [],
                "gender": null, "birth_date": null, "off_campus": null
            })
            .to_string()
        };
        // The center registered the shared student, of 甲学院, before the colleges edit it.
        let p = cen.path("shared.json");
        std::fs::write(&p, shared("0号楼")).unwrap();
        cen.ok(&["student", "put", s(&p)]);
        let mut sites = Vec::new();
        let mut bundles = Vec::new();
        for (i, name) in ["甲学院", "乙学院", "丙学院"].iter().enumerate() {
            let col = Xd::init();
            trust(&col, Some(name), &cen, None);
            // The demo's 学号 repeat across seeds: at one college only, or the first college to
            // arrive would register them and the others' be refused (order-dependent by design).
            if i == 0 {
                col.ok(&["demo", "--students", "3", "--seed", &(40 + i).to_string()]);
            } else {
                talk_to_new(&col, i);
            }
            if i != 1 {
                // The same student edited at two colleges: 甲学院's edit (its profile names it)
                // wins over the center's older one; 丙学院's is refused in every order.
                let p = col.path("shared.json");
                std::fs::write(&p, shared(&format!("{}号楼", i + 1))).unwrap();
                col.ok(&["student", "put", s(&p)]);
                talk(&col, "2099000001", &format!("{name}的谈话"));
            }
            let b = col.path("b1.age");
            col.ok(&["bundle", "export", "--to", "center", "--out", s(&b)]);
            bundles.push(std::fs::read(&b).unwrap());
            if i == 0 {
                // A second, cumulative bundle (no receipt in between).
                let (sno, _) = first_student(&col);
                talk(&col, &sno, "补充谈话");
                let b = col.path("b2.age");
                col.ok(&["bundle", "export", "--to", "center", "--out", s(&b)]);
                bundles.push(std::fs::read(&b).unwrap());
            }
            sites.push(col);
        }
        let template = tmp.path().join("center");
        copy_dir(&cen.dir(), &template);
        sites.push(cen);
        let order: Vec<usize> = (0..bundles.len()).collect();
        let expected = apply(&template, &bundles, &order);
        // 甲学院's edit is in force; 丙学院's (and its talk) never landed.
        assert!(expected.iter().any(|l| l.contains("\"1号楼\"")));
        assert!(!expected.iter().any(|l| l.contains("\"3号楼\"") || l.contains("\"0号楼\"")));
        assert!(!expected.iter().any(|l| l.contains("丙学院的谈话")));
        assert!(expected.iter().any(|l| l.contains("甲学院的谈话")));
        Fleet {
            _sites: sites,
            center_template: template,
            bundles,
            expected,
            _tmp: tmp,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, failure_persistence: None, ..ProptestConfig::default() })]
    #[test]
    fn bundles_applied_in_any_order_converge(order in Just((0..4usize).collect::<Vec<_>>()).prop_shuffle()) {
        let f = fleet();
        prop_assert_eq!(f.bundles.len(), 4);
        let got = apply(&f.center_template, &f.bundles, &order);
        prop_assert_eq!(&got, &f.expected);
    }
}

// ---------------------------------------------------------------------------------------------
// Test vectors of format 1 (tests/fixtures/bundles/, docs/bundle-format.md).

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bundles")
}

#[test]
fn bundle_format_v1_test_vector_still_reads() {
    let dir = fixtures();
    let identity = age::x25519::Identity::from_str(
        std::fs::read_to_string(dir.join("center-identity.txt"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    let sender: xindang::site::SiteProfile =
        serde_json::from_slice(&std::fs::read(dir.join("college-profile.json")).unwrap()).unwrap();
    sender.validate().unwrap();
    let file = std::fs::read(dir.join("sync-v1.age")).unwrap();
    let mut plain = Vec::new();
    age::Decryptor::new_buffered(&file[..])
        .unwrap()
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    assert_eq!(
        plain,
        std::fs::read(dir.join("sync-v1.plaintext.bin")).unwrap()
    );
    let contents = xindang::bundle::open_container(&plain, &sender).unwrap();
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("sync-v1.manifest.json")).unwrap()).unwrap();
    assert_eq!(serde_json::to_value(&contents.manifest).unwrap(), expected);
    assert_eq!(
        contents.hash(),
        std::fs::read_to_string(dir.join("sync-v1.hash"))
            .unwrap()
            .trim()
    );
    assert_eq!(
        contents.changes.len() as i32,
        contents.manifest.counts.profiles + contents.manifest.counts.records
    );
    // One flipped byte anywhere in the plaintext is caught by the signature or the content hash.
    for at in [20, plain.len() / 2, plain.len() - 1] {
        let mut t = plain.clone();
        t[at] ^= 0x20;
        assert!(
            xindang::bundle::open_container(&t, &sender).is_err(),
            "flip at {at}"
        );
    }
}

/// Writes the test vectors: `cargo test -p xindang --test tests make_bundle_fixtures -- --ignored`.
#[test]
#[ignore]
fn make_bundle_fixtures() {
    let (col, cen) = pair("示例学院");
    col.ok(&["demo", "--students", "2", "--seed", "99"]);
    let (sno, _) = first_student(&col);
    let scan = col.path("scan.pdf");
    std::fs::write(&scan, "%PDF-1.4 synthetic attachment").unwrap();
    col.ok(&["attachment", "add", "--student", &sno, "--file", s(&scan)]);
    let dir = fixtures();
    std::fs::create_dir_all(&dir).unwrap();
    let b = dir.join("sync-v1.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b)]);
    std::fs::copy(
        col.path("my-profile.json"),
        dir.join("college-profile.json"),
    )
    .unwrap();
    std::fs::copy(cen.path("my-profile.json"), dir.join("center-profile.json")).unwrap();
    cen.ok(&[
        "identity",
        "export",
        "--out",
        s(&dir.join("center-identity.txt")),
    ]);
    let identity = age::x25519::Identity::from_str(
        std::fs::read_to_string(dir.join("center-identity.txt"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    let plain = age::decrypt(&identity, &std::fs::read(&b).unwrap()).unwrap();
    let sender: xindang::site::SiteProfile =
        serde_json::from_slice(&std::fs::read(dir.join("college-profile.json")).unwrap()).unwrap();
    let contents = xindang::bundle::open_container(&plain, &sender).unwrap();
    std::fs::write(
        dir.join("sync-v1.manifest.json"),
        serde_json::to_string_pretty(&contents.manifest).unwrap(),
    )
    .unwrap();
    std::fs::write(dir.join("sync-v1.hash"), format!("{}\n", contents.hash())).unwrap();
    std::fs::write(dir.join("sync-v1.plaintext.bin"), &plain).unwrap();
}

// ---------------------------------------------------------------------------------------------
// The center's side: the school-wide picture, and results going back to the right college only.

/// A screening by the center, dated today: the demo's counselors keep up with their own
/// screenings until today, and the latest screening is the one that counts.
fn screening(x: &Xd, sno: &str, flagged: bool) {
    let f = x.path("screening.json");
    let today = chrono::Local::now().date_naive().to_string();
    std::fs::write(
        &f,
        serde_json::json!({
            "date": today, "author": "心理中心", "amends": null, "amend_reason": "",
            "body": {"kind": "screening", "data": {
                "instrument": "UPI", "score": "31", "result": if flagged { "moderate" } else { "normal" },
                "flagged": flagged, "notes": "秋季普查"
            }}
        })
        .to_string(),
    )
    .unwrap();
    x.ok(&["record", "add", "--student", sno, s(&f)]);
}

#[test]
fn the_center_sees_colleges_and_sends_screening_results_back_to_each() {
    let (col, cen) = pair("计算机学院");
    let other = Xd::init();
    trust(&other, Some("外国语学院"), &cen, None);
    col.ok(&["demo", "--students", "3", "--seed", "31"]);
    let (sent, _) = first_student(&col);
    let b = col.path("b.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b)]);
    cen.ok(&["bundle", "import", s(&b)]);

    // The center screens a student the college sent, and a freshman it has not sent yet whose
    // profile names the college.
    screening(&cen, &sent, true);
    let fresh = cen.path("fresh.json");
    std::fs::write(
        &fresh,
        serde_json::json!({
            "student_no": "2611000001", "name": "新生甲", "college": "计算机学院", "major": "软件工程",
            "class_name": "软工2601", "dorm": "8-101", "grade": "2026", "level": "undergraduate",
            "status": "enrolled", "phone": "", "home_address": "", "guardians": [],
            "gender": null, "birth_date": null, "off_campus": null
        })
        .to_string(),
    )
    .unwrap();
    cen.ok(&["student", "put", s(&fresh)]);
    screening(&cen, "2611000001", true);

    let o = cen.json(&["center", "overview", "--json"]);
    let cs = o["colleges"].as_array().unwrap();
    let row = cs.iter().find(|c| c["college"] == "计算机学院").unwrap();
    assert!(row["flagged"].as_i64().unwrap() >= 1, "{o}");
    assert_eq!(o["total"]["students"], 4, "{o}");
    assert!(o["total"]["flagged"].as_i64().unwrap() >= 2, "{o}");
    assert!(o["total"]["sites"]
        .as_array()
        .unwrap()
        .contains(&"计算机学院".into()));
    let peers = o["peers"].as_array().unwrap();
    let p = peers
        .iter()
        .find(|p| p["profile"]["name"] == "计算机学院")
        .unwrap();
    assert_eq!(p["bundles_received"], 1);
    assert!(p["unacknowledged"].as_i64().unwrap() >= 3, "{p}");
    let flagged = cen.json(&["center", "flagged", "--college", "计算机学院", "--json"]);
    let nos: Vec<&str> = flagged
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["student_no"].as_str().unwrap())
        .collect();
    assert!(nos.contains(&"2611000001"), "{nos:?}");

    // Results to the college: its students' screenings and the new freshman, nothing of others.
    let r = cen.path("results.age");
    cen.ok(&["bundle", "export", "--to", "计算机学院", "--out", s(&r)]);
    let rep = col.json(&["bundle", "import", s(&r), "--json"]);
    assert_eq!(rep["kind"], "results");
    assert_eq!(rep["students_added"], 1, "{rep}");
    assert_eq!(rep["records_added"], 2, "{rep}");
    assert_eq!(file_content(&col, &sent), file_content(&cen, &sent));
    let flagged = col.json(&["center", "flagged", "--json"]);
    let nos: Vec<&str> = flagged
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["student_no"].as_str().unwrap())
        .collect();
    assert!(
        nos.contains(&"2611000001") && nos.contains(&sent.as_str()),
        "{nos:?}"
    );
    // The results do not echo back to the center in the college's next bundle.
    let b2 = col.path("b2.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b2)]);
    let rep = cen.json(&["bundle", "import", s(&b2), "--json"]);
    assert_eq!(rep["records_added"], 0, "{rep}");
    assert_eq!(rep["students_added"], 0, "{rep}");

    let r2 = cen.path("results-other.age");
    cen.ok(&["bundle", "export", "--to", "外国语学院", "--out", s(&r2)]);
    let rep = other.json(&["bundle", "import", s(&r2), "--json"]);
    assert_eq!(rep["students_added"], 0, "{rep}");
    assert_eq!(rep["records_added"], 0, "{rep}");
    assert_eq!(listing(&other).len(), 0);
}

// ---------------------------------------------------------------------------------------------
// kill -9 during a bundle import: the center holds none or all of the bundle, and opens.

/// Every profile with its record count, from the in-memory index (opening each file would
/// write an audit entry per student and slow the test down).
fn summaries(s: &xindang::Session) -> Vec<String> {
    s.list_students()
        .into_iter()
        .map(|mut st| {
            st.id.clear();
            serde_json::to_string(&st).unwrap()
        })
        .collect()
}

#[test]
fn kill_9_during_a_bundle_import_leaves_none_or_all_of_it() {
    use crate::support::soak::{copy_of, open_checked, run_and_kill, seed, Rng};
    use std::time::{Duration, Instant};

    let (col, cen) = pair("计算机学院");
    col.ok(&["demo", "--students", "50", "--seed", "77"]);
    let b = col.path("b.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b)]);

    // The uninterrupted import gives the expected state and the range of the kill moments.
    let full = copy_of(&cen);
    let start = Instant::now();
    full.ok(&["bundle", "import", s(&b)]);
    let total = start.elapsed();
    let expected = summaries(&open_checked(&full, PASS));
    assert_eq!(expected.len(), 50);

    let mut rng = Rng::new(seed(), "bundle_import");
    let mut tally = std::collections::BTreeMap::new();
    for trial in 0..4 {
        // Spread over the run, weighted to its second half where the transaction is written.
        let us = total.as_micros() as u64;
        let after = Duration::from_micros(us / 3 + rng.below(us * 8 / 10));
        let x = copy_of(&cen);
        let kill = run_and_kill(x.command(&["bundle", "import", s(&b)]), after);
        // Opens, passes SQLite's integrity check, and its audit chain verifies.
        let got = summaries(&open_checked(&x, PASS));
        let whole = !got.is_empty();
        if whole {
            assert_eq!(got, expected, "trial {trial} ({kill:?}): half a bundle");
        }
        *tally.entry(whole).or_insert(0) += 1;
        // Importing again completes it, or is a no-op if it was complete.
        let out = x.ok(&["bundle", "import", s(&b)]);
        assert_eq!(
            out.contains("imported before"),
            whole,
            "trial {trial}: {out}"
        );
        if !whole {
            assert_eq!(summaries(&open_checked(&x, PASS)), expected);
        }
    }
    println!("bundle import: 4 kills in a run of {total:?}: none/all = {tally:?}");
}

// ---------------------------------------------------------------------------------------------
// Handover to another institution under a passphrase (age scrypt), no profiles exchanged.

#[test]
fn a_passphrase_handover_reaches_another_institution_and_its_receipt_retires_the_file() {
    const BUNDLE_PASS: &str = "交接口令 horse battery 2026";
    let col = Xd::init();
    col.ok(&["demo", "--students", "2", "--seed", "61"]);
    let (sno, name) = first_student(&col);
    let marker = "转学交接谈话：适应新环境的计划";
    talk(&col, &sno, marker);
    let fp = col.ok(&[
        "profile",
        "export",
        "--out",
        s(&col.path("p.json")),
        "--name",
        "物理学院",
    ]);
    let pass = [("XINDANG_BUNDLE_PASSPHRASE", BUNDLE_PASS)];
    let h = col.path("transfer.age");
    let out = col.run_env(
        &[
            "handover",
            "export",
            "--student",
            &sno,
            "--to",
            "某大学心理中心",
            "--passphrase",
            "--out",
            s(&h),
        ],
        &pass,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(fp.trim()), "{}", stderr(&out));
    // A standard age tool opens it with the passphrase alone.
    let bytes = std::fs::read(&h).unwrap();
    let id = age::scrypt::Identity::new(BUNDLE_PASS.to_string().into());
    let mut plain = Vec::new();
    age::Decryptor::new_buffered(&bytes[..])
        .unwrap()
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap()
        .read_to_end(&mut plain)
        .unwrap();
    assert!(plain.starts_with(b"XINDANG-BUNDLE/1\n"));
    assert!(String::from_utf8_lossy(&plain).contains(marker));
    // Without a passphrase given, one is generated and printed: six groups of four digits, and
    // it is the one the file opens with.
    let other_student = listing(&col)
        .iter()
        .map(|st| st["student_no"].as_str().unwrap().to_string())
        .find(|n| *n != sno)
        .unwrap();
    let g = col.path("generated.age");
    let out = col.run(&[
        "handover",
        "export",
        "--student",
        &other_student,
        "--to",
        "某大学心理中心",
        "--passphrase",
        "--out",
        s(&g),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stderr(&out);
    let generated = said
        .lines()
        .find_map(|l| {
            l.strip_prefix("Passphrase (read it out to 某大学心理中心 by phone, group by group): ")
        })
        .unwrap_or_else(|| panic!("no passphrase printed: {said}"));
    let groups: Vec<&str> = generated.split('-').collect();
    assert_eq!(groups.len(), 6, "{generated}");
    assert!(groups
        .iter()
        .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit())));
    assert!(
        !stdout(&out).contains(generated),
        "stdout keeps only the bundle id"
    );
    let id = age::scrypt::Identity::new(generated.to_string().into());
    let bytes = std::fs::read(&g).unwrap();
    assert!(age::Decryptor::new_buffered(&bytes[..])
        .unwrap()
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .is_ok());

    // The other institution: a wrong passphrase changes nothing; the right one imports.
    let other = Xd::init();
    let other_fp = other.ok(&[
        "profile",
        "export",
        "--out",
        s(&other.path("p.json")),
        "--name",
        "某大学心理中心",
    ]);
    let before = snapshot(&other);
    let bad = other.run_env(
        &["bundle", "import", s(&h)],
        &[("XINDANG_BUNDLE_PASSPHRASE", "not the passphrase 123")],
    );
    assert!(!bad.status.success());
    assert!(
        stderr(&bad).contains("passphrase does not open"),
        "{}",
        stderr(&bad)
    );
    assert_eq!(snapshot(&other), before);
    // Without the passphrase the plain import says what is missing.
    let out = other.run_env(&["bundle", "import", s(&h)], &[]);
    assert!(!out.status.success());
    // Step one: read and verified, the signer's fingerprint shown, nothing written.
    let r = other.path("receipt.age");
    let out = other.run_env(&["bundle", "import", s(&h), "--receipt-out", s(&r)], &pass);
    assert!(!out.status.success());
    assert!(stderr(&out).contains(fp.trim()), "{}", stderr(&out));
    assert!(stderr(&out).contains("--fingerprint"), "{}", stderr(&out));
    assert_eq!(snapshot(&other), before);
    assert!(!r.exists());
    // Another fingerprint than the signer's: refused, nothing written.
    let out = other.run_env(
        &["bundle", "import", s(&h), "--fingerprint", other_fp.trim()],
        &pass,
    );
    assert!(
        stderr(&out).contains("fingerprint is not the one confirmed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&other), before);
    // Step two: confirmed (typed in lower case), imported.
    let out = other.run_env(
        &[
            "bundle",
            "import",
            s(&h),
            "--receipt-out",
            s(&r),
            "--json",
            "--fingerprint",
            &fp.trim().to_lowercase(),
        ],
        &pass,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["sender_fingerprint"], fp.trim());
    assert_eq!(rep["students_added"], 1);
    assert!(file_content(&other, &sno).to_string().contains(marker));
    // Again: a no-op with the same receipt.
    let r2 = other.path("receipt2.age");
    let out = other.run_env(
        &[
            "bundle",
            "import",
            s(&h),
            "--receipt-out",
            s(&r2),
            "--fingerprint",
            fp.trim(),
        ],
        &pass,
    );
    assert!(stdout(&out).contains("imported before"));
    assert_eq!(std::fs::read(&r).unwrap(), std::fs::read(&r2).unwrap());

    // Back at the college: a wrong passphrase retires nothing; the right one retires the file.
    let before = snapshot(&col);
    let bad = col.run_env(
        &["receipt", "import", s(&r)],
        &[("XINDANG_BUNDLE_PASSPHRASE", "not the passphrase 123")],
    );
    assert!(!bad.status.success());
    assert_eq!(snapshot(&col), before);
    // The receipt too: without the receiver's fingerprint, or with another, nothing is retired.
    let out = col.run_env(&["receipt", "import", s(&r)], &pass);
    assert!(stderr(&out).contains(other_fp.trim()), "{}", stderr(&out));
    assert_eq!(snapshot(&col), before);
    let out = col.run_env(
        &["receipt", "import", s(&r), "--fingerprint", fp.trim()],
        &pass,
    );
    assert!(
        stderr(&out).contains("fingerprint is not the one confirmed"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&col), before);
    let out = col.run_env(
        &[
            "receipt",
            "import",
            s(&r),
            "--json",
            "--fingerprint",
            other_fp.trim(),
        ],
        &pass,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["retired"], 1);
    assert_eq!(rep["site"], "某大学心理中心");
    for needle in [sno.as_str(), name.as_str(), marker] {
        let hits = find_plaintext(&col.dir(), needle);
        assert!(hits.is_empty(), "{needle:?} found in {hits:?}");
    }
    col.ok(&["audit", "verify"]);
}

#[test]
fn handover_chooses_by_status_and_cohort() {
    let col = Xd::init();
    for (no, status, grade) in [
        ("2201000001", "graduated", "2022"),
        ("2301000002", "graduated", "2023"),
        ("2201000003", "enrolled", "2022"),
    ] {
        let p = col.path("p.json");
        std::fs::write(
            &p,
            serde_json::json!({
                "student_no": no, "name": "学生", "college": "物理学院", "major": "物理学",
                "class_name": "物理2201", "dorm": "", "grade": grade, "level": "undergraduate",
                "status": status, "phone": "", "home_address": "", "guardians": [],
                "gender": null, "birth_date": null, "off_campus": null
            })
            .to_string(),
        )
        .unwrap();
        col.ok(&["student", "put", s(&p)]);
    }
    let pass = [("XINDANG_BUNDLE_PASSPHRASE", "交接口令 horse battery 2026")];
    let export = |args: &[&str]| {
        let out_file = col.path("h.age");
        let mut all = vec!["handover", "export", "--to", "外校", "--passphrase"];
        all.extend_from_slice(args);
        all.extend(["--out", s(&out_file)]);
        col.run_env(&all, &pass)
    };
    let held = || -> Vec<Vec<String>> {
        let list = col.json(&["handover", "list", "--json"]);
        let mut v: Vec<Vec<String>> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|h| serde_json::from_value(h["students"].clone()).unwrap())
            .collect();
        v.sort();
        v
    };
    let out = export(&["--status", "graduated", "--grade", "2022"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(held(), vec![vec!["2201000001".to_string()]]);
    let out = export(&["--grade", "2022", "--student", "2301000002"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        held(),
        vec![vec![
            "2201000001".to_string(),
            "2201000003".to_string(),
            "2301000002".to_string()
        ]]
    );
    // Nobody matches: refused with a reason, nothing marked anew.
    let out = export(&["--status", "withdrawn"]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("at least one student"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_known_bundle_id_with_other_content_is_an_alarm() {
    let (col, cen) = pair("历史学院");
    col.ok(&["demo", "--students", "2", "--seed", "13"]);
    let b = col.path("b.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b)]);
    cen.ok(&["bundle", "import", s(&b)]);
    let id_file = cen.path("center-identity.txt");
    cen.ok(&["identity", "export", "--out", s(&id_file)]);
    let identity =
        age::x25519::Identity::from_str(std::fs::read_to_string(&id_file).unwrap().trim()).unwrap();
    let plain = age::decrypt(&identity, &std::fs::read(&b).unwrap()).unwrap();

    // The sender itself (or whoever stole its keys) signs other content under the same id.
    let mut session =
        xindang::Session::unlock(&xindang::Archive::open(&col.dir()).unwrap(), PASS).unwrap();
    let site = session.site(None).unwrap();
    let (manifest, _, _, frames) = xindang::bundle::split_container(&plain).unwrap();
    let first_frame = 5 + u32::from_be_bytes(frames[1..5].try_into().unwrap()) as usize;
    let (_, forged) =
        xindang::bundle::seal_container(&site, manifest, &frames[first_frame..]).unwrap();
    let center: xindang::site::SiteProfile =
        serde_json::from_slice(&std::fs::read(cen.path("my-profile.json")).unwrap()).unwrap();
    let forged = xindang::bundle::encrypt(&center, &forged).unwrap();
    drop(session);

    let before = snapshot(&cen);
    let f = cen.path("forged.age");
    std::fs::write(&f, forged).unwrap();
    let out = cen.run(&["bundle", "import", s(&f)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("alarm"), "{}", stderr(&out));
    assert_eq!(snapshot(&cen), before);
}

#[test]
fn kill_9_during_a_retirement_leaves_all_files_or_none() {
    use crate::support::soak::{copy_of, open_checked, run_and_kill, seed, Rng};
    use std::time::{Duration, Instant};

    let (col, cen) = pair("生命科学学院");
    col.ok(&["demo", "--students", "40", "--seed", "17"]);
    let list = col.json(&["student", "list", "--json"]);
    let chosen: Vec<String> = list.as_array().unwrap()[..20]
        .iter()
        .map(|v| v["student_no"].as_str().unwrap().to_string())
        .collect();
    let h = col.path("h.age");
    let mut args = vec!["handover", "export", "--out", s(&h)];
    for sno in &chosen {
        args.extend(["--student", sno.as_str()]);
    }
    col.ok(&args);
    let r = cen.path("r.age");
    cen.ok(&["bundle", "import", s(&h), "--receipt-out", s(&r)]);

    let full = copy_of(&col);
    let start = Instant::now();
    full.ok(&["receipt", "import", s(&r)]);
    let total = start.elapsed();
    assert_eq!(open_checked(&full, PASS).student_count(), 20);

    let mut rng = Rng::new(seed(), "retirement");
    let mut tally = std::collections::BTreeMap::new();
    for trial in 0..3 {
        let us = total.as_micros() as u64;
        let after = Duration::from_micros(us / 3 + rng.below(us * 8 / 10));
        let x = copy_of(&col);
        let kill = run_and_kill(x.command(&["receipt", "import", s(&r)]), after);
        let s1 = open_checked(&x, PASS);
        let n = s1.student_count();
        assert!(n == 40 || n == 20, "trial {trial} ({kill:?}): {n} students");
        let retired = n == 20;
        for sno in &chosen {
            assert_eq!(s1.profile(sno).is_err(), retired, "trial {trial}");
        }
        let pending = s1.pending_handovers().unwrap();
        assert_eq!(pending.is_empty(), retired, "trial {trial}");
        drop(s1);
        let tombs: i64 = x
            .db()
            .query_row("SELECT count(*) FROM tombstones", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tombs, i64::from(retired));
        *tally.entry(retired).or_insert(0) += 1;
        // The receipt again finishes the job, or retires nothing more.
        let rep = x.json(&["receipt", "import", s(&r), "--json"]);
        assert_eq!(
            rep["retired"],
            if retired { 0 } else { 20 },
            "trial {trial}"
        );
    }
    println!("retirement: 3 kills in a run of {total:?}: retired = {tally:?}");
}

#[test]
fn a_conflict_is_listed_and_settled_by_a_person() {
    let (col, cen) = pair("甲学院");
    let put = |x: &Xd, dorm: &str| {
        let p = x.path("shared.json");
        std::fs::write(
            &p,
            serde_json::json!({
                "student_no": "2099000002", "name": "双院生", "college": "甲学院", "major": "心理学",
                "class_name": "心理2301", "dorm": dorm, "grade": "2023", "level": "undergraduate",
                "status": "enrolled", "phone": "", "home_address": "", "guardians": [],
                "gender": null, "birth_date": null, "off_campus": null
            })
            .to_string(),
        )
        .unwrap();
        x.ok(&["student", "put", s(&p)]);
    };
    put(&col, "0号楼");
    let b1 = col.path("b1.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b1)]);
    cen.ok(&["bundle", "import", s(&b1)]);
    // The college edits, then the center edits later, before the college's edit arrives.
    put(&col, "1号楼");
    let b2 = col.path("b2.age");
    col.ok(&["bundle", "export", "--to", "center", "--out", s(&b2)]);
    put(&cen, "2号楼");
    cen.ok(&["bundle", "import", s(&b2)]);
    let list = cen.json(&["bundle", "conflicts", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["fields"], serde_json::json!(["dorm"]));
    assert_eq!(list[0]["kind"], "profile");
    assert_eq!(list[0]["kept_site"], "center");
    assert_eq!(list[0]["other_site"], "甲学院");
    let id = list[0]["id"].as_str().unwrap();
    let out = cen.run(&["bundle", "settle", "12345"]);
    assert!(
        stderr(&out).contains("no open conflict"),
        "{}",
        stderr(&out)
    );
    cen.ok(&["bundle", "settle", id]);
    assert_eq!(
        cen.json(&["bundle", "conflicts", "--json"]),
        serde_json::json!([])
    );
    cen.ok(&["audit", "verify"]);
}
