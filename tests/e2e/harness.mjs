// Starts the real app for a spec: a private Xvfb display, tauri-driver (which runs WebKitWebDriver,
// which runs the app) and a WebDriver session. Everything the app writes goes under one temp folder
// (its archive via XINDANG_ARCHIVE, and HOME / XDG folders), never a real archive. Processes are
// started in their own process groups and killed as groups, also when a spec fails or node exits.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ELEMENT, Keys, WebDriver } from './webdriver.mjs';

const ROOT = resolve(import.meta.dirname, '../..');
export const APP_BIN = process.env.XINDANG_APP_BIN ?? join(ROOT, 'target/debug/xindang-app');
export const CLI_BIN = process.env.XINDANG_CLI_BIN ?? join(ROOT, 'target/debug/xindang');
export const ARTIFACTS = process.env.XINDANG_E2E_ARTIFACTS ?? join(ROOT, 'target/e2e-artifacts');
const TAURI_DRIVER = process.env.TAURI_DRIVER ?? 'tauri-driver';

/** Key derivation tuned down for tests (the core's floor of 64 MiB still applies). */
export const KDF_MS = '0';

const groups = new Set();
function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}
process.on('exit', () => {
  for (const child of groups) killGroup(child, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(130));
}

function startGroup(command, args, env) {
  const child = spawn(command, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-8000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  child.exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  child.log = () => log;
  groups.add(child);
  return child;
}

async function stopGroup(child) {
  if (!groups.has(child)) return;
  groups.delete(child);
  killGroup(child, 'SIGTERM');
  const gone = await Promise.race([child.exited, new Promise((r) => setTimeout(() => r(null), 3000))]);
  if (!gone) killGroup(child, 'SIGKILL');
  // WebKitWebDriver or the app may linger in the group after their parent died.
  killGroup(child, 'SIGKILL');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function startXvfb() {
  for (let n = 90 + Math.floor(Math.random() * 100); n < 400; n += 1) {
    if (existsSync(`/tmp/.X${n}-lock`) || existsSync(`/tmp/.X11-unix/X${n}`)) continue;
    const xvfb = startGroup('Xvfb', [`:${n}`, '-screen', '0', '1280x800x24', '-nolisten', 'tcp', '-noreset'], process.env);
    for (let i = 0; i < 100; i += 1) {
      if (existsSync(`/tmp/.X11-unix/X${n}`)) return { xvfb, display: `:${n}` };
      if (xvfb.exitCode !== null) break;
      await sleep(50);
    }
    await stopGroup(xvfb);
  }
  throw new Error('could not start Xvfb on any display');
}

function freePort(from) {
  const tryPort = (port) =>
    new Promise((res) => {
      const srv = net.createServer();
      srv.once('error', () => res(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => res(true)));
    });
  return (async () => {
    for (let p = from; p < from + 200; p += 1) if (await tryPort(p)) return p;
    throw new Error(`no free port from ${from}`);
  })();
}

/**
 * A private D-Bus session bus with no service directories. Without one, GLib autolaunches a session
 * bus through X11 that outlives the test and activates desktop portals (which mount a FUSE folder
 * in XDG_RUNTIME_DIR); with it nothing can be activated and everything ends with the test.
 */
async function startDbus(sandbox) {
  const socket = join(sandbox.runtime, 'bus');
  const config = join(sandbox.root, 'dbus-session.conf');
  writeFileSync(
    config,
    `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${socket}</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
  );
  const dbus = startGroup('dbus-daemon', ['--nofork', '--nopidfile', `--config-file=${config}`], process.env);
  for (let i = 0; i < 100 && !existsSync(socket); i += 1) {
    if (dbus.exitCode !== null) break;
    await sleep(50);
  }
  if (!existsSync(socket)) {
    await stopGroup(dbus);
    throw new Error(`dbus-daemon did not start: ${dbus.log()}`);
  }
  return { dbus, address: `unix:path=${socket}` };
}

/** A fresh temp folder for one app (archive, home, XDG folders). */
export function makeSandbox(name) {
  const root = mkdtempSync(join(tmpdir(), `xindang-e2e-${name}-`));
  const dirs = {};
  for (const d of ['home', 'data', 'config', 'cache', 'runtime']) {
    dirs[d] = join(root, d);
    mkdirSync(dirs[d], { recursive: true, mode: 0o700 });
  }
  const remove = () => {
    try {
      rmSync(root, { recursive: true, force: true });
    } catch (e) {
      console.error(`could not remove ${root}: ${e.message}`);
    }
  };
  return { root, archive: join(root, 'archive'), ...dirs, remove };
}

/** Runs the command line `xindang` against an archive. */
export function cli(sandbox, args, env = {}) {
  const out = spawnSync(CLI_BIN, ['--archive', sandbox.archive, ...args], {
    env: { ...process.env, XINDANG_KDF_MS: KDF_MS, ...env },
    encoding: 'utf8',
    // The JSON of a 100,000-student archive is tens of MB (the default buffer is 1 MB, and a
    // larger answer is cut off with no status).
    maxBuffer: 512 * 1024 * 1024,
  });
  if (out.status !== 0) throw new Error(`xindang ${args.join(' ')} failed: ${out.stderr}`);
  return out.stdout;
}

/**
 * Opens the app on `sandbox` and returns `{ driver, shot, close, busAddress }`. `env` adds variables for the
 * app (they reach it through tauri-driver and WebKitWebDriver).
 */
export async function startApp(sandbox, env = {}) {
  if (!existsSync(APP_BIN)) throw new Error(`no app binary at ${APP_BIN}: run cargo xtask e2e`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const { xvfb, display } = await startXvfb();
  const { dbus, address } = await startDbus(sandbox).catch(async (e) => {
    await stopGroup(xvfb);
    throw e;
  });
  const port = await freePort(4444);
  const nativePort = await freePort(port + 1);
  const appEnv = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    DISPLAY: display,
    NO_AT_BRIDGE: '1',
    DBUS_SESSION_BUS_ADDRESS: address,
    GTK_A11Y: 'none',
    HOME: sandbox.home,
    XDG_DATA_HOME: sandbox.data,
    XDG_CONFIG_HOME: sandbox.config,
    XDG_CACHE_HOME: sandbox.cache,
    XDG_RUNTIME_DIR: sandbox.runtime,
    XINDANG_ARCHIVE: sandbox.archive,
    XINDANG_KDF_MS: KDF_MS,
    ...env,
  };
  const driverProc = startGroup(TAURI_DRIVER, ['--port', String(port), '--native-port', String(nativePort)], appEnv);
  const driver = new WebDriver(`http://127.0.0.1:${port}`);
  const close = async () => {
    try {
      await driver.deleteSession();
    } catch {
      // the app may already be gone
    }
    await stopGroup(driverProc);
    await stopGroup(dbus);
    await stopGroup(xvfb);
  };
  try {
    for (let i = 0; ; i += 1) {
      try {
        await driver.status();
        break;
      } catch (e) {
        if (driverProc.exitCode !== null || i > 100) throw new Error(`tauri-driver did not start: ${driverProc.log()}`, { cause: e });
        await sleep(100);
      }
    }
    await driver.newSession({ browserName: 'wry', 'tauri:options': { application: APP_BIN } });
  } catch (e) {
    const log = driverProc.log();
    await close();
    throw new Error(`${e.message}\n--- tauri-driver output ---\n${log}`, { cause: e });
  }
  const shot = async (name) => {
    try {
      // Text in characters not shown before waits for their font subset to load (font-display:
      // block, so a machine without CJK fonts never shows boxes), and WebKit keeps the last frame
      // until then: wait for the fonts, then let transitions (dialogs fading in, menus fading their
      // highlight over 0.3 s) and the next paint finish.
      await Promise.race([
        driver.execute('return document.fonts.ready.then(() => document.fonts.status)').catch(() => null),
        sleep(10_000),
      ]);
      await driver.settled();
      await sleep(150);
      writeFileSync(join(ARTIFACTS, `${name}.png`), await driver.screenshot());
    } catch (e) {
      console.error(`screenshot ${name} failed: ${e.message}`);
    }
  };
  // busAddress: the app's private D-Bus session bus, to send it desktop signals (screen lock).
  return { driver, shot, close, log: () => driverProc.log(), busAddress: address };
}

/**
 * Clicks `css` once it takes clicks. The client waits out transitions and retries a click an overlay
 * takes (webdriver.mjs); here a re-rendering (virtual) table replacing the element under the pointer
 * (a stale element) is found again.
 */
export async function click(d, css) {
  const deadline = Date.now() + 8000;
  for (;;) {
    try {
      await d.click(await d.waitFor(css));
      return;
    } catch (e) {
      if (!/stale|intercepted|not interactable/.test(e.message) || Date.now() > deadline) throw e;
      await sleep(100);
    }
  }
}

/** The visible options of the open Element Plus drop-down(s), and a click on the one with `text`. */
const PICK_SCRIPT = `
  const items = [...document.querySelectorAll('.el-select-dropdown__item')].filter((li) => li.offsetParent !== null);
  const item = items.find((li) => li.textContent.trim() === arguments[0]);
  if (item) item.click();
  return { clicked: !!item, shown: items.map((li) => li.textContent.trim()) };
`;

/**
 * Clicks the option with this text in the open Element Plus drop-down, once it has opened (and its
 * zoom-in transition ended). With `select` (the CSS of the select), opens it first, and opens it
 * again if the option does not show (a click on the select during a transition can be lost), then
 * checks the select shows the choice.
 */
export async function pickOption(d, text, select) {
  for (let attempt = 0; ; attempt += 1) {
    if (select) await click(d, select);
    const deadline = Date.now() + (select ? 3000 : 5000);
    let shown = [];
    for (;;) {
      await d.settled();
      const r = await d.execute(PICK_SCRIPT, [text]);
      shown = r.shown;
      if (r.clicked) {
        if (select) await chosen(d, select, text);
        return;
      }
      if (Date.now() > deadline) break;
      await sleep(100);
    }
    // Opened with other options: a real difference, not a timing one.
    if (!select || shown.length || attempt >= 2) {
      throw new Error(`no option ${JSON.stringify(text)} in the open drop-down (shown: ${JSON.stringify(shown)})`);
    }
  }
}

/** Waits until the select `css` shows `text` as its value. */
async function chosen(d, css, text) {
  const script = `const s = document.querySelector(arguments[0]);
    return s ? [s.textContent, ...[...s.querySelectorAll('input')].map((i) => i.value)].some((t) => t.includes(arguments[1])) : false;`;
  for (let i = 0; i < 30; i += 1) {
    if (await d.execute(script, [css, text])) return;
    await sleep(100);
  }
  throw new Error(`the select ${css} does not show ${JSON.stringify(text)} after picking it`);
}

/** Waits until no dialog overlay is shown (closing dialogs fade out and catch clicks meanwhile). */
export async function dialogsClosed(d) {
  for (let i = 0; i < 50; i += 1) {
    const open = await d.execute(
      "return [...document.querySelectorAll('.el-overlay')].some((o) => getComputedStyle(o).display !== 'none')",
    );
    if (!open) return;
    await sleep(100);
  }
  throw new Error('a dialog stayed open');
}

/** Waits until nothing matches `css` (a list re-renders after the command that changed it). */
export async function gone(d, css, timeout = 5000) {
  const until = Date.now() + timeout;
  for (;;) {
    const left = (await d.findAll(css)).length;
    if (left === 0) return;
    if (Date.now() > until) throw new Error(`${left} elements ${css} still shown after ${timeout} ms`);
    await sleep(100);
  }
}

/** The input inside an Element Plus component marked with `data-testid` (or the input itself). */
export function input(testid) {
  return `input[data-testid="${testid}"], [data-testid="${testid}"] input`;
}

export function byTestId(testid) {
  return `[data-testid="${testid}"]`;
}

const valueOf = (d, el) => d.execute('return arguments[0].value', [{ [ELEMENT]: el }]);

/**
 * Empties an input the way a user does (select all, delete), so the UI sees the change, and checks
 * it is empty (keys sent while a dialog fades in can be lost).
 */
export async function clearInput(driver, el) {
  for (let i = 0; ; i += 1) {
    await driver.click(el);
    await driver.type(el, `${Keys.CONTROL}a${Keys.NULL}${Keys.BACKSPACE}`);
    const left = await valueOf(driver, el);
    if (!left) return;
    if (i >= 3) throw new Error(`the field still holds ${JSON.stringify(left)} after clearing it`);
    await sleep(100);
  }
}

/**
 * Types `text` afresh into the input `css` (found again if the page re-rendered it): clears it,
 * types, checks the field holds exactly `text`, then sends `keys` (e.g. Enter and Escape to take a
 * date and close its panel).
 */
export async function fill(d, css, text, keys = '') {
  const deadline = Date.now() + 8000;
  for (;;) {
    try {
      const el = await d.waitFor(css);
      await clearInput(d, el);
      await d.type(el, text);
      const now = await valueOf(d, el);
      if (now === text) {
        if (keys) await d.type(el, keys);
        return;
      }
      if (Date.now() > deadline) throw new Error(`${css} holds ${JSON.stringify(now)}, not ${JSON.stringify(text)}`);
    } catch (e) {
      if (!/stale|intercepted|not interactable|still holds/.test(e.message) || Date.now() > deadline) throw e;
    }
    await sleep(100);
  }
}

/**
 * Every file under `root` that contains one of `markers` in UTF-8 or UTF-16 (either byte order):
 * what the test typed must never reach the disk in readable form (archive, webview data, caches).
 */
export function scanForMarkers(root, markers) {
  const needles = markers.flatMap((m) => {
    const le = Buffer.from(m, 'utf16le');
    const be = Buffer.from(le).swap16();
    return [
      { marker: m, encoding: 'utf-8', bytes: Buffer.from(m, 'utf8') },
      { marker: m, encoding: 'utf-16le', bytes: le },
      { marker: m, encoding: 'utf-16be', bytes: be },
    ];
  });
  const hits = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const st = lstatSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        const data = readFileSync(path);
        for (const n of needles) if (data.includes(n.bytes)) hits.push({ file: path, marker: n.marker, encoding: n.encoding });
      }
    }
  };
  walk(root);
  return hits;
}
