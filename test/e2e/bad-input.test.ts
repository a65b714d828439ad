/**
 * Input at the limits of MQTT into Chromium: through mosquitto a topic of 65,535 bytes, a
 * topic with a character from every Unicode plane, and a payload of 256 MB (the largest a
 * PUBLISH can carry with its topic); through the app's own broker (mosquitto refuses more
 * than 200 levels) a topic of 65,536 empty levels, the deepest MQTT allows. Each is shown with what had to be cut and why, and the page keeps working: a
 * message published after each one is shown, and the tabs still answer.
 */

import { connectAsync, type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBroker, type RunningBroker } from '../helpers/broker-harness';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

/** The largest Remaining Length, less the 2-byte topic length and the topic "big". */
const BIGGEST_PAYLOAD = 268_435_455 - 2 - 'big'.length;
const PLANES = 'é€\u{1F600}\u{20000}\u{30000}\u{E0041}\u{F0000}\u{10FFFD}';

describe('input at the limits of MQTT', () => {
  let desk: Desk;
  let page: Page;
  let publisher: MqttClient;
  let markers = 0;

  beforeAll(async () => {
    desk = await openDesk({ connect: true });
    page = desk.page;
    await subscribeInPage(page, '#');
    publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'limits-pub' });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await desk?.close();
  });

  const tree = () => page.getByRole('tree', { name: 'Topic tree' });
  const list = () => page.getByRole('list', { name: 'Messages' });
  /** Publishes a marker after the bad input; the page showing it proves it kept going. */
  const markerShown = async (timeout = 60_000) => {
    const topic = `marker/${++markers}`;
    await publisher.publishAsync(topic, 'after');
    await page.getByRole('tab', { name: 'Messages' }).click();
    await list().getByRole('listitem').filter({ hasText: topic }).waitFor({ timeout });
  };

  it('cuts a 65,535-byte topic for display and says so, in the list and in the tree', async () => {
    const topic = 'x'.repeat(65_535);
    await publisher.publishAsync(topic, 'long');
    await markerShown();
    const row = list().getByRole('listitem').filter({ hasText: 'long' });
    await expect(row.locator('.topic').textContent()).resolves.toBe(`${'x'.repeat(256)}…`);
    await expect(row.getByText('cut', { exact: true }).getAttribute('title')).resolves.toBe('This topic has 65,535 characters; the first 256 are shown');
    await page.getByRole('tab', { name: 'Topics' }).click();
    const item = tree().getByRole('treeitem').filter({ hasText: 'long' });
    await expect(item.getByRole('button').textContent()).resolves.toBe(`${'x'.repeat(256)}…`);
    await expect(item.getByText('cut', { exact: true }).getAttribute('title')).resolves.toBe('This level has 65,535 characters; the first 256 are shown');
  });

  it('shows a topic with a character from every Unicode plane as it is', async () => {
    const topic = `planes/${PLANES}/end`;
    await publisher.publishAsync(topic, 'planes');
    await markerShown();
    await expect(list().getByRole('listitem').filter({ hasText: 'planes' }).first().locator('.topic').textContent()).resolves.toBe(topic);
    await page.getByRole('tab', { name: 'Topics' }).click();
    await page.getByLabel('Filter topics').fill('planes/+/end');
    await expect(tree().getByRole('treeitem').allTextContents()).resolves.toEqual([expect.stringMatching(/^▾planes/), expect.stringMatching(new RegExp(`^▾${PLANES}`, 'u')), expect.stringMatching(/^end1planes/)]);
    await page.getByLabel('Filter topics').fill('');
  });

  it(`takes a payload of ${BIGGEST_PAYLOAD.toLocaleString('en')} bytes: previews it, and says why the rest is not there`, async () => {
    publisher.publish('big', Buffer.alloc(BIGGEST_PAYLOAD, 0x61));
    // The backend takes the 256 MB in (MQTT.js, the packet capture) before the marker.
    await markerShown(180_000);
    await list().getByRole('listitem').filter({ hasText: `${BIGGEST_PAYLOAD} B` }).click();
    const detail = page.getByRole('region', { name: 'Message detail' });
    await expect(detail.getByLabel('Payload').textContent()).resolves.toMatch(new RegExp(`^a{4096}\\n… ${BIGGEST_PAYLOAD - 4096} more bytes not loaded \\(the detail loads 16 MB at most; export the messages for all of it\\)$`));
    // The backend's store holds 256 MB per connection: the marker that came after pushed it out.
    await detail.getByRole('button', { name: `Load the first 16 MB (of ${BIGGEST_PAYLOAD} B)` }).click();
    await page.getByRole('alert').filter({ hasText: /is no longer held \(evicted by the cap or cleared\) \[NOT_FOUND\]/ }).waitFor();
    await markerShown();
  }, 480_000);

  it('loads 16 MB of a 40 MB payload on request and shows 256 KB of it, saying what it left out', async () => {
    const size = 40 * 1024 * 1024;
    publisher.publish('large', Buffer.alloc(size, 0x62));
    await markerShown(120_000);
    await list().getByRole('listitem').filter({ hasText: `${size} B` }).click();
    const detail = page.getByRole('region', { name: 'Message detail' });
    await detail.getByRole('button', { name: `Load the first 16 MB (of ${size} B)` }).click();
    await expect
      .poll(async () => (await detail.getByLabel('Payload').textContent()) ?? '', { timeout: 180_000 })
      .toMatch(new RegExp(`^b{262144}\\n… showing the first 256 KB of 16 MB loaded: the detail shows 256 KB at most; ${size - 16 * 1024 * 1024} more bytes not loaded`));
    await expect(detail.getByRole('button', { name: /^Load/ }).count()).resolves.toBe(0);
    await markerShown();
  }, 480_000);
});

// mosquitto refuses topics of more than 200 levels; the app's own broker takes the deepest
// MQTT allows: 65,535 slashes, 65,536 empty levels.
describe('a topic deeper than mosquitto takes, through the app\'s own broker', () => {
  let sidecar: RunningBroker;
  let desk: Desk;
  let page: Page;
  let publisher: MqttClient;

  beforeAll(async () => {
    sidecar = await startBroker();
    desk = await openDesk({ connect: true, profile: { port: sidecar.port } });
    page = desk.page;
    await subscribeInPage(page, '#');
    publisher = await connectAsync(`mqtt://127.0.0.1:${sidecar.port}`, { clientId: 'deep-pub' });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await desk?.close();
    await sidecar?.stop();
  });

  const tree = () => page.getByRole('tree', { name: 'Topic tree' });

  it('shows a topic of 65,536 levels as 128 rows, the deepest standing for the rest, and says why', async () => {
    await publisher.publishAsync('/'.repeat(65_535), 'deep');
    await publisher.publishAsync('marker', 'after');
    await page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'marker' }).waitFor();
    await page.getByRole('tab', { name: 'Topics' }).click();
    const deepest = tree().locator('[aria-level="128"]');
    await tree().evaluate((element) => (element.scrollTop = element.scrollHeight));
    await deepest.waitFor();
    await expect(deepest.getByText('levels cut').getAttribute('title')).resolves.toBe('Levels 128 to 65,536 of this topic shown as one row: the tree shows 128 levels at most');
    await expect(deepest.textContent()).resolves.toContain('deep');
    await expect(page.getByRole('note', { name: 'Topic tree limits' }).textContent()).resolves.toContain('1 topics are deeper than the tree shows');
    expect(await tree().getByRole('treeitem').count()).toBeLessThan(80);
    // The list shows the topic cut too.
    await page.getByRole('tab', { name: 'Messages' }).click();
    const row = page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: 'deep' });
    await expect(row.getByText('cut', { exact: true }).getAttribute('title')).resolves.toBe('This topic has 65,535 characters; the first 256 are shown');
  });
});
