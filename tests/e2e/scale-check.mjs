// A manual check, not a spec (node --test does not pick it up): the app on a large archive, timing
// the dashboard, the student list, scrolling and search in the real window.
//
//   XINDANG_PASSPHRASE=… xindang --archive /tmp/big init
//   XINDANG_PASSPHRASE=… xindang --archive /tmp/big demo --students 30000 --seed 5
//   XINDANG_PASSPHRASE=… node tests/e2e/scale-check.mjs /tmp/big
import { Keys } from './webdriver.mjs';
import { byTestId, input, makeSandbox, startApp } from './harness.mjs';

const archive = process.argv[2];
const passphrase = process.env.XINDANG_PASSPHRASE;
if (!archive || !passphrase) throw new Error('usage: XINDANG_PASSPHRASE=… node tests/e2e/scale-check.mjs ARCHIVE_DIR');

const sandbox = { ...makeSandbox('scale'), archive };
const app = await startApp(sandbox);
const d = app.driver;
const timed = async (label, f) => {
  const t0 = Date.now();
  const out = await f();
  console.log(`${label}: ${Date.now() - t0} ms`);
  return out;
};
try {
  await d.type(await d.waitFor(input('unlock-passphrase')), passphrase + Keys.ENTER);
  await timed('unlock and dashboard', () => d.waitFor(byTestId('dashboard-counts'), { timeout: 300_000 }));
  for (const cmd of ['list_students', 'dashboard']) {
    const [ms, bytes] = await d.execute(
      `const t = performance.now(); return window.__TAURI_INTERNALS__.invoke('${cmd}').then((v) => [performance.now() - t, JSON.stringify(v).length])`,
    );
    console.log(`command ${cmd}: ${Math.round(ms)} ms, ${bytes} bytes of JSON`);
  }
  await d.click(await d.waitFor(byTestId('nav-students')));
  const count = await timed('student list page', () =>
    d.waitFor(byTestId('student-count'), { timeout: 300_000, predicate: (s) => /共 [1-9]\d* 名学生/.test(s) }),
  );
  console.log(await d.text(count));
  await timed('20 jumps through the virtual table', async () => {
    for (let i = 1; i <= 20; i += 1) {
      await d.execute(`const b = document.querySelector('.el-table-v2__body'); b.scrollTop = ${i * 60_000};`);
    }
  });
  console.log('rows in the page:', await d.execute("return document.querySelectorAll('.el-table-v2__row').length"));
  await d.type(await d.waitFor(input('student-search')), 'zs');
  await timed('search by initials', () => d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes('找到') }));
  await app.shot('scale-students');
} finally {
  await app.close();
  sandbox.remove();
}
