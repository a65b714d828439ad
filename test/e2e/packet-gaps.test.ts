/**
 * A page that stops reading: the web server drops the batches its socket cannot take (it
 * must not grow without bound), and the packet inspector must still end up holding every
 * captured packet, fetching the ones whose batches were dropped. The page is stopped by
 * pausing its JavaScript through the DevTools protocol, so the stall has no duration to guess.
 */

import { connectAsync } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PacketBatch } from '../../shared/contract';
import { openDesk, pausePage, subscribeInPage, type Desk } from '../helpers/desk';

const MESSAGES = 40_000;

describe('packets of batches dropped for a page that stopped reading', () => {
  let desk: Desk;

  beforeAll(async () => {
    // A small send buffer, so a stalled page loses batches after a few hundred KiB.
    desk = await openDesk({ connect: true, maxBufferedBytes: 64 * 1024 });
    await subscribeInPage(desk.page, 'flood/#');
  });
  afterAll(async () => {
    await desk?.close();
  });

  /** The sequence number of the newest packet the backend captured on the desk's connection. */
  const newest = async () => {
    const profiles = await desk.app.backend.dispatch('profiles.list', {});
    if (!profiles.ok) throw new Error(profiles.error.message);
    const connectionId = (profiles.value as Array<{ id: string }>)[0]!.id;
    let after = 0;
    // Page through to the newest (bounded: the capture holds under 100,000 here).
    for (let i = 0; i < 100; i++) {
      const r = await desk.app.backend.dispatch('packets.list', { connectionId, afterSeq: after });
      if (!r.ok) break;
      const batch = r.value as PacketBatch & { more: boolean };
      after = batch.packets.at(-1)?.seq ?? after;
      if (!batch.more) break;
    }
    return after;
  };

  it('are fetched, so the inspector shows every packet the backend captured', async () => {
    const { page } = desk;
    // Open while the page stalls: packet batches stream to it (none come while it is
    // closed), and the server drops those its socket cannot take.
    await page.getByRole('tab', { name: 'Packets' }).click();
    await expect.poll(async () => (await page.getByLabel('Packet count').textContent()) ?? '', { timeout: 30_000 }).toBe('4 of 4 packets');

    const resume = await pausePage(page);

    const publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'gaps-pub' });
    let markers = 0;
    try {
      const payload = Buffer.alloc(200, 0x61);
      for (let i = 0; i < MESSAGES; i++) publisher.publish(`flood/${i % 10}`, payload);
      // CONNECT, CONNACK, SUBSCRIBE and SUBACK came first.
      await expect.poll(newest, { timeout: 60_000, interval: 200 }).toBe(MESSAGES + 4);
      await resume();
      // Markers once the page reads again, until the inspector holds every packet: the
      // packet batch of a marker the server could send shows the gap left by those dropped
      // before it (the first markers' batches may be dropped too, while the socket drains).
      await expect
        .poll(
          async () => {
            const captured = await newest();
            const shown = (await page.getByLabel('Packet count').textContent()) ?? '';
            if (shown === `${captured} of ${captured} packets`) return true;
            await publisher.publishAsync('flood/marker', 'marker');
            markers++;
            return false;
          },
          { timeout: 60_000, interval: 500 },
        )
        .toBe(true);
    } finally {
      await publisher.endAsync();
    }
    const held = MESSAGES + 4 + markers;
    await expect.poll(newest, { timeout: 10_000 }).toBe(held);

    await expect.poll(async () => (await page.getByLabel('Packet count').textContent()) ?? '', { timeout: 30_000 }).toBe(`${held} of ${held} packets`);
    // Every received PUBLISH is there, in order: the filter finds them all.
    await page.getByLabel('Packet type').selectOption('PUBLISH');
    await expect.poll(async () => (await page.getByLabel('Packet count').textContent()) ?? '', { timeout: 10_000 }).toBe(`${MESSAGES + markers} of ${held} packets`);
    await page.getByLabel('Packet type').selectOption('all');
    // The page did lose batches, or this test shows nothing: the message log says so (the
    // marker's batch carries the count of messages dropped before it).
    await page.getByRole('tab', { name: 'Messages' }).click();
    await expect.poll(async () => (await page.getByRole('region', { name: 'Message log' }).getByLabel('Message count').textContent()) ?? '', { timeout: 30_000 }).toMatch(/dropped/);
  });

  it('at the end of a burst are fetched when the inspector opens, with no later batch to show the gap', async () => {
    const { page } = desk;
    const before = await newest();
    await page.getByRole('tab', { name: 'Messages' }).click();
    const shownBefore = await messagesShown(page);

    const resume = await pausePage(page);
    const publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'gaps-pub-2' });
    try {
      const payload = Buffer.alloc(200, 0x62);
      // Spread over more than the backend's batch window (12 batches of 50 ms) of a page that
      // does not read: a burst sent faster fits in the window, so nothing is dropped and this
      // test shows nothing (a fast machine published all of it within 12 batches once).
      const CHUNKS = 20;
      for (let chunk = 0; chunk < CHUNKS; chunk++) {
        for (let i = chunk * (MESSAGES / CHUNKS); i < (chunk + 1) * (MESSAGES / CHUNKS); i++) publisher.publish(`flood/${i % 10}`, payload);
        await new Promise((r) => setTimeout(r, 60));
      }
      await expect.poll(newest, { timeout: 60_000, interval: 200 }).toBe(before + MESSAGES);
    } finally {
      await publisher.endAsync();
      await resume();
    }
    const held = before + MESSAGES;

    // Opening the inspector asks the backend for packets: its answer comes after every batch
    // the socket still held, so once it is on screen the page has all it will get.
    await page.getByRole('tab', { name: 'Packets' }).click();
    await expect.poll(async () => (await page.getByLabel('Packet count').textContent()) ?? '', { timeout: 30_000 }).toBe(`${held} of ${held} packets`);
    // Batches were dropped (or this test shows nothing): the message log got fewer than were sent.
    await page.getByRole('tab', { name: 'Messages' }).click();
    expect(await messagesShown(page)).toBeLessThan(shownBefore + MESSAGES);
  }, 180_000);
});

async function messagesShown(page: Page): Promise<number> {
  const text = (await page.getByRole('region', { name: 'Message log' }).getByLabel('Message count').textContent()) ?? '';
  return Number(/^(\d+) shown/.exec(text)?.[1] ?? NaN);
}
