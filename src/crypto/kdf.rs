//! The passphrase key derivation: Argon2id, memory-hard, because a stolen laptop is attacked
//! offline and ring has no memory-hard function. Parameters are stored per key slot so they can be
//! raised later without touching the rest of the archive.

use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::Key;
use crate::error::{Error, Result};

/// The floor: never less memory than this (64 MiB), whatever the calibration says.
pub const MIN_MEMORY_KIB: u32 = 64 * 1024;

/// The default time one derivation should take on this machine.
pub const DEFAULT_TARGET: Duration = Duration::from_millis(1000);

/// Argon2id parameters of one key slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Algorithm name, always "argon2id" for now.
    pub alg: KdfAlg,
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

/// Supported derivation algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KdfAlg {
    /// Argon2id v1.3.
    Argon2id,
}

impl KdfParams {
    /// The minimum parameters: 64 MiB, one pass, one lane.
    pub const FLOOR: KdfParams = KdfParams {
        alg: KdfAlg::Argon2id,
        m_kib: MIN_MEMORY_KIB,
        t: 1,
        p: 1,
    };

    /// Derives a key-encryption key from a passphrase.
    pub fn derive(&self, passphrase: &[u8], salt: &[u8]) -> Result<Key> {
        let params = Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|_| Error::Tamper("key slot parameters"))?;
        // The benchmarks' plaintext build (see `crypto::SEALS`): one HMAC instead of Argon2id.
        if cfg!(xindang_plain_bench) {
            let mut salt32 = [0u8; 32];
            salt32[..salt.len().min(32)].copy_from_slice(&salt[..salt.len().min(32)]);
            return Ok(Zeroizing::new(super::mac(&salt32, &[passphrase])));
        }
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(passphrase, salt, &mut out[..])
            .map_err(|_| Error::Tamper("key slot parameters"))?;
        Ok(out)
    }

    /// Parameters that take about `target` on this machine, never below [`KdfParams::FLOOR`].
    pub fn calibrate(target: Duration) -> KdfParams {
        let floor = Self::FLOOR;
        if target.is_zero() {
            return floor;
        }
        let start = Instant::now();
        let cpu_start = thread_cpu_time();
        // The probe's result is thrown away; only its duration matters.
        let _ = floor.derive(b"calibration", &[0u8; 16]);
        // CPU time, where the platform tells it: on a busy machine the wall clock would count
        // other programs' time and choose too few passes for an attacker's idle machine.
        let one = match (cpu_start, thread_cpu_time()) {
            (Some(a), Some(b)) if b > a => b - a,
            _ => start.elapsed(),
        }
        .max(Duration::from_millis(1));
        let passes = (target.as_secs_f64() / one.as_secs_f64())
            .round()
            .clamp(1.0, 64.0) as u32;
        KdfParams { t: passes, ..floor }
    }

    /// The calibration target: `XINDANG_KDF_MS` if set (tests set 0 to use the floor, which still
    /// costs 64 MiB), else one second.
    pub fn target_from_env() -> Duration {
        std::env::var("XINDANG_KDF_MS")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_millis)
            .unwrap_or(DEFAULT_TARGET)
    }
}

/// The CPU time this thread has used: `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` on Linux and
/// macOS, `GetThreadTimes` (kernel + user) on Windows; `None` where the call fails or the
/// platform has neither, and calibration falls back to the wall clock.
#[cfg(any(target_os = "linux", target_os = "macos"))]
#[allow(unsafe_code)]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec owned by this frame; the call writes only it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return None;
    }
    let secs = u64::try_from(ts.tv_sec).ok()?;
    let nanos = u32::try_from(ts.tv_nsec).ok()?;
    Some(Duration::new(secs, nanos))
}

/// See the Linux and macOS version. Declared here rather than through windows-sys, which the
/// core does not depend on. (Not compiled on the project's Linux machines: written with care
/// against the Win32 documentation.)
#[cfg(windows)]
#[allow(unsafe_code)]
fn thread_cpu_time() -> Option<Duration> {
    #[repr(C)]
    #[derive(Default, Clone, Copy)]
    struct FileTime {
        low: u32,
        high: u32,
    }
    #[link(name = "kernel32")]
    extern "system" {
        fn GetCurrentThread() -> *mut core::ffi::c_void;
        fn GetThreadTimes(
            thread: *mut core::ffi::c_void,
            creation: *mut FileTime,
            exit: *mut FileTime,
            kernel: *mut FileTime,
            user: *mut FileTime,
        ) -> i32;
    }
    let mut creation = FileTime::default();
    let mut exit = FileTime::default();
    let mut kernel = FileTime::default();
    let mut user = FileTime::default();
    // SAFETY: GetCurrentThread returns a pseudo handle that needs no closing; the four pointers
    // are valid, writable FILETIMEs owned by this frame.
    let ok = unsafe {
        GetThreadTimes(
            GetCurrentThread(),
            &mut creation,
            &mut exit,
            &mut kernel,
            &mut user,
        )
    };
    if ok == 0 {
        return None;
    }
    let ticks = |t: FileTime| (u64::from(t.high) << 32) | u64::from(t.low);
    // FILETIME counts 100-nanosecond intervals.
    Some(Duration::from_nanos(
        ticks(kernel)
            .saturating_add(ticks(user))
            .saturating_mul(100),
    ))
}

#[cfg(not(any(target_os = "linux", target_os = "macos", windows)))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn thread_cpu_time_counts_work_not_sleep() {
        let a = thread_cpu_time().expect("clock_gettime on Linux");
        std::thread::sleep(Duration::from_millis(50));
        let b = thread_cpu_time().expect("clock_gettime on Linux");
        let _ = KdfParams::FLOOR.derive(b"work", &[0u8; 16]);
        let c = thread_cpu_time().expect("clock_gettime on Linux");
        // Sleeping costs (almost) no CPU; a 64 MiB Argon2id derivation costs a lot more.
        assert!(b - a < Duration::from_millis(20), "{:?}", b - a);
        assert!(c - b > b - a, "{:?} vs {:?}", c - b, b - a);
    }

    #[test]
    fn derive_is_deterministic_and_salted() {
        let p = KdfParams::FLOOR;
        let a = p.derive(b"pass", &[1; 16]).unwrap();
        assert_eq!(a, p.derive(b"pass", &[1; 16]).unwrap());
        assert_ne!(a, p.derive(b"pass", &[2; 16]).unwrap());
        assert_ne!(a, p.derive(b"pasS", &[1; 16]).unwrap());
        assert_eq!(KdfParams::calibrate(Duration::ZERO), p);
    }
}
