//! Locks the archive when the OS locks the screen (锁屏), the same way the idle auto-lock does:
//! the `Session` is dropped (keys zeroized) and the window is told to clear every screen.
//!
//! Linux: D-Bus signals, through the `gio` crate that Tauri's GTK webview already links:
//! - session bus: `org.freedesktop.ScreenSaver.ActiveChanged(true)` and
//!   `org.gnome.ScreenSaver.ActiveChanged(true)` (KDE, GNOME, most desktops);
//! - system bus: `org.freedesktop.login1.Session.Lock` (`loginctl lock-session`, systemd-logind).
//!
//! A missing bus is skipped quietly: the idle auto-lock still applies. The signals carry nothing
//! but "locked", and any process on the bus may send them; the worst a sender can do is lock the
//! archive, so no sender is trusted or checked. For the same reason `Lock` of any login session is
//! honoured, not only ours: locking too often is the safe side.
//!
//! Not done yet on other systems. Windows would register the window with
//! `WTSRegisterSessionNotification` and lock on `WM_WTSSESSION_CHANGE` / `WTS_SESSION_LOCK`;
//! macOS would observe the distributed notification `com.apple.screenIsLocked`.

use tauri::{AppHandle, Runtime};

/// Subscribes to the OS's screen-lock signals; each one locks the archive through
/// [`crate::lock_and_notify`]. Call once, from the setup hook (the main thread, whose GLib main
/// context delivers the signals).
pub fn watch<R: Runtime>(app: &AppHandle<R>) {
    #[cfg(target_os = "linux")]
    linux::watch(app);
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

#[cfg(target_os = "linux")]
mod linux {
    use gio::glib::Variant;
    use gio::{BusType, Cancellable, DBusConnection, DBusSignalFlags};
    use tauri::{AppHandle, Runtime};

    use crate::state::LockReason;

    /// The screensaver interfaces whose `ActiveChanged(bool)` says the screen locked.
    const SCREENSAVERS: [&str; 2] = ["org.freedesktop.ScreenSaver", "org.gnome.ScreenSaver"];

    pub(super) fn watch<R: Runtime>(app: &AppHandle<R>) {
        let session_app = app.clone();
        // Asynchronous: the window opens without waiting for a bus; the callbacks run on this
        // thread's main context (GTK's), as does every signal callback subscribed in them.
        gio::bus_get(BusType::Session, None::<&Cancellable>, move |bus| {
            let Ok(bus) = bus else {
                eprintln!("xindang-app: no D-Bus session bus; locking with the screen is off");
                return;
            };
            keep(&bus);
            for interface in SCREENSAVERS {
                let app = session_app.clone();
                bus.signal_subscribe(
                    None,
                    Some(interface),
                    Some("ActiveChanged"),
                    None,
                    None,
                    DBusSignalFlags::NONE,
                    move |_, _, _, _, _, params| {
                        if screen_became_active(params) {
                            crate::lock_and_notify(&app, LockReason::ScreenLocked);
                        }
                    },
                );
            }
        });
        let system_app = app.clone();
        gio::bus_get(BusType::System, None::<&Cancellable>, move |bus| {
            // Containers and minimal sessions have no system bus: the session bus still works.
            let Ok(bus) = bus else { return };
            keep(&bus);
            bus.signal_subscribe(
                Some("org.freedesktop.login1"),
                Some("org.freedesktop.login1.Session"),
                Some("Lock"),
                None,
                None,
                DBusSignalFlags::NONE,
                move |_, _, _, _, _, _| {
                    crate::lock_and_notify(&system_app, LockReason::ScreenLocked);
                },
            );
        });
    }

    /// `ActiveChanged(true)`: the screensaver (and with it the lock) came on.
    pub(super) fn screen_became_active(params: &Variant) -> bool {
        params.get::<(bool,)>().is_some_and(|(active,)| active)
    }

    /// Keeps a bus connection for the app's lifetime: GIO would drop the shared connection (and
    /// with it the subscriptions) with its last reference, and by default ends the process when a
    /// bus goes away, which must not take unsaved work with it.
    fn keep(bus: &DBusConnection) {
        bus.set_exit_on_close(false);
        std::mem::forget(bus.clone());
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use gio::glib::ToVariant;

        #[test]
        fn only_active_true_locks() {
            assert!(screen_became_active(&(true,).to_variant()));
            assert!(!screen_became_active(&(false,).to_variant()));
            // A malformed signal (wrong type, no argument) does nothing rather than fail.
            assert!(!screen_became_active(&("true",).to_variant()));
            assert!(!screen_became_active(&().to_variant()));
        }
    }
}
