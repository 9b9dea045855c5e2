// Acting on an obligation where it shows (工作台, 待办, the student file): the core's `fulfil` hint
// becomes the record form's prefill, or the page that fulfils it (周研判, 收件箱). The hint is the
// one map from a rule to what fulfils it; nothing here reads a rule id.
import type { LocationQuery } from 'vue-router';
import { isFormKind, todayText, type FormKind } from './desk';
import { ConcernLevel, FulfilAction, ObligationStatus, TalkCategory, type Obligation } from './types/generated';

/** The step of a return to school 复学 a leave/return record shows. */
export type ReturnStep = 'certificate' | 'assessment' | 'approval';

/** What the record form opens with. */
export interface Prefill {
  kind: FormKind;
  date: string;
  /** The obligation's label, shown above the form. */
  label: string;
  category?: TalkCategory;
  returnStep?: ReturnStep;
  concernLevel?: ConcernLevel;
  reason?: string;
}

export function isOpen(o: Obligation): boolean {
  return o.status === ObligationStatus.Due || o.status === ObligationStatus.Overdue;
}

/** A student's open obligation that a waiver record can close (triage is done in the inbox). */
export function canWaive(o: Obligation): boolean {
  return !!o.student_no && isOpen(o) && !!o.fulfil && o.fulfil.action !== FulfilAction.Triage;
}

/** The page that fulfils an obligation rather than a record form. */
export function pageOf(o: Obligation): string | null {
  switch (o.fulfil?.action) {
    case FulfilAction.WeeklyReview:
      return '/review';
    case FulfilAction.Triage:
      return '/inbox';
    case FulfilAction.Handover:
      return '/sync';
    case FulfilAction.CrisisStep:
      // 完成 in the crisis case at the top of the student's file.
      return `/students/${encodeURIComponent(o.student_no)}`;
    default:
      return null;
  }
}

const STEPS: Partial<Record<FulfilAction, ReturnStep>> = {
  [FulfilAction.ReturnCertificate]: 'certificate',
  [FulfilAction.ReturnAssessment]: 'assessment',
  [FulfilAction.ReturnApproval]: 'approval',
};

const KINDS: Partial<Record<FulfilAction, FormKind>> = {
  [FulfilAction.Talk]: 'talk',
  [FulfilAction.ParentContact]: 'parent_contact',
  [FulfilAction.Plan]: 'plan',
  [FulfilAction.Screening]: 'screening',
  [FulfilAction.ReturnCertificate]: 'leave_review',
  [FulfilAction.ReturnAssessment]: 'leave_review',
  [FulfilAction.ReturnApproval]: 'leave_review',
  [FulfilAction.Treatment]: 'treatment',
};

/** The record form's prefill for an open student obligation, `null` when a page fulfils it. */
export function prefillOf(o: Obligation): Prefill | null {
  const f = o.fulfil;
  const kind = f ? KINDS[f.action] : undefined;
  if (!f || !kind) return null;
  // A record counts only inside the rule's window: a late one is dated on its last day.
  const today = todayText();
  const date = f.until && f.until < today ? f.until : today;
  return { kind, date, label: o.label, category: f.category, returnStep: STEPS[f.action] };
}

/** The prefill as route query (the student file opens the form from it). */
export function prefillQuery(p: Prefill, from: string): Record<string, string> {
  const q: Record<string, string> = { act: p.kind, date: p.date, label: p.label, from };
  if (p.category) q.category = p.category;
  if (p.returnStep) q.step = p.returnStep;
  if (p.concernLevel) q.level = p.concernLevel;
  if (p.reason) q.reason = p.reason;
  return q;
}

function one(q: LocationQuery, key: string): string | undefined {
  const v = q[key];
  return typeof v === 'string' && v ? v : undefined;
}

function member<T extends string>(values: Record<string, T>, v: string | undefined): T | undefined {
  return (Object.values(values) as string[]).includes(v ?? '') ? (v as T) : undefined;
}

/** The prefill a route query carries, checked value by value. */
export function prefillFromQuery(q: LocationQuery): Prefill | null {
  const kind = one(q, 'act');
  const date = one(q, 'date');
  if (!kind || !isFormKind(kind) || !date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const step = one(q, 'step');
  return {
    kind,
    date,
    label: one(q, 'label') ?? '',
    category: member(TalkCategory, one(q, 'category')),
    returnStep: step === 'certificate' || step === 'assessment' || step === 'approval' ? step : undefined,
    concernLevel: member(ConcernLevel, one(q, 'level')),
    reason: one(q, 'reason'),
  };
}

/** Where to return after the record is saved: only the pages that send here (with their filter). */
export function returnPath(q: LocationQuery): string | null {
  const from = one(q, 'from') ?? '';
  const path = from.split('?')[0];
  return path === '/obligations' || path === '/dashboard' ? from : null;
}

/** Where 记录 on an open student obligation goes: the fulfilling page, or the student's file
 * with the record form open and prefilled. `null` when nothing in the app fulfils it. */
export function actRoute(o: Obligation, from: string): { path: string; query?: Record<string, string> } | null {
  const page = pageOf(o);
  if (page) return page === '/inbox' ? { path: page, query: { student: o.student_no } } : { path: page };
  const p = prefillOf(o);
  if (!p || !o.student_no) return null;
  return { path: `/students/${encodeURIComponent(o.student_no)}`, query: prefillQuery(p, from) };
}
