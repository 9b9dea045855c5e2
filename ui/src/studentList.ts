// The student list, kept while the archive is unlocked: the list page, 同步 and 人员 read it. It is
// named by the version the core gave with it, and each read asks the core whether that version is
// still current (a record, an amendment, an import or a new day makes another), so an unchanged
// list is not computed, sent and read again; over 30,000 students that was most of opening the
// page. Locking drops it (session.ts), and an answer that arrives after the lock is not kept.
import { api } from './api';
import { FRESH_MS } from './prefetch';
import { StudentStatus, type StudentColumns, type StudentSummary } from './types/generated';

/** A row of the list (the core's internal id does not cross: rows are named by 学号). */
export type StudentRow = Omit<StudentSummary, 'id'>;

let kept: { version: string; rows: StudentRow[]; confirmed: number } | null = null;
let asking: Promise<StudentRow[]> | null = null;
/** Counts the locks: an answer to a question asked before one is dropped. */
let epoch = 0;

/** The list crosses column by column (each college, class, dorm and grade once); the pages read
 * rows, which share those strings. */
export function studentRows(c: StudentColumns): StudentRow[] {
  const pick = (values: string[], index: number[], i: number): string => values[index[i] ?? -1] ?? '';
  const rows = c.student_no.map(
    (studentNo, i): StudentRow => ({
      student_no: studentNo,
      name: c.name[i] ?? '',
      initials: c.initials[i] ?? '',
      college: pick(c.colleges, c.college, i),
      class_name: pick(c.classes, c.class_name, i),
      dorm: pick(c.dorms, c.dorm, i),
      grade: pick(c.grades, c.grade, i),
      status: c.status[i] ?? StudentStatus.Enrolled,
      record_count: c.record_count[i] ?? 0,
    }),
  );
  c.concern_index.forEach((i, k) => {
    const row = rows[i];
    if (row) row.concern = c.concern_level[k];
  });
  return rows;
}

/** The current list: the kept one if the core says it is current, else the core's. Callers share
 * one question in flight. The rows are shared: read them, never change them. */
export function students(): Promise<StudentRow[]> {
  asking ??= (async () => {
    const at = epoch;
    try {
      const answer = await api.listStudents(kept?.version ?? null);
      if (at !== epoch) throw new Error('locked');
      if (answer.columns) kept = { version: answer.version, rows: studentRows(answer.columns), confirmed: 0 };
      if (!kept) throw new Error('no list');
      kept.confirmed = performance.now();
      return kept.rows;
    } finally {
      if (at === epoch) asking = null;
    }
  })();
  return asking;
}

/** The kept list if the core confirmed it within the last second, else null (then ask): as fresh
 * as any answer asked with the navigation (prefetch.ts), since the router asks and the page, set
 * up a moment later, takes it. */
export function studentsConfirmed(): StudentRow[] | null {
  return kept && performance.now() - kept.confirmed < FRESH_MS ? kept.rows : null;
}

/** Reads the list ahead (after the dashboard is shown), so opening 学生档案 finds it here; does
 * nothing if a list is kept (opening the page checks it). */
export function readStudentsAhead(): void {
  if (!kept && !asking) students().catch(() => undefined);
}

/** Drops the list (locking: nothing one person saw reaches the next). */
export function forgetStudents(): void {
  epoch += 1;
  kept = null;
  asking = null;
}
