// One player's whole visit, as the seeds describe it, in a real browser: the launch URL opens
// the page, "Start fresh" launches, the phases show in words (queued behind another player's
// session, then downloading, then starting) with a status request about every 2 s, the game's
// iframe appears with the session's containerUrl, keepalives go out while the page is visible
// and nothing while it is hidden, a reload resumes without a second launch, and Stop shows the
// figures. One server with one slot, no image cached, so every phase lasts long enough to see.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GAME_STUB_TEXT } from './lib/browser.mjs';
import { GAME, GAME_TITLE, OTHER_GAME, Ringside } from './lib/ringside.mjs';
import { startedPlayPage } from './lib/started.mjs';

const PULL_MS = 6000;
const START_MS = 4000;

describe('the play page, launch to stop', () => {
  const started = startedPlayPage([
    '--sim-servers', '1', '--sim-slots-per-server', '1', '--sim-cached-images', 'none',
    '--sim-pull-ms', String(PULL_MS), '--sim-start-ms', String(START_MS),
  ]);
  let player;
  let sessionId;
  let containerUrl;

  it('offers "Start fresh" to a player with no save, titled with the game', async () => {
    const { ringside, play } = started;
    player = await ringside.mintLaunch('browser-player-1');
    await play.page.goto(player.launchUrl);
    const page = play.page;
    await page.getByRole('button', { name: 'Start fresh' }).waitFor();
    await page.locator('main h1').filter({ hasText: GAME_TITLE }).waitFor();
    assert.equal(await page.locator('#slots button').count(), 1, 'no Continue without a save');
    assert.equal(play.apiCalls('POST', '/api/game/current').length, 1);
    await play.screenshot('slots-fresh');
  });

  it('shows the queue position and estimate while another session holds the only slot', async () => {
    const { ringside, play } = started;
    const other = await ringside.mintLaunch('browser-blocker', { gameSlug: OTHER_GAME });
    const launched = await ringside.call('POST', '/api/game/launch', {
      token: other.sessionToken, body: { gameSlug: OTHER_GAME },
    });
    assert.equal(launched.status, 202);

    const page = play.page;
    await page.getByRole('button', { name: 'Start fresh' }).click();
    const status = page.locator('#status');
    await status.filter({ hasText: /^Queued — position 1, about \d+ s/ }).waitFor({ timeout: 5000 });
    assert.equal(await status.getAttribute('role'), 'status');
    assert.equal(await status.getAttribute('aria-live'), 'polite');
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    const launches = play.apiCalls('POST', '/api/game/launch');
    assert.equal(launches.length, 1);
    assert.deepEqual(JSON.parse(launches[0].body), { gameSlug: GAME, fresh: true });
    await play.screenshot('queued');

    // The other player stops: the queued launch is placed and pulls the image.
    const stopped = await ringside.call('POST', '/api/game/stop', {
      token: other.sessionToken, body: { sessionId: launched.body.sessionId },
    });
    assert.equal(stopped.status, 200);
  });

  it('shows downloading, then starting, polling the status about every 2 s', async () => {
    const { play } = started;
    const page = play.page;
    const status = page.locator('#status');
    await status.filter({ hasText: 'Downloading the game…' }).waitFor({ timeout: 10000 });
    await play.screenshot('pulling');
    await status.filter({ hasText: 'Starting the game…' }).waitFor({ timeout: PULL_MS + 5000 });
    await play.screenshot('creating');
    await status.filter({ hasText: /^Running/ }).waitFor({ timeout: START_MS + 5000 });
    const phases = (await play.statusHistory()).filter((t) => !/^Queued/.test(t));
    assert.deepEqual(phases.slice(-3), ['Downloading the game…', 'Starting the game…', 'Running']);

    const launchedAt = play.apiCalls('POST', '/api/game/launch')[0].at;
    const polls = play.apiCalls('GET', '/api/game/session-status', launchedAt);
    sessionId = polls[0].url.searchParams.get('sessionId');
    assert.ok(sessionId, 'status requests name the session');
    assert.ok(polls.length >= (PULL_MS + START_MS) / 2000, `${polls.length} status requests`);
    for (let i = 1; i < polls.length; i++) {
      const gap = polls[i].at - polls[i - 1].at;
      assert.ok(gap >= 1500 && gap <= 3000, `status requests ${gap} ms apart while starting`);
      assert.equal(polls[i].url.searchParams.get('sessionId'), sessionId);
    }
  });

  it("shows the game in an iframe of the session's containerUrl", async () => {
    const { ringside, play } = started;
    const answer = await ringside.call('GET',
      `/api/game/session-status?sessionId=${encodeURIComponent(sessionId)}`,
      { token: player.sessionToken });
    assert.equal(answer.body.status, 'running');
    containerUrl = answer.body.containerUrl;

    const frame = play.page.locator('iframe#game[title="Game"]');
    await frame.waitFor();
    assert.equal(await frame.getAttribute('src'), containerUrl);
    const sandbox = (await frame.getAttribute('sandbox')) ?? '';
    assert.ok(sandbox.includes('allow-scripts'), 'the game runs its scripts');
    assert.ok(!sandbox.includes('allow-top-navigation') && (await frame.getAttribute('sandbox')) !== null,
      'the game may not navigate the page');
    await play.page.frameLocator('iframe#game').getByText(GAME_STUB_TEXT).waitFor();
    await play.screenshot('running');
  });

  it('sends keepalives while visible, polls every 10 s while running, nothing while hidden', async () => {
    const { play } = started;
    const runningSince = Date.now();
    const keepalive = await Ringside.until(
      () => play.apiCalls('POST', '/api/game/keepalive')[0], 'a keepalive', 25000);
    assert.deepEqual(JSON.parse(keepalive.body), { sessionId });
    await sleep(Math.max(0, runningSince + 21000 - Date.now()));
    const runningPolls = play.apiCalls('GET', '/api/game/session-status', runningSince);
    assert.ok(runningPolls.length <= 3, `${runningPolls.length} status requests in 21 s running`);

    await play.setHidden(true);
    const hiddenAt = Date.now();
    await sleep(12000);
    const whileHidden = play.requests.filter((r) => r.at > hiddenAt + 200);
    assert.deepEqual(whileHidden.map((r) => `${r.method} ${r.url.pathname}`), [],
      'no request while hidden');

    await play.setHidden(false);
    const visibleAt = Date.now();
    await Ringside.until(() => play.apiCalls('POST', '/api/game/keepalive', visibleAt)[0],
      'a keepalive at once on becoming visible', 2000);
  });

  it('resumes the running session on reload, without a second launch', async () => {
    const { play } = started;
    const reloadedAt = Date.now();
    await play.page.reload();
    const frame = play.page.locator('iframe#game[title="Game"]');
    await frame.waitFor();
    assert.equal(await frame.getAttribute('src'), containerUrl);
    assert.equal(play.apiCalls('POST', '/api/game/current', reloadedAt).length, 1);
    assert.equal(play.apiCalls('POST', '/api/game/launch').length, 1, 'one launch in all');
    await play.screenshot('resumed');
  });

  it('stops on "Stop" and shows duration, CPU and memory', async () => {
    const { play } = started;
    const page = play.page;
    await page.getByRole('button', { name: 'Stop' }).click();
    const figures = page.locator('#figures');
    await figures.waitFor();
    assert.deepEqual(await figures.locator('dt').allTextContents(), ['Duration', 'CPU', 'Memory']);
    const [duration, cpu, memory] = await figures.locator('dd').allTextContents();
    assert.match(duration, /^(\d+ min )?\d+ s$/);
    assert.match(cpu, /^\d+(\.\d+)? s CPU$/);
    assert.equal(memory, '768 MB peak'); // --sim-session-memory-mb's default
    assert.ok((await play.statusHistory()).includes('Stopped'), 'the status said "Stopped"');
    assert.equal(await page.getByRole('button', { name: 'Stop' }).isVisible(), false);
    const stops = play.apiCalls('POST', '/api/game/stop');
    assert.equal(stops.length, 1);
    assert.deepEqual(JSON.parse(stops[0].body), { sessionId });
    await play.screenshot('stopped');
  });

  it('made no request to another origin than its own and the game, and logged no error', () => {
    const { ringside, play } = started;
    const problems = play.problems(ringside.origin, { gameOrigins: [new URL(containerUrl).origin] });
    assert.deepEqual(problems, []);
  });
});
