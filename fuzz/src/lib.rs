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
        let (mut session, _) = xindang::Archive::create_as(
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
