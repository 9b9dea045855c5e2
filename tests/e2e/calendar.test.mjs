// The calendar in the real window: an archive whose calendar ends in 30 days shows the dashboard's
// warning; its button opens 设置 › 校历, a form (no TOML); a semester added there and saved is in
// the policy the command line shows, the rest of the policy kept, and the warning is gone.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { byTestId, cli, fill, input, makeSandbox, startApp } from './harness.mjs';
import { Keys } from './webdriver.mjs';

const PASS = 'calendar-e2e-口令-2026';
const ENV = { XINDANG_PASSPHRASE: PASS };
const ESCAPE = '\uE00C';
let sandbox;

function day(offset) {
  const t = new Date(Date.now() + offset * 86_400_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

before(() => {
  sandbox = makeSandbox('calendar');
  cli(sandbox, ['init'], ENV);
  const policy = [
    '[school]',
    'name = "校历测试学院"',
    '',
    '[calendar]',
    '',
    '[[calendar.semesters]]',
    'name = "本学期"',
    `start = ${day(-60)}`,
    `end = ${day(30)}`,
    'screening_months = []',
    '',
    '[cadence]',
    'all_parent_contacts = 1',
    '',
    '[sources]',
    '"cadence.all_parent_contacts" = "local"',
    '',
  ].join('\n');
  const file = join(sandbox.home, 'calendar-policy.toml');
  writeFileSync(file, policy);
  cli(sandbox, ['policy', 'set', file], ENV);
});

after(() => sandbox?.remove());

test('the calendar warns before it ends and is extended in a form', async (t) => {
  const app = await startApp(sandbox);
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('calendar-failure');
    await app.close();
  });
  await d.type(await d.waitFor(input('unlock-passphrase')), PASS + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });

  await d.waitFor(byTestId('calendar-warning'), { predicate: (s) => s.includes(`校历将于 ${day(30)} 结束（还有 30 天）`) });
  await shot('calendar-warning');
  await d.click(await d.waitFor(byTestId('calendar-warning-open')));
  await d.waitFor(byTestId('calendar-card'));
  await d.waitFor('input[aria-label="名称 1"]');
  assert.equal(await d.execute(`return document.querySelector('input[aria-label="名称 1"]').value`), '本学期');

  // A blank row is refused in Chinese before anything is saved.
  await d.click(await d.waitFor(byTestId('calendar-add-semester')));
  await d.click(await d.waitFor(byTestId('calendar-save')));
  await d.waitFor(byTestId('calendar-error'), { predicate: (s) => s.includes('请填写名称') });

  await fill(d, 'input[aria-label="名称 2"]', '下学期', Keys.ENTER + ESCAPE);
  await fill(d, 'input[aria-label="开始日期 2"]', day(40), Keys.ENTER + ESCAPE);
  await fill(d, 'input[aria-label="结束日期 2"]', day(200), Keys.ENTER + ESCAPE);
  await d.click(await d.waitFor(byTestId('calendar-save')));
  await d.waitFor(byTestId('calendar-message'), { predicate: (s) => s.includes('校历已保存') });
  await shot('calendar-form');

  const shown = cli(sandbox, ['policy', 'show'], ENV);
  assert.ok(shown.includes('name = "下学期"'), shown);
  assert.ok(shown.includes(`end = ${day(200)}`), shown);
  assert.ok(shown.includes('name = "校历测试学院"') && shown.includes('all_parent_contacts = 1'), 'the rest of the policy is kept');

  await d.click(await d.waitFor(byTestId('nav-dashboard')));
  await d.waitFor(byTestId('dashboard-page'));
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal(await d.execute(`return document.querySelector('[data-testid="calendar-warning"]') === null`), true);
});
