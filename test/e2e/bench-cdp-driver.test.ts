/**
 * The UI bench's own CDP driver (test/bench/flood-driver.ts, cdp-client.ts,
 * chromium-process.ts) against Debian's Chromium: it runs script in the page, clicks with
 * real input events (trusted, seen by Event Timing as a user's click), finds tabs and
 * tree rows by their text, says when there is none, does not enable the Network domain
 * (a page's WebSocket frames are not copied to DevTools), and tells whether another client
 * (Playwright) is still attached. The Chromium it starts is stopped
 * by its PID.
 */

import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectCdp, type CdpConnection } from '../bench/cdp-client';
import { startChromium, type ChromiumProcess } from '../bench/chromium-process';
import { cdpDriver, type FloodDriver } from '../bench/flood-driver';

const PAGE = `<!doctype html><title>driver</title>
<div role="tablist" aria-label="Views"><button role="tab">Messages</button><button role="tab">Topics</button></div>
<div role="tree" aria-label="Topic tree"><div role="treeitem"><button class="topic-name">temp</button></div></div>
<script>
  window.clicks = [];
  for (const b of document.querySelectorAll('button')) b.addEventListener('click', (e) => window.clicks.push(b.textContent + (e.isTrusted ? ' trusted' : ' synthetic')));
  window.events = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.events.push(e.name); }).observe({ type: 'event', durationThreshold: 16 });
</script>`;
const URL = `data:text/html,${encodeURIComponent(PAGE)}`;

let chromium: ChromiumProcess;
let browser: CdpConnection;
let driver: FloodDriver;

beforeAll(async () => {
  chromium = await startChromium({ width: 800, height: 600 });
  browser = await connectCdp(chromium.wsUrl);
  const { targetInfos } = await browser.browser.send('Target.getTargets');
  const page = await browser.attach(targetInfos.find((t) => t.type === 'page')!.targetId);
  await page.send('Page.enable');
  const loaded = new Promise((resolve) => page.once('Page.loadEventFired', resolve));
  await page.send('Page.navigate', { url: URL });
  await loaded;
  // The test's own session leaves, as Playwright does before the flood.
  await browser.browser.send('Target.detachFromTarget', { sessionId: page.sessionId });
  driver = await cdpDriver(chromium.wsUrl, 'data:text/html');
});

afterAll(async () => {
  await driver?.close();
  await browser?.close();
  await chromium?.stop();
});

it('runs script in the page with an argument, and rejects with what the page threw', async () => {
  expect(await driver.evaluate((n: number) => document.title + n, 1)).toBe('driver1');
  expect(await driver.evaluate(async () => Promise.resolve([1, { a: 'b' }]))).toEqual([1, { a: 'b' }]);
  await expect(driver.evaluate(() => JSON.parse('{'))).rejects.toThrow(/in the page: SyntaxError/);
});

it('clicks a tab and a tree row with real input events, which Event Timing sees', async () => {
  await driver.clickTab('Topics');
  expect(await driver.selectTreeRow('temp')).toBe(true);
  expect(await driver.evaluate(() => (window as unknown as { clicks: string[] }).clicks)).toEqual(['Topics trusted', 'temp trusted']);
  // Event Timing reports events of 16 ms and more; a slow handler makes the next click one.
  await driver.evaluate(() => document.querySelector('[role="tab"]')!.addEventListener('click', () => { const end = performance.now() + 40; while (performance.now() < end); }));
  await driver.clickTab('Messages');
  await expect.poll(() => driver.evaluate(() => (window as unknown as { events: string[] }).events)).toContain('click');
});

it('says when there is no such tab, and when no such row is on screen', async () => {
  await expect(driver.clickTab('Flows')).rejects.toThrow('No "Flows" tab on screen to click');
  expect(await driver.selectTreeRow('humidity')).toBe(false);
});

it('leaves the Network domain off: no Network event reaches its session', async () => {
  const seen: string[] = [];
  driver.cdp.on('Network.requestWillBeSent', () => seen.push('request'));
  await driver.evaluate(() => fetch('data:text/plain,x').then((r) => r.text()));
  // The marker: an answer to a later command arrives after any event the fetch caused.
  await driver.evaluate(() => 1);
  expect(seen).toEqual([]);
});

it('tells whether another DevTools client was attached to the page when it started', async () => {
  expect(driver.shared).toBe(false);
  const second = await cdpDriver(chromium.wsUrl, 'data:text/html');
  try {
    expect(second.shared).toBe(true);
  } finally {
    await second.close();
  }
});

it('stops Chromium by its PID', async () => {
  const { pid } = chromium;
  await chromium.stop();
  expect(() => process.kill(pid, 0)).toThrow();
});
