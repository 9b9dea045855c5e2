// Helpers shared by the counselor's screens (dashboard, student list, student file, record forms):
// Chinese labels for the model's enums, dates as YYYY-MM-DD, and the pinyin-aware search key.
import { t, type MessageKey } from './i18n';
import type { ObligationStatus, RecordBody, StudentSummary } from './types/generated';

/** Today as YYYY-MM-DD in local time. */
export function todayText(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Now as "YYYY-MM-DD HH:MM" in local time (what the core's moments are). */
export function nowText(): string {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${todayText()} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Now as "HH:MM" in local time. */
export function timeText(): string {
  return nowText().slice(11);
}

/** "2026-11-24T10:31:02+08:00" → "2026-11-24 10:31". */
export function writtenAtText(rfc3339: string): string {
  return rfc3339.slice(0, 16).replace('T', ' ');
}

export function kindLabel(kind: string): string {
  return t(`desk.kind.${kind}` as MessageKey);
}

export function obligationStatusLabel(status: ObligationStatus): string {
  return t(`desk.obligation.${status}` as MessageKey);
}

export function talkCategoryLabel(category: string): string {
  return t(`desk.talk.${category}` as MessageKey);
}

/** The key an entry is searched by: 学号, 姓名 and the pinyin initials, normalised. */
export function normalise(text: string): string {
  return text.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
}

export function searchKey(s: Pick<StudentSummary, 'student_no' | 'name' | 'initials'>): string {
  return `${normalise(s.student_no)}\u0000${normalise(s.name)}\u0000${s.initials}`;
}

/** A one-line summary of a record for lists (no free text: that stays in the file view). */
export function recordHeadline(body: RecordBody): string {
  switch (body.kind) {
    case 'talk':
      return `${kindLabel('talk')} · ${talkCategoryLabel(body.data.category)}`;
    case 'crisis':
      return `${kindLabel('crisis')} · ${t('desk.dashboard.crisisLevel', { level: body.data.level })}`;
    case 'key_concern':
      return `${kindLabel('key_concern')} · ${t(`concern.${body.data.level}`)}`;
    case 'crisis_step':
      return `${kindLabel('crisis_step')} · ${body.data.label || body.data.step}`;
    default:
      return kindLabel(body.kind);
  }
}

/** The kinds written through the record form (attachments have their own upload; waivers their
 * dialog on an obligation; weekly reviews the 周研判 page; observations the inbox). */
export const FORM_KINDS = ['talk', 'parent_contact', 'key_concern', 'crisis_report', 'crisis', 'plan', 'referral', 'treatment', 'leave_review', 'screening', 'event'] as const;
export type FormKind = (typeof FORM_KINDS)[number];

/** Whether a record of this kind is written (and so amended) with the record form. */
export function isFormKind(kind: string): kind is FormKind {
  return (FORM_KINDS as readonly string[]).includes(kind);
}
