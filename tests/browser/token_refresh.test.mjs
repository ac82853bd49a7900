// The token refresh, once, before the token would expire: a page left hidden for most of the
// token's hour refreshes it, then uses the new token for every request, writes it into its URL
// so a reload keeps working, and does not refresh again soon. The page's clock is the browser's
// (Playwright's fake timers jump it ahead 56 minutes, from 56 minutes in the past to now);
// ringside's is real, so the old token is still valid when the page swaps it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ringside } from './lib/ringside.mjs';
import { startedPlayPage } from './lib/started.mjs';

describe('the token refresh', () => {
  const started = startedPlayPage();

  it('refreshes once, then sends and keeps the new token', async () => {
    const { ringside, play } = started;
    const page = play.page;
    // The page's clock starts with ringside's and jumps 56 minutes ahead of it: the page must
    // read the new token's lifetime on the server's clock (expiresAt against the answer's Date),
    // not its own, or it would think the new token nearly spent and refresh again and again.
    await page.clock.install({ time: Date.now() });
    const visit = await ringside.mintLaunch('browser-player-5');
    await page.goto(visit.launchUrl);
    await page.getByRole('button', { name: 'Start fresh' }).click();
    await page.locator('iframe#game[title="Game"]').waitFor({ timeout: 15000 });
    assert.equal(play.apiCalls('POST', '/session/refresh').length, 0, 'no refresh at first');

    // Hidden: no polls or keepalives push the token's expiry back while the hour passes.
    await play.setHidden(true);
    const refreshed = page.waitForResponse((r) => new URL(r.url()).pathname === '/session/refresh');
    await page.clock.fastForward('56:00');
    const answer = await (await refreshed).json();
    assert.ok(answer.sessionToken && answer.sessionToken !== visit.sessionToken);
    assert.equal(new URL(page.url()).searchParams.get('sessionToken'), answer.sessionToken,
      'the URL carries the new token');

    const visibleAt = Date.now();
    await play.setHidden(false);
    const keepalive = await Ringside.until(
      () => play.apiCalls('POST', '/api/game/keepalive', visibleAt)[0], 'a keepalive', 3000);
    assert.equal(keepalive.authorization, `Bearer ${answer.sessionToken}`);

    const reloadedAt = Date.now();
    await page.reload();
    await page.locator('iframe#game[title="Game"]').waitFor();
    const current = play.apiCalls('POST', '/api/game/current', reloadedAt);
    assert.equal(current.length, 1);
    assert.equal(current[0].authorization, `Bearer ${answer.sessionToken}`);
    assert.equal(play.apiCalls('POST', '/api/game/launch').length, 1, 'resumed, not launched');

    // The new token is good for another hour: ten more minutes bring no second refresh.
    await page.clock.fastForward('10:00');
    await page.locator('iframe#game[title="Game"]').waitFor();
    assert.equal(play.apiCalls('POST', '/session/refresh').length, 1);
    assert.deepEqual(play.problems(ringside.origin, {
      gameOrigins: [new URL(await page.locator('iframe#game').getAttribute('src')).origin],
    }), []);
  });
});
