// The network's work in the real window, on a demo archive made by the command line: an open
// monthly dorm visit 走访宿舍 of a counselor, taken from `obligations --json`, is recorded from the
// 待办 list (记录 opens the network page's form prefilled) and the command line then says it is done;
// a dorm-head meeting duty is waived 免除 with its reason (a reason is required) and the command
// line says it is waived with that reason. Refusals are shown in Chinese: a date after today, and a
// dorm head holding a backbone meeting. The app and the command line never write the archive at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { byTestId, click, clearInput, cli, fill, input, makeSandbox, startApp } from './harness.mjs';
import { Keys } from './webdriver.mjs';

const PASS = 'network-work-e2e-口令-2026';
const ENV = { XINDANG_PASSPHRASE: PASS };
let sandbox;
let visit; // an open monthly dorm visit of a counselor
let meeting; // an open dorm-head meeting of a backbone, to waive
let dormHead; // a dorm head of the network
let counselor;
let recorded; // how many activities the demo had already recorded

before(() => {
  sandbox = makeSandbox('network-work');
  cli(sandbox, ['init'], ENV);
  cli(sandbox, ['demo', '--students', '300', '--seed', '1'], ENV);
  // No seed's preset has both monthly dorm visits (000) and dorm-head meetings (003): the test
  // policy with every rule does.
  const everyRule = new URL('../fixtures/policy/every-rule.toml', import.meta.url).pathname;
  cli(sandbox, ['policy', 'set', everyRule], ENV);
  const net = JSON.parse(cli(sandbox, ['network', 'show'], ENV));
  // One person's duties at a time: the whole archive's list is larger than a pipe's buffer.
  const duties = (p) => JSON.parse(cli(sandbox, ['obligations', '--open', '--person', p.id, '--json'], ENV));
  for (const c of net.people.filter((p) => p.role === 'counselor')) {
    const visits = duties(c).filter((o) => o.rule === 'dorm-visits.monthly');
    visit = visits.find((o) => o.status === 'due') ?? visits[0];
    if (visit) break;
  }
  for (const b of net.people.filter((p) => p.role === 'backbone')) {
    const meetings = duties(b).filter((o) => o.rule === 'dorm-head-meeting');
    meeting = meetings.find((o) => o.status === 'overdue') ?? meetings[0];
    if (meeting) break;
  }
  dormHead = net.people.find((p) => p.role === 'dorm_head');
  recorded = JSON.parse(cli(sandbox, ['network', 'activities'], ENV)).length;
  counselor = net.people.find((p) => p.id === visit?.person);
  assert.ok(visit && meeting && dormHead && counselor, 'the demo archive has open network duties and a dorm head');
});

after(() => sandbox?.remove());

const ESCAPE = '\uE00C';
const key = (o) => `${o.rule}|${o.person}|${o.subject}|${o.due}`;

/** Lists the 待办 matching `text` (学号/工号, name, dorm). */
async function searchDuties(d, text) {
  await click(d, byTestId('nav-obligations'));
  const box = await d.waitFor(input('obligation-search'));
  await clearInput(d, box);
  await d.type(box, text + Keys.ENTER);
}

function tomorrow() {
  const t = new Date(Date.now() + 86_400_000);
  const pad = (n) => String(n).padStart(2, '0');
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())}`;
}

test('a dorm visit is recorded from the to-do list, a duty is waived, refusals are in Chinese', async (t) => {
  const app = await startApp(sandbox);
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('network-work-failure');
    await app.close();
  });
  await d.type(await d.waitFor(input('unlock-passphrase')), PASS + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });

  // 记录 on the visit's row opens the form with the kind, the counselor and the dorm filled in.
  await searchDuties(d, visit.subject);
  await click(d, `[data-testid="duty-record"][data-duty="${key(visit)}"]`);
  await d.waitFor(byTestId('activity-prefilled'));
  await d.waitFor(byTestId('activity-person'), { predicate: (s) => s.includes(counselor.name) });
  await d.waitFor(byTestId('activity-dorm'), { predicate: (s) => s.includes(visit.subject) });

  // A day after today is refused in Chinese and nothing is recorded.
  await d.waitFor('#activity-date');
  const prefilledDate = await d.execute(`return document.querySelector('#activity-date').value`);
  assert.match(prefilledDate, /^\d{4}-\d{2}-\d{2}$/);
  await fill(d, '#activity-date', tomorrow(), Keys.ENTER + ESCAPE);
  await click(d, byTestId('activity-save'));
  await d.waitFor(byTestId('activity-error'), { predicate: (s) => s.includes('日期不能晚于今天') });
  await d.waitFor(byTestId('activity-list'), { predicate: (s) => s.includes(`已记录的网络工作（${recorded} 条）`) });

  await fill(d, '#activity-date', prefilledDate, Keys.ENTER + ESCAPE);
  await click(d, byTestId('activity-save'));
  await d.waitFor(byTestId('activity-saved'), { predicate: (s) => s.includes('走访宿舍') });
  const list = await d.waitFor(byTestId('activity-list'), {
    predicate: (s) => s.includes(`已记录的网络工作（${recorded + 1} 条）`),
  });
  const listed = await d.textContent(list);
  assert.ok(listed.includes(visit.subject) && listed.includes(counselor.name), 'the visit is listed with its dorm and counselor');

  // A dorm head cannot hold a backbone meeting: the refusal says so in Chinese.
  await d.execute(`location.hash = '#/network?kind=backbone_meeting&person=' + encodeURIComponent(arguments[0]);`, [dormHead.id]);
  await d.waitFor(byTestId('activity-prefilled'));
  await click(d, byTestId('activity-save'));
  await d.waitFor(byTestId('activity-error'), { predicate: (s) => s.includes('只有辅导员可以召开骨干例会') });
  await d.waitFor(byTestId('activity-list'), { predicate: (s) => s.includes(`已记录的网络工作（${recorded + 1} 条）`) });

  // 免除 needs a reason; with one, the duty is waived.
  await searchDuties(d, meeting.person);
  await click(d, `[data-testid="duty-waive"][data-duty="${key(meeting)}"]`);
  await d.waitFor(byTestId('waive-dialog'), { predicate: (s) => s.includes(meeting.label) });
  await click(d, byTestId('waive-confirm'));
  await d.waitFor('[data-testid="waive-dialog"] .el-form-item__error', { predicate: (s) => s.includes('请填写免除理由') });
  await d.type(await d.waitFor('#waive-reason'), '该心理委员本周外出实习，改由辅导员直接联系寝室长');
  await click(d, byTestId('waive-confirm'));
  await d.waitFor(byTestId('obligation-waived'), { predicate: (s) => s.includes(meeting.label) });
  for (let i = 0; ; i += 1) {
    // A busy page can fail one script call ("could not parse script result"): ask again.
    const shown = await d
      .execute(
        `return [...document.querySelectorAll('[data-testid="waive-dialog"]')].some((e) => e.offsetParent !== null);`,
      )
      .catch(() => true);
    if (!shown) break;
    assert.ok(i < 50, 'the dialog closes once the duty is waived');
    await new Promise((r) => setTimeout(r, 100));
  }
  await shot('network-work-waived');
});

test('the command line sees the visit done and the meeting waived', () => {
  // Runs after the app of the test above is closed.
  const of = (p) => JSON.parse(cli(sandbox, ['obligations', '--person', p, '--json'], ENV));
  const find = (o) => of(o.person).find((x) => key(x) === key(o));
  const v = find(visit);
  assert.equal(v?.status, 'done', 'the recorded visit fulfils the duty');
  assert.ok(v.fulfilled_by, 'with the activity that did');
  const m = find(meeting);
  assert.equal(m?.status, 'waived');
  assert.equal(m.waived_reason, '该心理委员本周外出实习，改由辅导员直接联系寝室长');
  const acts = JSON.parse(cli(sandbox, ['network', 'activities'], ENV));
  assert.equal(acts.length, recorded + 1, 'the visit was stored and the refused ones were not');
  const fulfilled = acts.find((a) => a.id === v.fulfilled_by);
  assert.equal(fulfilled?.dorm, visit.subject, 'the activity that fulfils the duty is the visit to that dorm');
});
