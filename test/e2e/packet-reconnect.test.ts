/**
 * A page whose WebSocket to the backend is lost while the packet inspector is open fetches,
 * once the socket is back, the packets captured while it was cut off: the batches sent to
 * the dead socket are gone, and at the end of a burst no later batch shows the gap. The
 * socket is routed through Playwright, which drops what the server sends while "cut" and
 * then closes the page's end, so the loss is exact rather than timed.
 */

import { connectAsync } from 'mqtt';
import type { WebSocketRoute } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newestCapturedSeq, reloadConnectSubscribe } from '../helpers/captured-packets';
import { openDesk, type Desk } from '../helpers/desk';

const MESSAGES = 300;

describe('packets missed while the WebSocket was down', () => {
  let desk: Desk;
  let connectionId = '';
  /** The page's current socket, and whether what the server sends on it is dropped. */
  let current: { route: WebSocketRoute; cut: boolean } | undefined;
  let sockets = 0;

  beforeAll(async () => {
    desk = await openDesk();
    await desk.page.routeWebSocket(/\/api/, (route) => {
      const socket = { route, cut: false };
      current = socket;
      sockets++;
      const server = route.connectToServer();
      route.onMessage((message) => server.send(message));
      server.onMessage((message) => {
        if (!socket.cut) route.send(message);
      });
    });
    connectionId = await reloadConnectSubscribe(desk, 'cut/#');
  });
  afterAll(async () => {
    await desk?.close();
  });

  const captured = () => newestCapturedSeq(desk, connectionId);
  const count = async () => (await desk.page.getByLabel('Packet count').textContent()) ?? '';

  it('are fetched when the socket reopens', async () => {
    const { page } = desk;
    await page.getByRole('tab', { name: 'Packets' }).click();
    const before = await captured();
    await expect.poll(count, { timeout: 30_000 }).toBe(`${before} of ${before} packets`);

    // Cut: the server's frames stop reaching the page; the burst is captured meanwhile.
    current!.cut = true;
    const publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'cut-pub' });
    try {
      for (let i = 0; i < MESSAGES; i++) publisher.publish(`cut/${i % 5}`, `m${i}`);
      await expect.poll(captured, { timeout: 30_000 }).toBe(before + MESSAGES);
    } finally {
      await publisher.endAsync();
    }
    // The page has not seen the burst: the count is what it was.
    expect(await count()).toBe(`${before} of ${before} packets`);

    // Down, and back: the page reopens its socket (a new route, not cut).
    const reopened = sockets;
    await current!.route.close({ code: 4000, reason: 'test cut' });
    await expect.poll(() => sockets, { timeout: 30_000 }).toBeGreaterThan(reopened);
    const after = before + MESSAGES;
    await expect.poll(count, { timeout: 30_000 }).toBe(`${after} of ${after} packets`);
  });
});
