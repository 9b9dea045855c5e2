// The reports page 报表 and the four-level network page 四级网络 in the real window, on a demo
// archive made by the command line. What the screens show is compared with what the command line
// says of the same archive (`report monthly --json`, `network check --json`), never with constants.
// Native dialogs are answered through XINDANG_E2E_DIALOG (debug builds only).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Keys } from './webdriver.mjs';
import { byTestId, clearInput, cli, input, makeSandbox, startApp } from './harness.mjs';
import { unzip } from './xlsx.mjs';

const PASSPHRASE = 'e2e-报表-口令-2026';

let sandbox;
let app;
let script;
let reference; // the command line's monthly report of today
let check; // the command line's network check

before(async () => {
  sandbox = makeSandbox('reports');
  script = join(sandbox.root, 'dialog-answers');
  const env = { XINDANG_PASSPHRASE: PASSPHRASE };
  cli(sandbox, ['init'], env);
  cli(sandbox, ['demo', '--students', '300', '--seed', '1'], env);
  reference = JSON.parse(cli(sandbox, ['report', 'monthly', '--out', join(sandbox.root, 'cli-report.xlsx'), '--json'], env));
  check = JSON.parse(cli(sandbox, ['network', 'check', '--json'], env));
  app = await startApp(sandbox, { XINDANG_E2E_DIALOG: script });
  const d = app.driver;
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

function onFailure(t, name) {
  t.after(async () => {
    if (t.passed === false) await app?.shot(`${name}-failure`);
  });
}

/** The bars of a chart as [label, figure] pairs, read from the page. */
async function bars(d, chart) {
  return d.execute(
    `return [...document.querySelectorAll('[data-testid="' + arguments[0] + '"] [data-testid="bar"]')].map((b) => [
       b.querySelector('.bar-label').textContent.trim(),
       b.querySelector('[data-testid="bar-value"]').textContent.trim(),
     ]);`,
    [chart],
  );
}

/** A stored zip with one entry's text replaced (enough to break one cell of a workbook). */
function rezip(files, name, edit) {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc32 = (buf) => {
    let c = 0xffffffff;
    for (const b of buf) c = table[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const locals = [];
  const central = [];
  let offset = 0;
  for (const [entry, data0] of files) {
    const data = entry === name ? Buffer.from(edit(data0.toString('utf8')), 'utf8') : data0;
    const fname = Buffer.from(entry, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fname.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(0x0800, 8);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(data.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(fname.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, fname, data);
    central.push(dir, fname);
    offset += 30 + fname.length + data.length;
  }
  const size = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.size, 8);
  end.writeUInt16LE(files.size, 10);
  end.writeUInt32LE(size, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...central, end]);
}

test('reports: the monthly report shows the archive figures, charts them and exports .xlsx', async (t) => {
  onFailure(t, 'reports');
  const { driver: d, shot } = app;
  await d.click(await d.waitFor(byTestId('nav-reports')));
  await d.waitFor(byTestId('report-title'), { predicate: (s) => s === reference.title });
  assert.equal(await d.text(await d.waitFor(byTestId('fig-students'))), String(reference.students));
  assert.equal(await d.text(await d.waitFor(byTestId('fig-key-concern'))), String(reference.key_concern));
  const talks = reference.talks_by_category.reduce((n, c) => n + c.count, 0);
  assert.ok(talks > 0, 'the demo has talks this month');
  assert.equal(await d.text(await d.waitFor(byTestId('fig-talks'))), String(talks));

  // Each bar is the command line's figure for its category / rule.
  assert.deepEqual(
    await bars(d, 'chart-talks'),
    reference.talks_by_category.map((c) => [c.label, String(c.count)]),
  );
  assert.deepEqual(
    await bars(d, 'chart-obligations'),
    reference.obligations.map((r) => [r.label, `${r.on_time}/${r.total}`]),
  );
  // Charts are images with a name, their figures in a table for screen readers.
  const a11y = await d.execute(`
    const imgs = [...document.querySelectorAll('[data-testid="report"] [role="img"]')];
    const hidden = [...document.querySelectorAll('[data-testid="report"] table.visually-hidden tbody tr')];
    return [imgs.length, imgs.every((e) => (e.getAttribute('aria-label') || '').length > 0), hidden.length,
            document.querySelectorAll('[data-testid="concern-chart"] g title').length];`);
  assert.equal(a11y[0], 3, 'three charts');
  assert.ok(a11y[1], 'every chart has an accessible name');
  assert.equal(
    a11y[2],
    reference.talks_by_category.length + reference.obligations.length + reference.concern_over_time.length,
  );
  assert.equal(a11y[3], reference.concern_over_time.length, 'one titled column per day');
  await d.waitFor(byTestId('report-concern-list'), { content: true, predicate: (s) => s.includes(reference.concern_list[0].student_no) });

  // Printing hides the menu, the header and the controls.
  const hidesMenu = await d.execute(`
    for (const sheet of document.styleSheets) {
      for (const rule of sheet.cssRules) {
        if (rule instanceof CSSMediaRule && rule.conditionText === 'print') {
          for (const r of rule.cssRules) {
            if (r.selectorText && r.selectorText.includes('.aside') && r.selectorText.includes('.no-print') && r.style.display === 'none') return true;
          }
        }
      }
    }
    return false;`);
  assert.ok(hidesMenu, 'a print stylesheet hides the menu');
  // 打印 notes the printout in the audit log, then asks the webview to print (stubbed: a print
  // dialog cannot be answered through WebDriver).
  await d.execute('window.print = () => { window.__printed = (window.__printed || 0) + 1; };');
  await d.click(await d.waitFor(byTestId('report-print')));
  for (let i = 0; i < 50 && !(await d.execute('return window.__printed === 1')); i += 1) await new Promise((r) => setTimeout(r, 100));
  assert.equal(await d.execute('return window.__printed'), 1, 'printed once');
  await shot('30-reports');

  // Export: cancelled writes nothing; then the file chosen gets the workbook.
  const ready = `${byTestId('report-export')}:not(.is-loading)`;
  answer('');
  await d.click(await d.waitFor(ready));
  const out = join(sandbox.root, '月报.xlsx');
  // The cancelled export is over when its answer was taken and the button is ready again.
  for (let i = 0; existsSync(script) && i < 100; i += 1) await new Promise((r) => setTimeout(r, 100));
  await d.waitFor(ready);
  assert.equal(await d.execute("return document.querySelector('[data-testid=\"report-exported\"]') === null"), true, 'nothing exported');
  answer(out);
  await d.click(await d.waitFor(ready));
  await d.waitFor(byTestId('report-exported'), { predicate: (s) => s.includes('已导出：月报.xlsx') });
  assert.ok(existsSync(out));
  assert.equal(readFileSync(out).subarray(0, 2).toString('latin1'), 'PK');
  const files = unzip(out);
  assert.match(files.get('xl/workbook.xml').toString('utf8'), /name="谈话分类"/);
  const strings = files.get('xl/sharedStrings.xml').toString('utf8');
  assert.ok(strings.includes('学生心理健康工作月报'), 'the Chinese title is in the workbook');
  for (const c of reference.talks_by_category) assert.ok(strings.includes(`<t>${c.label}</t>`), c.label);

  // A semester report for a day outside the policy's calendar: the Chinese message, no crash.
  await d.click(await d.waitFor(byTestId('report-kind-semester')));
  const day = await d.waitFor('input#report-day');
  await clearInput(d, day);
  await d.type(day, `1999-01-01${Keys.ENTER}`);
  await d.waitFor(byTestId('report-error'), { predicate: (s) => /输入内容不符合要求/.test(s) });
});

test('network: the check, ratios and coverage, the grid exported, a broken one refused, imported back', async (t) => {
  onFailure(t, 'network');
  const { driver: d, shot } = app;
  await d.click(await d.waitFor(byTestId('nav-network')));
  assert.equal(check.ok, false, 'the demo network has findings');
  await d.waitFor(byTestId('network-findings'), { predicate: (s) => s === `发现 ${check.issues.length} 个问题：` });
  const first = check.issues[0];
  await d.waitFor(byTestId('network-issues'), { content: true, predicate: (s) => s.includes(first.detail) && s.includes(first.subject) });
  const ratio = `${check.counselors} : ${check.backbones} : ${check.dorm_heads}`;
  assert.equal(await d.text(await d.waitFor(byTestId('network-ratio'))), ratio);
  assert.equal(await d.text(await d.waitFor(byTestId('network-covered'))), `${check.covered} / ${check.students}`);
  const people = check.counselors + check.backbones + check.dorm_heads;
  await d.waitFor(byTestId('network-people'), { predicate: (s) => s.includes(`网络成员（${people} 人）`) });
  await shot('31-network');

  // Export the grid table.
  const grid = join(sandbox.root, '网格管理表.xlsx');
  answer(grid);
  await d.click(await d.waitFor(byTestId('grid-export')));
  await d.waitFor(byTestId('grid-done'), { predicate: (s) => s.includes('已导出：网格管理表.xlsx') });
  assert.equal(readFileSync(grid).subarray(0, 2).toString('latin1'), 'PK');

  // The same table with the counselors' role misspelt (班长 is no role of the network): refused at row 2,
  // column 角色, network kept.
  const broken = join(sandbox.root, '网格管理表-有误.xlsx');
  writeFileSync(broken, rezip(unzip(grid), 'xl/sharedStrings.xml', (x) => x.replace('<t>辅导员</t>', '<t>班长</t>')));
  answer(broken);
  await d.click(await d.waitFor(byTestId('grid-import')));
  await d.waitFor(byTestId('grid-refused'), {
    predicate: (s) => s.includes('网格管理表-有误.xlsx 未导入') && s.includes('工作表“网格管理表”第 2 行“角色”列：请填写“辅导员”“班主任”“心理委员”或“寝室长”'),
  });
  assert.equal(await d.text(await d.waitFor(byTestId('network-ratio'))), ratio);
  await shot('32-network-refused');

  // The exported table imported back: the same network, checked again.
  answer(grid);
  await d.click(await d.waitFor(byTestId('grid-import')));
  await d.waitFor(byTestId('grid-done'), { predicate: (s) => s.includes(`已导入 网格管理表.xlsx：网络共 ${people} 人，已重新核查。`) });
  await d.waitFor(byTestId('network-findings'), { predicate: (s) => s === `发现 ${check.issues.length} 个问题：` });
  assert.equal(await d.text(await d.waitFor(byTestId('network-ratio'))), ratio);
});

// The command line reads the archive only once the app has closed it (one writer at a time).
test('afterwards: the round trip kept the network; printing and exports are in the audit log', async () => {
  await app.close();
  app = null;
  const env = { XINDANG_PASSPHRASE: PASSPHRASE };
  assert.deepEqual(JSON.parse(cli(sandbox, ['network', 'check', '--json'], env)), check, 'the same network');
  const audit = cli(sandbox, ['audit', 'list'], env);
  assert.match(audit, /Export\t-\tprint report Monthly/);
  assert.match(audit, /Export\t-\treport Monthly/);
  assert.match(audit, /Export\t-\tgrid table/);
});
