//! The fuzzers' seed corpora (fuzz/corpus/, committed) are inputs the parsers accept, so the
//! fuzzers start from the formats' real shapes and not from noise; `make_fuzz_seeds` rewrites
//! them from the test vectors and fixtures.

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path),
    )
    .unwrap()
}

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(corpus(target))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("seed-")
        })
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn roster_seed(pick: u8, bytes: &[u8]) -> Vec<u8> {
    let mut v = vec![pick];
    v.extend_from_slice(bytes);
    v
}

/// Rewrites the seeds: `cargo test -p xindang --test tests make_fuzz_seeds -- --ignored`.
#[test]
#[ignore]
fn make_fuzz_seeds() {
    let write = |target: &str, name: &str, bytes: &[u8]| {
        std::fs::create_dir_all(corpus(target)).unwrap();
        std::fs::write(corpus(target).join(format!("seed-{name}")), bytes).unwrap();
    };
    write(
        "bundle_reader",
        "sync-v1.age",
        &fixture("bundles/sync-v1.age"),
    );
    write(
        "bundle_container",
        "sync-v1.bin",
        &fixture("bundles/sync-v1.plaintext.bin"),
    );
    // The roster target's first byte picks the reader: 0 csv, 1 xlsx, 2 xls.
    let csv = "学号,姓名,性别,学院,专业,班级,入学年份,手机号\n\
               2025010101,张三,男,心理学院,应用心理学,心理2501,2025,13800001111\n\
               ２０２５０１０１０２, 李四 ,女,心理学院,应用心理学,心理2501,2025,13800001112\n";
    write("roster", "csv", &roster_seed(0, csv.as_bytes()));
    let tmp = tempfile::tempdir().unwrap();
    let xlsx = tmp.path().join("r.xlsx");
    let people: Vec<_> = xindang::synth::students(&xindang::synth::SynthConfig {
        seed: 3,
        students: 3,
        today: chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap(),
        records_per_student: 0,
    })
    .map(|s| s.profile)
    .collect();
    xindang::roster::write_xlsx(&xlsx, &people).unwrap();
    write(
        "roster",
        "xlsx",
        &roster_seed(1, &std::fs::read(&xlsx).unwrap()),
    );
    write(
        "roster",
        "xls",
        &roster_seed(2, &fixture("roster/roster_2025.xls")),
    );
    for (id, text) in xindang::rules::PRESETS {
        write("policy", &format!("{id}.toml"), text.as_bytes());
    }
    // The merge target's first byte: bit 0 the kind (sync, handover), bit 1 raw frames rather
    // than a JSON list of changes.
    let plain = fixture("bundles/sync-v1.plaintext.bin");
    let (_, _, _, frames) = xindang::bundle::split_container(&plain).unwrap();
    for pick in [2u8, 3] {
        let mut v = vec![pick];
        v.extend_from_slice(frames);
        write("merge", &format!("frames-{pick}"), &v);
    }
    let sender: xindang::site::SiteProfile =
        serde_json::from_slice(&fixture("bundles/college-profile.json")).unwrap();
    let contents = xindang::bundle::open_container(&plain, &sender).unwrap();
    let changes: Vec<_> = contents.changes.iter().map(|(c, _)| c).collect();
    let mut v = vec![0u8];
    v.extend_from_slice(&serde_json::to_vec(&changes).unwrap());
    write("merge", "changes-json", &v);
}

#[test]
fn the_fuzz_seeds_are_inputs_the_parsers_accept() {
    let sender: xindang::site::SiteProfile =
        serde_json::from_slice(&fixture("bundles/college-profile.json")).unwrap();
    let identity: age::x25519::Identity = std::str::FromStr::from_str(
        String::from_utf8(fixture("bundles/center-identity.txt"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    for (name, bytes) in seeds("bundle_reader") {
        let plain = age::decrypt(&identity, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        xindang::bundle::open_container(&plain, &sender).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for (name, bytes) in seeds("bundle_container") {
        xindang::bundle::open_container(&bytes, &sender).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let rosters = seeds("roster");
    assert_eq!(rosters.len(), 3);
    for (name, bytes) in rosters {
        let ext = ["csv", "xlsx", "xls"][usize::from(bytes[0] % 3)];
        let parsed = xindang::roster::parse_bytes(ext, &bytes[1..])
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!parsed.rows.is_empty(), "{name}");
    }
    let merges = seeds("merge");
    assert_eq!(merges.len(), 3);
    for (name, bytes) in merges {
        if bytes[0] & 2 == 0 {
            serde_json::from_slice::<Vec<xindang::bundle::Change>>(&bytes[1..])
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        } else {
            assert!(!bytes[1..].is_empty(), "{name}");
        }
    }
    let policies = seeds("policy");
    assert!(!policies.is_empty());
    for (name, bytes) in policies {
        xindang::rules::Policy::parse(std::str::from_utf8(&bytes).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// What the fuzzers found, kept as regression tests: each input is refused with a clear error,
/// quickly and without a panic.
#[test]
fn inputs_the_fuzzers_found_are_refused_cleanly() {
    // A 5 KB .xls whose directory chain loops: calamine 0.38 allocated until the process
    // aborted (src/roster/cfb.rs).
    let bytes = fixture("roster/fuzz-cfb-cycle.xls");
    let err = xindang::roster::parse_bytes("xls", &bytes).unwrap_err();
    assert_eq!(err.code(), "roster_unreadable", "{err}");
    // A .xls whose sheet offset lies past its workbook stream: calamine panicked (caught in
    // src/roster/read.rs).
    let bytes = fixture("roster/fuzz-sheet-offset.xls");
    let err = xindang::roster::parse_bytes("xls", &bytes).unwrap_err();
    assert_eq!(err.code(), "roster_unreadable", "{err}");
    // A .xls whose DIMENSIONS record names billions of cells: calamine reserved 59 GB and the
    // process aborted (src/roster/biff.rs).
    let bytes = fixture("roster/fuzz-dimensions.xls");
    let err = xindang::roster::parse_bytes("xls", &bytes).unwrap_err();
    assert_eq!(err.code(), "roster_too_large", "{err}");
    // A .xls with a cell in column 60,000: calamine built a dense grid of 62 GB.
    let bytes = fixture("roster/fuzz-cell-column.xls");
    let err = xindang::roster::parse_bytes("xls", &bytes).unwrap_err();
    assert_eq!(err.code(), "roster_too_large", "{err}");
}

/// The fifth input the `roster` fuzz target found: calamine read a sheet offset that landed on a
/// record where the earlier pre-check, reading the compound file its own way, saw the middle of
/// one, and built a dense grid of 84 GB; the process aborted. calamine now reads a contained copy
/// of the workbook stream whose cost was estimated first (src/roster/biff.rs).
#[test]
fn the_sparse_grid_finding_is_refused_as_too_large() {
    let bytes = fixture("roster/fuzz-open-sparse-grid.xls");
    let err = xindang::roster::parse_bytes("xls", &bytes).unwrap_err();
    assert_eq!(err.code(), "roster_too_large", "{err}");
}
