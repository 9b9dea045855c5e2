//! Locks the archive when the OS locks the screen (锁屏), the same way the idle auto-lock does:
//! the `Session` is dropped (keys zeroized) and the window is told to clear every screen.
//!
//! Linux: D-Bus signals, through the `gio` crate that Tauri's GTK webview already links:
//! - session bus: `org.freedesktop.ScreenSaver.ActiveChanged(true)` and
//!   `org.gnome.ScreenSaver.ActiveChanged(true)` (KDE, GNOME, most desktops);
//! - system bus: `org.freedesktop.login1.Session.Lock` (`loginctl lock-session`, systemd-logind),
//!   and `org.freedesktop.login1.Manager.PrepareForSleep` (suspend and hibernate; see `linux.rs`).
//!
//! A missing bus is skipped quietly: the idle auto-lock still applies. The signals carry nothing
//! but "locked", and any process on the bus may send them; the worst a sender can do is lock the
//! archive, so no sender is trusted or checked. For the same reason `Lock` of any login session is
//! honoured, not only ours: locking too often is the safe side.
//!
//! Windows and macOS: a thread polls every 2 s and locks the archive when the screen goes from
//! unlocked to locked (only on that edge: a probe that keeps saying "locked" must not lock the
//! archive again after every unlock). Windows: the input desktop cannot be opened while the
//! workstation is locked (`OpenInputDesktop` returns NULL; also during a UAC prompt, which errs on
//! the safe side). macOS: `CGSessionCopyCurrentDictionary()` holds `CGSSessionScreenIsLocked`.
//! Both are a few foreign calls declared by hand (no new crates). **They are not compiled on the
//! project's Linux machines** (no Windows or macOS standard library there): written against the
//! platforms' documentation, kept tiny, to be built and tried on those systems before release.

use tauri::{AppHandle, Runtime};

/// Subscribes to the OS's screen-lock signals; each one locks the archive through
/// [`crate::lock_and_notify`]. Call once, from the setup hook (the main thread, whose GLib main
/// context delivers the signals).
pub fn watch<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(target_os = "linux")]
    linux::watch(app);
    #[cfg(target_os = "windows")]
    poll_in_thread(app, windows::screen_is_locked);
    #[cfg(target_os = "macos")]
    poll_in_thread(app, macos::screen_is_locked);
    #[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
    let _ = app;
}

/// How often Windows and macOS are asked whether the screen is locked.
#[cfg(any(target_os = "windows", target_os = "macos"))]
const POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// Starts the polling thread of Windows and macOS.
#[cfg(any(target_os = "windows", target_os = "macos"))]
fn poll_in_thread<R: Runtime>(app: &AppHandle<R>, screen_is_locked: fn() -> bool) {
    let app = app.clone();
    let spawned = std::thread::Builder::new()
        .name("screen-lock".into())
        .spawn(move || {
            let mut edge = LockEdge::default();
            loop {
                if edge.newly_locked(screen_is_locked()) {
                    crate::lock_and_notify(&app, crate::state::LockReason::ScreenLocked);
                }
                std::thread::sleep(POLL);
            }
        });
    if spawned.is_err() {
        eprintln!(
            "xindang-app: cannot start the screen-lock thread; locking with the screen is off"
        );
    }
}

/// The unlocked → locked edge of a polled screen state.
#[cfg(any(target_os = "windows", target_os = "macos", test))]
#[derive(Default)]
struct LockEdge {
    locked: bool,
}

#[cfg(any(target_os = "windows", target_os = "macos", test))]
impl LockEdge {
    /// Whether the screen just locked, given what the latest poll saw.
    fn newly_locked(&mut self, locked: bool) -> bool {
        let edge = locked && !self.locked;
        self.locked = locked;
        edge
    }
}

#[cfg(target_os = "windows")]
mod windows {
    use core::ffi::c_void;

    /// `DESKTOP_SWITCHDESKTOP` (winuser.h).
    const DESKTOP_SWITCHDESKTOP: u32 = 0x0100;

    #[link(name = "user32")]
    extern "system" {
        fn OpenInputDesktop(flags: u32, inherit: i32, desired_access: u32) -> *mut c_void;
        fn CloseDesktop(desktop: *mut c_void) -> i32;
    }

    /// The input desktop cannot be opened while the workstation is locked (the secure desktop
    /// has the input then).
    #[allow(unsafe_code)]
    pub(super) fn screen_is_locked() -> bool {
        // SAFETY: constant arguments; a non-null handle is ours and is closed exactly once.
        unsafe {
            let desktop = OpenInputDesktop(0, 0, DESKTOP_SWITCHDESKTOP);
            if desktop.is_null() {
                return true;
            }
            CloseDesktop(desktop);
        }
        false
    }
}

#[cfg(target_os = "macos")]
mod macos {
    use core::ffi::c_void;

    type CFTypeRef = *const c_void;
    /// `kCFStringEncodingUTF8`.
    const UTF8: u32 = 0x0800_0100;
    const KEY: &str = "CGSSessionScreenIsLocked";

    #[link(name = "CoreGraphics", kind = "framework")]
    extern "C" {
        fn CGSessionCopyCurrentDictionary() -> CFTypeRef;
    }

    #[link(name = "CoreFoundation", kind = "framework")]
    extern "C" {
        fn CFStringCreateWithBytes(
            alloc: CFTypeRef,
            bytes: *const u8,
            len: isize,
            encoding: u32,
            is_external: u8,
        ) -> CFTypeRef;
        fn CFDictionaryGetValue(dict: CFTypeRef, key: CFTypeRef) -> CFTypeRef;
        fn CFGetTypeID(cf: CFTypeRef) -> usize;
        fn CFBooleanGetTypeID() -> usize;
        fn CFBooleanGetValue(boolean: CFTypeRef) -> u8;
        fn CFRelease(cf: CFTypeRef);
    }

    /// Whether the session dictionary says the screen is locked. No dictionary (no window
    /// server session) means unknown: not locked; the idle auto-lock still applies.
    #[allow(unsafe_code)]
    pub(super) fn screen_is_locked() -> bool {
        // SAFETY: the two objects created here (the Copy and Create rule) are released exactly
        // once, each only if non-null; the value is borrowed from the dictionary (the Get rule)
        // and read before the dictionary is released.
        unsafe {
            let dict = CGSessionCopyCurrentDictionary();
            if dict.is_null() {
                return false;
            }
            let key = CFStringCreateWithBytes(
                core::ptr::null(),
                KEY.as_ptr(),
                KEY.len() as isize,
                UTF8,
                0,
            );
            let mut locked = false;
            if !key.is_null() {
                let value = CFDictionaryGetValue(dict, key);
                // A CFBoolean as documented; anything else present under the key errs on the
                // safe side.
                locked = !value.is_null()
                    && (CFGetTypeID(value) != CFBooleanGetTypeID()
                        || CFBooleanGetValue(value) != 0);
                CFRelease(key);
            }
            CFRelease(dict);
            locked
        }
    }
}

#[cfg(target_os = "linux")]
mod linux;

#[cfg(test)]
mod tests {
    use super::LockEdge;

    #[test]
    fn a_polled_lock_locks_once_per_locking() {
        let mut edge = LockEdge::default();
        let seen: Vec<bool> = [false, true, true, true, false, true, false, false]
            .into_iter()
            .map(|locked| edge.newly_locked(locked))
            .collect();
        assert_eq!(seen, [false, true, false, false, false, true, false, false]);
        // Locked from the first poll on (a probe that always says locked): one lock, not one
        // every two seconds.
        let mut edge = LockEdge::default();
        assert!(edge.newly_locked(true));
        assert!(!edge.newly_locked(true));
    }
}
