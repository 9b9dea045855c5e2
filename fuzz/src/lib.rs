//! What each fuzz target does with one input, shared by the libFuzzer targets in
//! `fuzz_targets/`. Every function must return (an `Err` is fine) and never panic, hang or
//! allocate without bound, whatever the bytes.

use std::io::Read;
use std::str::FromStr;
use std::sync::OnceLock;

use xindang::site::{SiteIdentity, SiteProfile};

/// The test vectors of bundle format 1 (tests/fixtures/bundles/): the center's age identity and
/// the college's public profile, so that seeds made by the college for the center decrypt and
/// their signature verifies.
const CENTER_IDENTITY: &str = include_str!("../../tests/fixtures/bundles/center-identity.txt");
const COLLEGE_PROFILE: &str = include_str!("../../tests/fixtures/bundles/college-profile.json");

fn college() -> &'static SiteProfile {
    static P: OnceLock<SiteProfile> = OnceLock::new();
    P.get_or_init(|| serde_json::from_str(COLLEGE_PROFILE).expect("the fixture profile parses"))
}

fn center_identity() -> &'static age::x25519::Identity {
    static I: OnceLock<age::x25519::Identity> = OnceLock::new();
    I.get_or_init(|| {
        age::x25519::Identity::from_str(CENTER_IDENTITY.trim()).expect("the fixture identity")
    })
}

/// A real site identity as an unlocked archive holds it (a fresh center archive, made once per
/// process in a temporary folder): `xindang::bundle::decrypt` takes nothing else.
fn site() -> &'static SiteIdentity {
    static S: OnceLock<SiteIdentity> = OnceLock::new();
    S.get_or_init(|| {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let dir = std::env::temp_dir().join(format!("xindang-fuzz-site-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (mut session, _) = xindang::Session::create_as(
            &dir,
            "fuzzing passphrase, not a secret",
            xindang::SiteKind::Center,
            "fuzz",
        )
        .expect("a temporary archive");
        let site = session.site(None).expect("a site identity");
        drop(session);
        let _ = std::fs::remove_dir_all(&dir);
        site
    })
}

/// A bundle file as `bundle import` receives it: the real `decrypt` with a site's identity (the
/// age header parser: fuzzed input never matches this site's key), then the same age decryption
/// with the test vector's identity so that mutations of the seeds reach the payload and, when it
/// decrypts, the container reader.
pub fn bundle_reader(data: &[u8]) {
    let _ = xindang::bundle::decrypt(site(), data);
    let Ok(d) = age::Decryptor::new_buffered(data) else {
        return;
    };
    let Ok(mut r) = d.decrypt(std::iter::once(center_identity() as &dyn age::Identity)) else {
        return;
    };
    let mut plain = Vec::new();
    if r.read_to_end(&mut plain).is_ok() {
        bundle_container(&plain);
    }
}

/// A decrypted container: the manifest read before any trust (`split_container`), then the
/// signature, content hash and frames (`open_container`) with the test vector's sender.
pub fn bundle_container(data: &[u8]) {
    if xindang::bundle::split_container(data).is_ok() {
        let _ = xindang::bundle::open_container(data, college());
    }
}

/// A center archive that trusts a college, and the college's identity: the merge target signs
/// every input with the college's real key, so that it reaches the import's authorisation and
/// merge rather than stopping at the signature.
struct MergeWorld {
    center: xindang::Session,
    center_profile: SiteProfile,
    college: SiteIdentity,
    bundle_seq: i64,
}

fn merge_world() -> &'static std::sync::Mutex<MergeWorld> {
    static W: OnceLock<std::sync::Mutex<MergeWorld>> = OnceLock::new();
    W.get_or_init(|| {
        std::env::set_var("XINDANG_KDF_MS", "0");
        let dir = std::env::temp_dir().join(format!("xindang-fuzz-merge-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let pass = "fuzzing passphrase, not a secret";
        let (mut center, _) = xindang::Session::create_as(
            &dir.join("center"),
            pass,
            xindang::SiteKind::Center,
            "fuzz",
        )
        .expect("a temporary archive");
        let (mut college, _) =
            xindang::Session::create(&dir.join("college"), pass).expect("a temporary archive");
        let center_profile = center.site_profile(None).expect("a profile");
        center
            .import_profile(college.site_profile(Some("fuzz college")).expect("a profile"))
            .expect("trusted");
        let college = college.site(None).expect("a site identity");
        std::sync::Mutex::new(MergeWorld {
            center,
            center_profile,
            college,
            bundle_seq: 0,
        })
    })
}

/// The merge behind a valid signed container: the first byte picks the bundle kind, whether
/// the rest is a JSON list of changes (framed by the library) or raw frames, and (bits 2–3) what
/// a handover does with students the center already holds (ask, merge, return); the container is
/// signed by a trusted college and encrypted to the center, which imports it. Any `Err` is
/// fine; a panic, a hang or an archive left unwritable is a finding (the center keeps writing
/// after every input).
pub fn merge(data: &[u8]) {
    use xindang::bundle::{self, BundleKind, Change, Manifest, SiteRef};
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let mut w = merge_world().lock().unwrap_or_else(|e| e.into_inner());
    let kind = if pick & 1 == 0 {
        BundleKind::Sync
    } else {
        BundleKind::Handover
    };
    let frames = if pick & 2 == 0 {
        let Ok(changes) = serde_json::from_slice::<Vec<Change>>(rest) else {
            return;
        };
        match bundle::frame_changes(changes.iter().map(|c| (c, None))) {
            Ok(f) => f.to_vec(),
            Err(_) => return,
        }
    } else {
        rest.to_vec()
    };
    w.bundle_seq += 1;
    let manifest = Manifest {
        format: bundle::FORMAT_VERSION,
        bundle_id: xindang::crypto::hex(&xindang::crypto::random::<16>()),
        kind,
        sender: SiteRef::of(w.college.profile()),
        recipient: SiteRef::of(&w.center_profile),
        created_at: "2026-11-20T10:00:00+08:00".into(),
        bundle_seq: if kind == BundleKind::Sync { w.bundle_seq } else { 0 },
        from_seq: 1,
        to_seq: 0,
        counts: bundle::Counts::default(),
        content_sha256: String::new(),
        receipt: None,
        sender_profile: None,
        audit: None,
    };
    let Ok((_, plain)) = bundle::seal_container(&w.college, manifest, &frames) else {
        return;
    };
    let Ok(file) = bundle::encrypt(&w.center_profile, &plain) else {
        return;
    };
    let held = match (pick >> 2) & 3 {
        1 => xindang::session::sync::HeldStudents::Merge,
        2 => xindang::session::sync::HeldStudents::Return,
        _ => xindang::session::sync::HeldStudents::Ask,
    };
    let _ = w.center.import_bundle_with(&file, held);
    w.center
        .log(xindang::audit::AuditAction::Export, None, "fuzz")
        .expect("the center still writes after an import");
}

/// libfuzzer-sys aborts on every panic, even one the code under test catches; the roster reader
/// catches calamine's panics on purpose (src/roster/read.rs). Put back a hook that does not
/// abort: a panic the reader does not catch still reaches libfuzzer-sys's own `catch_unwind`,
/// which aborts and reports it.
fn panics_as_in_production() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

/// A roster file: the first byte picks the reader (.csv, .xlsx, .xls), the rest is the file.
pub fn roster(data: &[u8]) {
    panics_as_in_production();
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let ext = match pick % 3 {
        0 => "csv",
        1 => "xlsx",
        _ => "xls",
    };
    let _ = xindang::roster::parse_bytes(ext, bytes);
}

/// A policy file (TOML), as the rules screen imports it.
pub fn policy(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = xindang::rules::Policy::parse(text);
    }
}
