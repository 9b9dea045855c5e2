// The only door to Rust: one typed function per command. Types come from typeshare (generated.ts).
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type { ArchiveStatus, LockedEvent, StudentSummary } from './types/generated';

export const api = {
  archiveStatus: () => invoke<ArchiveStatus>('archive_status'),
  createArchive: (passphrase: string) => invoke<string>('create_archive', { passphrase }),
  unlock: (passphrase: string) => invoke<void>('unlock', { passphrase }),
  lock: () => invoke<void>('lock'),
  touch: () => invoke<void>('touch'),
  listStudents: () => invoke<StudentSummary[]>('list_students'),
};

/** Rust locked the archive by itself (idle): the UI must return to the unlock screen. */
export function onArchiveLocked(handler: (event: LockedEvent) => void): Promise<UnlistenFn> {
  return listen<LockedEvent>('archive-locked', (e) => handler(e.payload));
}
