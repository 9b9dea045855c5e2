// Several people on one archive (issue 18) in the real window. The command line makes the archive:
// two classes, two counselors (王老师 on 计科2501, 李老师 on 软件2502) and a leader (张书记). Each
// unlocks as themselves on the unlock screen and sees only what their keys open (the leader both
// classes); the header names who is unlocked and the record form's author is that person. The
// administrator adds a person, assigns them a class and removes them, and hands 王老师's class to
// 李老师 on the 人员与权限 page; 李老师 then resets a forgotten passphrase with the recovery key. The
// command line agrees: 李老师 opens both classes with the new passphrase, 王老师 none.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, click, cli, dialogsClosed, input, makeSandbox, pickOption, startApp } from './harness.mjs';

const ADMIN_PASS = 'e2e-管理员-口令-2026';
const PASS = {
  王老师: '王老师的口令-apple-7',
  李老师: '李老师的口令-river-9',
  张书记: '张书记的口令-hill-2026',
};
const NEW_PERSON = '赵老师';
/** The handover note 交接说明 for one of the students handed over. */
const NOTE = '该生近期情绪平稳，每两周约谈一次';
const NEW_PASS = '赵老师的口令-maple-3';
/** 李老师's passphrase after 忘记口令. */
const RESET_PASS = '李老师的新口令-lake-2027';
const A_CLASS = '计科2501';
const B_CLASS = '软件2502';
const A_STUDENTS = [
  ['2025010001', '欧阳娜娜'],
  ['2025010002', '上官婉儿'],
  ['2025010003', '诸葛明'],
];
const B_STUDENTS = [
  ['2025020001', '司马相如'],
  ['2025020002', '慕容雪'],
];

let sandbox;
let recoveryKey;

before(() => {
  sandbox = makeSandbox('people');
  const env = { XINDANG_PASSPHRASE: ADMIN_PASS };
  const rows = [
    ...A_STUDENTS.map(([no, name], i) => [no, name, '计算机学院', '计算机科学', A_CLASS, '2025', `1380000000${i}`]),
    ...B_STUDENTS.map(([no, name], i) => [no, name, '计算机学院', '软件工程', B_CLASS, '2025', `1390000000${i}`]),
  ];
  const roster = join(sandbox.root, 'roster.csv');
  writeFileSync(roster, ['学号,姓名,学院,专业,班级,年级,联系电话', ...rows.map((r) => r.join(','))].join('\n') + '\n');
  recoveryKey = cli(sandbox, ['init'], env).trim();
  assert.match(recoveryKey, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/);
  cli(sandbox, ['roster', 'import', roster], env);
  cli(sandbox, ['user', 'add', '王老师', '--role', 'counselor'], { ...env, XINDANG_NEW_PASSPHRASE: PASS.王老师 });
  cli(sandbox, ['user', 'add', '李老师', '--role', 'counselor'], { ...env, XINDANG_NEW_PASSPHRASE: PASS.李老师 });
  cli(sandbox, ['user', 'add', '张书记', '--role', 'leader'], { ...env, XINDANG_NEW_PASSPHRASE: PASS.张书记 });
  cli(sandbox, ['caseload', 'assign', '--user', '王老师', '--class', A_CLASS], env);
  cli(sandbox, ['caseload', 'assign', '--user', '李老师', '--class', B_CLASS], env);
});

after(() => sandbox?.remove());

/** The 学号 that `user` can open, by the command line. */
function listAs(user, pass) {
  const out = cli(sandbox, ['student', 'list', '--json'], { XINDANG_USER: user, XINDANG_PASSPHRASE: pass });
  return JSON.parse(out)
    .map((s) => s.student_no)
    .sort();
}

/** On the unlock screen: choose `name` (unless null: the founder is preselected) and type `pass`. */
async function unlockAs(d, name, pass) {
  await d.waitFor(byTestId('unlock-screen'));
  await d.waitFor(byTestId('unlock-user'));
  if (name) {
    await click(d, byTestId('unlock-user'));
    await click(d, byTestId(`unlock-user-${name}`));
    await dialogsClosed(d);
  }
  await d.type(await d.waitFor(input('unlock-passphrase')), pass + Keys.ENTER);
}

async function lock(d) {
  await click(d, byTestId('lock-button'));
  await d.waitFor(byTestId('unlock-screen'));
}

/** The student list shows exactly `expected` ([学号, 姓名] pairs) and none of `hidden`. */
async function seesOnly(d, expected, hidden) {
  await click(d, byTestId('nav-students'));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes(`共 ${expected.length} 名学生`) });
  const table = await d.waitFor(byTestId('student-table'), {
    content: true,
    predicate: (s) => expected.every(([no]) => s.includes(no)),
  });
  const text = await d.textContent(table);
  for (const [no, name] of hidden) {
    assert.ok(!text.includes(no) && !text.includes(name), `${name} must not be listed`);
  }
}

test('each person unlocks as themselves and sees their caseload; the administrator hands a class over', async (t) => {
  const app = await startApp(sandbox);
  t.after(() => app.close());
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('people-failure');
  });

  // The unlock screen asks who: the founding administrator is preselected.
  await d.waitFor(byTestId('unlock-user'), { predicate: (s) => s.includes('管理员') });
  await shot('people-1-unlock-who');

  // 王老师 with 李老师's passphrase is refused; with their own, only 计科2501.
  await unlockAs(d, '王老师', PASS.李老师);
  await d.waitFor(byTestId('unlock-error'), { timeout: 30_000, predicate: (s) => s.includes('口令错误') });
  await d.type(await d.waitFor(input('unlock-passphrase')), PASS.王老师 + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await d.waitFor(byTestId('current-person-name'), { predicate: (s) => s.includes('王老师') });
  await d.waitFor(byTestId('current-person-role'), { predicate: (s) => s.includes('辅导员') });
  await seesOnly(d, A_STUDENTS, B_STUDENTS);
  await shot('people-2-counselor-list');

  // The record form's author is the person unlocked, not typed.
  await click(d, byTestId(`open-${A_STUDENTS[0][0]}`));
  await d.waitFor(byTestId('file-title'), { predicate: (s) => s.includes(A_STUDENTS[0][1]) });
  await click(d, byTestId('add-record'));
  await d.waitFor(byTestId('record-form'));
  const author = await d.waitFor(input('record-author'));
  assert.equal(await d.execute('return document.querySelector(arguments[0]).value', [input('record-author')]), '王老师');
  assert.equal(await d.enabled(author), false, 'the author is not typed');
  await click(d, byTestId('record-cancel'));
  await dialogsClosed(d);

  // The leader: both classes.
  await lock(d);
  await unlockAs(d, '张书记', PASS.张书记);
  await d.waitFor(byTestId('current-person-role'), { timeout: 30_000, predicate: (s) => s.includes('学院负责人') });
  await seesOnly(d, [...A_STUDENTS, ...B_STUDENTS], []);

  // The administrator (preselected): the 人员与权限 page.
  await lock(d);
  await unlockAs(d, null, ADMIN_PASS);
  await d.waitFor(byTestId('current-person-role'), { timeout: 30_000, predicate: (s) => s.includes('管理员') });
  await click(d, byTestId('nav-people'));
  await d.waitFor(byTestId('people-table'), { content: true, predicate: (s) => s.includes('张书记') && s.includes('学院负责人') });
  await d.waitFor(byTestId('caseloads-王老师'), { predicate: (s) => s.includes(`${A_CLASS}（3 人）`) });
  await d.waitFor(byTestId('caseloads-李老师'), { predicate: (s) => s.includes(`${B_CLASS}（2 人）`) });
  await shot('people-3-page');

  // 添加人员: a counselor with their own passphrase.
  await click(d, byTestId('people-add'));
  await d.waitFor(byTestId('person-add-dialog'));
  await d.type(await d.waitFor(input('person-name')), NEW_PERSON);
  await d.type(await d.waitFor(input('person-passphrase')), NEW_PASS);
  await d.type(await d.waitFor(input('person-confirm')), NEW_PASS);
  await click(d, byTestId('person-add-submit'));
  await dialogsClosed(d);
  await d.waitFor(byTestId(`caseloads-${NEW_PERSON}`), { timeout: 30_000, predicate: (s) => s.includes('未分配') });

  // 分配负责范围: 李老师's class to the new person too.
  await click(d, byTestId(`assign-${NEW_PERSON}`));
  await d.waitFor(byTestId('assign-dialog'));
  await pickOption(d, B_CLASS, byTestId('assign-classes'));
  await click(d, byTestId('assign-submit'));
  await dialogsClosed(d);
  await d.waitFor(byTestId(`caseloads-${NEW_PERSON}`), { timeout: 30_000, predicate: (s) => s.includes(`${B_CLASS}（2 人）`) });

  // 移交: 王老师's class to 李老师, with the reason.
  await click(d, byTestId('transfer-王老师'));
  await d.waitFor(byTestId('transfer-dialog'));
  await pickOption(d, '李老师', byTestId('transfer-to'));
  await pickOption(d, A_CLASS, byTestId('transfer-class'));
  await d.type(await d.waitFor('textarea[data-testid="transfer-reason"], [data-testid="transfer-reason"] textarea'), '王老师调岗，计科2501 交由李老师负责');
  await click(d, byTestId('transfer-note-add'));
  await d.type(await d.waitFor(input('transfer-note-no-0')), A_STUDENTS[0][0]);
  await d.type(await d.waitFor(input('transfer-note-text-0')), NOTE);
  await shot('people-4-transfer');
  await click(d, byTestId('transfer-submit'));
  await dialogsClosed(d);
  await d.waitFor(byTestId('caseloads-李老师'), {
    timeout: 30_000,
    predicate: (s) => s.includes(`${A_CLASS}（3 人）`) && s.includes(`${B_CLASS}（2 人）`),
  });
  await d.waitFor(byTestId('caseloads-王老师'), { predicate: (s) => s.includes('未分配') && !s.includes(A_CLASS) });
  await shot('people-5-transferred');

  // 移除, confirmed: the new person is gone (their passphrase opens nothing any more).
  await click(d, byTestId(`remove-${NEW_PERSON}`));
  await d.waitFor(byTestId('remove-dialog'), { predicate: (s) => s.includes(NEW_PERSON) });
  await click(d, byTestId('remove-confirm'));
  await dialogsClosed(d);
  await d.waitFor(byTestId('people-table'), { content: true, predicate: (s) => s.includes('李老师') && !s.includes(NEW_PERSON) });
  await lock(d);

  // 忘记口令 for the person chosen: 李老师 gets a new passphrase with the recovery key, and opens
  // both classes now.
  await click(d, byTestId('unlock-user'));
  await click(d, byTestId('unlock-user-李老师'));
  await dialogsClosed(d);
  await click(d, byTestId('unlock-forgot'));
  await d.waitFor(byTestId('recover-user'), { predicate: (s) => s.includes('李老师') });
  await d.type(await d.waitFor(input('recover-key')), recoveryKey);
  await d.type(await d.waitFor(input('recover-passphrase')), RESET_PASS);
  await d.type(await d.waitFor(input('recover-confirm')), RESET_PASS);
  await click(d, byTestId('recover-submit'));
  await d.waitFor(byTestId('current-person-name'), { timeout: 30_000, predicate: (s) => s.includes('李老师') });
  await seesOnly(d, [...A_STUDENTS, ...B_STUDENTS], []);
  await lock(d);
  await app.close();

  // The command line agrees: the receiver opens both classes, the giver none; the removed person is gone.
  const all = [...A_STUDENTS, ...B_STUDENTS].map(([no]) => no).sort();
  assert.deepEqual(listAs('李老师', RESET_PASS), all);
  assert.throws(() => listAs('李老师', PASS.李老师), /wrong passphrase/, 'the forgotten passphrase is void');
  const file = cli(sandbox, ['student', 'show', A_STUDENTS[0][0], '--json'], { XINDANG_USER: '李老师', XINDANG_PASSPHRASE: RESET_PASS });
  assert.ok(file.includes(NOTE), 'the handover note went along into the file');
  assert.deepEqual(listAs('王老师', PASS.王老师), []);
  const people = JSON.parse(cli(sandbox, ['user', 'list', '--json'], { XINDANG_PASSPHRASE: ADMIN_PASS }));
  assert.deepEqual(
    people.map((p) => p.person.name),
    ['管理员', '王老师', '李老师', '张书记'],
  );
  const audit = cli(sandbox, ['audit', 'list', '--json'], { XINDANG_PASSPHRASE: ADMIN_PASS });
  assert.ok(audit.includes('王老师调岗'), 'the reason is in the audit log');
});
