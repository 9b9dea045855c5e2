// The only door to Rust: one typed function per command. Types come from typeshare (generated.ts).
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { ArchiveStatus, LockedEvent, StudentList, StudentSummary } from './types/generated';
import type * as Admin from './types/generated';
import type { Dashboard, ExportDone, NewRecord, ProfileAmendment, StudentFile, StudentProfile } from './types/generated';

export const api = {
  archiveStatus: () => invoke<ArchiveStatus>('archive_status'),
  // `name`: the first person, the archive's administrator (null: the core's default).
  createArchive: (name: string | null, passphrase: string) => invoke<string>('create_archive', { name, passphrase }),
  // `user` null: the only person, or the founding administrator (the command line's rule).
  unlock: (user: string | null, passphrase: string) => invoke<void>('unlock', { user, passphrase }),
  // 忘记口令: the recovery key unlocks and sets a new passphrase for `user` (throttled like an unlock).
  unlockWithRecovery: (recoveryKey: string, user: string | null, newPassphrase: string) =>
    invoke<void>('unlock_with_recovery', { recoveryKey, user, newPassphrase }),
  // People 人员 and caseloads (people_commands.rs); the people are listed while locked too.
  peopleLocked: () => invoke<Admin.Person[]>('people_locked'),
  currentPerson: () => invoke<Admin.CurrentPerson>('current_person'),
  peopleList: () => invoke<Admin.PersonView[]>('people_list'),
  personAdd: (name: string, role: Admin.Role, passphrase: string) =>
    invoke<Admin.Person>('person_add', { name, role, passphrase }),
  personRemove: (name: string) => invoke<void>('person_remove', { name }),
  caseloadAssign: (user: string, classes: string[], grades: string[], students: string[]) =>
    invoke<number>('caseload_assign', { user, classes, grades, students }),
  // `notes`: a handover note 交接说明 per student, as [学号, text].
  caseloadTransfer: (from: string, to: string, className: string | null, reason: string, notes: [string, string][]) =>
    invoke<number>('caseload_transfer', { from, to, class: className, reason, notes }),
  lock: () => invoke<void>('lock'),
  touch: () => invoke<void>('touch'),
  // Administrative screens (src-tauri/src/admin_commands.rs). File choices happen in native dialogs
  // opened by Rust; `null` means the user cancelled.
  rosterPick: () => invoke<Admin.RosterPreview | null>('roster_pick'),
  rosterPreview: (overrides: Admin.ColumnOverrides) => invoke<Admin.RosterPreview>('roster_preview', { overrides }),
  rosterImport: (overrides: Admin.ColumnOverrides) => invoke<Admin.ImportReport>('roster_import', { overrides }),
  changePassphrase: (old: string, next: string) => invoke<void>('change_passphrase', { old, new: next }),
  newRecoveryKey: (passphrase: string) => invoke<string>('new_recovery_key', { passphrase }),
  setAutoLock: (seconds: number) => invoke<number>('set_auto_lock', { seconds }),
  policyView: () => invoke<Admin.PolicyView>('policy_view'),
  policyPreset: (id: string) => invoke<string>('policy_preset', { id }),
  policyCheck: (text: string) => invoke<Admin.PolicyProblem | null>('policy_check', { text }),
  policySave: (text: string) => invoke<void>('policy_save', { text }),
  calendarView: () => invoke<Admin.CalendarView>('calendar_view'),
  calendarSave: (calendar: Admin.Calendar) => invoke<void>('calendar_save', { calendar }),
  crisisProtocol: () => invoke<Admin.CrisisProtocol | null>('crisis_protocol'),
  auditPage: (query: Admin.AuditQuery) => invoke<Admin.AuditPage>('audit_page', { query }),
  auditVerify: () => invoke<Admin.AuditCheck>('audit_verify'),
  obligationPage: (query: Admin.ObligationQuery) => invoke<Admin.ObligationPage>('obligation_page', { query }),
  obligationsExport: (query: Admin.ObligationQuery) =>
    invoke<Admin.ReportExported | null>('obligations_export', { query }),
  syncOverview: () => invoke<Admin.SyncOverview>('sync_overview'),
  profileExport: () => invoke<string | null>('profile_export'),
  profilePick: () => invoke<Admin.SiteProfile | null>('profile_pick'),
  profileTrust: (fingerprint: string) => invoke<Admin.SiteProfile>('profile_trust', { fingerprint }),
  bundleExport: (to: string) => invoke<Admin.BundleExported | null>('bundle_export', { to }),
  bundleImport: () => invoke<Admin.BundleImportStep | null>('bundle_import'),
  bundleImportHeld: (held: Admin.HeldStudents) => invoke<Admin.BundleImported>('bundle_import_held', { held }),
  handoverExport: (to: string, studentNos: string[], status: Admin.StudentStatus | null) =>
    invoke<Admin.BundleExported | null>('handover_export', { to, studentNos, status }),
  receiptImport: () => invoke<Admin.ReceiptReport | null>('receipt_import'),
  handoverPassphrase: () => invoke<string>('handover_passphrase'),
  handoverExportPassphrase: (to: string, studentNos: string[], status: Admin.StudentStatus | null, passphrase: string) =>
    invoke<Admin.BundleExported | null>('handover_export_passphrase', { to, studentNos, status, passphrase }),
  centerFlagged: (college: string | null) => invoke<StudentSummary[]>('center_flagged', { college }),
  conflictFields: (id: string) => invoke<Admin.ConflictField[]>('conflict_fields', { id }),
  conflictSettle: (id: string, take: string[], author: string) => invoke<void>('conflict_settle', { id, take, author }),
  auditAlarmSettle: (site: string) => invoke<void>('audit_alarm_settle', { site }),
  passphraseFilePick: () => invoke<string | null>('passphrase_file_pick'),
  passphraseFilePreview: (passphrase: string) => invoke<Admin.BundlePreview>('passphrase_file_preview', { passphrase }),
  passphraseFileImport: (passphrase: string, fingerprint: string, held: Admin.HeldStudents) =>
    invoke<Admin.PassphraseImported>('passphrase_file_import', { passphrase, fingerprint, held }),
  // `known`: the version of the list the app holds (studentList.ts); no columns if it is current.
  listStudents: (known: string | null) => invoke<StudentList>('list_students', { known }),
  // The counselor's desk (student_commands.rs).
  dashboard: () => invoke<Dashboard>('dashboard'),
  studentFile: (studentNo: string) => invoke<StudentFile>('student_file', { studentNo }),
  addRecord: (studentNo: string, record: NewRecord) => invoke<string>('add_record', { studentNo, record }),
  amendProfile: (studentNo: string, profile: StudentProfile, reason: string, author: string) =>
    invoke<ProfileAmendment>('amend_profile', { studentNo, profile, reason, author }),
  attachmentContent: (studentNo: string, recordId: string) =>
    invoke<ArrayBuffer>('attachment_content', { studentNo, recordId }).then(unframePreview),
  logPrint: (studentNo: string) => invoke<void>('log_print', { studentNo }),
  exportStudentList: (studentNos: string[]) => invoke<ExportDone | null>('export_student_list', { studentNos }),
  addAttachmentFile: (studentNo: string, date: string, author: string, description: string) =>
    invoke<string | null>('add_attachment_file', { studentNo, date, author, description }),
  // Crisis cases (crisis_commands.rs); a first report and an assessment are records (addRecord).
  crisisCases: (studentNo: string) => invoke<Admin.CrisisCase[]>('crisis_cases', { studentNo }),
  crisisStep: (studentNo: string, step: string, at: string, by: string, note: string) =>
    invoke<string>('crisis_step', { studentNo, step, at, by, note }),
  crisisClose: (studentNo: string, at: string, reason: string, approvedBy: string) =>
    invoke<string>('crisis_close', { studentNo, at, reason, approvedBy }),

  // 周研判 (src-tauri/src/review_commands.rs)
  reviewBoard: (date: string) => invoke<Admin.ReviewBoard>('review_board', { date }),
  reviewSign: (meeting: Admin.ReviewMeeting) => invoke<string>('review_sign', { meeting }),
  reviewMeetings: () => invoke<Admin.ReviewMeetingSummary[]>('review_meetings'),
  reviewMeeting: (id: string) => invoke<Admin.MeetingView>('review_meeting', { id }),
  reviewPrint: (id: string) => invoke<void>('review_print', { id }),
  // Reports 报表 and the four-level network 四级网络 (report_commands.rs). `day` is YYYY-MM-DD.
  reportView: (kind: Admin.ReportKind, day: string | null) => invoke<Admin.Report>('report_view', { kind, day }),
  reportExport: (kind: Admin.ReportKind, day: string | null) =>
    invoke<Admin.WorkbookSaved | null>('report_export', { kind, day }),
  reportPrint: (kind: Admin.ReportKind, day: string | null) => invoke<void>('report_print', { kind, day }),
  networkView: () => invoke<Admin.NetworkView>('network_view'),
  gridExport: () => invoke<Admin.WorkbookSaved | null>('grid_export'),
  gridImport: () => invoke<Admin.GridImported | null>('grid_import'),
  // The network's work: activities that fulfil its duties, and waivers of a duty.
  networkActivities: () => invoke<Admin.NetworkWork>('network_activities'),
  networkActivityAdd: (activity: Admin.NetworkActivity) => invoke<string>('network_activity_add', { activity }),
  networkWaive: (waiver: Admin.NetworkWaiver) => invoke<void>('network_waive', { waiver }),
  // Lists in 名单, the triage inbox 收件箱 and a student's own obligations (list_commands.rs).
  listPick: (kind: Admin.ListKind) => invoke<Admin.ListImportReport | null>('list_pick', { kind }),
  listImport: () => invoke<Admin.ListImportReport>('list_import'),
  inboxView: () => invoke<Admin.InboxView>('inbox_view'),
  inboxFile: (id: string, note: string) => invoke<string>('inbox_file', { id, note }),
  inboxDismiss: (id: string, reason: string) => invoke<void>('inbox_dismiss', { id, reason }),
  studentObligations: (studentNo: string) => invoke<Admin.Obligation[]>('student_obligations', { studentNo }),
};

/** Rust locked the archive by itself (idle): the UI must return to the unlock screen. */
/** An attachment as the viewer gets it: the type the core sniffed from its bytes, and the bytes. */
export interface AttachmentPreview {
  /** `application/pdf` (shown in `<object>`) or an `image/…` type (shown in `<img>`). */
  mediaType: string;
  bytes: ArrayBuffer;
}

/** Reads `attachment_content`'s framing: a length byte, the sniffed MIME type, the content. */
function unframePreview(buf: ArrayBuffer): AttachmentPreview {
  const head = new Uint8Array(buf);
  const len = head[0] ?? 0;
  const mediaType = String.fromCharCode(...head.subarray(1, 1 + len));
  return { mediaType, bytes: buf.slice(1 + len) };
}

export function onArchiveLocked(handler: (event: LockedEvent) => void): Promise<UnlistenFn> {
  return listen<LockedEvent>('archive-locked', (e) => handler(e.payload));
}

/** How far a roster import is (sent after each batch of students). */
export function onRosterProgress(handler: (progress: Admin.RosterProgress) => void): Promise<UnlistenFn> {
  return listen<Admin.RosterProgress>('roster-import-progress', (e) => handler(e.payload));
}
