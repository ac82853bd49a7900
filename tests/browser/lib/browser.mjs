// Debian's chromium driven by playwright-core, and a play page opened in it with everything a
// test asserts on recorded: every request (with its time and body), console errors and
// uncaught exceptions, and screenshots kept as test artifacts.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const ARTIFACTS = process.env.RINGSIDE_BROWSER_ARTIFACTS || join(process.cwd(), 'artifacts');

// The simulated backend's game servers are https://<name>.sim.ringside.test: no such host
// exists, so the iframe's requests there are answered by this stub, as a game's stream would be.
const SIM_GAME_SERVERS = /^https:\/\/[a-z0-9-]+\.sim\.ringside\.test\//;
export const GAME_STUB_TEXT = "The game's stream (a stub for the simulated backend)";

export async function launchBrowser() {
  // Root in CI: no sandbox. The rest keeps chromium off the network it would call home on.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

// Emulates the Page Visibility API's hidden state (headless chromium keeps every page
// visible): document.visibilityState / document.hidden read a flag the test sets, and the test
// dispatches visibilitychange as the browser would. The page under test is not changed.
function visibilityEmulation() {
  let hidden = false;
  Object.defineProperty(Document.prototype, 'visibilityState', {
    configurable: true, get: () => (hidden ? 'hidden' : 'visible'),
  });
  Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
  window.__setHiddenForTest = (value) => {
    hidden = value;
    document.dispatchEvent(new Event('visibilitychange'));
  };
}

// Records every text #status shows (window.__statusHistory), so a test sees each phase even
// when the next one replaced it before the test looked.
function statusRecorder() {
  window.__statusHistory = [];
  const watch = () => {
    const status = document.getElementById('status');
    if (!status) return;
    const note = () => {
      const text = status.textContent.trim();
      if (window.__statusHistory.at(-1) !== text) window.__statusHistory.push(text);
    };
    note();
    new MutationObserver(note).observe(status, { childList: true, characterData: true, subtree: true });
  };
  document.addEventListener('DOMContentLoaded', watch);
}

export class PlayPage {
  static async open(browser, { width = 1024, height = 720 } = {}) {
    const context = await browser.newContext({ viewport: { width, height } });
    await context.addInitScript(visibilityEmulation);
    await context.addInitScript(statusRecorder);
    const page = await context.newPage();
    page.setDefaultTimeout(10000);
    const recorder = new PlayPage(context, page);
    await context.route(SIM_GAME_SERVERS, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: `<!doctype html><title>Game</title><body style="font:20px sans-serif;background:#123;color:#fff"><p>${GAME_STUB_TEXT}</p><p style="word-break:break-all">${route.request().url()}</p></body>`,
      }),
    );
    return recorder;
  }

  constructor(context, page) {
    this.context = context;
    this.page = page;
    this.requests = [];
    this.consoleErrors = [];
    this.pageErrors = [];
    context.on('request', (request) => {
      this.requests.push({
        at: Date.now(),
        method: request.method(),
        url: new URL(request.url()),
        body: request.postData(),
        authorization: request.headers().authorization,
      });
    });
    page.on('console', (message) => {
      if (message.type() === 'error') this.consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => this.pageErrors.push(String(error)));
  }

  // Requests to `path` on the API (method given or any), optionally since a time.
  apiCalls(method, path, since = 0) {
    return this.requests.filter(
      (r) => r.method === method && r.url.pathname === path && r.at >= since,
    );
  }

  // The texts #status showed since the page last loaded, in order.
  async statusHistory() {
    return this.page.evaluate(() => window.__statusHistory);
  }

  async setHidden(hidden) {
    await this.page.evaluate((value) => window.__setHiddenForTest(value), hidden);
  }

  async screenshot(name) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const path = join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path, fullPage: true });
    console.log(`screenshot: ${path}`);
    return path;
  }

  // Every request went to ringside's origin, or is the game's iframe (its containerUrl's
  // origin); no console error, no uncaught exception. `expectedFailures` are the browser's own
  // "Failed to load resource" lines for API errors a test provoked on purpose.
  problems(origin, { gameOrigins = [], expectedFailures = 0 } = {}) {
    const foreign = this.requests
      .filter((r) => r.url.origin !== origin && !gameOrigins.includes(r.url.origin))
      .filter((r) => r.url.protocol !== 'data:')
      .map((r) => `request to another origin: ${r.method} ${r.url.href}`);
    const failed = this.consoleErrors.filter((t) => t.startsWith('Failed to load resource'));
    const errors = this.consoleErrors
      .filter((t) => !t.startsWith('Failed to load resource'))
      .map((t) => `console error: ${t}`);
    if (failed.length > expectedFailures) {
      errors.push(...failed.map((t) => `console error: ${t}`));
    }
    return [...foreign, ...errors, ...this.pageErrors.map((e) => `uncaught: ${e}`)];
  }

  async close() {
    await this.context.close();
  }
}
