/**
 * A page that stops reading: the web server drops the batches its socket cannot take (it
 * must not grow without bound), and the packet inspector must still end up holding every
 * captured packet, fetching the ones whose batches were dropped. The page is stopped by
 * pausing its JavaScript through the DevTools protocol, so the stall has no duration to guess.
 */

import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PacketBatch } from '../../shared/contract';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

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

  it('are fetched, so the inspector shows every packet the backend captured', async () => {
    const { page, app } = desk;
    const profiles = await app.backend.dispatch('profiles.list', {});
    if (!profiles.ok) throw new Error(profiles.error.message);
    const id = (profiles.value as Array<{ id: string }>)[0]!.id;
    const lastHeld = async () => {
      const r = await app.backend.dispatch('packets.list', { connectionId: id, afterSeq: MESSAGES - 1 });
      return r.ok ? ((r.value as PacketBatch).packets.at(-1)?.seq ?? 0) : 0;
    };

    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Debugger.enable');
    await cdp.send('Debugger.pause');
    // Paused at the next statement the page runs: give it one (its timers run often enough).
    const paused = new Promise((resolve) => cdp.once('Debugger.paused', resolve));
    const step = page.evaluate(() => void 0).catch(() => undefined);
    await paused;

    const publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'gaps-pub' });
    let markers = 0;
    try {
      const payload = Buffer.alloc(200, 0x61);
      for (let i = 0; i < MESSAGES; i++) publisher.publish(`flood/${i % 10}`, payload);
      // CONNECT, CONNACK, SUBSCRIBE and SUBACK came first.
      await expect.poll(lastHeld, { timeout: 60_000, interval: 200 }).toBe(MESSAGES + 4);
      await cdp.send('Debugger.resume');
      await cdp.send('Debugger.disable');
      await step;
      // Markers once the page reads again, until one reaches it: the first batch it gets
      // carries the count of messages dropped before it. The page did lose batches, or this
      // test shows nothing: the message log says so.
      await expect
        .poll(
          async () => {
            await publisher.publishAsync('flood/marker', 'marker');
            markers++;
            return (await page.getByRole('region', { name: 'Message log' }).getByLabel('Message count').textContent()) ?? '';
          },
          { timeout: 60_000, interval: 500 },
        )
        .toMatch(/dropped/);
    } finally {
      await publisher.endAsync();
    }
    const held = MESSAGES + 4 + markers;
    await expect.poll(lastHeld, { timeout: 10_000 }).toBe(held);

    await page.getByRole('tab', { name: 'Packets' }).click();
    await expect.poll(async () => (await page.getByLabel('Packet count').textContent()) ?? '', { timeout: 30_000 }).toBe(`${held} of ${held} packets`);
    // Every received PUBLISH is there, in order: the filter finds them all.
    await page.getByLabel('Packet type').selectOption('PUBLISH');
    await expect.poll(async () => (await page.getByLabel('Packet count').textContent()) ?? '', { timeout: 10_000 }).toBe(`${MESSAGES + markers} of ${held} packets`);
  });
});
