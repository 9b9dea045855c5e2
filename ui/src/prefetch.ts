// A page's first question to the core, asked as soon as the navigation to the page is decided
// (router.ts) rather than when the page is set up: the core then works while the old page is taken
// down and the new one laid out, which at a large school takes about as long as the answer. A page
// takes its answer once; one not taken within a second is dropped, so nothing stale is shown.
interface Pending {
  at: number;
  answer: Promise<unknown>;
}

const pending = new Map<string, Pending>();
/** How long an answer asked with the navigation stays fresh for the page that takes it. */
export const FRESH_MS = 1000;

/** Asks now, for the page that will take it under `key`. */
export function askAhead(key: string, question: () => Promise<unknown>): void {
  const answer = question();
  answer.catch(() => undefined); // the page reports it when it takes it
  pending.set(key, { at: performance.now(), answer });
}

/** Drops every answer not taken (locking: nothing asked by one person reaches the next). */
export function forgetAhead(): void {
  pending.clear();
}

/** The answer asked ahead under `key` if fresh, else asks now. */
export function answer<T>(key: string, question: () => Promise<T>): Promise<T> {
  const p = pending.get(key);
  pending.delete(key);
  return p && performance.now() - p.at < FRESH_MS ? (p.answer as Promise<T>) : question();
}
