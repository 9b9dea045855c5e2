// A crisis case in the real window, from the first report to its closure through every step, under
// preset 002 (衢州职业技术学院: organisers per level, 第十二条): a first report 危机初报 opens the
// case and owes its assessment; a C-level assessment adds the report to the level's organiser, the
// watch, the parents and the referral; each is recorded done with 完成 (who and when); after-care
// follows; 结案 with reason and approver closes it, and the file keeps it. The command line then
// reads the same case.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, click, dialogsClosed, fill, pickOption, cli, input, makeSandbox, startApp } from './harness.mjs';

const PASSPHRASE = '危机个案-e2e-口令2026';
const ENV = { XINDANG_PASSPHRASE: PASSPHRASE };

let sandbox;
let student;

before(() => {
  sandbox = makeSandbox('crisis');
  const roster = join(sandbox.root, 'roster.xlsx');
  cli(sandbox, ['roster', 'sample', roster, '--students', '5', '--seed', '17']);
  cli(sandbox, ['init'], ENV);
  cli(sandbox, ['roster', 'import', roster], ENV);
  cli(sandbox, ['policy', 'preset', '002'], ENV);
  student = JSON.parse(cli(sandbox, ['student', 'list', '--json'], ENV))[0];
});

after(() => sandbox?.remove());

const textarea = (id) => `textarea[data-testid="${id}"], [data-testid="${id}"] textarea`;

/** Records one step done through 完成: who did it; the time is prefilled with now. */
async function completeStep(d, key) {
  await click(d, byTestId(`crisis-step-${key}`));
  await d.waitFor(byTestId('crisis-step-dialog'));
  // The name of the last step's doer is kept while the app runs; type it afresh.
  await fill(d, input('crisis-step-by'), '王老师');
  await click(d, byTestId('crisis-step-save'));
  await d.waitFor(byTestId(`crisis-step-status-${key}`), { predicate: (s) => s.includes('已完成') });
  await dialogsClosed(d);
}

test('a C-level crisis case from the first report to its closure, every step recorded', async (t) => {
  const app = await startApp(sandbox);
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('crisis-failure');
    await app.close();
  });

  await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('dashboard-page'), { timeout: 30_000 });
  await click(d, byTestId('nav-students'));
  await d.type(await d.waitFor(input('student-search')), student.student_no);
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes('找到 1 名学生') });
  await d.waitFor(byTestId('student-table'), { content: true, predicate: (s) => s.includes(student.name) });
  await click(d, byTestId(`open-${student.student_no}`));
  await d.waitFor(byTestId('file-title'), { predicate: (s) => s.includes(student.name) });

  // The first report opens the case before any assessment: the assessment is owed.
  await click(d, byTestId('add-record'));
  await d.waitFor(byTestId('record-form'));
  await pickOption(d, '危机初报', byTestId('record-kind'));
  await d.type(await d.waitFor(input('crisis-reporter')), '寝室长 李某');
  await d.type(await d.waitFor(textarea('crisis-text')), '夜间发现该生在阳台情绪激动，已陪同回寝。');
  await click(d, byTestId('record-save'));
  await dialogsClosed(d);
  await d.waitFor(byTestId('crisis-case-level'), { predicate: (s) => s.includes('待评估定级') });
  await d.waitFor(byTestId('crisis-step-status-assessment'), { predicate: (s) => s.includes('待办') });
  await shot('crisis-01-first-report');

  // The C-level assessment: the organiser of C (the duty leader out of hours) and its steps.
  await click(d, byTestId('add-record'));
  await d.waitFor(byTestId('record-form'));
  await pickOption(d, '危机评估', byTestId('record-kind'));
  await click(d, byTestId('crisis-C'));
  await d.waitFor(`${byTestId('crisis-C')}.is-checked`);
  await d.type(await d.waitFor(textarea('crisis-rationale')), '有自伤行为，未造成严重后果');
  await click(d, byTestId('record-save'));
  await dialogsClosed(d);
  await d.waitFor(byTestId('crisis-case-level'), { predicate: (s) => s.includes('C 级') });
  await d.waitFor(byTestId('crisis-case-organiser'), { predicate: (s) => s.includes('非上班时间为值班校领导') });
  await d.waitFor(byTestId('crisis-step-status-assessment'), { predicate: (s) => s.includes('已完成') });
  // The table's cells are read by their content (WebDriver's visible text skips wrapped cells).
  const steps = await d.waitFor(byTestId('crisis-steps'), {
    content: true,
    predicate: (s) => ['班级心理危机个案的监护', '家校联系：通知家长', '转介'].every((x) => s.includes(x)),
  });
  assert.match(await d.textContent(steps), /报告学校分管心理健康工作校领导（非上班时间为值班校领导）/);
  await shot('crisis-02-assessed-c');

  // Every response step, then every after-care step, recorded done with who and when.
  for (const key of ['report', 'watch', 'parents', 'referral']) await completeStep(d, key);
  await d.waitFor(byTestId('crisis-step-status-filing'), { predicate: (s) => s.includes('待办') });
  for (const key of ['filing', 'family-contact', 'follow-up', 'evaluation']) await completeStep(d, key);
  await shot('crisis-03-every-step-done');

  // The dashboard lists the open case.
  await click(d, byTestId('nav-dashboard'));
  await d.waitFor(byTestId('dashboard-crises'), { predicate: (s) => s.includes(student.name) && s.includes('C 级') });
  await click(d, `${byTestId('dashboard-crises')} li button`);
  await d.waitFor(byTestId('crisis-case'));

  // 结案: the reason and who approved; the case leaves the top of the file and stays in it.
  await click(d, byTestId('crisis-close'));
  await d.waitFor(byTestId('crisis-close-dialog'));
  await d.type(await d.waitFor(textarea('crisis-close-reason')), '已就医，情绪平稳，家长陪护');
  await d.type(await d.waitFor(input('crisis-close-approved-by')), '学工部 张部长');
  await click(d, byTestId('crisis-close-save'));
  await dialogsClosed(d);
  await d.waitFor(byTestId('crisis-closed'), { predicate: (s) => s.includes('学工部 张部长') });
  await d.waitFor(byTestId('file-timeline'), { predicate: (s) => s.includes('危机个案结案') && s.includes('危机初报') });
  assert.equal((await d.findAll(byTestId('crisis-case'))).length, 0, 'no open case is shown');
  await shot('crisis-04-closed');

  // The command line reads the same case: closed, approved, every owed step done by 王老师.
  const [c] = JSON.parse(cli(sandbox, ['crisis', 'show', student.student_no, '--json'], ENV));
  assert.equal(c.level, 'C');
  assert.equal(c.closed_approved_by, '学工部 张部长');
  const owed = c.steps.filter((s) => s.status !== 'offered');
  assert.equal(owed.length, 9, 'the assessment, four response and four after-care steps');
  assert.ok(owed.every((s) => s.status === 'done'));
  assert.deepEqual(
    c.steps.filter((s) => s.key !== 'assessment').map((s) => [s.key, s.done_by]),
    ['report', 'watch', 'parents', 'referral', 'filing', 'family-contact', 'follow-up', 'evaluation'].map((k) => [k, '王老师']),
  );
  assert.deepEqual(JSON.parse(cli(sandbox, ['crisis', 'list', '--json'], ENV)), []);
});
