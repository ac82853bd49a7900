// A launch URL minted without a game ({iframeBase}/?sessionToken=…, a token for any game): the
// page offers the catalog's games, the one chosen goes into its URL and its slots are offered;
// a session resumed on such a page, once stopped, offers the games again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GAME, GAME_TITLE } from './lib/ringside.mjs';
import { startedPlayPage } from './lib/started.mjs';

const PLAYER = 'browser-player-7';

describe('a launch URL without a game', () => {
  const started = startedPlayPage();
  let gameOrigin; // the simulated game servers' (the first test's iframe)

  it('offers the games, then the chosen game\'s slots, and launches it', async () => {
    const { ringside, play } = started;
    const page = play.page;
    const visit = await ringside.mintLaunch(PLAYER, { gameSlug: null });
    const url = new URL(visit.launchUrl);
    assert.equal(url.pathname, '/play/');
    assert.equal(url.searchParams.get('id'), null);
    await page.goto(visit.launchUrl);

    const catalog = await ringside.call('GET', '/api/games', { token: visit.sessionToken });
    assert.equal(catalog.status, 200);
    const games = page.locator('#slots button');
    await page.getByRole('button', { name: `Play ${GAME_TITLE}` }).waitFor();
    assert.deepEqual(await games.allTextContents(), catalog.body.games.map((g) => `Play ${g.title}`));
    assert.equal(await page.getByRole('status').textContent(), 'Choose a game');
    assert.equal(await page.locator('h1').textContent(), 'Play');
    await play.screenshot('choose-game');

    await page.getByRole('button', { name: `Play ${GAME_TITLE}` }).click();
    await page.getByRole('button', { name: 'Start fresh' }).waitFor();
    assert.equal(new URL(page.url()).searchParams.get('id'), GAME, 'the game is in the URL');
    assert.equal(await page.locator('h1').textContent(), GAME_TITLE);
    assert.equal(await games.count(), 1, 'no save yet: only "Start fresh"');

    await page.getByRole('button', { name: 'Start fresh' }).click();
    await page.locator('iframe#game[title="Game"]').waitFor({ timeout: 15000 });
    const launches = play.apiCalls('POST', '/api/game/launch');
    assert.equal(launches.length, 1);
    assert.deepEqual(JSON.parse(launches[0].body), { gameSlug: GAME, fresh: true });
    gameOrigin = new URL(await page.locator('iframe#game').getAttribute('src')).origin;
    assert.deepEqual(play.problems(ringside.origin, { gameOrigins: [gameOrigin] }), []);
  });

  it('resumes the running session from a new such URL, and offers the games after its stop', async () => {
    const { ringside, play } = started;
    const page = play.page;
    const visit = await ringside.mintLaunch(PLAYER, { gameSlug: null });
    const resumedAt = Date.now();
    await page.goto(visit.launchUrl);
    await page.locator('iframe#game[title="Game"]').waitFor({ timeout: 15000 });
    assert.equal(play.apiCalls('POST', '/api/game/launch', resumedAt).length, 0, 'no second launch');
    assert.equal(await page.locator('h1').textContent(), GAME_TITLE);

    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('#figures').waitFor();
    await page.getByRole('button', { name: `Play ${GAME_TITLE}` }).waitFor();
    assert.equal(await page.getByRole('status').textContent(), 'Stopped');
    assert.deepEqual(play.problems(ringside.origin, { gameOrigins: [gameOrigin] }), []);
  });
});
