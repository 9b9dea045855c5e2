// When the operating system locks the screen, the archive locks with it: unlock, show the student
// list, then send the app's own D-Bus session bus the screensaver's ActiveChanged(true) signal, as a
// desktop does on 锁屏. The window must return to the unlock screen with no student left in the page.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, cli, input, makeSandbox, startApp } from './harness.mjs';

const PASSPHRASE = 'e2e-锁屏-口令-2026';
const STUDENTS = 20;

let sandbox;
let students;

before(() => {
  sandbox = makeSandbox('screen-lock');
  const env = { XINDANG_PASSPHRASE: PASSPHRASE };
  cli(sandbox, ['init'], env);
  cli(sandbox, ['demo', '--students', String(STUDENTS), '--seed', '11'], env);
  students = JSON.parse(cli(sandbox, ['student', 'list', '--json'], env));
  assert.equal(students.length, STUDENTS);
});

after(() => sandbox?.remove());

/** Sends a signal on the app's session bus, as the desktop's screensaver would. */
function sendSignal(busAddress, member, ...args) {
  const out = spawnSync('dbus-send', ['--session', '--type=signal', '/', member, ...args], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: busAddress },
    encoding: 'utf8',
  });
  assert.equal(out.status, 0, `dbus-send failed: ${out.stderr}`);
}

test('locking the screen locks the archive and clears every screen', async (t) => {
  const app = await startApp(sandbox);
  t.after(() => app.close());
  const { driver: d, shot, busAddress } = app;
  t.after(async () => {
    if (t.passed === false) await shot('screen-lock-failure');
  });

  await d.waitFor(byTestId('unlock-screen'));
  await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await d.click(await d.waitFor(byTestId('nav-students')));
  const first = students[0];
  await d.waitFor(byTestId('student-table'), { content: true, predicate: (s) => s.includes(first.name) });

  // The screensaver turning off does not lock: only ActiveChanged(true) does.
  sendSignal(busAddress, 'org.freedesktop.ScreenSaver.ActiveChanged', 'boolean:false');
  // A round trip through the app after the signal, so a wrong lock would have happened by now.
  await d.execute('return new Promise((done) => setTimeout(done, 500))');
  assert.equal((await d.findAll(byTestId('students-page'))).length, 1, 'still unlocked after ActiveChanged(false)');

  sendSignal(busAddress, 'org.freedesktop.ScreenSaver.ActiveChanged', 'boolean:true');
  const notice = await d.waitFor(byTestId('screen-lock-notice'));
  assert.match(await d.text(notice), /锁屏/);
  assert.equal((await d.findAll(byTestId('unlock-screen'))).length, 1);
  assert.equal((await d.findAll(byTestId('main-layout'))).length, 0);
  const html = await d.execute('return document.documentElement.outerHTML');
  const shown = students.filter((s) => html.includes(s.name) || html.includes(s.student_no));
  assert.deepEqual(shown, [], 'no student is left in the page after the screen locked');
  await shot('09-screen-locked');

  // The keys are gone in Rust too, not only the screens: a command needing the session fails.
  const status = await d.execute("return window.__TAURI_INTERNALS__.invoke('archive_status')");
  assert.equal(status.unlocked, false);
});
