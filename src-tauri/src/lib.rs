//! XinDang 心档 desktop shell: a Tauri window over the core library `xindang`.
//!
//! Only this crate knows Tauri. It holds one managed state ([`state::Shared`]): the archive folder
//! and, while unlocked, the core's `Session`. Commands ([`commands`]) are one-line adapters; errors
//! reach the webview as `{code, message}` ([`CommandError`]). A background thread locks the archive
//! after a period without commands, and [`screen_lock`] when the OS locks the screen; either tells
//! the window with the `archive-locked` event.
// Denied everywhere but the screen-lock probes of Windows and macOS (foreign calls).
#![deny(unsafe_code)]

pub mod admin;
pub mod admin_commands;
pub mod center_commands;
pub mod commands;
pub mod crisis_commands;
pub mod dialogs;
pub mod error;
pub mod list_commands;
pub mod people_commands;
pub mod policy_commands;
pub mod protect;
pub mod report_commands;
pub mod reports;
pub mod review_commands;
pub mod screen_lock;
pub mod state;
pub mod student_commands;

#[cfg(test)]
mod hardening_tests;
#[cfg(test)]
mod list_tests;
#[cfg(test)]
mod review_tests;
#[cfg(test)]
mod screen_tests;

use std::path::PathBuf;

use tauri::{AppHandle, Emitter, Manager, RunEvent, Runtime};

pub use error::CommandError;
use state::{AppState, LockReason, LockedEvent, Shared};

/// The label of the main window in `tauri.conf.json`.
const MAIN_WINDOW: &str = "main";

/// The event sent when the archive locked itself; the UI returns to the unlock screen.
pub const LOCKED_EVENT: &str = "archive-locked";

/// Starts the app and blocks until its window closes.
pub fn run() {
    // Before any key exists in this process.
    protect::disable_core_dumps();
    let app = tauri::Builder::default()
        // Native dialogs, opened by Rust only: the webview is granted none of the plugin's commands.
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(tauri::generate_handler![
            commands::archive_status,
            commands::create_archive,
            commands::unlock,
            commands::unlock_with_recovery,
            commands::lock,
            commands::touch,
            admin_commands::roster_pick,
            admin_commands::roster_preview,
            admin_commands::roster_import,
            admin_commands::change_passphrase,
            admin_commands::new_recovery_key,
            admin_commands::set_auto_lock,
            admin_commands::policy_view,
            admin_commands::policy_preset,
            admin_commands::policy_check,
            admin_commands::policy_save,
            policy_commands::calendar_view,
            policy_commands::calendar_save,
            policy_commands::crisis_protocol,
            admin_commands::audit_page,
            admin_commands::audit_verify,
            admin_commands::obligation_page,
            admin_commands::obligations_export,
            admin_commands::sync_overview,
            admin_commands::profile_export,
            admin_commands::profile_pick,
            admin_commands::profile_trust,
            admin_commands::bundle_export,
            admin_commands::bundle_import,
            admin_commands::handover_export,
            admin_commands::receipt_import,
            center_commands::handover_passphrase,
            center_commands::handover_export_passphrase,
            center_commands::passphrase_file_pick,
            center_commands::passphrase_file_preview,
            center_commands::passphrase_file_import,
            center_commands::bundle_import_held,
            center_commands::audit_alarm_settle,
            center_commands::conflict_fields,
            center_commands::conflict_settle,
            center_commands::center_flagged,
            commands::list_students,
            student_commands::dashboard,
            student_commands::student_file,
            student_commands::add_record,
            student_commands::amend_profile,
            student_commands::attachment_content,
            student_commands::log_print,
            student_commands::export_student_list,
            student_commands::add_attachment_file,
            crisis_commands::crisis_cases,
            crisis_commands::crisis_step,
            crisis_commands::crisis_close,
            review_commands::review_board,
            review_commands::review_sign,
            review_commands::review_meetings,
            review_commands::review_meeting,
            review_commands::review_print,
            report_commands::report_view,
            report_commands::report_export,
            report_commands::report_print,
            report_commands::network_view,
            report_commands::grid_export,
            report_commands::grid_import,
            report_commands::network_activities,
            report_commands::network_activity_add,
            report_commands::network_waive,
            list_commands::list_pick,
            list_commands::list_import,
            list_commands::inbox_view,
            list_commands::inbox_file,
            list_commands::inbox_dismiss,
            list_commands::student_obligations,
            people_commands::people_locked,
            people_commands::current_person,
            people_commands::people_list,
            people_commands::person_add,
            people_commands::person_remove,
            people_commands::caseload_assign,
            people_commands::caseload_transfer,
        ])
        .plugin(tauri_plugin_dialog::init())
        .manage(admin::Staging::default())
        .setup(|app| {
            let dir = archive_dir(app.handle())?;
            app.manage(Shared::new(AppState::new(
                dir,
                state::idle_limit_from_env(),
            )));
            spawn_auto_lock(app.handle().clone())?;
            screen_lock::watch(app.handle());
            open_main_window(app.handle())?;
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|app, event| {
            if let RunEvent::Exit = event {
                // Drop the keys before the process ends rather than leave them to the OS.
                if let Some(shared) = app.try_state::<Shared>() {
                    shared.quietly(|s| s.lock());
                }
            }
        }),
        Err(e) => {
            eprintln!("xindang-app: could not start: {e}");
            std::process::exit(1);
        }
    }
}

/// `XINDANG_ARCHIVE` if set (tests, the demo), else `archive` in the platform's data folder.
fn archive_dir<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<PathBuf> {
    match std::env::var_os("XINDANG_ARCHIVE") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => Ok(app.path().app_data_dir()?.join("archive")),
    }
}

/// Opens the main window as `tauri.conf.json` describes it (`"create": false` there, so it is made
/// here). One exception: WebKitGTK refuses WebDriver automation in an ephemeral (incognito) context,
/// so when tauri-driver starts the app (`TAURI_WEBVIEW_AUTOMATION=true`, which also turns on Tauri's
/// automation) the webview keeps its data in the app's data folder instead, which the end-to-end
/// tests point at a temporary folder and scan. Debug builds only: a release build stays incognito.
fn open_main_window<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let automation = protect::automation();
    for config in app
        .config()
        .app
        .windows
        .iter()
        .filter(|w| w.label == MAIN_WINDOW)
    {
        let mut builder = tauri::WebviewWindowBuilder::from_config(app, config)?;
        if automation && config.incognito {
            eprintln!("xindang-app: WebDriver automation is on: the webview is not incognito");
            builder = builder.incognito(false);
        }
        builder.build()?;
    }
    Ok(())
}

/// The auto-lock thread: checks the idle time a few times per idle period, locks, and tells the UI.
fn spawn_auto_lock<R: Runtime>(app: AppHandle<R>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("auto-lock".into())
        .spawn(move || loop {
            let shared = app.state::<Shared>();
            let tick = shared.quietly(|s| s.tick());
            std::thread::sleep(tick);
            if shared.quietly(|s| s.lock_if_idle(state::Moment::now())) {
                notify_locked(&app, LockReason::Idle);
            }
        })?;
    Ok(())
}

/// Locks the archive now (drops the `Session`, zeroizing its keys) and, if it was unlocked, tells
/// the window to clear every screen. The screen-lock path; the idle path differs only in its test.
pub(crate) fn lock_and_notify<R: Runtime>(app: &AppHandle<R>, reason: LockReason) {
    let Some(shared) = app.try_state::<Shared>() else {
        return;
    };
    if shared.quietly(|s| s.lock()) {
        notify_locked(app, reason);
    }
}

fn notify_locked<R: Runtime>(app: &AppHandle<R>, reason: LockReason) {
    // The window may be gone while the app exits; nothing else to do then.
    let _ = app.emit(LOCKED_EVENT, LockedEvent { reason });
}
