// The weekly review meeting 周研判 in the real window, on the demo archive: the agenda lists the
// key-concern students the command line lists, signing without reasons is refused in Chinese, one
// student is raised 升级 and another closed 销号 with reasons, attendees and minutes are filled and
// the meeting is signed; the student list then shows the new concern levels and the meeting is
// listed and opens read-only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { byTestId, click, clearInput, cli, input, makeSandbox, startApp } from './harness.mjs';
import { Keys } from './webdriver.mjs';

const PASS = 'review-e2e-口令-2026';
let sandbox;
let agenda;

before(() => {
  sandbox = makeSandbox('review');
  cli(sandbox, ['init'], { XINDANG_PASSPHRASE: PASS });
  cli(sandbox, ['demo', '--students', '300', '--seed', '1'], { XINDANG_PASSPHRASE: PASS });
  // What the meeting must show, from the command line on the same day.
  agenda = JSON.parse(cli(sandbox, ['review', 'agenda', '--json'], { XINDANG_PASSPHRASE: PASS }));
  assert.ok(agenda.items.length >= 2, 'the demo has key-concern students to review');
});

after(() => sandbox?.remove());

const LEVEL_ZH = { general: '一般关注', key: '重点关注', special: '特别关注' };

test('a weekly review is decided, signed, feeds the concern levels and stays read-only', async (t) => {
  const app = await startApp(sandbox);
  const { driver: d, shot } = app;
  t.after(async () => {
    if (t.passed === false) await shot('review-failure');
    await app.close();
  });
  await d.type(await d.waitFor(input('unlock-passphrase')), PASS + Keys.ENTER);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });

  await click(d, byTestId('nav-review'));
  const n = agenda.items.length;
  await d.waitFor(byTestId('review-agenda'), { predicate: (s) => s.includes(`研判议程（${n} 名学生）`) });
  for (const it of agenda.items) {
    const row = await d.waitFor(byTestId(`review-row-${it.student_no}`), { content: true });
    const text = await d.textContent(row);
    assert.ok(text.includes(it.student_name), `${it.student_no}: name`);
    assert.ok(text.includes(LEVEL_ZH[it.level]), `${it.student_no}: level`);
    for (const c of it.changes) assert.ok(text.includes(c), `${it.student_no}: change ${c}`);
  }
  await shot('30-review-agenda');

  // Signing with no reasons is refused, in Chinese, and nothing is signed.
  await click(d, byTestId('review-sign'));
  await d.waitFor(byTestId('review-error'), { predicate: (s) => s.includes(`请为每名学生填写研判理由（尚缺 ${n} 名）`) });
  assert.equal((await d.findAll(byTestId('review-meeting-view'))).length, 0);

  // One student raised (one level up), another closed 销号.
  const raised = agenda.items.find((i) => i.level !== 'special') ?? assert.fail('a student below 特别关注');
  const closed = agenda.items.find((i) => i.student_no !== raised.student_no);
  const up = raised.level === 'general' ? 'key' : 'special';
  await click(d, byTestId(`decision-${raised.student_no}-raise`));
  await d.waitFor(byTestId(`level-${raised.student_no}`), { predicate: (s) => s.includes(LEVEL_ZH[up]) });
  await d.type(await d.waitFor(input(`reason-${raised.student_no}`)), '本周出现失眠和情绪低落，升级关注');
  await click(d, byTestId(`decision-${closed.student_no}-close`));
  await d.type(await d.waitFor(input(`reason-${closed.student_no}`)), '复查正常，家长确认，予以销号');
  // Every other student kept, with one reason for all.
  await d.type(await d.waitFor(input('review-bulk')), '情况稳定，维持关注');
  await click(d, byTestId('review-bulk-apply'));
  await d.waitFor(`${byTestId('review-page')}`, { predicate: (s) => s.includes(`已为 ${n - 2} 名学生填写理由`) });

  // Attendees and minutes are required too.
  await click(d, byTestId('review-sign'));
  await d.waitFor(byTestId('review-error'), { predicate: (s) => s.includes('请填写参会人员') });
  await d.type(await d.waitFor(input('review-attendees')), '王老师、李老师、心理中心张老师');
  await d.type(await d.waitFor('textarea[data-testid="review-minutes"], [data-testid="review-minutes"] textarea'), '逐一研判本周重点关注学生。');
  await d.type(await d.waitFor(input('review-signed-by')), '王老师');
  await click(d, byTestId('review-sign'));
  await click(d, byTestId('review-confirm-ok'));

  // Signed: the read-only meeting.
  const view = await d.waitFor(byTestId('review-meeting-view'), { timeout: 30_000 });
  assert.equal((await d.findAll(`${byTestId('review-meeting-view')} input, ${byTestId('review-meeting-view')} textarea`)).length, 0, 'nothing to edit');
  await d.waitFor(byTestId(`review-view-decision-${raised.student_no}`), { predicate: (s) => s === '升级' });
  await d.waitFor(byTestId(`review-view-decision-${closed.student_no}`), { predicate: (s) => s === '销号' });
  await d.waitFor(byTestId('review-view-attendees'), { predicate: (s) => s.includes('心理中心张老师') });
  assert.ok(await d.displayed(await d.waitFor(byTestId('review-print'))));
  assert.ok((await d.text(view)).includes('重点关注学生周研判会议记录'));
  await shot('31-review-signed');

  // The student list shows the decisions.
  await click(d, byTestId('nav-students'));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes('共 300 名学生') });
  const search = await d.waitFor(input('student-search'));
  await d.type(search, raised.student_no);
  await d.waitFor(byTestId('student-table'), { content: true, predicate: (s) => s.includes(raised.student_name) && s.includes(LEVEL_ZH[up]) });
  await clearInput(d, search);
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes('共 300 名学生') });
  await d.type(search, closed.student_no);
  const closedRow = await d.waitFor(byTestId('student-table'), { content: true, predicate: (s) => s.includes(closed.student_name) && !s.includes(raised.student_name) });
  const text = await d.textContent(closedRow);
  assert.ok(!Object.values(LEVEL_ZH).some((l) => text.includes(l)), `closed 销号: no concern level left (${text})`);
  await shot('32-students-after-review');

  // Back on 周研判: today's meeting is signed, so it opens read-only; the list holds it.
  await click(d, byTestId('nav-review'));
  await d.waitFor(byTestId('review-meeting-view'));
  await click(d, byTestId('review-back'));
  await click(d, byTestId(`open-meeting-${agenda.date}`));
  await d.waitFor(byTestId('review-view-date'), { predicate: (s) => s.includes(agenda.date) });
  assert.equal((await d.findAll(byTestId('review-sign'))).length, 0, 'no sign-off on a signed day');
});
