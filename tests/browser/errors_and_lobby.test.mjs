// What the page shows when the API refuses it, and the way back to the platform: a bad token
// shows the API's own message (and code) in an alert; a refused launch (one launch per player
// an hour here) shows the API's message and leaves the page usable; a lobbyUrl becomes a
// "Back to lobby" link only when it is http(s).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, PlayPage } from './lib/browser.mjs';
import { GAME, Ringside } from './lib/ringside.mjs';

describe('errors and the lobby link', () => {
  let ringside;
  let browser;

  before(async () => {
    ringside = await Ringside.start(['--launch-rate-per-player', '1/h']);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await ringside?.stop();
  });

  it("shows the API's message for a bad token", async () => {
    const refused = await ringside.call('POST', '/api/game/current', { token: 'not-a-token' });
    assert.equal(refused.status, 401);

    const play = await PlayPage.open(browser);
    await play.page.goto(`${ringside.origin}/play/${GAME}?sessionToken=not-a-token&id=${GAME}`);
    const alert = play.page.locator('#error');
    await alert.filter({ hasText: refused.body.message }).waitFor({ timeout: 5000 });
    assert.equal(await alert.getAttribute('role'), 'alert');
    assert.equal(await alert.locator('code').textContent(), refused.body.error);
    assert.equal(play.apiCalls('POST', '/api/game/launch').length, 0);
    await play.screenshot('bad-token');
    // The browser itself logs the 401 it was answered; nothing else may be logged.
    assert.deepEqual(play.problems(ringside.origin, { expectedFailures: 1 }), []);
    await play.close();
  });

  it("shows a refused launch's message and offers the buttons again", async () => {
    const play = await PlayPage.open(browser);
    const visit = await ringside.mintLaunch('browser-player-6');
    const page = play.page;
    await page.goto(visit.launchUrl);
    await page.getByRole('button', { name: 'Start fresh' }).click();
    const frame = page.locator('iframe#game[title="Game"]');
    await frame.waitFor({ timeout: 15000 });
    const gameOrigin = new URL(await frame.getAttribute('src')).origin;
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.locator('#figures').waitFor();

    await page.getByRole('button', { name: 'Start fresh' }).click();
    const alert = page.locator('#error');
    await alert.locator('code').filter({ hasText: 'rate_limited' }).waitFor();
    const refused = await ringside.call('POST', '/api/game/launch', {
      token: visit.sessionToken, body: { gameSlug: GAME, fresh: true },
    });
    assert.equal(refused.status, 429);
    assert.match(await alert.textContent(), new RegExp(`^${refused.body.message} `));
    // Still usable: the choice is offered again, enabled.
    await page.getByRole('button', { name: 'Start fresh' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Start fresh' }).isEnabled(), true);
    await play.screenshot('launch-refused');
    // The browser itself logs the 429 it was answered; nothing else may be logged.
    assert.deepEqual(play.problems(ringside.origin, { gameOrigins: [gameOrigin], expectedFailures: 1 }), []);
    await play.close();
  });

  it('hides the alert while no API error happened', async () => {
    const play = await PlayPage.open(browser);
    const visit = await ringside.mintLaunch('browser-player-3');
    await play.page.goto(visit.launchUrl);
    await play.page.getByRole('button', { name: 'Start fresh' }).waitFor();
    assert.equal(await play.page.locator('#error').isVisible(), false);
    assert.deepEqual(play.problems(ringside.origin), []);
    await play.close();
  });

  it('links back to an http(s) lobbyUrl, and to nothing else', async () => {
    const lobby = 'https://lobby.example.test/games?from=ringside';
    const play = await PlayPage.open(browser);
    const visit = await ringside.mintLaunch('browser-player-4', { lobbyUrl: lobby });
    await play.page.goto(visit.launchUrl);
    const link = play.page.getByRole('link', { name: 'Back to lobby' });
    await link.waitFor();
    assert.equal(await link.getAttribute('href'), lobby);
    assert.equal(await play.page.locator('#lobby').evaluate((a) => a.tagName), 'A');
    await play.close();

    const hostile = await PlayPage.open(browser);
    const url = new URL(visit.launchUrl);
    url.searchParams.set('lobbyUrl', 'javascript:alert(1)');
    await hostile.page.goto(url.href);
    await hostile.page.getByRole('button', { name: 'Start fresh' }).waitFor();
    assert.equal(await hostile.page.getByRole('link', { name: 'Back to lobby' }).count(), 0);
    assert.deepEqual(hostile.problems(ringside.origin), []);
    await hostile.close();
  });
});
