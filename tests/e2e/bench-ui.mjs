// The UI benchmark of `cargo xtask bench --ui` (not a *.test.mjs: the e2e run does not pick it up).
// The release app on demo archives made by the xtask (XINDANG_BENCH_ARCHIVES: "students=path,…",
// passphrase XINDANG_BENCH_PASSPHRASE), driven through WebDriver: each step is timed in the page
// from the click (or keystroke) event to the animation frame in which its content is in the DOM,
// about to be painted, and from node's side around the WebDriver calls. Also the longest gap between
// frames during the step (the window not answering), and the peak memory of the app's process tree
// (WebKit's web and network processes included). Best and median of XINDANG_BENCH_RUNS runs.
// Writes XINDANG_BENCH_OUT (JSON) and prints a table. No timing is asserted: this measures.
import { readFileSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { APP_BIN, byTestId, cli, input, makeSandbox, startApp } from './harness.mjs';
import { Keys } from './webdriver.mjs';

const PASSPHRASE = process.env.XINDANG_BENCH_PASSPHRASE ?? 'xindang-bench-ui';
const RUNS = Number(process.env.XINDANG_BENCH_RUNS ?? 5);
const OUT = process.env.XINDANG_BENCH_OUT;
const ARCHIVES = (process.env.XINDANG_BENCH_ARCHIVES ?? '')
  .split(',')
  .filter(Boolean)
  .map((pair) => {
    const [students, path] = pair.split('=');
    return { students: Number(students), path };
  });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Installed in the page before an action: records the first pointerdown/keydown's timestamp, then
 * checks `spec` (every condition: `css` matches at least `min` elements, one of them with `text` in
 * its textContent, separators and spaces removed) on each animation frame, and the longest frame gap.
 */
const INSTALL = `
const spec = arguments[0];
const b = (window.__bench = { t0: null, t1: null, gap: 0, ipc: [] });
performance.clearMarks();
// Where the time goes: every IPC call (Tauri posts each invoke to the ipc: scheme with fetch) is
// noted with when it was sent, when its answer's headers came (the core's work and the transfer's
// start) and when its JSON was parsed, relative to the first event.
if (!window.__benchFetch) {
  window.__benchFetch = true;
  const orig = window.fetch.bind(window);
  window.fetch = async (url, init) => {
    const u = String(url);
    if (!u.startsWith('ipc:') && !u.includes('ipc.localhost')) return orig(url, init);
    const rec = { cmd: decodeURIComponent(u.slice(u.lastIndexOf('/') + 1)), sent: performance.now(), head: null, parsed: null, bytes: null };
    window.__bench?.ipc.push(rec);
    const res = await orig(url, init);
    rec.head = performance.now();
    const len = res.headers.get('content-length');
    if (len) rec.bytes = Number(len);
    for (const how of ['json', 'text', 'arrayBuffer']) {
      const read = res[how].bind(res);
      res[how] = () => read().then((v) => {
        rec.parsed = performance.now();
        if (rec.bytes === null && typeof v === 'string') rec.bytes = v.length;
        if (rec.bytes === null && v instanceof ArrayBuffer) rec.bytes = v.byteLength;
        return v;
      });
    }
    return res;
  };
}
const start = (e) => { if (b.t0 === null) b.t0 = e.timeStamp; };
document.addEventListener('pointerdown', start, { capture: true, once: true });
document.addEventListener('mousedown', start, { capture: true, once: true });
document.addEventListener('keydown', start, { capture: true, once: true });
const holds = () => spec.every((c) => {
  const els = [...document.querySelectorAll(c.css)];
  if (els.length < (c.min ?? 1)) return false;
  return !c.text || els.some((e) => e.textContent.replace(/[,\\s]/g, '').includes(c.text));
});
let last = performance.now();
const tick = (now) => {
  b.gap = Math.max(b.gap, now - last);
  last = now;
  if (b.t0 !== null && b.t1 === null && holds()) b.t1 = now;
  if (b.t1 === null || now - b.t1 < 300) requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
`;

/** Times `act` (WebDriver calls) until `spec` holds on screen; returns ms in the page and in node. */
async function timed(d, spec, act, timeout = 120_000) {
  await d.execute(INSTALL, [spec]);
  const w0 = performance.now();
  await act();
  const deadline = Date.now() + timeout;
  for (;;) {
    let b;
    try {
      b = await d.execute('return window.__bench');
    } catch {
      b = null; // the window may not answer for a while: that is what is measured
    }
    if (b && b.t1 !== null && b.t0 !== null) {
      const ipc = b.ipc
        // Sent during the step, or before it and still unanswered at its start (they hold the
        // core's lock: it answers one command at a time).
        .filter((r) => r.sent <= b.t1 && (r.sent >= b.t0 - 1 || r.head === null || r.head > b.t0))
        .map((r) => ({
          cmd: r.cmd,
          sentMs: r.sent - b.t0,
          waitMs: r.head === null ? null : r.head - r.sent,
          readMs: r.parsed === null || r.head === null ? null : r.parsed - r.head,
          bytes: r.bytes,
        }));
      // Marks the app's code may set (performance.mark) while profiling, relative to the event.
      const marks = await d
        .execute('return performance.getEntriesByType("mark").map((m) => [m.name, m.startTime])')
        .catch(() => []);
      const markText = marks.map(([n, t]) => `${n}+${(t - b.t0).toFixed(0)}`).join(' ');
      return { page: b.t1 - b.t0, wall: performance.now() - w0, gap: b.gap, ipc, marks: markText };
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${JSON.stringify(spec)} (${JSON.stringify(b)})`);
    await sleep(10);
  }
}

/** Every process whose executable is the app, and their descendants (WebKit's processes). */
function appTree() {
  const app = realpathSync(APP_BIN);
  const parent = new Map();
  const roots = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      if (readlinkSync(`/proc/${name}/exe`) === app) roots.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  const tree = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!tree.has(pid) && tree.has(ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree];
}

function statusKb(pid, field) {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Samples the summed RSS of the app's tree every 100 ms; `stop()` gives the peak and VmHWM sums. */
function memorySampler() {
  let peakRss = 0;
  let hwm = new Map();
  let procs = 0;
  const sample = () => {
    const pids = appTree();
    procs = Math.max(procs, pids.length);
    peakRss = Math.max(peakRss, pids.reduce((s, p) => s + statusKb(p, 'VmRSS'), 0));
    for (const p of pids) hwm.set(p, Math.max(hwm.get(p) ?? 0, statusKb(p, 'VmHWM')));
  };
  const timer = setInterval(sample, 100);
  return {
    stop() {
      sample();
      clearInterval(timer);
      return { peakRssMiB: peakRss / 1024, sumHwmMiB: [...hwm.values()].reduce((a, b) => a + b, 0) / 1024, processes: procs };
    },
  };
}

/** Keystrokes whose every prefix changes the list's count, with the count each must show. */
function keystrokes(students, target) {
  const norm = (s) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  const keys = [];
  let prev = -1;
  const no = norm(target.student_no);
  for (let i = 1; i <= no.length; i += 1) {
    const q = no.slice(0, i);
    // The list page's search key (ui/src/desk.ts): 学号, 姓名 and pinyin initials.
    const n = students.filter((s) => `${norm(s.student_no)}\u0000${norm(s.name)}\u0000${s.initials ?? ''}`.includes(q)).length;
    keys.push({ key: no[i - 1], count: n, changed: n !== prev });
    prev = n;
  }
  return keys;
}

const best = (xs) => Math.min(...xs);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchArchive({ students: size, path }) {
  const sandbox = makeSandbox('bench-ui');
  sandbox.archive = path;
  const env = { XINDANG_PASSPHRASE: PASSPHRASE };
  const students = JSON.parse(cli(sandbox, ['student', 'list', '--json'], env));
  const target = students[Math.floor(students.length / 2)];
  const keys = keystrokes(students, target);
  const memory = memorySampler();
  const app = await startApp(sandbox);
  const d = app.driver;
  const times = {};
  const note = (name, r) => {
    (times[name] ??= []).push(r);
    const calls = r.ipc.map((c) => `${c.cmd} +${c.sentMs.toFixed(0)}/${c.waitMs === null ? '?' : c.waitMs.toFixed(0)}`).join(' ');
    console.log(`  ${name}: ${r.page.toFixed(0)} ms (wall ${r.wall.toFixed(0)}, gap ${r.gap.toFixed(0)})${calls ? ` ipc ${calls}` : ''}${r.marks ? ` marks ${r.marks}` : ''}`);
  };
  let failure = null;
  try {
    for (let run = 0; run < RUNS; run += 1) {
      await d.waitFor(byTestId('unlock-screen'), { timeout: 60_000 });
      await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE);
      const submit = await d.waitFor(byTestId('unlock-submit'));
      note('unlock → dashboard', await timed(d, [{ css: `${byTestId('dashboard-counts')} .el-statistic__number` }, { css: byTestId('dashboard-recent') }], () => d.click(submit)));

      const navStudents = await d.waitFor(byTestId('nav-students'));
      note('student list', await timed(d, [{ css: byTestId('student-count'), text: `共${size}名学生` }, { css: '.el-table-v2__row', min: 5 }], () => d.click(navStudents)));

      const search = await d.waitFor(input('student-search'));
      for (const k of keys) {
        const shown = [{ css: byTestId('student-count'), text: `找到${k.count}名学生` }];
        // A keystroke that leaves the count as it was has nothing to wait for: typed, not timed.
        if (k.changed) note('search keystroke', await timed(d, shown, () => d.type(search, k.key)));
        else await d.type(search, k.key);
      }
      await d.waitFor(byTestId('student-count'), { predicate: (s) => s.replace(/\s/g, '').includes(`找到1名学生`) });
      const open = await d.waitFor(byTestId(`open-${target.student_no}`));
      note('student file', await timed(d, [{ css: byTestId('file-title'), text: target.name.replace(/\s/g, '') }, { css: byTestId('file-timeline') }], () => d.click(open)));

      const navTodo = await d.waitFor(byTestId('nav-obligations'));
      note('待办', await timed(d, [{ css: `${byTestId('obligation-table')} .el-table__row` }], () => d.click(navTodo)));

      const navReports = await d.waitFor(byTestId('nav-reports'));
      note('报表', await timed(d, [{ css: byTestId('fig-students') }, { css: byTestId('report-concern-list') }], () => d.click(navReports)));

      await d.click(await d.waitFor(byTestId('lock-button')));
      await sleep(500);
    }
  } catch (e) {
    // What was measured before is still reported; the failure is named beside it.
    failure = e.message;
    console.log(`bench-ui: stopped: ${e.message}`);
  } finally {
    await app.close();
    sandbox.remove();
  }
  const mem = memory.stop();
  const rows = Object.entries(times).map(([step, rs]) => ({
    step,
    bestMs: best(rs.map((r) => r.page)),
    medianMs: median(rs.map((r) => r.page)),
    bestWallMs: best(rs.map((r) => r.wall)),
    maxFrameGapMs: Math.max(...rs.map((r) => r.gap)),
    samples: rs.length,
    // The IPC calls of the run with the median time: what the core and the transfer took of it.
    medianIpc: [...rs].sort((a, b) => a.page - b.page)[Math.floor(rs.length / 2)].ipc,
  }));
  return { students: size, runs: RUNS, rows, memory: mem, failure };
}

const results = [];
for (const archive of ARCHIVES) {
  console.log(`bench-ui: ${archive.students} students, ${RUNS} runs…`);
  const r = await benchArchive(archive);
  results.push(r);
  console.log(`\n${r.students} students (best of ${r.runs}; page = click event → frame with the content; wall = around WebDriver)`);
  console.log('| step | best ms | median ms | best wall ms | longest frame gap ms |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of r.rows) {
    console.log(`| ${row.step} | ${row.bestMs.toFixed(0)} | ${row.medianMs.toFixed(0)} | ${row.bestWallMs.toFixed(0)} | ${row.maxFrameGapMs.toFixed(0)} |`);
  }
  console.log('\nIPC calls of the median run (ms from the event: sent, answer headers after, JSON read after; size):');
  const f = (x) => (x === null ? '?' : x.toFixed(0));
  for (const row of r.rows) {
    const calls = row.medianIpc.map((c) => `${c.cmd} +${f(c.sentMs)} wait ${f(c.waitMs)} read ${f(c.readMs)}${c.bytes === null ? '' : ` ${(c.bytes / 1024).toFixed(0)} KiB`}`);
    console.log(`- ${row.step}: ${calls.join('; ') || 'none'}`);
  }
  console.log(`peak memory of the app's ${r.memory.processes} processes: sampled RSS sum ${r.memory.peakRssMiB.toFixed(0)} MiB, VmHWM sum ${r.memory.sumHwmMiB.toFixed(0)} MiB`);
}
if (OUT) writeFileSync(OUT, JSON.stringify(results, null, 2));
if (results.some((r) => r.failure)) process.exitCode = 1;
