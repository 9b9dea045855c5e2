// The 待办 page's filter as its address carries it (a return from the student file brings it back),
// and the query it makes: one home for both the page and the question asked ahead (router.ts).
import type { LocationQuery } from 'vue-router';
import { ObligationKind, ObligationStatus, type ObligationQuery } from './types/generated';

export const OBLIGATION_KINDS = Object.values(ObligationKind) as ObligationKind[];
export const OBLIGATION_PAGE_SIZE = 20;

export interface ObligationFilterState {
  status: ObligationStatus | 'all';
  // el-select shows '' as no choice, so "all" has a value of its own.
  kind: ObligationKind | 'all';
  search: string;
}

export function filterFromRoute(q: LocationQuery): ObligationFilterState {
  const one = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : '');
  const status = one('status');
  const kind = one('kind');
  return {
    status: (Object.values(ObligationStatus) as string[]).includes(status) ? (status as ObligationStatus) : 'all',
    kind: (OBLIGATION_KINDS as string[]).includes(kind) ? (kind as ObligationKind) : 'all',
    search: one('search'),
  };
}

export function obligationQuery(f: ObligationFilterState, dueBefore: string | null, page: number, pageSize: number): ObligationQuery {
  return {
    status: f.status === 'all' ? undefined : f.status,
    kind: f.kind === 'all' ? undefined : f.kind,
    search: f.search,
    due_before: dueBefore ?? undefined,
    page,
    page_size: pageSize,
  };
}

/** The key of a query asked ahead (prefetch.ts). */
export function obligationKey(q: ObligationQuery): string {
  return `obligations:${JSON.stringify(q)}`;
}
