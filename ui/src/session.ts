// Which screen the app is on. Student data never lives here: each page fetches what it shows and
// drops it when it unmounts (locking unmounts every page), but for the student list, kept while
// unlocked (studentList.ts), which locking drops here.
import { ref } from 'vue';
import { api } from './api';
import { LockReason } from './types/generated';
import { forgetMe } from './me';
import { forgetAhead } from './prefetch';
import { forgetStudents } from './studentList';

export type Phase = 'loading' | 'start-failed' | 'first-run' | 'locked' | 'unlocked';

export const phase = ref<Phase>('loading');
/** Set when Rust locked the archive after inactivity (the idle limit in seconds); shown on the unlock screen. */
export const idleLockedSeconds = ref<number | null>(null);
/** Set when Rust locked the archive because the operating system locked the screen. */
export const screenLocked = ref(false);
export const autoLockSeconds = ref(300);

export async function refreshStatus(): Promise<void> {
  try {
    const status = await api.archiveStatus();
    autoLockSeconds.value = status.auto_lock_seconds;
    phase.value = !status.exists ? 'first-run' : status.unlocked ? 'unlocked' : 'locked';
  } catch {
    phase.value = 'start-failed';
  }
}

export async function lockNow(): Promise<void> {
  forgetMe();
  forgetAhead();
  forgetStudents();
  idleLockedSeconds.value = null;
  screenLocked.value = false;
  try {
    await api.lock();
  } finally {
    phase.value = 'locked';
  }
}

/** Rust locked the archive by itself (`archive-locked`): say why on the unlock screen. */
export function lockedByRust(reason: LockReason): void {
  forgetMe();
  forgetAhead();
  forgetStudents();
  idleLockedSeconds.value = reason === LockReason.Idle ? autoLockSeconds.value : null;
  screenLocked.value = reason === LockReason.ScreenLocked;
  phase.value = 'locked';
}

/** Tells Rust the user is active, at most every 30 s, so auto-lock counts typing and clicking. */
let lastTouch = 0;
export function noteActivity(): void {
  const now = Date.now();
  if (phase.value !== 'unlocked' || now - lastTouch < 30_000) return;
  lastTouch = now;
  api.touch().catch(() => undefined);
}
