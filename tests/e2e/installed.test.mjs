// The installed package: `dpkg -i` the .deb that `cargo xtask test` made (XINDANG_DEB), check what
// it put on the system (the command line on PATH, the desktop entry in Chinese, the icons), then
// start the INSTALLED app under Xvfb through WebDriver and unlock a demo archive made by the
// installed command line. It installs into /usr, so it runs only as root in CI (CI=true, a fresh
// machine); anywhere else it is skipped with the reason printed. Afterwards the package is purged
// again unless it was installed before.
//
// Then, installed or not: an archive written by a newer version is refused in Chinese at unlock,
// and its file is left as it was.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

const DEB = process.env.XINDANG_DEB;

function run(command, args, options = {}) {
  const out = spawnSync(command, args, { encoding: 'utf8', ...options });
  if (out.error) throw new Error(`${command} ${args.join(' ')}: ${out.error.message}`);
  return out;
}

function ok(command, args, options) {
  const out = run(command, args, options);
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${out.status}): ${out.stderr}${out.stdout}`);
  return out.stdout;
}

function skipReason() {
  if (!DEB) return 'no package to install: XINDANG_DEB names the .deb (`CI=true cargo xtask test` makes one and sets it)';
  if (!existsSync(DEB)) return `XINDANG_DEB names no file: ${DEB}`;
  if (process.platform !== 'linux') return 'a .deb installs on Linux only';
  if (process.getuid() !== 0) return 'installing a .deb needs root; run as root in CI';
  if (!process.env.CI) return 'installs into /usr, so only in CI (CI=true on a fresh machine), never on a developer machine';
  return null;
}

const skip = skipReason();
if (skip) console.log(`installed package test SKIPPED: ${skip}`);

// What the package holds, read without installing it: the app binary's path decides which binary
// the harness starts, so it is set before the harness is loaded.
let pkg = null;
if (!skip) {
  const name = ok('dpkg-deb', ['--field', DEB, 'Package']).trim();
  const files = ok('dpkg-deb', ['-c', DEB])
    .split('\n')
    // `dpkg-deb -c` lists `usr/bin/x` or `./usr/bin/x`: made absolute, as installed.
    .map((l) => l.trim().split(/\s+/).pop()?.replace(/^\.?\/?/, '/'))
    .filter((f) => f && f !== '/' && !f.endsWith('/'));
  const bins = files.filter((f) => /^\/usr\/bin\/[^/]+$/.test(f));
  const app = bins.find((f) => f !== '/usr/bin/xindang');
  assert.ok(bins.includes('/usr/bin/xindang'), `the command line in /usr/bin: ${bins}`);
  assert.ok(app, `the app in /usr/bin: ${bins}`);
  pkg = { name, files, app, wasInstalled: isInstalled(name) };
  process.env.XINDANG_APP_BIN = app;
  process.env.XINDANG_CLI_BIN = '/usr/bin/xindang';
}
const { byTestId, cli, input, makeSandbox, startApp } = await import('./harness.mjs');
const { Keys } = await import('./webdriver.mjs');

function isInstalled(name) {
  return run('dpkg-query', ['-W', '-f=${Status}', name]).stdout.trim() === 'install ok installed';
}

after(() => {
  if (pkg?.installed && !pkg.wasInstalled) {
    const out = run('dpkg', ['--purge', pkg.name]);
    if (out.status !== 0) console.error(`could not purge ${pkg.name}: ${out.stderr}`);
  }
});

const PASSPHRASE = 'e2e-安装-口令-2026';
const STUDENTS = 60;

async function submitPassphrase(d) {
  await d.waitFor(byTestId('unlock-screen'));
  await d.type(await d.waitFor(input('unlock-passphrase')), PASSPHRASE + Keys.ENTER);
}

test('the .deb installs with dpkg and the installed app unlocks a demo archive', { skip: skip ?? false }, async (t) => {
  // dpkg does not fetch Depends; apt-get -f installs them and finishes the configuration.
  const installed = run('dpkg', ['-i', DEB]);
  if (installed.status !== 0) {
    ok('apt-get', ['-f', 'install', '-y', '-q', '--no-install-recommends'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  pkg.installed = true;
  assert.ok(isInstalled(pkg.name), `${pkg.name} is installed`);

  // The command line is on PATH.
  const which = ok('sh', ['-c', 'command -v xindang']).trim();
  assert.equal(which, '/usr/bin/xindang');
  assert.match(ok('xindang', ['--version']), /xindang \d+\.\d+\.\d+/);
  assert.ok(existsSync(pkg.app), `${pkg.app} exists`);

  // The desktop entry: Chinese name, categories, and the installed app as its command.
  const desktop = pkg.files.filter((f) => f.startsWith('/usr/share/applications/') && f.endsWith('.desktop'));
  assert.equal(desktop.length, 1, `one desktop entry: ${desktop}`);
  const entry = readFileSync(desktop[0], 'utf8');
  assert.match(entry, /^Name\[zh_CN\]=心档$/m);
  assert.match(entry, /^Name=XinDang$/m);
  assert.match(entry, /^Categories=Office;Education;$/m);
  const exec = entry.match(/^Exec=(\S+)/m)?.[1];
  assert.ok(exec && (exec === pkg.app || `/usr/bin/${exec}` === pkg.app), `Exec= runs the app: ${exec}`);
  const icon = entry.match(/^Icon=(.+)$/m)?.[1];
  const icons = pkg.files.filter((f) => f.startsWith('/usr/share/icons/hicolor/') && f.endsWith(`/apps/${icon}.png`));
  assert.ok(icons.length >= 3, `hicolor icons named ${icon}: ${icons}`);
  for (const f of icons) assert.ok(existsSync(f), f);

  // A demo archive made by the installed command line, opened by the installed app.
  const sandbox = makeSandbox('installed');
  const env = { XINDANG_PASSPHRASE: PASSPHRASE };
  cli(sandbox, ['init'], env);
  cli(sandbox, ['demo', '--students', String(STUDENTS), '--seed', '3'], env);
  const app = await startApp(sandbox).catch((e) => {
    sandbox.remove();
    throw e;
  });
  const { driver: d, shot } = app;
  // The app is closed before its folder is removed: it writes there until it exits.
  t.after(async () => {
    if (t.passed === false) await shot('installed-failure');
    await app.close();
    sandbox.remove();
  });
  await submitPassphrase(d);
  await d.waitFor(byTestId('main-layout'), { timeout: 30_000 });
  await d.click(await d.waitFor(byTestId('nav-students')));
  await d.waitFor(byTestId('student-count'), { predicate: (s) => s.includes(`共 ${STUDENTS} 名学生`) });
  await shot('installed-students');
});

test('an archive written by a newer version is refused in Chinese and left as it was', async (t) => {
  const sandbox = makeSandbox('newer');
  cli(sandbox, ['init'], { XINDANG_PASSPHRASE: PASSPHRASE });
  // What a newer build's migration leaves: a schema version this build does not know.
  const db = join(sandbox.archive, 'archive.db');
  ok('sqlite3', [db, 'PRAGMA user_version = 1000;']);
  const before = readFileSync(db);

  const app = await startApp(sandbox).catch((e) => {
    sandbox.remove();
    throw e;
  });
  const { driver: d, shot } = app;
  t.after(async () => {
    await app.close();
    sandbox.remove();
  });
  await submitPassphrase(d);
  const error = await d.waitFor(byTestId('unlock-error'), { timeout: 30_000 });
  assert.equal((await d.text(error)).trim(), '档案由更新版本的心档创建，请先升级本软件。');
  assert.equal((await d.findAll(byTestId('main-layout'))).length, 0, 'still locked');
  await shot('newer-archive-refused');
  assert.ok(readFileSync(db).equals(before), 'the archive file is unchanged');
  assert.equal(ok('sqlite3', [db, 'PRAGMA user_version;']).trim(), '1000');
});
