// The administrative screens in the real window: roster import (a damaged file, then a real .xls
// with a broken row shown with its Chinese reason), the audit log verified, profiles exchanged and
// a sync bundle sent to a counseling center run by the command line (receipt back), and a
// passphrase change followed by lock and unlock. Native dialogs are answered through
// XINDANG_E2E_DIALOG (debug builds only): each line of that file answers one dialog.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, clearInput, cli, dialogsClosed, gone, input, makeSandbox, scanForMarkers, startApp } from './harness.mjs';

const PASSPHRASE = 'e2e-admin-口令-2026';
const NEW_PASSPHRASE = '新的口令-e2e-秋月2026';
const CENTER_PASSPHRASE = 'e2e-center-口令-2026';
const ROSTER = resolve(import.meta.dirname, '../fixtures/roster/roster_2025.xls');
// Names in the fixture roster: they must never be readable in a file the app or the bundles wrote.
const MARKERS = ['刘洋', '黄丽', '陈建国', 'Ali Hassan', NEW_PASSPHRASE];

let sandbox;
let center;
let app;
let script;

before(async () => {
  sandbox = makeSandbox('admin');
  center = { archive: join(sandbox.root, 'center') };
  script = join(sandbox.root, 'dialog-answers');
  cli(sandbox, ['init'], { XINDANG_PASSPHRASE: PASSPHRASE });
  cli(center, ['init', '--center'], { XINDANG_PASSPHRASE: CENTER_PASSPHRASE });
  app = await startApp(sandbox, { XINDANG_E2E_DIALOG: script });
  const d = app.driver;
  await d.waitFor(byTestId('unlock-screen'));
  await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
});

after(async () => {
  await app?.close();
  sandbox?.remove();
});

/** The paths the next native dialogs will "choose", one per dialog. */
function answer(...paths) {
  writeFileSync(script, paths.join('\n'));
}

const centerCli = (args) => cli(center, args, { XINDANG_PASSPHRASE: CENTER_PASSPHRASE });

function onFailure(t, name) {
  t.after(async () => {
    if (t.passed === false) await app.shot(`${name}-failure`);
  });
}

test('roster import: a damaged file, then a broken row with its Chinese reason', async (t) => {
  onFailure(t, 'admin-roster');
  const { driver: d, shot } = app;
  await d.click(await d.waitFor(byTestId('nav-import')));
  await d.waitFor(byTestId('import-page'));

  // A file with no header row: a Chinese message, nothing imported.
  const broken = join(sandbox.root, '坏名单.csv');
  writeFileSync(broken, 'hello,world\n1,2\n');
  answer(broken);
  await d.click(await d.waitFor(byTestId('roster-choose')));
  await d.waitFor(byTestId('roster-error'), { predicate: (s) => /没有找到表头/.test(s) });

  // The real .xls: header found in row 3, three students, row 6 refused for its impossible date.
  answer(ROSTER);
  await d.click(await d.waitFor(byTestId('roster-choose')));
  await d.waitFor(byTestId('roster-summary'), { predicate: (s) => /可导入 3 名学生，1 行有错误/.test(s) });
  assert.match(await d.text(await d.waitFor(byTestId('roster-info'))), /表头在第 3 行/);
  // Row 6 of the sheet, its reason in Chinese.
  await d.waitFor(byTestId('roster-errors'), {
    content: true,
    predicate: (s) => /行号.*\b6\b日期格式不正确或日期不存在/.test(s),
  });
  await d.waitFor(byTestId('roster-mapping'), { content: true, predicate: (s) => /学号\*/.test(s) });
  await d.waitFor(byTestId('roster-preview'), { content: true, predicate: (s) => s.includes('黄丽') });
  await shot('20-roster-preview');

  await d.click(await d.waitFor(byTestId('roster-import')));
  await d.waitFor(byTestId('roster-result-text'), { predicate: (s) => /新增 3 人/.test(s) && /跳过错误行 1 行/.test(s) });
  await shot('21-roster-imported');
});

test('audit log: the import is listed and the chain verifies', async (t) => {
  onFailure(t, 'admin-audit');
  const { driver: d, shot } = app;
  await d.click(await d.waitFor(byTestId('nav-audit')));
  await d.waitFor(byTestId('audit-table'), { content: true, predicate: (s) => /导入/.test(s) && /解锁/.test(s) });
  await d.click(await d.waitFor(byTestId('audit-verify')));
  await d.waitFor(byTestId('audit-verify-result'), { predicate: (s) => /校验通过：全部 \d+ 条日志完整/.test(s) });
  await shot('22-audit-verified');
});

test('obligations: listed by status and exported to .xlsx', async (t) => {
  onFailure(t, 'admin-obligations');
  const { driver: d, shot } = app;
  await d.click(await d.waitFor(byTestId('nav-obligations')));
  await d.waitFor(byTestId('obligations-page'));
  await d.waitFor(byTestId('obligation-status'), { predicate: (s) => /已逾期 \d+/.test(s) && /待办 \d+/.test(s) });
  await shot('23-obligations');
  const out = join(sandbox.root, 'obligations.xlsx');
  answer(out);
  await d.click(await d.waitFor(byTestId('obligation-export')));
  const msg = await d.waitFor(byTestId('obligation-exported'), { predicate: (s) => /已导出 \d+ 条事项：obligations\.xlsx/.test(s) });
  assert.ok(msg);
  assert.equal(readFileSync(out).subarray(0, 2).toString('latin1'), 'PK', 'an .xlsx (zip) file');
  rmSync(out); // it holds student names in the clear, as an export must; the scan below is for the app's own files
});

test('sync: profiles exchanged with fingerprints, a bundle to the center, its receipt back', async (t) => {
  onFailure(t, 'admin-sync');
  const { driver: d, shot } = app;
  const centerProfile = join(sandbox.root, 'center.json');
  const centerFingerprint = centerCli(['profile', 'export', '--out', centerProfile]).trim();

  // The dialog plugin serves Rust only: the webview cannot open a dialog (or learn a path) itself.
  // (The isolation hook drops the call, so its promise never settles: wait two seconds.)
  const direct = await d.execute(`return Promise.race([
    window.__TAURI_INTERNALS__.invoke('plugin:dialog|open', { options: {} }).then(() => 'opened', () => 'refused'),
    new Promise((r) => setTimeout(() => r('dropped'), 2000)),
  ])`);
  assert.notEqual(direct, 'opened');

  await d.click(await d.waitFor(byTestId('nav-sync')));
  const siteName = (await d.text(await d.waitFor(byTestId('sync-site-name')))).trim();
  assert.match(siteName, /^college-/);

  // Import the center's profile: the fingerprint is shown to compare by phone before trusting.
  answer(centerProfile);
  await d.click(await d.waitFor(byTestId('sync-import-profile')));
  const shown = await d.waitFor(byTestId('sync-compare-fingerprint'));
  assert.equal((await d.text(shown)).trim(), centerFingerprint);
  await shot('24-sync-compare-fingerprint');
  await d.click(await d.waitFor(byTestId('sync-compare-ok')));
  await dialogsClosed(d);
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /已信任站点“center”/.test(s) });
  await d.waitFor(byTestId('sync-peers'), { content: true, predicate: (s) => s.includes(centerFingerprint) });

  // Export ours; the center trusts it.
  const collegeProfile = join(sandbox.root, 'college.json');
  answer(collegeProfile);
  await d.click(await d.waitFor(byTestId('sync-export-profile')));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /公钥文件已保存：college\.json/.test(s) });
  const collegeFingerprint = (await d.text(await d.waitFor(byTestId('sync-site-fingerprint')))).trim();
  assert.equal(centerCli(['profile', 'import', collegeProfile]).trim(), collegeFingerprint);

  // A sync bundle for the center, imported there by the command line with a receipt.
  await d.click(await d.waitFor('#tab-sync'));
  const bundle = join(sandbox.root, 'to-center.age');
  answer(bundle);
  await d.click(await d.waitFor(byTestId('sync-export-bundle')));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /数据包已保存：to-center\.age。包含 3 名学生/.test(s) });
  const receipt = join(sandbox.root, 'receipt.age');
  const report = JSON.parse(centerCli(['bundle', 'import', bundle, '--receipt-out', receipt, '--json']));
  assert.equal(report.students_added, 3);
  assert.equal(report.sender, siteName);
  await shot('25-sync-exported');

  // The receipt back in the app.
  answer(receipt);
  await d.click(await d.waitFor(byTestId('sync-import-receipt')));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /已导入“center”的回执/.test(s) });

  // The same bundle imported into the app itself is refused with a Chinese reason (it was addressed
  // to the center), and nothing changes.
  answer(bundle);
  await d.click(await d.waitFor(byTestId('sync-import-bundle')));
  await d.waitFor(byTestId('sync-error'), { predicate: (s) => /不是发给本单位的/.test(s) });

  // The center's answer: a results bundle imported by the app, whose receipt is saved for the center.
  const results = join(sandbox.root, 'from-center.age');
  centerCli(['bundle', 'export', '--to', siteName, '--out', results]);
  const back = join(sandbox.root, 'receipt-for-center.age');
  answer(results, back);
  await d.click(await d.waitFor(byTestId('sync-import-bundle')));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /已导入来自“center”的数据包/.test(s) && /回执已保存/.test(s) });
  await shot('26-sync-imported');
  centerCli(['receipt', 'import', back]);
});

test("handover: one student's file to the center, retired here when the receipt comes back", async (t) => {
  onFailure(t, 'admin-handover');
  const { driver: d, shot } = app;
  await d.click(await d.waitFor(byTestId('nav-sync')));
  await d.click(await d.waitFor('#tab-handover'));
  // A filterable select: its text input shows once the select has the focus. On a busy machine
  // the first keys can arrive before the select is open and be lost: then start again.
  const picked = async () => (await d.text(await d.waitFor(byTestId('sync-page')))).includes('已选 1 名学生');
  for (let attempt = 0; attempt < 4 && !(await picked()); attempt += 1) {
    await d.click(await d.waitFor(byTestId('handover-students')));
    const pick = await d.waitFor(`${byTestId('handover-students')} input`);
    await clearInput(d, pick);
    await d.type(pick, '2025030104');
    // The option list re-renders as the remote filter runs; click until the choice is taken.
    for (let i = 0; i < 5 && !(await picked()); i += 1) {
      const item = await d
        .waitFor('.el-select-dropdown__item', { timeout: 5_000, predicate: (s) => s.includes('2025030104') })
        .catch(() => null);
      if (!item) break;
      await d.click(item).catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  // Close the drop-down by clicking outside it, as a user does.
  await d.click(await d.waitFor(byTestId('page-title')));
  await d.waitFor(byTestId('sync-page'), { predicate: (s) => /已选 1 名学生/.test(s) });
  await dialogsClosed(d);

  const handover = join(sandbox.root, 'handover.age');
  answer(handover);
  await d.click(await d.waitFor(byTestId('handover-export')));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /移交数据包已保存：handover\.age，共 1 名学生/.test(s) });
  await shot('27-handover-exported');

  const receipt = join(sandbox.root, 'handover-receipt.age');
  centerCli(['bundle', 'import', handover, '--receipt-out', receipt]);
  await d.click(await d.waitFor('#tab-sync'));
  answer(receipt);
  await d.click(await d.waitFor(byTestId('sync-import-receipt')));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /归档移交的档案 1 份/.test(s) });

  await d.click(await d.waitFor(byTestId('nav-students')));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => /共 2 名学生/.test(s) });
});

test('passphrase handover: a generated passphrase for another university, its receipt retires the file', async (t) => {
  onFailure(t, 'admin-passphrase-handover');
  const { driver: d, shot } = app;
  await d.click(await d.waitFor(byTestId('nav-sync')));
  await d.click(await d.waitFor('#tab-handover'));
  await d.click(await d.waitFor(byTestId('handover-mode-passphrase')));
  // A passphrase is generated and offered: six groups of four digits, easy to read out by phone.
  let pass = '';
  for (let i = 0; i < 50 && !/^\d{4}(-\d{4}){5}$/.test(pass); i += 1) {
    pass = await d.execute(`return document.querySelector('#handover-passphrase')?.value ?? ''`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(pass, /^\d{4}(-\d{4}){5}$/);
  // Beside it, this site's fingerprint, for the other side to compare by phone.
  const hint = await d.text(await d.waitFor(byTestId('handover-passphrase-hint'), { predicate: (s) => s.includes('电话') }));
  const ours = hint.match(/[A-Z2-7]{4}(?:-[A-Z2-7]{4}){3}/)?.[0];
  assert.ok(ours, `our fingerprint is shown beside the passphrase: ${hint}`);
  await d.type(await d.waitFor('#handover-institution'), '某大学心理健康教育中心');

  const picked = async () => (await d.text(await d.waitFor(byTestId('sync-page')))).includes('已选 1 名学生');
  for (let attempt = 0; attempt < 4 && !(await picked()); attempt += 1) {
    await d.click(await d.waitFor(byTestId('handover-students')));
    const pick = await d.waitFor(`${byTestId('handover-students')} input`);
    await clearInput(d, pick);
    await d.type(pick, '2025030101');
    for (let i = 0; i < 5 && !(await picked()); i += 1) {
      const item = await d
        .waitFor('.el-select-dropdown__item', { timeout: 5_000, predicate: (s) => s.includes('2025030101') })
        .catch(() => null);
      if (!item) break;
      await d.click(item).catch(() => {});
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  await d.click(await d.waitFor(byTestId('page-title')));
  await dialogsClosed(d);
  await shot('28-handover-passphrase');
  const handover = join(sandbox.root, 'to-university.age');
  answer(handover);
  await d.click(await d.waitFor(byTestId('handover-export')));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /移交数据包已保存：to-university\.age，共 1 名学生.*已用交接口令加密/.test(s) });

  // The university runs XinDang without any profile from us: the passphrase and our fingerprint
  // (read out by phone) import it, and its receipt is encrypted to the same passphrase.
  const uni = { archive: join(sandbox.root, 'university') };
  const uniEnv = { XINDANG_PASSPHRASE: CENTER_PASSPHRASE, XINDANG_BUNDLE_PASSPHRASE: pass };
  cli(uni, ['init'], uniEnv);
  const uniFingerprint = cli(uni, ['profile', 'export', '--out', join(sandbox.root, 'uni.json'), '--name', '某大学心理健康教育中心'], uniEnv).trim();
  const receipt = join(sandbox.root, 'from-university.age');
  const report = JSON.parse(
    cli(uni, ['bundle', 'import', handover, '--fingerprint', ours, '--receipt-out', receipt, '--json'], uniEnv),
  );
  assert.equal(report.students_added, 1);

  // Its receipt back in the app: a wrong passphrase is refused in Chinese; the right one shows who
  // signed it; confirmed, the file handed over is retired here.
  await d.click(await d.waitFor('#tab-sync'));
  answer(receipt);
  await d.click(await d.waitFor(byTestId('sync-import-passphrase')));
  const box = await d.waitFor('#passphrase-input');
  await d.type(box, '0000-0000-0000-0000-0000-0001' + Keys.ENTER);
  await d.waitFor(byTestId('passphrase-error'), { predicate: (s) => s.includes('交接口令不正确') });
  await clearInput(d, box);
  await d.type(box, pass);
  await d.click(await d.waitFor(byTestId('passphrase-check')));
  await d.waitFor(byTestId('passphrase-fingerprint'), { timeout: 30_000, predicate: (s) => s.trim() === uniFingerprint });
  await d.waitFor(byTestId('passphrase-kind'), { predicate: (s) => s.includes('回执') });
  await shot('29-passphrase-receipt-check');
  await d.click(await d.waitFor(byTestId('passphrase-confirm')));
  await dialogsClosed(d);
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => /已导入“某大学心理健康教育中心”的回执：归档移交的档案 1 份/.test(s) });
  await d.click(await d.waitFor(byTestId('nav-students')));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => /共 1 名学生/.test(s) });
});

test('passphrase change: the wrong old one is refused, the new one unlocks', async (t) => {
  onFailure(t, 'admin-passphrase');
  const { driver: d, shot } = app;
  await d.click(await d.waitFor(byTestId('nav-settings')));
  await d.click(await d.waitFor('#tab-passphrase'));

  await d.type(await d.waitFor(input('pp-old')), 'not-the-old-passphrase');
  await d.type(await d.waitFor(input('pp-new')), NEW_PASSPHRASE);
  await d.waitFor(byTestId('pp-strength'), { predicate: (s) => /强/.test(s) });
  await d.type(await d.waitFor(input('pp-confirm')), NEW_PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('pp-error'), { timeout: 30_000, predicate: (s) => /口令错误/.test(s) });

  const old = await d.waitFor(input('pp-old'));
  await clearInput(d, old);
  await d.type(old, PASSPHRASE);
  await d.click(await d.waitFor(byTestId('pp-submit')));
  await d.waitFor(byTestId('pp-done'), { timeout: 30_000 });
  await shot('28-passphrase-changed');

  // The rules file: a broken edit names its line and field and is not saved.
  await d.click(await d.waitFor('#tab-policy'));
  for (let i = 0; i < 100; i += 1) {
    // The policy in force arrives after the tab opens; edit it only then.
    if (await d.execute(`return document.querySelector('textarea[data-testid="policy-text"]').value.includes('[school]')`)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const editor = await d.waitFor('textarea[data-testid="policy-text"]');
  await clearInput(d, editor);
  await d.type(editor, ['[school]', 'name = "测试学院"', 'bogus_key = 1', ''].join(Keys.ENTER));
  await d.click(await d.waitFor(byTestId('policy-save')));
  await d.waitFor(byTestId('policy-problem'), { predicate: (s) => /第 3 行，字段“[^”]*bogus_key[^”]*”有误/.test(s) && /仍使用上一次有效的规则/.test(s) });
  await shot('29-policy-error');
  await d.click(await d.waitFor(byTestId('policy-reload')));
  await d.click(await d.waitFor(byTestId('policy-check')));
  await d.waitFor(byTestId('policy-message'), { predicate: (s) => /规则检查通过/.test(s) });

  await d.click(await d.waitFor(byTestId('lock-button')));
  await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('unlock-error'), { timeout: 30_000, predicate: (s) => /口令错误/.test(s) });
  await d.type(await d.waitFor(input('unlock-passphrase')), NEW_PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
});

test('nothing of the roster or the new passphrase is readable in any file written', async () => {
  await app.close();
  app = undefined;
  assert.deepEqual(scanForMarkers(sandbox.root, MARKERS), []);
});

test("the center's overview by college, in the app on the center's archive", async (t) => {
  const centerApp = await startApp(sandbox, { XINDANG_ARCHIVE: center.archive });
  t.after(() => centerApp.close());
  const { driver: d, shot } = centerApp;
  t.after(async () => {
    if (t.passed === false) await shot('admin-center-failure');
  });
  await d.waitFor(byTestId('unlock-screen'));
  await d.type(await d.waitFor(input('unlock-passphrase')), CENTER_PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await d.click(await d.waitFor(byTestId('nav-sync')));
  assert.equal((await d.text(await d.waitFor(byTestId('sync-site-name')))).trim(), 'center');
  await d.click(await d.waitFor('#tab-overview'));
  await d.waitFor(byTestId('sync-overview'), { content: true, predicate: (s) => s.includes('外国语学院33') });
  await shot('30-center-overview');
});

test('a college that restored an old copy of its archive raises the audit alarm at the center', async (t) => {
  // College 乙 syncs twice, then restores a backup taken between the two: its next bundle shows an
  // audit log shorter than the center saw before. Done with the command line; seen in the app.
  const college = { archive: join(sandbox.root, 'college-b') };
  const env = { XINDANG_PASSPHRASE: 'e2e-乙学院-口令-2026' };
  const b = (args) => cli(college, args, env);
  b(['init']);
  b(['demo', '--students', '5', '--seed', '3']);
  const bProfile = join(sandbox.root, 'college-b.json');
  b(['profile', 'export', '--out', bProfile, '--name', '乙学院']);
  centerCli(['profile', 'import', bProfile]);
  const cProfile = join(sandbox.root, 'center-again.json');
  centerCli(['profile', 'export', '--out', cProfile]);
  b(['profile', 'import', cProfile]);
  const send = (name) => {
    const file = join(sandbox.root, name);
    b(['bundle', 'export', '--to', 'center', '--out', file]);
    return file;
  };
  centerCli(['bundle', 'import', send('b1.age')]);
  const backup = join(sandbox.root, 'college-b-backup');
  cpSync(college.archive, backup, { recursive: true });
  const [first] = JSON.parse(b(['student', 'list', '--json']));
  const now = new Date();
  const today = [now.getFullYear(), now.getMonth() + 1, now.getDate()].map((n) => String(n).padStart(2, '0')).join('-');
  for (let i = 0; i < 8; i += 1) {
    b(['talk', 'add', '--student', first.student_no, '--category', 'other', '--date', today, '--text', `第${i + 1}次约谈`]);
  }
  centerCli(['bundle', 'import', send('b2.age')]);
  assert.deepEqual(JSON.parse(centerCli(['bundle', 'alarms', '--json'])), []);
  rmSync(college.archive, { recursive: true });
  cpSync(backup, college.archive, { recursive: true });
  // The restored copy numbers its next bundle as the one the center already has: refused as stale.
  assert.throws(() => centerCli(['bundle', 'import', send('b2-again.age')]));
  centerCli(['bundle', 'import', send('b3.age')]);
  const [alarm] = JSON.parse(centerCli(['bundle', 'alarms', '--json']));
  assert.equal(alarm?.site, '乙学院');
  assert.ok(alarm.shorter && alarm.got_seq < alarm.seen_seq, JSON.stringify(alarm));

  const centerApp = await startApp(sandbox, { XINDANG_ARCHIVE: center.archive });
  t.after(() => centerApp.close());
  const { driver: d, shot } = centerApp;
  t.after(async () => {
    if (t.passed === false) await shot('admin-alarm-failure');
  });
  await d.type(await d.waitFor(input('unlock-passphrase')), CENTER_PASSPHRASE + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await d.click(await d.waitFor(byTestId('nav-sync')));
  await d.waitFor(byTestId('sync-alarm'), {
    predicate: (s) => s.includes('乙学院') && s.includes(`已有 ${alarm.seen_seq} 条，这次只有 ${alarm.got_seq} 条`),
  });
  await d.waitFor(byTestId('page-title'), { predicate: (s) => s.includes('同步与移交') });
  await new Promise((r) => setTimeout(r, 500)); // the page settles before the picture
  await shot('31-audit-alarm');
  await d.click(await d.waitFor(byTestId('sync-alarm-settle')));
  await d.waitFor(byTestId('sync-message'), { predicate: (s) => s.includes('已解除“乙学院”的审计警报') });
  await gone(d, byTestId('sync-alarm'));
});
