// No tofu (□) anywhere: on a machine without CJK system fonts (this one), every visible element with
// Chinese text must use the bundled fonts (docs/fonts.md) and have them loaded for its characters,
// including a student whose name holds CJK Ext-A 䶮 (U+4DAE) and Ext-B 𠮷 (U+20BB7).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, click, clearInput, cli, input, makeSandbox, startApp } from './harness.mjs';

const PASSPHRASE = 'e2e-fonts-口令-2026';
const RARE_NAME = '龚䶮𠮷';
const RARE_NO = 'RARE0001';

let sandbox;

before(() => {
  sandbox = makeSandbox('fonts');
  const env = { XINDANG_PASSPHRASE: PASSPHRASE };
  cli(sandbox, ['init'], env);
  cli(sandbox, ['demo', '--students', '200', '--seed', '11'], env);
  // The rare student: a demo profile with another 学号 and name, put back through the CLI.
  const [first] = JSON.parse(cli(sandbox, ['student', 'list', '--json'], env));
  const profile = JSON.parse(cli(sandbox, ['student', 'show', first.student_no, '--json'], env)).profile;
  assert.ok(profile, 'student show --json has the profile');
  const file = join(sandbox.root, 'rare.json');
  writeFileSync(file, JSON.stringify({ ...profile, student_no: RARE_NO, name: RARE_NAME }));
  cli(sandbox, ['student', 'put', file], env);
  // A talk today puts the name among the dashboard's recent records. Records are stamped to the
  // second and the demo writes many today: a second later, this one is the newest.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1100);
  const today = new Date().toISOString().slice(0, 10);
  cli(sandbox, ['talk', 'add', '--student', RARE_NO, '--category', 'other', '--date', today, '--text', '约谈，了解近况。'], env);
});

after(() => sandbox?.remove());

/**
 * Runs in the page: every visible element whose own text (or value, or placeholder) holds CJK, and
 * what is wrong with it. Right means: the computed family list starts with the bundled family (a
 * monospace list may name Latin monospace fonts first, but the bundled ones before any generic);
 * `document.fonts.check` holds for its text; and each CJK character is in the unicode-range of a
 * bundled face that has loaded (check alone passes for a character no face covers).
 */
const AUDIT = `
const BUNDLED = ['Noto Sans SC', 'HanaMinB'];
const GENERIC = ['serif', 'sans-serif', 'monospace', 'cursive', 'fantasy', 'system-ui', 'ui-monospace'];
const CJK = /[\\u2e80-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{323af}]/u;
const faces = [...document.fonts].filter((f) => BUNDLED.includes(f.family.replace(/["']/g, '')));
const parse = (r) => r.split(',').map((p) => {
  const [lo, hi] = p.trim().replace(/^U\\+/i, '').split('-');
  return [parseInt(lo, 16), parseInt(hi ?? lo, 16)];
});
const ranges = faces.map((f) => ({ face: f, ranges: parse(f.unicodeRange) }));
const loadedFor = (cp) => ranges.some((r) => r.face.status === 'loaded' && r.ranges.some(([lo, hi]) => lo <= cp && cp <= hi));
const visible = (el) => {
  const s = getComputedStyle(el);
  return s.visibility !== 'hidden' && s.display !== 'none' && el.getClientRects().length > 0;
};
const own = (el) => {
  const parts = [...el.childNodes].filter((n) => n.nodeType === 3).map((n) => n.data);
  if (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement) parts.push(el.value, el.placeholder);
  return parts.join('').trim();
};
const checked = [];
const problems = [];
for (const el of document.body.querySelectorAll('*')) {
  const text = own(el);
  if (!CJK.test(text) || !visible(el)) continue;
  const s = getComputedStyle(el);
  const fams = s.fontFamily.split(',').map((f) => f.trim().replace(/^["']|["']$/g, ''));
  const firstBundled = fams.findIndex((f) => BUNDLED.includes(f));
  const firstGeneric = fams.findIndex((f) => GENERIC.includes(f));
  const familyOk = fams[0] === BUNDLED[0] ||
    (fams.includes('monospace') && firstBundled >= 0 && (firstGeneric < 0 || firstBundled < firstGeneric));
  const stack = s.fontStyle + ' ' + s.fontWeight + ' 16px "Noto Sans SC", "HanaMinB"';
  const missing = [...text].filter((c) => CJK.test(c) && !loadedFor(c.codePointAt(0)));
  const label = el.tagName + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  checked.push(text.slice(0, 40));
  if (!familyOk) problems.push(label + ' "' + text.slice(0, 20) + '" computes to ' + s.fontFamily);
  else if (!document.fonts.check(stack, text)) problems.push(label + ' "' + text.slice(0, 20) + '": fonts.check false');
  else if (missing.length) problems.push(label + ' "' + text.slice(0, 20) + '": no loaded bundled face for ' + [...new Set(missing)].join(''));
}
return { checked, problems, status: document.fonts.status };
`;

/**
 * Audits the screen until it has no problem (fonts load lazily, slice by slice, as text appears) or
 * time runs out; returns the texts checked. `mustShow` are texts that must be among them.
 */
async function noTofu(d, shot, name, mustShow = []) {
  let last;
  for (let i = 0; i < 50; i += 1) {
    last = await d.execute(AUDIT);
    const shown = mustShow.every((m) => last.checked.some((c) => c.includes(m)));
    if (last.status === 'loaded' && last.problems.length === 0 && shown) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await shot(`fonts-${name}`);
  assert.ok(last.checked.length > 0, `${name}: no CJK text on screen`);
  for (const m of mustShow) assert.ok(last.checked.some((c) => c.includes(m)), `${name}: "${m}" not on screen: ${JSON.stringify(last.checked)}`);
  assert.deepEqual(last.problems, [], `${name}: tofu risk`);
  return last.checked;
}

test('every control, cell and rare name uses the bundled fonts, loaded', async (t) => {
  const app = await startApp(sandbox);
  t.after(() => app.close());
  const { driver: d, shot } = app;

  await d.waitFor(byTestId('unlock-screen'));
  const pass = await d.waitFor(input('unlock-passphrase'));
  await noTofu(d, shot, '01-unlock');
  await d.type(pass, PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('dashboard-recent'), { timeout: 30_000, predicate: (s) => s.includes(RARE_NAME) });
  await noTofu(d, shot, '02-dashboard', [RARE_NAME, '锁定']);

  // The audit can fail: text in a system family, and a character no bundled face has (CJK Ext-G
  // U+30000), are both flagged.
  const probe = await d.execute(`
    const a = document.createElement('span'); a.textContent = '系统字体'; a.style.fontFamily = 'sans-serif';
    const b = document.createElement('span'); b.textContent = '\u{30000}';
    document.body.append(a, b);
    try { return (() => { ${AUDIT} })().problems; } finally { a.remove(); b.remove(); }
  `);
  assert.ok(probe.some((p) => p.includes('系统字体') && p.includes('computes to')), JSON.stringify(probe));
  assert.ok(probe.some((p) => p.includes('no loaded bundled face')), JSON.stringify(probe));

  await click(d, byTestId('nav-students'));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes('共 201 名学生') });
  await noTofu(d, shot, '03-students');

  const search = await d.waitFor(input('student-search'));
  await d.type(search, '张伟');
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes('找到') });
  await noTofu(d, shot, '04-search', ['张伟']);

  await clearInput(d, search);
  await d.type(search, RARE_NO);
  await d.waitFor(byTestId('student-table'), { content: true, predicate: (s) => s.includes(RARE_NAME) });
  await noTofu(d, shot, '05-rare-in-list', [RARE_NAME]);

  await click(d, byTestId(`open-${RARE_NO}`));
  await d.waitFor(byTestId('file-title'), { predicate: (s) => s.includes(RARE_NAME) });
  await noTofu(d, shot, '06-student-file', [RARE_NAME, '新增记录']);

  await click(d, byTestId('add-record'));
  await d.waitFor(byTestId('record-form'));
  await noTofu(d, shot, '07-record-form');
});
