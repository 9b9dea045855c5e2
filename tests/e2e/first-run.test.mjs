// The first day: the window opens in Chinese asking for a passphrase; create the archive, confirm the
// recovery key, reach the main layout, lock, fail with a wrong passphrase, unlock, see the students.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, clearInput, input, makeSandbox, scanForMarkers, startApp } from './harness.mjs';

const PASSPHRASE = '春风十里-e2e-口令2026';

let sandbox;
let app;
let recoveryKey = '';

before(async () => {
  sandbox = makeSandbox('first-run');
  app = await startApp(sandbox);
});

after(async () => {
  await app?.close();
  sandbox?.remove();
});

test('first run, lock and unlock in the real window', async (t) => {
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('first-run-failure');
  });

  // The first screen is in Chinese and asks for a passphrase.
  const first = await d.waitFor(byTestId('first-run'));
  const firstText = await d.text(first);
  assert.match(firstText, /创建心档档案/);
  assert.match(firstText, /口令/);
  assert.equal(await d.execute('return document.documentElement.lang'), 'zh-CN');
  await shot('01-first-run');

  // The CSP is in force: no data: scripts, no eval, no network.
  const dataScript = await d.execute(`return new Promise((done) => {
    const s = document.createElement('script');
    s.src = 'data:text/javascript,window.__e2eRan = true';
    s.onload = () => done('ran');
    s.onerror = () => done('blocked');
    document.head.appendChild(s);
  })`);
  assert.equal(dataScript, 'blocked');
  assert.equal(await d.execute("try { eval('1'); return 'ran'; } catch { return 'blocked'; }"), 'blocked');
  assert.equal(await d.execute("return fetch('http://127.0.0.1:9/').then(() => 'ran', () => 'blocked')"), 'blocked');

  // By keyboard: type, then Enter submits the form.
  const pass = await d.waitFor(input('create-passphrase'));
  await d.type(pass, PASSPHRASE);
  await d.waitFor(byTestId('passphrase-strength'), { predicate: (s) => /口令强度：强/.test(s) });
  await d.type(await d.waitFor(input('create-confirm')), PASSPHRASE + Keys.ENTER);

  // The recovery key is shown once; the user proves they wrote it down.
  await d.waitFor(byTestId('recovery-key'), { timeout: 60_000 });
  const lines = await d.findAll(`${byTestId('recovery-key')} > div`);
  const key = (await Promise.all(lines.map((l) => d.text(l)))).map((l) => l.trim()).join('-');
  recoveryKey = key;
  assert.match(key, /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/);
  await shot('02-recovery-key');
  const confirm = await d.waitFor(byTestId('recovery-confirm-submit'));
  assert.equal(await d.enabled(confirm), false, 'cannot continue before retyping the last group');
  const groupInput = await d.waitFor(input('recovery-confirm-input'));
  await d.type(groupInput, 'XXXX');
  await d.waitFor('.el-form-item__error', { predicate: (s) => /不一致/.test(s) });
  assert.equal(await d.enabled(confirm), false);
  await clearInput(d, groupInput);
  await d.type(groupInput, key.split('-').pop().toLowerCase() + Keys.ENTER);

  // The main layout, with the left navigation in Chinese.
  const layout = await d.waitFor(byTestId('main-layout'));
  const layoutText = await d.text(layout);
  for (const label of ['工作台', '学生档案', '导入名单', '设置', '锁定']) assert.match(layoutText, new RegExp(label));
  assert.equal((await d.findAll(byTestId('recovery-key'))).length, 0, 'the recovery key is gone');
  // The first person is the archive's administrator, named on the first screen (管理员 unless changed).
  await d.waitFor(byTestId('current-person-name'), { predicate: (s) => s.includes('管理员') });
  await shot('03-dashboard');

  // Lock: back to the unlock screen, nothing of the archive left on screen.
  await d.click(await d.waitFor(byTestId('lock-button')));
  await d.waitFor(byTestId('unlock-screen'));
  assert.equal((await d.findAll(byTestId('main-layout'))).length, 0);

  // A wrong passphrase shows the Chinese error.
  await d.type(await d.waitFor(input('unlock-passphrase')), 'not-the-passphrase' + Keys.ENTER);
  const err = await d.waitFor(byTestId('unlock-error'), { timeout: 30_000 });
  assert.match(await d.text(err), /口令错误/);
  await shot('04-wrong-passphrase');

  // The right one opens it again; the student list screen is there.
  await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await d.click(await d.waitFor(byTestId('nav-students')));
  await d.waitFor(byTestId('students-page'));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => /共 0 名学生/.test(s) });
  await d.waitFor(byTestId('student-table'), { predicate: (s) => /暂无学生/.test(s) });
  await shot('05-students-empty');
});

test('nothing the test typed or was shown is readable in any file the app wrote', async () => {
  await app.close();
  app = undefined;
  assert.ok(recoveryKey, 'the walkthrough ran');
  const hits = scanForMarkers(sandbox.root, [PASSPHRASE, recoveryKey, recoveryKey.replaceAll('-', '')]);
  assert.deepEqual(hits, []);
});
