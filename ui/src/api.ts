// The only door to Rust: one typed function per command. Types come from typeshare (generated.ts).
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { ArchiveStatus, LockedEvent, StudentSummary } from './types/generated';
import type { Dashboard, ExportDone, ImportReport, NewRecord, StudentFile } from './types/generated';

export const api = {
  archiveStatus: () => invoke<ArchiveStatus>('archive_status'),
  createArchive: (passphrase: string) => invoke<string>('create_archive', { passphrase }),
  unlock: (passphrase: string) => invoke<void>('unlock', { passphrase }),
  lock: () => invoke<void>('lock'),
  touch: () => invoke<void>('touch'),
  listStudents: () => invoke<StudentSummary[]>('list_students'),
  // The counselor's desk (student_commands.rs).
  dashboard: () => invoke<Dashboard>('dashboard'),
  studentFile: (studentNo: string) => invoke<StudentFile>('student_file', { studentNo }),
  addRecord: (studentNo: string, record: NewRecord) => invoke<string>('add_record', { studentNo, record }),
  attachmentContent: (studentNo: string, recordId: string) =>
    invoke<ArrayBuffer>('attachment_content', { studentNo, recordId }),
  logPrint: (studentNo: string) => invoke<void>('log_print', { studentNo }),
  exportStudentList: (ids: string[]) => invoke<ExportDone | null>('export_student_list', { ids }),
  addAttachmentFile: (studentNo: string, date: string, author: string, description: string) =>
    invoke<string | null>('add_attachment_file', { studentNo, date, author, description }),
  importRosterFile: () => invoke<ImportReport | null>('import_roster_file'),
};

/** Rust locked the archive by itself (idle): the UI must return to the unlock screen. */
export function onArchiveLocked(handler: (event: LockedEvent) => void): Promise<UnlistenFn> {
  return listen<LockedEvent>('archive-locked', (e) => handler(e.payload));
}
