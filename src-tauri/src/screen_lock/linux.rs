//! Linux: the screensavers' `ActiveChanged(true)` on the session bus; logind's session `Lock` and
//! `PrepareForSleep` on the system bus. A laptop that suspends locks the archive before it sleeps
//! (`PrepareForSleep(true)`) and, should that signal come too late to be handled before the sleep,
//! on waking (`PrepareForSleep(false)`); the idle limit is also measured by the wall clock, so a
//! sleep longer than it locks the archive at the first check after waking either way.

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
        let sleep_app = system_app.clone();
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
        // Sent by logind before a suspend or hibernation (true) and after it (false).
        bus.signal_subscribe(
            Some("org.freedesktop.login1"),
            Some("org.freedesktop.login1.Manager"),
            Some("PrepareForSleep"),
            Some("/org/freedesktop/login1"),
            None,
            DBusSignalFlags::NONE,
            move |_, _, _, _, _, params| {
                if is_sleep_signal(params) {
                    crate::lock_and_notify(&sleep_app, LockReason::ScreenLocked);
                }
            },
        );
    });
}

/// `PrepareForSleep(bool)`: either edge locks (before the sleep, or on waking if the first came
/// too late); a malformed signal does nothing.
pub(super) fn is_sleep_signal(params: &Variant) -> bool {
    params.get::<(bool,)>().is_some()
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
        assert!(is_sleep_signal(&(true,).to_variant()));
        assert!(is_sleep_signal(&(false,).to_variant()));
        assert!(!is_sleep_signal(&("true",).to_variant()));
    }
}
