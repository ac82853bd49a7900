// The play page on the Docker backend with real engines (labels docker and browser; the docker
// fixture starts tools/docker-env and names it in RINGSIDE_DOCKER_ENV): the fleet's urlBase is
// the environment's game front (GAME_FRONT_URL), so the iframe shows the page the test game
// writes in its container, ticking, until Stop shows the engine's figures. The game keeps a
// warm container, and the launch waits for it: a warm take tells the game its session, which
// its page then names, so the iframe is seen to show this session's container.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, PlayPage } from './lib/browser.mjs';
import { Ringside } from './lib/ringside.mjs';

const SLUG = 'test-game';

// DIR/env of tools/docker-env: KEY=value lines.
function dockerEnv() {
  const dir = process.env.RINGSIDE_DOCKER_ENV;
  if (!dir) throw new Error('RINGSIDE_DOCKER_ENV is not set (the docker ctest fixture sets it)');
  const vars = {};
  for (const line of readFileSync(join(dir, 'env'), 'utf8').split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) vars[line.slice(0, at)] = line.slice(at + 1);
  }
  for (const key of ['DOCKER_HOSTS', 'GAME_IMAGE', 'GAME_SAVE_DIR', 'GAME_FRONT_URL']) {
    if (!vars[key]) throw new Error(`${key} missing from ${dir}/env`);
  }
  return vars;
}

describe('the play page on Docker engines', () => {
  let env;
  let work;
  let ringside;
  let browser;
  let play;
  let visit;

  before(async () => {
    env = dockerEnv();
    work = mkdtempSync(join(tmpdir(), 'ringside-browser-docker-'));
    writeFileSync(join(work, 'catalog.json'), JSON.stringify({
      games: [{
        slug: SLUG, title: 'Test game', image: env.GAME_IMAGE, sizeMb: 2, cpuCores: 0.5,
        memoryMb: 64, saveDir: env.GAME_SAVE_DIR, warmPool: 1,
      }],
    }));
    writeFileSync(join(work, 'fleet.json'), JSON.stringify(
      env.DOCKER_HOSTS.split(',').map((engine, i) => ({
        name: `docker${i + 1}`, engine, urlBase: env.GAME_FRONT_URL,
        cpuMillicores: 4000, memoryMb: 2048, slots: 4,
      }))));
    ringside = await Ringside.start([
      '--backend', 'docker', '--docker-fleet', join(work, 'fleet.json'),
      '--docker-stop-grace', '3', '--catalog', join(work, 'catalog.json'),
      '--save-root', join(work, 'saves'),
    ]);
    browser = await launchBrowser();
    play = await PlayPage.open(browser);
  });

  after(async () => {
    // A session the test did not get to stop is stopped here: no container is left behind.
    if (visit) {
      const current = await ringside.call('POST', '/api/game/current', { token: visit.sessionToken });
      if (current.body?.active) {
        await ringside.call('POST', '/api/game/stop', {
          token: visit.sessionToken, body: { sessionId: current.body.session.sessionId },
        });
      }
    }
    await play?.close();
    await browser?.close();
    await ringside?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("shows the test game's own page, ticking, and stops with the engine's figures", async () => {
    await Ringside.until(async () => {
      const servers = await ringside.callOperator('GET', '/operator/servers');
      return servers.body.servers?.some((s) => s.warm > 0);
    }, 'a warm container of the game', 60000);
    visit = await ringside.mintLaunch('browser-docker-player', { gameSlug: SLUG });
    const page = play.page;
    await page.goto(visit.launchUrl);
    await page.getByRole('button', { name: 'Start fresh' }).click();
    const frame = page.locator('iframe#game[title="Game"]');
    await frame.waitFor({ timeout: 90000 });

    const src = await frame.getAttribute('src');
    const sessionId = play.apiCalls('GET', '/api/game/session-status').at(-1)
      .url.searchParams.get('sessionId');
    assert.equal(src, `${env.GAME_FRONT_URL}/session/${sessionId}/`);

    // The game's page, read from its container by the game front; it reloads every 2 s.
    const game = page.frameLocator('iframe#game');
    const tickText = async () => {
      const text = await game.locator('p').first().textContent({ timeout: 15000 });
      const match = /^Test game — session (\S+), tick (\d+)$/.exec(text);
      assert.ok(match, `the iframe shows: ${text}`);
      assert.equal(match[1], sessionId, "the iframe shows this session's game");
      return Number(match[2]);
    };
    const firstTick = await tickText();
    await Ringside.until(async () => (await tickText()) > firstTick, 'the next tick', 10000);
    // Just after one of its reloads, so the screenshot has the page, not a reload under way.
    const reloaded = await page.waitForEvent('framenavigated', (f) => f !== page.mainFrame());
    await reloaded.waitForLoadState('load');
    await play.screenshot('docker-running');

    await page.getByRole('button', { name: 'Stop' }).click();
    const figures = page.locator('#figures');
    await figures.waitFor({ timeout: 30000 });
    const [duration, cpu, memory] = await figures.locator('dd').allTextContents();
    assert.match(duration, /^(\d+ min )?\d+ s$/);
    assert.match(cpu, /^\d+\.\d\d s CPU$/);
    assert.match(memory, /^\d+ MB peak$/);
    await play.screenshot('docker-stopped');
    visit = null;

    assert.deepEqual(play.problems(ringside.origin, {
      gameOrigins: [new URL(env.GAME_FRONT_URL).origin],
    }), []);
  });
});
