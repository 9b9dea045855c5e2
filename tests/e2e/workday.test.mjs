// A counselor's whole first day in the real window: create the archive, confirm the recovery key,
// import a roster .xlsx, find a student by pinyin initials, write a talk record, lock, fail with a
// wrong passphrase, unlock, find the talk in the timeline, export the list to .xlsx and read it
// back. Then the demo archive: the dashboard, a crisis case, every record kind and the A4 view.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, click, dialogsClosed, pickOption, clearInput, cli, input, makeSandbox, scanForMarkers, startApp } from './harness.mjs';
import { readSheet } from './xlsx.mjs';

const PASSPHRASE = '秋水长天-e2e-口令2026';
const TALK_MARKER = '谈话标记-e2e-7Q4Z';
const STUDENTS = 200;

let sandbox;
let reference;
let roster;
let exportDir;
let students;

before(() => {
  sandbox = makeSandbox('workday');
  roster = join(sandbox.root, 'roster-2026.xlsx');
  exportDir = join(sandbox.root, 'exports');
  mkdirSync(exportDir);
  // The roster is written by the command line (synthetic students); a reference archive made from
  // it by the command line tells the test every name and its pinyin initials.
  cli(sandbox, ['roster', 'sample', roster, '--students', String(STUDENTS), '--seed', '11']);
  reference = makeSandbox('workday-reference');
  const env = { XINDANG_PASSPHRASE: 'reference-口令-2026' };
  cli(reference, ['init'], env);
  cli(reference, ['roster', 'import', roster], env);
  students = JSON.parse(cli(reference, ['student', 'list', '--json'], env));
  assert.equal(students.length, STUDENTS);
});

after(() => {
  sandbox?.remove();
  reference?.remove();
});

const normalise = (s) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
const matches = (s, q) => normalise(s.student_no).includes(q) || normalise(s.name).includes(q) || s.initials.includes(q);

test('a counselor’s first day: roster, search by pinyin, talk, lock, unlock, export', async (t) => {
  // Native dialogs are answered in turn from a script (src-tauri/src/dialogs.rs): the roster to
  // open, then where the list export is saved.
  const dialogs = join(sandbox.root, 'dialogs.txt');
  writeFileSync(dialogs, `${roster}\n${join(exportDir, '学生名单.xlsx')}\n`);
  const app = await startApp(sandbox, { XINDANG_E2E_DIALOG: dialogs });
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('workday-failure');
    await app.close();
  });

  // Create the archive and confirm the recovery key.
  await d.type(await d.waitFor(input('create-passphrase')), PASSPHRASE);
  await d.type(await d.waitFor(input('create-confirm')), PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('recovery-key'), { timeout: 60_000 });
  const lines = await d.findAll(`${byTestId('recovery-key')} > div`);
  const lastGroup = (await d.text(lines[lines.length - 1])).trim().split(/[\s-]+/).pop();
  await d.type(await d.waitFor(input('recovery-confirm-input')), lastGroup + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'));

  // Import the roster (the native open dialog answers with the roster under automation).
  await click(d, byTestId('nav-students'));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes('共 0 名学生') });
  // The list's import button opens the import page with the file already asked for: preview first.
  await click(d, byTestId('import-roster-file'));
  await d.waitFor(byTestId('roster-summary'), { timeout: 60_000 });
  await click(d, byTestId('roster-import'));
  await d.waitFor(byTestId('roster-result-text'), { timeout: 60_000, predicate: (s) => s.includes(`新增 ${STUDENTS} 人`) });
  await click(d, byTestId('roster-go-students'));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes(`共 ${STUDENTS} 名学生`) });
  await shot('10-students-imported');

  // Find a student by the pinyin initials of the name.
  const counts = new Map();
  for (const s of students) counts.set(s.initials, (counts.get(s.initials) ?? 0) + 1);
  const unique = (s) => counts.get(s.initials) === 1;
  const target =
    students.find((s) => s.initials.length === 3 && unique(s)) ??
    students.find((s) => s.initials.length >= 2 && unique(s)) ??
    students[0];
  const q = target.initials;
  const expected = students.filter((s) => matches(s, q)).length;
  const search = await d.waitFor(input('student-search'));
  await d.type(search, q);
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes(`找到 ${expected} 名学生`) });
  await d.waitFor(byTestId('student-table'), { content: true, predicate: (s) => s.includes(target.name) });
  await shot('11-search-pinyin');

  // Open the file and write a talk record, by keyboard where a user would type.
  await click(d, byTestId(`open-${target.student_no}`));
  await d.waitFor(byTestId('file-title'), { predicate: (s) => s.includes(target.name) });
  await click(d, byTestId('add-record'));
  await d.waitFor(byTestId('record-form'));
  await pickOption(d, '学业困难 / 学业预警', byTestId('talk-category'));
  await d.type(await d.waitFor(input('talk-place')), '学院谈心室');
  // An empty talk is refused in Chinese before anything is sent.
  await click(d, byTestId('record-save'));
  await d.waitFor('.el-form-item__error', { predicate: (s) => s.includes('请填写谈话内容') });
  await d.type(await d.waitFor('textarea[data-testid="talk-text"], [data-testid="talk-text"] textarea'), `期中成绩下滑，约定每周学习计划。${TALK_MARKER}`);
  await shot('12-talk-form');
  await click(d, byTestId('record-save'));
  await d.waitFor(byTestId('file-timeline'), { predicate: (s) => s.includes(TALK_MARKER) && s.includes('学业困难') });
  await dialogsClosed(d);
  await shot('13-student-file');

  // Lock; a wrong passphrase is refused in Chinese; the right one opens the archive again.
  await click(d, byTestId('lock-button'));
  await d.type(await d.waitFor(input('unlock-passphrase')), 'wrong-passphrase-2026' + Keys.ENTER);
  const err = await d.waitFor(byTestId('unlock-error'), { timeout: 30_000 });
  assert.match(await d.text(err), /口令错误/);
  await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('dashboard-page'), { timeout: 30_000 });
  await d.waitFor(byTestId('dashboard-recent'), { predicate: (s) => s.includes(target.name) && s.includes('谈心谈话') });
  await shot('14-dashboard-after-unlock');

  // The talk is in the timeline, opened from the list by 学号.
  await click(d, byTestId('nav-students'));
  await d.type(await d.waitFor(input('student-search')), target.student_no);
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes('找到 1 名学生') });
  await click(d, byTestId(`open-${target.student_no}`));
  await d.waitFor(byTestId('file-timeline'), { predicate: (s) => s.includes(TALK_MARKER) });

  // Export the whole list; the .xlsx holds every student.
  await click(d, byTestId('file-back'));
  const searchAgain = await d.waitFor(input('student-search'));
  await clearInput(d, searchAgain);
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes(`共 ${STUDENTS} 名学生`) });
  await click(d, byTestId('export-list'));
  await d.waitFor('.export-done', { timeout: 30_000, predicate: (s) => s.includes(`已导出 ${STUDENTS} 名学生`) });
  const file = join(exportDir, '学生名单.xlsx');
  assert.ok(existsSync(file), 'the export exists');
  const rows = readSheet(file);
  assert.deepEqual(rows[0], ['学号', '姓名', '学院', '班级', '宿舍', '年级', '学籍状态', '关注等级', '记录数']);
  assert.equal(rows.length, STUDENTS + 1, 'a header and one row per student');
  const row = rows.find((r) => r[0] === target.student_no);
  assert.ok(row, 'the student is in the export');
  assert.equal(row[1], target.name);
  assert.equal(row[8], '1', 'with the talk counted');
  assert.deepEqual(
    rows.slice(1).map((r) => r[0]).sort(),
    students.map((s) => s.student_no).sort(),
  );
});

test('nothing typed in the workday is readable in any file the app wrote', () => {
  const hits = scanForMarkers(sandbox.root, [PASSPHRASE, TALK_MARKER]);
  assert.deepEqual(hits, []);
});

test('the demo archive: dashboard, a crisis case, every record kind, the A4 view', async (t) => {
  const demo = makeSandbox('workday-demo');
  t.after(() => demo.remove());
  const pass = 'demo-e2e-口令-2026';
  cli(demo, ['init'], { XINDANG_PASSPHRASE: pass });
  cli(demo, ['demo', '--students', '300', '--seed', '1'], { XINDANG_PASSPHRASE: pass });
  // The demo's own rules (preset 000) name no organiser per crisis level; 衢州's (002) do.
  cli(demo, ['policy', 'preset', '002'], { XINDANG_PASSPHRASE: pass });
  const picture = join(import.meta.dirname, '../../assets/icons/128x128.png');
  const dialogs = join(demo.root, 'dialogs.txt');
  writeFileSync(dialogs, `${picture}\n${picture}\n${picture}\n`);
  const app = await startApp(demo, { XINDANG_E2E_DIALOG: dialogs });
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('demo-failure');
    await app.close();
  });

  await d.type(await d.waitFor(input('unlock-passphrase')), pass + Keys.ENTER);
  await d.waitFor(byTestId('dashboard-counts'), { timeout: 30_000, predicate: (s) => s.includes('300') });
  const number = async (id) => Number((await d.text(await d.waitFor(`${byTestId(id)} .el-statistic__number`))).replace(/[^\d]/g, ''));
  assert.ok((await number('count-overdue')) > 0, 'the demo has overdue obligations');
  assert.ok((await number('count-key-concern')) > 0, 'and key-concern students');
  await d.waitFor(byTestId('dashboard-obligations'), { predicate: (s) => /逾期/.test(s) });
  await shot('15-dashboard-demo');

  // A crisis case names who organises the response; its name opens the file.
  const crises = await d.findAll(`${byTestId('dashboard-crises')} li`);
  assert.ok(crises.length > 0, 'the demo has a crisis case');
  assert.match(await d.text(crises[0]), /组织处置：/);
  await click(d, `${byTestId('dashboard-crises')} li button`);
  await d.waitFor(byTestId('file-timeline'), { predicate: (s) => s.includes('危机评估') });
  await shot('16-student-file-crisis');

  // Every field of every record form has a label (what a screen reader and Tab users need).
  await click(d, byTestId('add-record'));
  for (const kind of ['谈心谈话', '家校联系', '重点关注', '危机评估', '一人一策', '转介 / 诊断', '休学 / 复学审核', '心理普查']) {
    await pickOption(d, kind, byTestId('record-kind'));
    const unlabelled = await d.execute(`
      const form = document.querySelector('[data-testid="record-form"]');
      const named = (el) => (el.labels && el.labels.length > 0) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      const fields = [...form.querySelectorAll('input:not([type=hidden]), textarea, [role=switch], [role=radiogroup]')];
      return [fields.length, fields.filter((el) => !named(el)).map((el) => el.outerHTML.slice(0, 120))];`);
    assert.ok(unlabelled[0] >= 5, `the ${kind} form has its fields`);
    assert.deepEqual(unlabelled[1], [], `fields without a label in the ${kind} form`);
  }
  await click(d, byTestId('record-cancel'));
  await dialogsClosed(d);

  // The crisis form shows the organiser of the level chosen.
  await click(d, byTestId('add-record'));
  await pickOption(d, '危机评估', byTestId('record-kind'));
  await click(d, `${byTestId('crisis-B')}`);
  await d.waitFor(`${byTestId('crisis-B')}.is-checked`);
  await d.waitFor(byTestId('crisis-organiser'), { predicate: (s) => s.includes('二级学院分管心理健康工作领导') });
  await shot('17-crisis-form');
  await click(d, byTestId('record-cancel'));
  await dialogsClosed(d);

  // Amend a record: the original stays, marked, and the amendment shows its reason.
  const amendButtons = await d.findAll('[data-testid^="amend-"]');
  assert.ok(amendButtons.length > 0, 'a record to amend');
  await d.click(amendButtons[0]);
  await d.waitFor(byTestId('record-form'));
  await d.type(await d.waitFor(input('record-amend-reason')), '补充家长意见后更正');
  await click(d, byTestId('record-save'));
  await d.waitFor(byTestId('file-timeline'), {
    predicate: (s) => s.includes('已被更正') && s.includes('更正原因：补充家长意见后更正') && s.includes('原记录'),
  });
  await dialogsClosed(d);

  // Attach a picture (the native dialog answers with it under automation) and preview it.
  await click(d, byTestId('add-attachment'));
  await d.type(await d.waitFor(`${byTestId('attachment-dialog')} input[placeholder="如：医院诊断证明"]`), '医院诊断证明');
  await click(d, byTestId('attachment-upload'));
  await d.waitFor(byTestId('file-timeline'), { predicate: (s) => s.includes('128x128.png') && s.includes('医院诊断证明') });
  await dialogsClosed(d);
  await click(d, '[data-testid^="preview-"]');
  const img = await d.waitFor('.preview img');
  for (let i = 0; i < 50; i += 1) {
    if (await d.execute('return document.querySelector(".preview img")?.naturalWidth ?? 0')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(await d.execute('return document.querySelector(".preview img").naturalWidth'), 128, 'the picture decoded from a blob: URL');
  assert.match(await d.execute('return document.querySelector(".preview img").src'), /^blob:/);
  assert.ok(await d.displayed(img));
  await shot('18-attachment-preview');

  // The A4 view: the file as paper, without the app around it.
  await click(d, byTestId('print-preview'));
  await d.waitFor(byTestId('print-now'));
  assert.ok(await d.displayed(await d.waitFor('.print-head')), 'the A4 header is shown');
  await shot('19-print-preview');
});
