//! The cost of one passphrase guess for an attacker holding a copy of the archive: measured, not
//! asserted (speed belongs to benchmarks, not to tests). `cargo xtask soak` prints it; the numbers
//! in docs/security.md come from here.

use std::time::{Duration, Instant};

use xindang::crypto::kdf::KdfParams;

fn per_guess(params: &KdfParams, n: u32) -> Duration {
    let salt = [7u8; 16];
    // One warm-up, so page faults of the first 64 MiB are not counted.
    let _ = params.derive(b"warm-up", &salt);
    let start = Instant::now();
    for i in 0..n {
        let _ = params.derive(format!("guess {i}").as_bytes(), &salt);
    }
    start.elapsed() / n
}

fn days(guesses: f64, each: Duration, cores: f64) -> f64 {
    guesses * each.as_secs_f64() / cores / 86_400.0
}

#[test]
#[ignore = "a measurement; run by `cargo xtask soak`"]
fn measure_passphrase_guess_cost() {
    let floor = KdfParams::FLOOR;
    let calibrated = KdfParams::calibrate(Duration::from_secs(1));
    let floor_cost = per_guess(&floor, 5);
    let cost = per_guess(&calibrated, 3);
    println!(
        "Argon2id floor (m = {} MiB, t = {}, p = {}): {:.0} ms per guess",
        floor.m_kib / 1024,
        floor.t,
        floor.p,
        floor_cost.as_secs_f64() * 1000.0
    );
    println!(
        "Argon2id as a new archive calibrates it on this machine (m = {} MiB, t = {}, p = {}): {:.0} ms per guess, {} MiB of memory each",
        calibrated.m_kib / 1024,
        calibrated.t,
        calibrated.p,
        cost.as_secs_f64() * 1000.0,
        calibrated.m_kib / 1024
    );
    // What that means for passphrases the app accepts, on 64 cores guessing in parallel.
    for (what, guesses) in [
        ("6-digit PIN-like (10^6)", 1e6),
        ("8 random lowercase letters (26^8)", 26f64.powi(8)),
        ("4 random common words (7776^4)", 7776f64.powi(4)),
    ] {
        println!(
            "  {what}: {:.1} days on 1 core, {:.2} days on 64 cores (all guesses)",
            days(guesses, cost, 1.0),
            days(guesses, cost, 64.0)
        );
    }
    assert!(
        cost >= floor_cost / 2,
        "calibration never goes below the floor"
    );
}
