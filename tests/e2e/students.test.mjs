// A counselor's archive with students (made by the command line `xindang demo`): unlock by keyboard,
// find a student by 学号 and by 姓名 in the virtualised list; then idle auto-lock.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, clearInput, cli, input, makeSandbox, startApp } from './harness.mjs';

const PASSPHRASE = 'e2e-demo-口令-2026';
const STUDENTS = 300;

let sandbox;
let students;

before(() => {
  sandbox = makeSandbox('students');
  const env = { XINDANG_PASSPHRASE: PASSPHRASE };
  cli(sandbox, ['init'], env);
  cli(sandbox, ['demo', '--students', String(STUDENTS), '--seed', '7'], env);
  students = JSON.parse(cli(sandbox, ['student', 'list', '--json'], env));
  assert.equal(students.length, STUDENTS);
});

after(() => sandbox?.remove());

async function unlock(d) {
  await d.waitFor(byTestId('unlock-screen'));
  await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
}

test('the student list: virtualised, searched by 学号 and 姓名', async (t) => {
  const app = await startApp(sandbox);
  t.after(() => app.close());
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('students-failure');
  });

  await unlock(d);
  await d.click(await d.waitFor(byTestId('nav-students')));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes(`共 ${STUDENTS} 名学生`) });
  // Virtualised: the first students are on screen, but far fewer rows exist in the page than students.
  const onScreen = (s) => s.includes(students[0].student_no) && s.includes(students[9].student_no);
  await d.waitFor(byTestId('student-table'), { content: true, predicate: onScreen });
  const rendered = await d.execute("return document.querySelectorAll('.el-table-v2__row').length");
  assert.ok(rendered > 5 && rendered < 60, `rendered ${rendered} rows for ${STUDENTS} students`);
  await shot('06-students');

  const target = students[Math.floor(STUDENTS / 2)];
  const search = await d.waitFor(input('student-search'));
  await d.type(search, target.student_no);
  await d.waitFor(byTestId('student-count'), { predicate: (s) => /找到 1 名学生/.test(s) });
  await d.waitFor(byTestId('student-table'), { content: true, predicate: (s) => s.includes(target.name) });
  await shot('07-students-search');

  await clearInput(d, search);
  await d.type(search, target.name);
  const byName = students.filter((s) => s.name.includes(target.name)).length;
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes(`找到 ${byName} 名学生`) });
});

test('the archive locks itself when idle and the window returns to the unlock screen', async (t) => {
  // Long enough for the dashboard to render under a busy Xvfb before the test moves on.
  const app = await startApp(sandbox, { XINDANG_AUTO_LOCK_SECS: '6' });
  t.after(() => app.close());
  const { driver: d, shot } = app;
  await unlock(d);
  await d.click(await d.waitFor(byTestId('nav-students')));
  await d.waitFor(byTestId('students-page'));
  const notice = await d.waitFor(byTestId('idle-lock-notice'), { timeout: 20_000 });
  assert.match(await d.text(notice), /自动锁定/);
  assert.equal((await d.findAll(byTestId('students-page'))).length, 0, 'no student data left on screen');
  await shot('08-idle-locked');
});
