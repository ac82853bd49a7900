// A player comes back: the first visit played and stopped (the save went to a slot), and a new
// launch URL for the same player offers "Continue" for that slot next to "Start fresh";
// Continue launches with that slot's id. Phone-sized, so the page is also checked for
// horizontal scroll at 360×640.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, PlayPage } from './lib/browser.mjs';
import { GAME, Ringside } from './lib/ringside.mjs';

const PLAYER = 'browser-player-2';

async function playAndStop(play, launchUrl, chooseButton) {
  const page = play.page;
  await page.goto(launchUrl);
  await page.getByRole('button', { name: chooseButton }).click();
  await page.locator('iframe#game[title="Game"]').waitFor({ timeout: 15000 });
  await page.getByRole('button', { name: 'Stop' }).click();
  await page.locator('#figures').waitFor();
}

async function noHorizontalScroll(page) {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}

describe('a second visit', () => {
  let ringside;
  let browser;

  before(async () => {
    ringside = await Ringside.start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await ringside?.stop();
  });

  it('offers "Continue" for the slot the first visit saved, and launches with it', async () => {
    const first = await PlayPage.open(browser, { width: 360, height: 640 });
    const firstVisit = await ringside.mintLaunch(PLAYER);
    await playAndStop(first, firstVisit.launchUrl, 'Start fresh');
    assert.ok(await noHorizontalScroll(first.page), 'no horizontal scroll at 360 px, stopped');
    await first.close();

    const slots = await ringside.call('GET', `/api/game/save-slots?gameSlug=${GAME}`,
      { token: firstVisit.sessionToken });
    assert.equal(slots.status, 200);
    assert.equal(slots.body.slots.length, 1, 'the first visit saved to one slot');
    const slot = slots.body.slots[0];

    const second = await PlayPage.open(browser, { width: 360, height: 640 });
    const secondVisit = await ringside.mintLaunch(PLAYER);
    const page = second.page;
    await page.goto(secondVisit.launchUrl);
    const buttons = page.locator('#slots button');
    await page.getByRole('button', { name: 'Start fresh' }).waitFor();
    const labels = await buttons.allTextContents();
    assert.equal(labels.length, 2, `buttons: ${labels}`);
    assert.match(labels[0], slot.name ? new RegExp(`^Continue ${slot.name}$`) : /^Continue saved .+/);
    assert.equal(labels[1], 'Start fresh');
    assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 360 px, slots');
    await second.screenshot('slots-continue');

    await buttons.first().click();
    await page.locator('iframe#game[title="Game"]').waitFor({ timeout: 15000 });
    assert.ok(await noHorizontalScroll(page), 'no horizontal scroll at 360 px, running');
    await second.screenshot('running-phone');
    const launches = second.apiCalls('POST', '/api/game/launch');
    assert.equal(launches.length, 1);
    assert.deepEqual(JSON.parse(launches[0].body), { gameSlug: GAME, saveSlotId: slot.id });

    const containerOrigin = new URL(await page.locator('iframe#game').getAttribute('src')).origin;
    assert.deepEqual(second.problems(ringside.origin, { gameOrigins: [containerOrigin] }), []);
    await second.close();
  });
});
