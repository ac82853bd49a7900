// Starts a ringside for one test file, as tests/integration does: the built binary on a free
// loopback port, the simulated backend, an operator key to mint launch URLs with, and a small
// client of the API so a test can set the scene (another player's session, a stop) and read
// what the page should show.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const OPERATOR_KEY = 'browser-test-operator-key';

export const GAME = 'tlon-uqbar';
export const GAME_TITLE = 'Tlön, Uqbar, Orbis Tertius';
export const OTHER_GAME = 'library-of-babel';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function binary() {
  const path = process.env.RINGSIDE_BINARY;
  if (!path) throw new Error('RINGSIDE_BINARY is not set (ctest sets it to the built ringside)');
  return path;
}

// A started ringside. `flags` come after the defaults (sim backend, short pull and start
// times), so a test can lengthen or shorten a phase; later flags win.
export class Ringside {
  static async start(flags = []) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'ringside-browser-'));
    const logPath = join(dir, 'ringside.log');
    const origin = `http://127.0.0.1:${port}`;
    const args = [
      '--listen', `127.0.0.1:${port}`, '--shards', '2', '--backend', 'sim',
      '--operator-key', OPERATOR_KEY, '--iframe-base', `${origin}/play`,
      '--sim-pull-ms', '1000', '--sim-start-ms', '500', ...flags,
    ];
    const out = openSync(logPath, 'w');
    const child = spawn(binary(), args, { stdio: ['ignore', out, out] });
    const ringside = new Ringside(child, origin, dir, logPath);
    await ringside.#waitListening();
    return ringside;
  }

  constructor(child, origin, dir, logPath) {
    this.child = child;
    this.origin = origin;
    this.dir = dir;
    this.logPath = logPath;
    this.exited = new Promise((resolve) => child.once('exit', resolve));
  }

  log() {
    return readFileSync(this.logPath, 'utf8');
  }

  async #waitListening() {
    for (let waited = 0; waited < 10000; waited += 20) {
      if (this.child.exitCode !== null) {
        throw new Error(`ringside exited (${this.child.exitCode}) before listening:\n${this.log()}`);
      }
      // Every shard listens once this line is logged (tests/integration/sessions_fixture.h).
      if (this.log().includes('event=listening')) return;
      await sleep(20);
    }
    throw new Error(`ringside did not listen within 10 s:\n${this.log()}`);
  }

  async stop() {
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000);
      await this.exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // One HTTP call; answers {status, body} with body parsed when it is JSON.
  async call(method, path, { token, body } = {}) {
    const headers = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await fetch(this.origin + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await answer.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: answer.status, body: parsed };
  }

  // A call on the operator API (GET /operator/servers, ...), with the operator key.
  async callOperator(method, path, body) {
    return this.call(method, path, { token: OPERATOR_KEY, body });
  }

  // POST /operator/launch: {sessionToken, expiresAt, launchUrl}, as a platform's server gets it.
  // `gameSlug: null` mints a token for any game (a launch URL without one).
  async mintLaunch(playerId, { gameSlug = GAME, lobbyUrl } = {}) {
    const body = { playerId };
    if (gameSlug !== null) body.gameSlug = gameSlug;
    if (lobbyUrl !== undefined) body.lobbyUrl = lobbyUrl;
    const answer = await this.call('POST', '/operator/launch', { token: OPERATOR_KEY, body });
    if (answer.status !== 200) {
      throw new Error(`operator launch answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  }

  // Waits until `check` returns a truthy value (polled every 100 ms), else throws `what`.
  static async until(check, what, limitMs = 15000) {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
      await sleep(100);
    }
  }
}
