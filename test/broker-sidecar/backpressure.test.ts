import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endAll, mqttClient, RawClient, sleep, startBroker, withTimeout, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;

beforeAll(async () => {
  running = await startBroker({ maxWriteBufferBytes: 256 * 1024 });
});
afterAll(async () => {
  await running.stop();
});

describe('socket backpressure', () => {
  it('queues behind a subscriber that stops reading, drops QoS 0 past the bound, and recovers', async () => {
    const slow = await RawClient.connected(running.port, 'slow-reader', 4);
    slow.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'flood/#', qos: 0 }] });
    await slow.next();
    slow.socket.pause(); // stop reading: the kernel buffers fill, then the broker's socket reports full

    const pub = await mqttClient(running.port, { clientId: 'flooder' });
    const payload = Buffer.alloc(32 * 1024, 0x61);
    for (let i = 0; i < 200; i++) pub.publish('flood/a', payload, { qos: 0 });
    await pub.publishAsync('flood/sync', 'x', { qos: 1 }); // the publisher is not held up by the slow one
    const conn = running.broker.online('slow-reader')!;
    await withTimeout(
      (async () => {
        while (conn.droppedQos0 === 0) await sleep(20);
      })(),
      5000,
      'QoS 0 drops',
    );
    expect(conn.droppedQos0).toBeGreaterThan(0);
    expect(conn.droppedQos0).toBeLessThan(201);

    // Reading again drains the queue and the connection carries on normally.
    expect(conn.backlogBytes).toBeGreaterThan(0);
    slow.socket.resume();
    await withTimeout(
      (async () => {
        while (conn.backlogBytes > 0) await sleep(20);
      })(),
      5000,
      'the backlog to drain',
    );
    await pub.publishAsync('flood/end', 'end', { qos: 0 });
    await withTimeout(
      (async () => {
        let seen = false;
        while (!seen) {
          seen = slow.packets.some((p) => p.cmd === 'publish' && p.topic === 'flood/end');
          slow.packets.length = 0;
          if (!seen) await sleep(20);
        }
      })(),
      5000,
      'the message after the flood',
    );
    slow.write([0xc0, 0x00]);
    await withTimeout(
      (async () => {
        while (!slow.packets.some((p) => p.cmd === 'pingresp')) await sleep(20);
      })(),
      2000,
      'PINGRESP after the flood',
    );
    await endAll(pub);
    slow.destroy();
  });
});
