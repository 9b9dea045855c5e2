//! Generates the Tauri context and the permissions of our own commands (`allow-<command>`), so the
//! capabilities can grant the webview exactly those and nothing else.

use std::path::Path;

/// Every command the webview may invoke; `src/lib.rs` registers the same list.
const COMMANDS: &[&str] = &[
    "archive_status",
    "create_archive",
    "unlock",
    "unlock_with_recovery",
    "lock",
    "touch",
    "roster_pick",
    "roster_preview",
    "roster_import",
    "change_passphrase",
    "new_recovery_key",
    "set_auto_lock",
    "policy_view",
    "policy_preset",
    "policy_check",
    "policy_save",
    "calendar_view",
    "calendar_save",
    "crisis_protocol",
    "audit_page",
    "audit_verify",
    "obligation_page",
    "obligations_export",
    "sync_overview",
    "profile_export",
    "profile_pick",
    "profile_trust",
    "bundle_export",
    "bundle_import",
    "handover_export",
    "receipt_import",
    "handover_passphrase",
    "handover_export_passphrase",
    "passphrase_file_pick",
    "passphrase_file_preview",
    "passphrase_file_import",
    "bundle_import_held",
    "audit_alarm_settle",
    "conflict_fields",
    "conflict_settle",
    "center_flagged",
    "list_students",
    "dashboard",
    "student_file",
    "add_record",
    "amend_profile",
    "attachment_content",
    "log_print",
    "export_student_list",
    "add_attachment_file",
    "crisis_cases",
    "crisis_step",
    "crisis_close",
    "review_board",
    "review_sign",
    "review_meetings",
    "review_meeting",
    "review_print",
    "report_view",
    "report_export",
    "report_print",
    "network_view",
    "grid_export",
    "grid_import",
    "network_activities",
    "network_activity_add",
    "network_waive",
    "list_pick",
    "list_import",
    "inbox_view",
    "inbox_file",
    "inbox_dismiss",
    "student_obligations",
    "people_locked",
    "current_person",
    "people_list",
    "person_add",
    "person_remove",
    "caseload_assign",
    "caseload_transfer",
];

fn main() {
    // `generate_context!` embeds ../ui/dist and fails when it is missing. `cargo xtask test|run`
    // build the UI first; a bare `cargo clippy --workspace` gets a placeholder page instead.
    let dist = Path::new("../ui/dist");
    if !dist.join("index.html").exists() {
        println!("cargo:warning=ui/dist is missing: embedding a placeholder page (run `cargo xtask ui` for the real UI)");
        let placeholder =
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>心档</title>\
             <p>界面尚未构建：请运行 cargo xtask ui。</p></html>\n";
        if let Err(e) = std::fs::create_dir_all(dist)
            .and_then(|()| std::fs::write(dist.join("index.html"), placeholder))
        {
            println!("cargo:warning=could not write the placeholder page: {e}");
        }
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    let manifest = tauri_build::AppManifest::new().commands(COMMANDS);
    if let Err(e) = tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest)) {
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
