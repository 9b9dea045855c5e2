// The center's own work in the real window: a profile edited at both ends (a college and the
// center) is settled field by field, side by side, taking the college's dorm; and the
// flagged-student list per college matches the command line's. Archives are made and synced by
// the command line; the app opens the center's.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { byTestId, click, cli, input, makeSandbox, startApp } from './harness.mjs';
import { Keys } from './webdriver.mjs';

const CENTER_PASS = 'e2e-center-口令-2026';
const COLLEGE_PASS = 'e2e-college-口令-2026';
let sandbox;
let center;
let college;
let sno;
let flagged;
let college_name;
let inForce; // the dorm in force at the center before the conflict is settled
const DORMS = ['中心登记-9栋-101', '学院登记-3栋-202'];

const c = (args) => cli(center, args, { XINDANG_PASSPHRASE: CENTER_PASS });
const k = (args) => cli(college, args, { XINDANG_PASSPHRASE: COLLEGE_PASS });

before(() => {
  sandbox = makeSandbox('center');
  center = sandbox;
  college = { archive: join(sandbox.root, 'college') };
  c(['init', '--center']);
  k(['init']);
  k(['demo', '--students', '60', '--seed', '5']);
  const kp = join(sandbox.root, 'college.json');
  k(['profile', 'export', '--out', kp, '--name', '计算机学院']);
  c(['profile', 'import', kp]);
  const cp = join(sandbox.root, 'center.json');
  c(['profile', 'export', '--out', cp]);
  k(['profile', 'import', cp]);
  const send = (name) => {
    const file = join(sandbox.root, name);
    k(['bundle', 'export', '--to', 'center', '--out', file]);
    c(['bundle', 'import', file]);
  };
  const [first] = JSON.parse(k(['student', 'list', '--json']));
  sno = first.student_no;
  // A flagged screening today, so the college's flagged list has this student at least.
  const now = new Date();
  const today = [now.getFullYear(), now.getMonth() + 1, now.getDate()].map((n) => String(n).padStart(2, '0')).join('-');
  const screening = join(sandbox.root, 'screening.json');
  writeFileSync(
    screening,
    JSON.stringify({
      date: today,
      author: '李老师',
      amends: null,
      amend_reason: '',
      body: { kind: 'screening', data: { instrument: 'UPI', score: '27', result: 'moderate', flagged: true, notes: '第25题阳性' } },
    }),
  );
  k(['record', 'add', '--student', sno, screening]);
  send('b1.age');
  college_name = JSON.parse(c(['student', 'show', sno, '--json'])).profile.college;
  // Both ends change the same student's dorm; the college's edit travels to the center.
  c(['student', 'amend', sno, '--dorm', '中心登记-9栋-101', '--reason', '中心核对住宿']);
  k(['student', 'amend', sno, '--dorm', '学院登记-3栋-202', '--reason', '调换寝室']);
  send('b2.age');
  const conflicts = JSON.parse(c(['bundle', 'conflicts', '--json']));
  assert.equal(conflicts.length, 1, JSON.stringify(conflicts));
  flagged = JSON.parse(c(['center', 'flagged', '--college', college_name, '--json']));
  assert.ok(flagged.some((f) => f.student_no === sno), 'the flagged screening reached the center');
  inForce = JSON.parse(c(['student', 'show', sno, '--json'])).profile.dorm;
  assert.ok(DORMS.includes(inForce), inForce);
});

after(() => sandbox?.remove());

test("the center settles a conflict side by side and reads a college's flagged students", async (t) => {
  const app = await startApp(sandbox);
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('center-failure');
    await app.close();
  });
  await d.type(await d.waitFor(input('unlock-passphrase')), CENTER_PASS + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await click(d, byTestId('nav-sync'));
  await click(d, '#tab-conflicts');
  await d.waitFor(byTestId('sync-conflicts'), { content: true, predicate: (s) => s.includes(sno) && s.includes('宿舍') });
  await click(d, byTestId(`conflict-open-${sno}`));
  // el-table keeps its cells' text in the DOM (content), not all of it in the rendered text.
  await d.waitFor(byTestId('conflict-fields'), {
    content: true,
    predicate: (s) => s.includes('宿舍') && DORMS.every((dorm) => s.includes(dorm)),
  });
  // Which edit is in force depends on the clocks (last writer wins): take the other one.
  await click(d, `${byTestId('conflict-take-dorm')}`);
  await new Promise((r) => setTimeout(r, 300));
  await shot('33-conflict-side-by-side');
  await click(d, byTestId('conflict-confirm'));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => s.includes(`学号 ${sno} 的冲突已处理`) && s.includes('宿舍') });
  await d.waitFor(byTestId('sync-conflicts'), { predicate: (s) => s.includes('没有冲突') });

  // The flagged list of the student's college, as the command line gives it.
  await click(d, '#tab-flagged');
  await d.waitFor(byTestId('flagged-count'));
  await click(d, byTestId('flagged-college'));
  await d.click(await d.waitFor('.el-select-dropdown__item', { predicate: (s) => s.trim() === college_name }));
  await d.waitFor(byTestId('flagged-count'), { predicate: (s) => s.includes(`共 ${flagged.length} 名学生`) });
  await d.waitFor(byTestId('flagged-table'), {
    content: true,
    predicate: (s) => flagged.every((f) => s.includes(f.student_no)),
  });
  await shot('34-flagged-list');
});

test('the command line sees the value taken, the conflict gone and the amendment audited', () => {
  const profile = JSON.parse(c(['student', 'show', sno, '--json'])).profile;
  assert.equal(profile.dorm, DORMS.find((dorm) => dorm !== inForce), 'the value that had lost is in force now');
  assert.deepEqual(JSON.parse(c(['bundle', 'conflicts', '--json'])), []);
  const audit = c(['audit', 'list']);
  assert.match(audit, /profile amended: dorm/);
  assert.match(audit, /sync conflict \d+ settled/);
});
