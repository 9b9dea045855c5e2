// The counselor's semester in the real window, on a demo archive made by the command line: a
// 心理普查 result sheet and a 学业预警 sheet, each with a bad row, are imported through the app (the
// preview names the bad row before anything is written); a flagged result's key-concern proposal
// opens the record form prefilled; two observers' reports are triaged (one filed, one dismissed
// with its reason, refused without one); three obligations are worked from 待办 to done through the
// prefilled record form, and one is waived with its reason. Then, with the app closed, the command
// line confirms each, and a dry run of the same files finds nothing new.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { byTestId, click, dialogsClosed, clearInput, cli, input, makeSandbox, startApp } from './harness.mjs';
import { Keys } from './webdriver.mjs';
import { writeXlsx } from './xlsx.mjs';

const PASS = 'lists-e2e-口令-2026';
const ENV = { XINDANG_PASSPHRASE: PASS };
const UNKNOWN = '2099999999';
let sandbox;
let screeningFile;
let academicFile;
let flagged; // a student with a flagged screening result
let normal; // a student with a normal result, whose open obligation is waived
let warned; // two students on the 学业预警 list
let waive; // the obligation of `normal` to waive
let filed; // the inbox item to file
let dismissed; // the inbox item to dismiss
let late; // a student whose academic talk is overdue, acted on from the dashboard

function day(offset) {
  const t = new Date(Date.now() + offset * 86_400_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

const obligations = (s) => JSON.parse(cli(sandbox, ['obligations', '--json', '--student', s.student_no], ENV));

before(() => {
  sandbox = makeSandbox('lists');
  cli(sandbox, ['init'], ENV);
  cli(sandbox, ['demo', '--students', '300', '--seed', '1'], ENV);
  // The test policy with every rule: the 八必谈 and the screening follow-up are in force.
  const everyRule = new URL('../fixtures/policy/every-rule.toml', import.meta.url).pathname;
  cli(sandbox, ['policy', 'set', everyRule], ENV);
  const inbox = JSON.parse(cli(sandbox, ['list', 'inbox', '--json'], ENV)).filter((i) => i.status === 'open');
  assert.ok(inbox.length >= 2, 'the demo inbox has reports waiting');
  [filed, dismissed] = inbox;
  const busy = new Set(inbox.map((i) => i.student_no));
  const students = JSON.parse(cli(sandbox, ['student', 'list', '--json'], ENV)).filter(
    (s) => s.status === 'enrolled' && !busy.has(s.student_no),
  );
  // Students without a follow-up or academic talk owed yet, so the ones the lists add are theirs;
  // the second with an open obligation to waive that no list fulfils (not a screening).
  const quiet = [];
  for (const s of students) {
    const list = obligations(s);
    if (list.some((o) => ['screening.follow-up', 'must-talk.academic'].includes(o.rule))) continue;
    const waivable = list.find(
      (o) => (o.status === 'due' || o.status === 'overdue') && o.fulfil && !['triage', 'screening'].includes(o.fulfil.action),
    );
    if (quiet.length === 1 && !waivable) continue;
    if (quiet.length === 1) waive = waivable;
    quiet.push(s);
    if (quiet.length === 5) break;
  }
  [flagged, normal, ...warned] = quiet;
  late = warned.pop();
  assert.ok(warned.length === 2 && late && waive, 'five enrolled students, the second with an obligation to waive');
  // A 学业预警 whose talk fell due the day before anything else still open: the dashboard lists
  // the first 30 open obligations by due date, and this one leads them.
  const open = JSON.parse(cli(sandbox, ['obligations', '--open', '--json'], ENV));
  const first = open.map((o) => o.due).sort()[0];
  const back = (d, n) => new Date(Date.parse(`${d}T12:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
  cli(sandbox, ['event', '--student', late.student_no, '--trigger', 'academic', '--date', back(first, 8)], ENV);
  const owed = obligations(late).find((o) => o.rule === 'must-talk.academic' && o.status === 'overdue');
  assert.ok(owed && owed.due < first, `the late talk leads the open obligations (${owed?.due} < ${first})`);

  const when = day(-2);
  screeningFile = join(sandbox.root, '2026秋心理普查结果.xlsx');
  writeXlsx(screeningFile, [
    [
      '普查结果',
      [
        ['2026年秋季学期新生心理普查结果'],
        ['学号', '姓名', '测评日期', '量表', '总分', '预警等级'],
        [flagged.student_no, flagged.name, when, 'SCL-90', '221', '二级预警'],
        [normal.student_no, normal.name, when, 'SCL-90', '118', '正常'],
        [UNKNOWN, '查无此人', when, 'SCL-90', '130', '正常'],
      ],
    ],
  ]);
  academicFile = join(sandbox.root, '学业预警名单.xlsx');
  writeXlsx(academicFile, [
    [
      '学业预警',
      [
        ['学号', '姓名', '预警日期', '预警原因'],
        [warned[0].student_no, warned[0].name, when, '本学期两门必修课不及格'],
        [warned[1].student_no, warned[1].name, when, '累计学分不足'],
        [UNKNOWN, '查无此人', when, '挂科'],
      ],
    ],
  ]);
});

after(() => sandbox?.remove());

const TEXTAREA = (id) => `textarea[data-testid="${id}"], [data-testid="${id}"] textarea`;

/** Imports a list of `kind` through the import page: preview (with its bad row), then import. */
async function importList(d, shot, kind, name) {
  await click(d, byTestId('nav-import'));
  await click(d, byTestId(`import-kind-${kind}`));
  await click(d, byTestId('list-choose'));
  await d.waitFor(byTestId('list-summary'), { timeout: 60_000, predicate: (s) => s.includes('将新增 2 条') && s.includes('1 行有错误') });
  await d.waitFor(byTestId('list-sheets'), { predicate: (s) => s.includes('读取 2 行') || s.includes('读取 3 行') });
  await d.waitFor(byTestId('list-errors'), { predicate: (s) => s.includes('档案中没有这个学号的学生') && s.includes('学号') });
  await shot(`${name}-preview`);
  await click(d, byTestId('list-import-run'));
  await d.waitFor(byTestId('list-result-text'), { timeout: 60_000, predicate: (s) => s.includes('新增 2 条') });
  await shot(`${name}-imported`);
}

/** Lists the 待办 of one student. */
async function dutiesOf(d, s) {
  await click(d, byTestId('nav-obligations'));
  const box = await d.waitFor(input('obligation-search'));
  await clearInput(d, box);
  await d.type(box, s.student_no + Keys.ENTER);
}

/** 记录 on a student's open obligation of `rule` in 待办: the form opens prefilled; write the talk. */
async function talkFromObligations(d, s, rule, category) {
  await dutiesOf(d, s);
  await click(d, `[data-testid="obligation-record"][data-obligation^="${rule}|${s.student_no}|"]`);
  await d.waitFor(byTestId('record-prefilled'));
  await d.waitFor(byTestId('talk-category'), { predicate: (t) => t.includes(category) });
  await d.type(await d.waitFor(TEXTAREA('talk-text')), '约谈了解情况，约定两周后再谈。');
  await click(d, byTestId('record-save'));
  // Saved, the app returns to the same filtered 待办.
  await d.waitFor(byTestId('obligations-page'), { timeout: 30_000 });
  await dialogsClosed(d);
  const kept = await d.execute('return document.querySelector(arguments[0]).value', [input('obligation-search')]);
  assert.equal(kept, s.student_no, 'back to the list as it was filtered');
}

test('lists in, triage, and obligations worked from 待办 in the real window', async (t) => {
  const dialogs = join(sandbox.root, 'dialogs.txt');
  writeFileSync(dialogs, `${screeningFile}\n${academicFile}\n`);
  const app = await startApp(sandbox, { XINDANG_E2E_DIALOG: dialogs });
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('lists-failure');
    await app.close();
  });
  await d.type(await d.waitFor(input('unlock-passphrase')), PASS + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  // The inbox's entry shows how many reports wait.
  await d.waitFor(byTestId('inbox-badge'), { predicate: (s) => Number(s.trim()) >= 2 });

  // 心理普查: preview, import, then the flagged result's proposal opens the key-concern form.
  await importList(d, shot, 'screening', '40-lists-screening');
  await d.waitFor(byTestId('list-proposals'), { predicate: (s) => s.includes(flagged.student_no) });
  await click(d, `[data-testid="list-propose"][data-student="${flagged.student_no}"]`);
  await d.waitFor(byTestId('record-prefilled'));
  const reason = await d.execute(
    `const el = document.querySelector(arguments[0]); return el ? el.value : '';`,
    [TEXTAREA('concern-reason')],
  );
  assert.ok(reason.includes('SCL-90'), `the reason is prefilled: ${reason}`);
  await shot('41-lists-proposal');
  await click(d, byTestId('record-save'));
  await dialogsClosed(d);
  await d.waitFor(`[data-testid="list-propose"][data-student="${flagged.student_no}"][disabled], [data-testid="list-propose"][data-student="${flagged.student_no}"].is-disabled`);

  // 学业预警: the same two steps; a new kind starts over.
  await importList(d, shot, 'academic', '42-lists-academic');

  // 收件箱: file one report, dismiss another (refused without a reason).
  await click(d, byTestId('nav-inbox'));
  await d.waitFor(byTestId('inbox-table'), { content: true, predicate: (s) => s.includes(filed.observation.text) });
  await shot('43-lists-inbox');
  await click(d, `[data-testid="inbox-file"][data-student="${filed.student_no}"]`);
  await d.type(await d.waitFor(TEXTAREA('inbox-text')), '已约谈，情况稳定');
  await click(d, byTestId('inbox-confirm'));
  await d.waitFor(byTestId('inbox-notice'), { predicate: (s) => s.includes('已归档') });
  await dialogsClosed(d);
  await click(d, `[data-testid="inbox-dismiss"][data-student="${dismissed.student_no}"]`);
  await click(d, byTestId('inbox-confirm'));
  await d.waitFor('[data-testid="inbox-dialog"] .el-form-item__error', { predicate: (s) => s.includes('请填写不予处理的理由') });
  await d.type(await d.waitFor(TEXTAREA('inbox-text')), '已由宿管处理，非心理问题');
  await click(d, byTestId('inbox-confirm'));
  await d.waitFor(byTestId('inbox-notice'), { predicate: (s) => s.includes('不予处理') });
  await dialogsClosed(d);

  // 待办: three talks, each from its obligation's 记录 with the category prefilled.
  await talkFromObligations(d, flagged, 'screening.follow-up', '其他');
  await talkFromObligations(d, warned[0], 'must-talk.academic', '学业');
  await talkFromObligations(d, warned[1], 'must-talk.academic', '学业');
  await shot('44-lists-worked');

  // 免除: a reason is required; with one, a waiver record closes the obligation.
  await dutiesOf(d, normal);
  await click(d, `[data-testid="obligation-waive"][data-obligation="${waive.rule}|${normal.student_no}|${waive.due}"]`);
  await d.waitFor(byTestId('waive-dialog'), { predicate: (s) => s.includes(waive.label) });
  await click(d, byTestId('waive-confirm'));
  await d.waitFor('[data-testid="waive-dialog"] .el-form-item__error', { predicate: (s) => s.includes('请填写免除理由') });
  await d.type(await d.waitFor('#waive-reason'), '该生本学期休学，由家长书面说明');
  await click(d, byTestId('waive-confirm'));
  await d.waitFor(byTestId('obligation-waived'), { predicate: (s) => s.includes(waive.label) });
  await dialogsClosed(d);

  // The student file shows what is owed and what was just done, at its top.
  await d.execute(`location.hash = '#/students/' + encodeURIComponent(arguments[0]);`, [warned[0].student_no]);
  await d.waitFor(byTestId('file-obligations'), { predicate: (s) => s.includes('八必谈·学业困难谈话') });
  await d.waitFor('[data-testid="file-obligation"][data-rule="must-talk.academic"][data-status="done"]');
  await shot('45-lists-student-file');

  // The dashboard offers the same actions: 记录 on an obligation a record fulfils opens that form
  // (a weekly review, a triage and a crisis case's step are done on their pages).
  await click(d, byTestId('nav-dashboard'));
  const overdue = `${byTestId('dashboard-obligations')} [data-testid="obligation-record"][data-obligation^="must-talk.academic|${late.student_no}|"]`;
  await click(d, overdue);
  await d.waitFor(byTestId('record-prefilled'), { timeout: 30_000, predicate: (s) => s.includes('学业') });
  await click(d, byTestId('record-cancel'));
  await dialogsClosed(d);
  await click(d, byTestId('nav-dashboard'));
  await d.waitFor(`${byTestId('dashboard-obligations')} ${byTestId('obligation-record')}`, { timeout: 30_000 });
  for (let i = 0; i < 100; i += 1) {
    const masked = await d
      .execute("return [...document.querySelectorAll('.el-loading-mask')].some((m) => m.offsetParent !== null)")
      .catch(() => true);
    if (!masked) break;
    assert.ok(i < 99, 'the dashboard finishes loading');
    await new Promise((r) => setTimeout(r, 100));
  }
  await shot('46-lists-dashboard');
});

test('the command line confirms every step, and the same files again add nothing', () => {
  // Runs after the app of the test above is closed.
  const open = (o) => o.status === 'due' || o.status === 'overdue';
  const f = obligations(flagged).filter((o) => o.rule === 'screening.follow-up');
  assert.ok(f.length === 1 && f[0].status === 'done', `the follow-up is done: ${JSON.stringify(f)}`);
  for (const s of warned) {
    const a = obligations(s).filter((o) => o.rule === 'must-talk.academic');
    assert.ok(a.length >= 1 && !a.some(open), `${s.student_no}: the academic talk is done`);
  }
  const w = obligations(normal).find((o) => o.rule === waive.rule && o.due === waive.due);
  assert.equal(w?.status, 'waived');
  assert.equal(w.waived_reason, '该生本学期休学，由家长书面说明');

  const kinds = (s) =>
    JSON.parse(cli(sandbox, ['student', 'show', s.student_no, '--json'], ENV)).records.map((r) => r.record.body.kind);
  assert.ok(kinds(flagged).includes('screening') && kinds(flagged).includes('key_concern'), 'the proposal was taken');
  assert.ok(!kinds(normal).includes('key_concern'), 'a normal result proposes nothing');
  assert.ok(kinds(warned[0]).includes('event') && kinds(warned[0]).includes('talk'));
  const filedFile = JSON.parse(cli(sandbox, ['student', 'show', filed.student_no, '--json'], ENV)).records;
  assert.ok(filedFile.some((r) => r.record.body.kind === 'observation' && r.record.body.data.text === filed.observation.text));
  const inbox = JSON.parse(cli(sandbox, ['list', 'inbox', '--json'], ENV));
  assert.equal(inbox.find((i) => i.id === filed.id)?.status, 'filed');
  const gone = inbox.find((i) => i.id === dismissed.id);
  assert.equal(gone?.status, 'dismissed');
  assert.equal(gone.resolution, '已由宿管处理，非心理问题');
  const list = JSON.parse(cli(sandbox, ['student', 'list', '--json'], ENV));
  assert.ok(!list.some((s) => s.student_no === UNKNOWN), 'no student was created');

  for (const [file, kind] of [
    [screeningFile, 'screening'],
    [academicFile, 'academic'],
  ]) {
    const again = JSON.parse(cli(sandbox, ['list', 'import', file, '--kind', kind, '--dry-run', '--json'], ENV));
    assert.equal(again.added, 0, `${kind}: nothing new`);
    assert.equal(again.unchanged, 2);
    assert.equal(again.errors.length, 1);
  }
});
