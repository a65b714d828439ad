/**
 * Captured packets reach the page only while it shows them: with the packet inspector closed
 * the backend sends no packets.batch frame (at a flood they were as many bytes as the
 * messages, decoded for nothing); opening it fetches what was captured meanwhile, and from
 * then on packets stream in. Absence is proved by order on the one WebSocket: a marker event
 * the backend emits after the packet batch in question arrives, with no packet frame before it.
 */

import { connectAsync, type MqttClient } from 'mqtt';
import type { WebSocket as PageSocket } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PacketBatch } from '../../shared/contract';
import { FRAME_KIND } from '../../shared/wire-batches';
import { newestCapturedSeq } from '../helpers/captured-packets';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

/** What the page received, in order: a packet frame, a message frame, or a text frame (JSON). */
type Received = { kind: 'packets' | 'messages' | 'other' } | { kind: 'text'; text: string };

describe('packet batches follow the packet inspector', () => {
  let desk: Desk;
  let publisher: MqttClient;
  const received: Received[] = [];
  /** The newest packet seq the backend has emitted in a packets.batch (to any page or none). */
  let emittedSeq = 0;
  let connectionId = '';
  let markers = 0;

  beforeAll(async () => {
    desk = await openDesk();
    desk.app.backend.events.subscribe((stream, data) => {
      if (stream === 'packets.batch') emittedSeq = Math.max(emittedSeq, (data as PacketBatch).packets.at(-1)?.seq ?? 0);
    });
    // The socket opened with the page: reload to watch a new one from its first frame. The
    // old page may open one more as it goes: frames count from the newest socket only.
    let current: PageSocket | undefined;
    desk.page.on('websocket', (socket) => {
      current = socket;
      received.length = 0;
      socket.on('framereceived', ({ payload }) => {
        if (socket !== current) return;
        if (typeof payload === 'string') received.push({ kind: 'text', text: payload });
        else received.push({ kind: payload[0] === FRAME_KIND.packets ? 'packets' : payload[0] === FRAME_KIND.messages ? 'messages' : 'other' });
      });
    });
    await desk.page.reload();
    await desk.page.getByRole('button', { name: 'Connect', exact: true }).click();
    await desk.page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
    const profiles = await desk.app.backend.dispatch('profiles.list', {});
    if (!profiles.ok) throw new Error(profiles.error.message);
    connectionId = (profiles.value as Array<{ id: string }>)[0]!.id;
    await subscribeInPage(desk.page, 'fleet/#');
    publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'packet-stream-pub' });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await desk?.close();
  });

  /** Newest packet seq the backend captured on the desk's connection. */
  const captured = () => newestCapturedSeq(desk, connectionId);

  /**
   * Publishes `count` messages, waits until the backend has emitted the packet batch holding
   * the last of them, then emits a marker event; resolves with what the page received from
   * `from` up to the marker.
   */
  const floodThenMarker = async (count: number, from: number): Promise<Received[]> => {
    // QoS 0: one captured PUBLISH per message, nothing else.
    const target = (await captured()) + count + 1;
    for (let i = 0; i < count; i++) publisher.publish(`fleet/dev${i % 50}/temp`, `{"t":${i}}`);
    await publisher.publishAsync('fleet/last', 'last');
    await expect.poll(captured, { timeout: 30_000 }).toBeGreaterThanOrEqual(target);
    await expect.poll(() => emittedSeq >= target, { timeout: 30_000 }).toBe(true);
    const marker = `packet-stream marker ${++markers}`;
    desk.app.backend.events.emit('broker.log', { lines: [{ time: Date.now(), level: 'info', message: marker }] });
    const at = () => received.findIndex((r, i) => i >= from && r.kind === 'text' && r.text.includes(marker));
    await expect.poll(at, { timeout: 30_000 }).toBeGreaterThanOrEqual(0);
    return received.slice(from, at());
  };

  /**
   * The flood did reach the page (so the absence above is not vacuous): a message frame
   * arrived after `from`, and still no packet frame. Message batches may come after the
   * marker: the batch window holds them while the page has not acknowledged earlier ones.
   */
  const messagesArrived = async (from: number) => {
    await expect.poll(() => received.slice(from).some((r) => r.kind === 'messages'), { timeout: 30_000 }).toBe(true);
    expect(received.slice(from).filter((r) => r.kind === 'packets')).toEqual([]);
  };

  it('sends none while the inspector is closed, though messages stream', async () => {
    const before = await floodThenMarker(500, 0);
    expect(before.filter((r) => r.kind === 'packets')).toEqual([]);
    await messagesArrived(0);
  });

  it('fetches what was captured on opening the inspector, then streams packets into it', async () => {
    const held = await captured();
    await desk.page.getByRole('tab', { name: 'Packets' }).click();
    await expect.poll(async () => (await desk.page.getByLabel('Packet count').textContent()) ?? '', { timeout: 30_000 }).toBe(`${held} of ${held} packets`);
    const from = received.length;
    const during = await floodThenMarker(20, from);
    expect(during.filter((r) => r.kind === 'packets').length).toBeGreaterThan(0);
    const now = await captured();
    await expect.poll(async () => (await desk.page.getByLabel('Packet count').textContent()) ?? '', { timeout: 30_000 }).toBe(`${now} of ${now} packets`);
  });

  it('stops again when the inspector closes', async () => {
    await desk.page.getByRole('tab', { name: 'Messages' }).click();
    // A call from the page after its watch frame: the server reads the socket in order, so
    // once the subscription is shown the server knows the inspector closed.
    await subscribeInPage(desk.page, 'other/#');
    const from = received.length;
    const after = await floodThenMarker(500, from);
    expect(after.filter((r) => r.kind === 'packets')).toEqual([]);
    await messagesArrived(from);
  });
});
