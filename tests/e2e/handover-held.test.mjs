// A handover naming a student the center already holds, imported in the center's window (issue
// 14: a handover creates students new to the receiver, or the receiver confirms a merge). The core
// refuses it without a choice; the dialog 该学生已在本档案中 lists the 学号 and 姓名 of the file
// held here, and 确认合并 merges it and saves the receipt, which then retires the college's file;
// the college's 审计 page then shows the entries about that student without the 学号 (已移交).
// Archives are made and synced by the command line; the app opens the center's, then the college's.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { byTestId, click, cli, input, makeSandbox, startApp } from './harness.mjs';
import { Keys } from './webdriver.mjs';

const CENTER_PASS = 'e2e-center-口令-2026';
const COLLEGE_PASS = 'e2e-college-口令-2026';
const MARKER = '移交时合并的谈话-e2e';
let sandbox;
let center;
let college;
let script;
let sno;
let name;
let handover;
let receipt;

const c = (args) => cli(center, args, { XINDANG_PASSPHRASE: CENTER_PASS });
const k = (args) => cli(college, args, { XINDANG_PASSPHRASE: COLLEGE_PASS });

before(() => {
  sandbox = makeSandbox('held');
  center = sandbox;
  college = { archive: join(sandbox.root, 'college') };
  script = join(sandbox.root, 'dialog-answers');
  c(['init', '--center']);
  k(['init']);
  k(['demo', '--students', '3', '--seed', '5']);
  const kp = join(sandbox.root, 'college.json');
  k(['profile', 'export', '--out', kp, '--name', '计算机学院']);
  c(['profile', 'import', kp]);
  const cp = join(sandbox.root, 'center.json');
  c(['profile', 'export', '--out', cp]);
  k(['profile', 'import', cp]);
  const b1 = join(sandbox.root, 'b1.age');
  k(['bundle', 'export', '--to', 'center', '--out', b1]);
  c(['bundle', 'import', b1]);
  const [first] = JSON.parse(k(['student', 'list', '--json']));
  sno = first.student_no;
  name = first.name;
  // A talk the center does not hold yet: the handover would change the file held there.
  k(['talk', 'add', '--student', sno, '--category', 'academic', '--date', '2026-03-02', '--text', MARKER]);
  handover = join(sandbox.root, 'handover.age');
  k(['handover', 'export', '--student', sno, '--out', handover]);
  receipt = join(sandbox.root, 'receipt.age');
  assert.throws(() => c(['bundle', 'import', handover]), /already has/);
});

after(() => sandbox?.remove());

test('the center confirms merging a handover of a student it already holds', async (t) => {
  const app = await startApp(sandbox, { XINDANG_E2E_DIALOG: script });
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('handover-held-failure');
    await app.close();
  });
  await d.type(await d.waitFor(input('unlock-passphrase')), CENTER_PASS + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await click(d, byTestId('nav-sync'));
  await click(d, '#tab-sync');
  // The bundle to open, then where to save the receipt.
  writeFileSync(script, [handover, receipt].join('\n'));
  await click(d, byTestId('sync-import-bundle'));
  await d.waitFor(byTestId('held-dialog'), { predicate: (s) => s.includes('该学生已在本档案中') });
  await d.waitFor(byTestId('held-table'), { content: true, predicate: (s) => s.includes(sno) && s.includes(name) });
  await new Promise((r) => setTimeout(r, 600)); // the dialog fades in
  await shot('35-handover-held');
  await click(d, byTestId('held-merge'));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /已导入来自/.test(s) && /回执已保存/.test(s) });
});

test('the command line sees the file merged at the center and retired at the college', () => {
  assert.ok(c(['student', 'show', sno, '--json']).includes(MARKER));
  assert.equal(JSON.parse(k(['receipt', 'import', receipt, '--json'])).retired, 1);
  assert.throws(() => k(['student', 'show', sno]));
});

test("the college's audit page names the retired student nowhere", async (t) => {
  const app = await startApp(sandbox, { XINDANG_ARCHIVE: college.archive });
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('handover-held-audit-failure');
    await app.close();
  });
  await d.type(await d.waitFor(input('unlock-passphrase')), COLLEGE_PASS + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await click(d, byTestId('nav-audit'));
  await d.waitFor(byTestId('audit-table'), { content: true, predicate: (s) => s.includes('（已移交）') });
  assert.ok(!(await d.text(await d.waitFor(byTestId('audit-page')))).includes(sno));
  await shot('36-audit-retired-student');
});
