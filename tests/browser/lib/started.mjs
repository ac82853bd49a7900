// What most browser tests start for their describe block: a ringside (the defaults plus
// `flags`), chromium, and one play page in it; closed after the block's tests. The fields of
// the object returned are set once the block's `before` has run.
import { after, before } from 'node:test';
import { launchBrowser, PlayPage } from './browser.mjs';
import { Ringside } from './ringside.mjs';

export function startedPlayPage(flags = []) {
  const started = { ringside: null, browser: null, play: null };
  before(async () => {
    started.ringside = await Ringside.start(flags);
    started.browser = await launchBrowser();
    started.play = await PlayPage.open(started.browser);
  });
  after(async () => {
    await started.play?.close();
    await started.browser?.close();
    await started.ringside?.stop();
  });
  return started;
}
