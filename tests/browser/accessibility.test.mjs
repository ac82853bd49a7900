// The page for a keyboard and a screen reader (docs/play-page.md, "Accessible"): every control,
// the status line and the game frame have a name; the keyboard
// alone plays a session from the slots to the figures, the focus ring visible and the focus
// landing on the control that replaced the one just used; and every text in every state keeps a
// contrast of at least 4.5:1 (WCAG AA) against what is behind it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startedPlayPage } from './lib/started.mjs';

// What the focused element is, as a test reads it: its tag, id and text.
async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return { tag: el.tagName, id: el.id, text: el.textContent.trim() };
  });
}

// Texts whose contrast against their background is below 4.5:1, as "text: ratio". The
// background is the first one painted behind the element (an ancestor's when its own is
// transparent); a disabled control is left out, as WCAG leaves it.
async function lowContrast(page) {
  return page.evaluate(() => {
    const rgb = (css) => css.match(/[\d.]+/g).map(Number);
    const luminance = ([r, g, b]) => {
      const lin = (c) => (c / 255 <= 0.03928 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const background = (el) => {
      for (let at = el; at; at = at.parentElement) {
        const c = rgb(getComputedStyle(at).backgroundColor);
        if (c.length < 4 || c[3] > 0) return c;
      }
      return [255, 255, 255];
    };
    const out = [];
    for (const el of document.querySelectorAll('body *')) {
      const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
      if (!own || !el.checkVisibility() || el.disabled) continue;
      const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) out.push(`${el.textContent.trim()}: ${ratio.toFixed(2)}`);
    }
    return out;
  });
}

// Visible controls and landmarks without a name a screen reader would read.
async function unnamed(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('button, a, iframe, [role]')]
      .filter((el) => el.checkVisibility())
      .filter((el) => !(el.getAttribute('aria-label') || el.title || el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 80)),
  );
}

// Tabs from wherever the focus is until `name`'s button has it; false after 10 presses.
async function tabTo(page, name) {
  for (let i = 0; i < 10; ++i) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f.tag === 'BUTTON' && f.text === name) return true;
  }
  return false;
}

describe('the page with a keyboard', () => {
  const started = startedPlayPage();

  it('plays from the slots to the figures with keys alone, readable in every state', async () => {
    const { ringside, play } = started;
    const page = play.page;
    const visit = await ringside.mintLaunch('browser-player-6');
    await page.goto(visit.launchUrl);
    await page.getByRole('button', { name: 'Start fresh' }).waitFor();
    // Not checked here: that the page takes no focus on load. Playwright's own calls into the
    // page count as a user's gesture (navigator.userActivation.hasBeenActive turns true), so
    // the page may already move the focus as it would for a player who used it.
    await page.evaluate(() => document.activeElement.blur());
    assert.deepEqual(await unnamed(page), [], 'slots');
    assert.deepEqual(await lowContrast(page), [], 'slots');

    assert.ok(await tabTo(page, 'Start fresh'), 'Tab reaches "Start fresh"');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    assert.notEqual(ring.style, 'none', 'the focused button shows a ring');
    assert.ok(ring.width >= 2, `ring ${ring.width}px wide`);

    await page.keyboard.press('Enter');
    await page.locator('iframe#game[title="Game"]').waitFor({ timeout: 15000 });
    await page.getByRole('button', { name: 'Stop' }).waitFor();
    const gameOrigin = new URL(await page.locator('iframe#game').getAttribute('src')).origin;
    assert.deepEqual(await focused(page), { tag: 'BUTTON', id: 'stop', text: 'Stop' },
      'the focus moved from the launched slot to Stop');
    assert.deepEqual(await unnamed(page), [], 'running');
    assert.deepEqual(await lowContrast(page), [], 'running');
    assert.equal(await page.getByRole('status').textContent(), 'Running');

    await page.keyboard.press('Enter');
    await page.locator('#figures').waitFor();
    await page.locator('#slots button').first().waitFor();
    const after = await focused(page);
    assert.equal(after.tag, 'BUTTON');
    assert.match(after.text, /^Continue /, 'the focus moved from Stop to the slot just saved');
    assert.deepEqual(await unnamed(page), [], 'stopped');
    assert.deepEqual(await lowContrast(page), [], 'stopped');
    await play.screenshot('keyboard-stopped');

    assert.deepEqual(play.problems(ringside.origin, { gameOrigins: [gameOrigin] }), []);
  });

  it('names the error it shows, in the alert a screen reader announces', async () => {
    const { ringside, play } = started;
    const page = play.page;
    await page.goto(`${ringside.origin}/play/tlon-uqbar?sessionToken=not-a-token&id=tlon-uqbar`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.ok((await alert.textContent()).trim().length > 0);
    assert.deepEqual(await lowContrast(page), [], 'error');
  });
});
