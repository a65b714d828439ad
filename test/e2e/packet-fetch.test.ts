/**
 * The Packets tab opened after a flood fetches what was captured while it was closed as
 * small binary pages (`packets.page`, result frames on the WebSocket), not JSON pages of
 * `packets.list`, and ends holding every packet, in order: the rows at every position of
 * the list are the packets of that position, sequence numbers with no gap and no reordering.
 */

import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FETCH_PAGE_PACKETS } from '../../renderer/src/store/packet-pages';
import { FRAME_KIND } from '../../shared/wire-batches';
import { newestCapturedSeq, reloadConnectSubscribe } from '../helpers/captured-packets';
import { openDesk, type Desk } from '../helpers/desk';

/** Several fetch pages (`FETCH_PAGE_PACKETS` a page). */
const MESSAGES = 20_000;
const ROW_HEIGHT = 26;

describe('the Packets tab opened after a flood', () => {
  let desk: Desk;
  let connectionId = '';
  const sent: string[] = [];
  let resultFrames = 0;

  beforeAll(async () => {
    desk = await openDesk();
    desk.page.on('websocket', (socket) => {
      socket.on('framesent', ({ payload }) => {
        if (typeof payload === 'string') sent.push(payload);
      });
      socket.on('framereceived', ({ payload }) => {
        if (typeof payload !== 'string' && payload[0] === FRAME_KIND.result) resultFrames++;
      });
    });
    // Watch the page's socket from its first frame.
    connectionId = await reloadConnectSubscribe(desk, 'flood/#');
  });
  afterAll(async () => {
    await desk?.close();
  });

  const captured = () => newestCapturedSeq(desk, connectionId);

  it('shows every packet captured meanwhile, in order, fetched as binary pages', async () => {
    const { page } = desk;
    const publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'packet-fetch-pub' });
    try {
      for (let i = 0; i < MESSAGES; i++) publisher.publish(`flood/${i % 10}`, `m${i}`);
      // CONNECT, CONNACK, SUBSCRIBE and SUBACK came first; one PUBLISH per QoS 0 message.
      await expect.poll(captured, { timeout: 60_000, interval: 200 }).toBe(MESSAGES + 4);
    } finally {
      await publisher.endAsync();
    }
    const held = MESSAGES + 4;

    await page.getByRole('tab', { name: 'Packets' }).click();
    await expect.poll(async () => (await page.getByLabel('Packet count').textContent()) ?? '', { timeout: 30_000 }).toBe(`${held} of ${held} packets`);

    // The fetch went as packets.page calls answered by binary result frames, no packets.list.
    const calls = sent.map((text) => /"command":"([^"]+)"/.exec(text)?.[1]);
    expect(calls.filter((c) => c === 'packets.page').length).toBeGreaterThanOrEqual(Math.ceil(held / FETCH_PAGE_PACKETS));
    expect(calls.filter((c) => c === 'packets.list')).toEqual([]);
    expect(resultFrames).toBeGreaterThanOrEqual(Math.ceil(held / FETCH_PAGE_PACKETS));

    // Row i of the list is packet i + 1 at every position visited: the first and last
    // screenful and 20 between (rows are drawn by position, so a gap or a reordering shows).
    const list = page.getByRole('listbox', { name: 'Packets' });
    const rowsAt = (top: number) =>
      list.evaluate(async (element, top) => {
        element.scrollTop = top;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return [...element.querySelectorAll('[role=option]')].map((row) => ({ id: row.id, top: parseFloat((row as HTMLElement).style.top) }));
      }, top);
    const prefix = `packet-${connectionId}-`;
    for (let step = 0; step <= 21; step++) {
      const top = Math.round(((held * ROW_HEIGHT) / 21) * step);
      const rows = await rowsAt(top);
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row.id).toBe(`${prefix}${row.top / ROW_HEIGHT + 1}`);
      const seqs = rows.map((row) => Number(row.id.slice(prefix.length))).sort((a, b) => a - b);
      expect(seqs.at(-1)! - seqs[0]!).toBe(seqs.length - 1);
      if (step === 21) expect(seqs.at(-1)).toBe(held);
      if (step === 0) expect(seqs[0]).toBe(1);
    }
    // The last rows are the flood's last PUBLISHes, in the order sent.
    expect(await list.getByRole('option').last().textContent()).toContain('flood/');
  });
});
