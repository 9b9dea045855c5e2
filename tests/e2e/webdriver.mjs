// A tiny W3C WebDriver client over fetch: just what the specs use, nothing to install.
export const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export const Keys = { NULL: '\uE000', BACKSPACE: '\uE003', TAB: '\uE004', ENTER: '\uE007', CONTROL: '\uE009' };

/** WebDriver errors of an element caught mid-transition, worth another try. */
const RETRY = /intercepted|not interactable/;

/**
 * True while the page is in transition (see `settled`). Vue adds `<name>-enter-from`,
 * `-enter-active`, `-leave-active`, `-leave-to` for the length of every <Transition>, Element Plus's
 * included; the animations check catches what runs without those classes (an overlay's CSS
 * animation, a button's hover transition).
 */
const SETTLED_SCRIPT = `
  if (document.querySelector('[class*="-enter-active"], [class*="-leave-active"], [class*="-enter-from"], [class*="-leave-to"]')) return true;
  if (!document.getAnimations) return false;
  return document.getAnimations().some((a) => a.playState === 'running' && a.effect && a.effect.getComputedTiming().iterations !== Infinity);
`;

export class WebDriverError extends Error {
  constructor(method, path, status, value) {
    super(`${method} ${path} -> ${status} ${value?.error ?? ''}: ${value?.message ?? JSON.stringify(value)}`);
    this.error = value?.error;
  }
}

export class WebDriver {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
    this.sessionId = null;
  }

  async #call(method, path, body) {
    const res = await fetch(this.baseUrl + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(120_000),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new WebDriverError(method, path, res.status, json.value);
    return json.value;
  }

  #s(path = '') {
    if (!this.sessionId) throw new Error('no WebDriver session');
    return `/session/${this.sessionId}${path}`;
  }

  async status() {
    return this.#call('GET', '/status');
  }

  async newSession(capabilities) {
    const value = await this.#call('POST', '/session', { capabilities: { alwaysMatch: capabilities } });
    this.sessionId = value.sessionId;
    return value;
  }

  async deleteSession() {
    if (!this.sessionId) return;
    const path = this.#s();
    this.sessionId = null;
    await this.#call('DELETE', path);
  }

  /** Elements matching a CSS selector (possibly none). */
  async findAll(css) {
    const found = await this.#call('POST', this.#s('/elements'), { using: 'css selector', value: css });
    return found.map((e) => e[ELEMENT]);
  }

  async text(el) {
    return this.#call('GET', this.#s(`/element/${el}/text`));
  }

  /** The DOM text of an element, including what WebKit's visible-text rules leave out (ellipsis cells). */
  async textContent(el) {
    return this.execute('return arguments[0].textContent', [{ [ELEMENT]: el }]);
  }

  async displayed(el) {
    return this.#call('GET', this.#s(`/element/${el}/displayed`));
  }

  async enabled(el) {
    return this.#call('GET', this.#s(`/element/${el}/enabled`));
  }

  /**
   * Waits (at most `timeout` ms) until no Vue / Element Plus transition runs: no element carries a
   * transition class (`el-zoom-in-top-enter-active`, `el-fade-in-linear-leave-active`,
   * `dialog-fade-enter-active`, ...) and no finite CSS animation or transition is running (an
   * overlay fading, a drop-down zooming; endless ones such as loading spinners are not waited for).
   * A dialog fading in or a drop-down still opening takes clicks and keys meanwhile. Returns true
   * when quiet; after the timeout it returns false and lets the caller try anyway.
   */
  async settled(timeout = 3000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const busy = await this.execute(SETTLED_SCRIPT).catch(() => false);
      if (!busy) return true;
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /**
   * Clicks once the page is settled; a click another element takes (an overlay fading out) or on an
   * element not yet interactable (a dialog fading in) is tried again for a few seconds.
   */
  async click(el) {
    return this.#settledRetry(() => this.#call('POST', this.#s(`/element/${el}/click`), {}));
  }

  async clear(el) {
    return this.#settledRetry(() => this.#call('POST', this.#s(`/element/${el}/clear`), {}));
  }

  /**
   * Types `text` into `el` once the page is settled. When `text` is plain characters (no special
   * key) and `el` is an input, checks that they landed: keys sent while a dialog still fades in can
   * be lost, so what is missing is typed again (a few times, then a clear error).
   */
  async type(el, text) {
    const send = (t) => this.#settledRetry(() => this.#call('POST', this.#s(`/element/${el}/value`), { text: t }));
    const plain = !/[\uE000-\uF8FF]/.test(text);
    const valueOf = () => this.execute("const e = arguments[0]; return typeof e.value === 'string' ? e.value : null", [{ [ELEMENT]: el }]);
    const before = plain ? await valueOf().catch(() => null) : null;
    await send(text);
    if (before === null) return;
    const want = before + text;
    for (let i = 0; ; i += 1) {
      const now = await valueOf().catch(() => null);
      // Anything else (a field that formats or filters what is typed) is the spec's to check.
      if (now === null || now === want || !want.startsWith(now) || now.length < before.length) return;
      if (i >= 3) throw new Error(`typing ${JSON.stringify(text)}: the field holds ${JSON.stringify(now)} after ${i + 1} tries`);
      await send(want.slice(now.length));
    }
  }

  async #settledRetry(action, timeout = 5000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      await this.settled();
      try {
        return await action();
      } catch (e) {
        if (!(e instanceof WebDriverError) || !RETRY.test(e.message) || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  async execute(script, args = []) {
    return this.#call('POST', this.#s('/execute/sync'), { script, args });
  }

  /** A PNG of the window, as a Buffer. */
  async screenshot() {
    return Buffer.from(await this.#call('GET', this.#s('/screenshot')), 'base64');
  }

  /**
   * Waits until a visible element matches `css` (and `predicate(text)` holds), then returns it.
   * `content: true` tests the DOM text (textContent) instead of the rendered text.
   */
  async waitFor(css, { timeout = 20_000, predicate, content = false } = {}) {
    const deadline = Date.now() + timeout;
    let last = '';
    for (;;) {
      for (const el of await this.findAll(css).catch(() => [])) {
        try {
          if (!(await this.displayed(el))) continue;
          last = content ? await this.textContent(el) : await this.text(el);
          if (!predicate || predicate(last)) return el;
        } catch {
          // stale: the page re-rendered between the two calls
        }
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeout} ms waiting for ${css}${last ? ` (last text: ${JSON.stringify(last)})` : ''}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
