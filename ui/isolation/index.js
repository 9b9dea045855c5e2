// The isolation hook (Tauri's isolation pattern): every IPC message from the main page passes here,
// inside a sandboxed iframe, before it reaches Rust. Only our own commands and the event listener go
// through; anything else (an injected script calling a plugin) is dropped.
'use strict';
const ALLOWED = new Set([
  'archive_status',
  'create_archive',
  'unlock',
  'lock',
  'touch',
  'roster_pick',
  'roster_preview',
  'roster_import',
  'change_passphrase',
  'new_recovery_key',
  'set_auto_lock',
  'policy_view',
  'policy_preset',
  'policy_check',
  'policy_save',
  'audit_page',
  'audit_verify',
  'obligation_page',
  'obligations_export',
  'sync_overview',
  'profile_export',
  'profile_pick',
  'profile_trust',
  'bundle_export',
  'bundle_import',
  'handover_export',
  'receipt_import',
  'list_students',
  'dashboard',
  'student_file',
  'add_record',
  'attachment_content',
  'log_print',
  'export_student_list',
  'add_attachment_file',
  'import_roster_file',
  'report_view',
  'report_export',
  'report_print',
  'network_view',
  'grid_export',
  'grid_import',
  'plugin:event|listen',
  'plugin:event|unlisten',
]);
window.__TAURI_ISOLATION_HOOK__ = (payload) => {
  if (!payload || typeof payload.cmd !== 'string' || !ALLOWED.has(payload.cmd)) {
    throw new Error('command not allowed');
  }
  return payload;
};
