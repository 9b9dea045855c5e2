// A tiny W3C WebDriver client over fetch: just what the specs use, nothing to install.
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export const Keys = { NULL: '\uE000', BACKSPACE: '\uE003', TAB: '\uE004', ENTER: '\uE007', CONTROL: '\uE009' };

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

  async click(el) {
    return this.#call('POST', this.#s(`/element/${el}/click`), {});
  }

  async clear(el) {
    return this.#call('POST', this.#s(`/element/${el}/clear`), {});
  }

  async type(el, text) {
    return this.#call('POST', this.#s(`/element/${el}/value`), { text });
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
