//! What the process does for itself before any key exists, and which test switches it honours.
//!
//! - Core dumps off at start: a crash must not write the keys and the decrypted index to disk.
//!   Linux: `prctl(PR_SET_DUMPABLE, 0)` (also keeps other processes of the user from attaching a
//!   debugger) and `RLIMIT_CORE` 0; macOS: `RLIMIT_CORE` 0; Windows: no Windows Error Reporting
//!   for this program (`WerAddExcludedApplication`) and no fault dialog (`SetErrorMode`). The
//!   Windows and macOS parts are **not compiled on the project's Linux machines**: build and try
//!   them there before a release.
//! - Test switches (`XINDANG_AUTO_LOCK_SECS`, `XINDANG_E2E_DIALOG`, WebDriver automation turning
//!   incognito off) are honoured by debug builds only; release builds ignore them. The auto-lock
//!   override is bounded even then.

use std::ops::RangeInclusive;
use std::time::Duration;

/// Whether this build honours test switches: debug builds (tests, development) only.
pub const TEST_SWITCHES: bool = cfg!(debug_assertions);

/// The seconds `XINDANG_AUTO_LOCK_SECS` may set: from a few seconds (end-to-end tests) to 8 hours.
pub const AUTO_LOCK_OVERRIDE_SECS: RangeInclusive<u64> = 5..=8 * 3600;

/// The auto-lock override of `XINDANG_AUTO_LOCK_SECS`: `None` in release builds, when unset or not
/// a number; else the number of seconds brought within [`AUTO_LOCK_OVERRIDE_SECS`].
pub fn auto_lock_override() -> Option<Duration> {
    if !TEST_SWITCHES {
        return None;
    }
    parse_auto_lock(std::env::var("XINDANG_AUTO_LOCK_SECS").ok().as_deref())
}

fn parse_auto_lock(value: Option<&str>) -> Option<Duration> {
    let secs = value?.trim().parse::<u64>().ok()?;
    let (min, max) = AUTO_LOCK_OVERRIDE_SECS.into_inner();
    Some(Duration::from_secs(secs.clamp(min, max)))
}

/// WebDriver automation (`TAURI_WEBVIEW_AUTOMATION=true`, set by tauri-driver) in a debug build.
pub fn automation() -> bool {
    TEST_SWITCHES && std::env::var("TAURI_WEBVIEW_AUTOMATION").as_deref() == Ok("true")
}

/// Turns core dumps off for this process; best effort (a failure is reported, not fatal).
pub fn disable_core_dumps() {
    if !imp::disable_core_dumps() {
        eprintln!("xindang-app: could not turn core dumps off");
    }
}

#[cfg(unix)]
mod imp {
    /// `RLIMIT_CORE` 0 (soft and hard, so it cannot be raised again), and on Linux not dumpable.
    #[allow(unsafe_code)]
    pub(super) fn disable_core_dumps() -> bool {
        let zero = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain system calls with a valid pointer to a local and constant arguments.
        let limited = unsafe { libc::setrlimit(libc::RLIMIT_CORE, &zero) } == 0;
        #[cfg(target_os = "linux")]
        // SAFETY: as above; PR_SET_DUMPABLE takes the value in its second argument.
        let undumpable = unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } == 0;
        #[cfg(not(target_os = "linux"))]
        let undumpable = true;
        limited && undumpable
    }
}

#[cfg(windows)]
mod imp {
    /// `SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX` (errhandlingapi.h).
    const SEM_QUIET: u32 = 0x0001 | 0x0002;

    #[link(name = "kernel32")]
    extern "system" {
        fn SetErrorMode(mode: u32) -> u32;
        fn GetModuleFileNameW(module: *mut core::ffi::c_void, name: *mut u16, size: u32) -> u32;
    }

    #[link(name = "wer")]
    extern "system" {
        fn WerAddExcludedApplication(exe_name: *const u16, all_users: i32) -> i32;
    }

    #[allow(unsafe_code)]
    pub(super) fn disable_core_dumps() -> bool {
        let mut path = [0u16; 32768];
        // SAFETY: the buffer's length is passed with it; the path is NUL-terminated by the call
        // when it fits (a return below the size), and only then handed on.
        unsafe {
            SetErrorMode(SEM_QUIET);
            let n = GetModuleFileNameW(core::ptr::null_mut(), path.as_mut_ptr(), path.len() as u32);
            n > 0 && (n as usize) < path.len() && WerAddExcludedApplication(path.as_ptr(), 0) >= 0
        }
    }
}

#[cfg(not(any(unix, windows)))]
mod imp {
    pub(super) fn disable_core_dumps() -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_auto_lock_override_is_bounded_and_numeric() {
        let secs = |v: &str| parse_auto_lock(Some(v)).map(|d| d.as_secs());
        assert_eq!(secs("6"), Some(6));
        assert_eq!(secs(" 300 "), Some(300));
        assert_eq!(secs("0"), Some(5));
        assert_eq!(secs("1"), Some(5));
        assert_eq!(secs("999999999"), Some(8 * 3600));
        assert_eq!(secs("-1"), None);
        assert_eq!(secs("ten"), None);
        assert_eq!(parse_auto_lock(None), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn core_dumps_are_off_after_the_call() {
        // In a child process, so the test binary itself keeps its settings.
        let exe = std::env::current_exe().expect("test binary");
        let out = std::process::Command::new(exe)
            .args([
                "--exact",
                "protect::tests::child_turns_core_dumps_off",
                "--ignored",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .output()
            .expect("child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(
            stdout.contains("core dumps off: limit 0, not dumpable"),
            "{stdout}"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    #[ignore = "run by core_dumps_are_off_after_the_call in a child process"]
    fn child_turns_core_dumps_off() {
        disable_core_dumps();
        let limits = std::fs::read_to_string("/proc/self/limits").expect("limits");
        let core = limits
            .lines()
            .find(|l| l.starts_with("Max core file size"))
            .expect("core limit");
        #[allow(unsafe_code)]
        // SAFETY: a query without pointers.
        let dumpable = unsafe { libc::prctl(libc::PR_GET_DUMPABLE, 0, 0, 0, 0) };
        let soft_hard: Vec<&str> = core.split_whitespace().skip(4).take(2).collect();
        assert_eq!(soft_hard, ["0", "0"], "{core}");
        assert_eq!(dumpable, 0);
        println!("core dumps off: limit 0, not dumpable");
    }
}
