import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BrokerEventMap, BrokerEventName } from '../../broker-sidecar/broker-events';
import { RawClient, sleep, startBroker, withTimeout, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;

beforeAll(async () => {
  running = await startBroker();
});
afterAll(async () => {
  await running.stop();
});

/** Records events of the given names until `off()`. */
function record(names: BrokerEventName[]): { seen: Array<[BrokerEventName, BrokerEventMap[BrokerEventName]]>; off(): void } {
  const seen: Array<[BrokerEventName, BrokerEventMap[BrokerEventName]]> = [];
  const offs = names.map((name) => running.broker.events.on(name, (event) => seen.push([name, event])));
  return { seen, off: () => offs.forEach((off) => off()) };
}

async function until(check: () => boolean, what: string): Promise<void> {
  await withTimeout(
    (async () => {
      while (!check()) await sleep(10);
    })(),
    10_000,
    what,
  );
}

describe('stats()', () => {
  it('counts clients, sessions, subscriptions, retained messages, PUBLISHes and bytes', async () => {
    const before = running.broker.stats();
    let tappedIn = 0;
    let tappedOut = 0;
    const off = running.broker.tap.on((e) => (e.direction === 'in' ? (tappedIn += e.bytes.length) : (tappedOut += e.bytes.length)));
    const sub = await RawClient.connected(running.port, 'stats-sub', 5, { clean: false, properties: { sessionExpiryInterval: 60 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'stats/#', qos: 1 }, { topic: 'other', qos: 0 }] });
    await sub.next();
    const pub = await RawClient.connected(running.port, 'stats-pub', 4);
    pub.send({ cmd: 'publish', topic: 'stats/a', payload: Buffer.from('12345'), qos: 1, messageId: 1, dup: false, retain: true });
    await pub.next(); // PUBACK
    await sub.next(); // the PUBLISH
    const stats = running.broker.stats();
    off();
    expect(stats).toMatchObject({
      clientsConnected: before.clientsConnected + 2,
      clientsTotal: before.clientsTotal + 2,
      subscriptions: before.subscriptions + 2,
      retained: before.retained + 1,
      messagesReceived: before.messagesReceived + 1,
      messagesSent: before.messagesSent + 1,
      startedAt: before.startedAt,
    });
    expect(stats.bytesReceived - before.bytesReceived).toBe(tappedIn);
    expect(stats.bytesSent - before.bytesSent).toBe(tappedOut);
    expect(stats.bytesSent - before.bytesSent).toBe(sub.bytes().length + pub.bytes().length);
    sub.destroy();
    pub.destroy();
    await until(() => running.broker.stats().clientsConnected === before.clientsConnected, 'both clients to be gone');
    // The persistent session outlives its connection; the clean one does not.
    expect(running.broker.stats().clientsTotal).toBe(before.clientsTotal + 1);
  });
});

describe('clients() and retained()', () => {
  it('lists online and offline sessions with their connection details and subscriptions', async () => {
    const startedAt = Date.now();
    const c = await RawClient.connected(running.port, 'listed', 5, { keepalive: 42, clean: false, properties: { sessionExpiryInterval: 60 } });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'l/+', qos: 2 }, { topic: '$share/g/l/x', qos: 0 }] });
    await c.next();
    const entry = running.broker.clients().find((e) => e.clientId === 'listed')!;
    expect(entry).toMatchObject({
      clientId: 'listed',
      protocolVersion: 5,
      remoteAddress: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      keepalive: 42,
      cleanStart: false,
      connected: true,
      subscriptions: [
        { filter: 'l/+', qos: 2 },
        { filter: '$share/g/l/x', qos: 0 },
      ],
      inflight: 0,
      queued: 0,
    });
    expect(entry.connectedAt).toBeGreaterThanOrEqual(startedAt);
    c.destroy();
    await until(() => running.broker.clients().find((e) => e.clientId === 'listed')?.connected === false, 'the client to go offline');
    expect(running.broker.clients().find((e) => e.clientId === 'listed')).toMatchObject({ connected: false, keepalive: 42, subscriptions: [{ filter: 'l/+' }, { filter: '$share/g/l/x' }] });
  });

  it('lists retained messages with topic, QoS and payload size, and drops cleared ones', async () => {
    const c = await RawClient.connected(running.port, 'retainer', 5);
    c.send({ cmd: 'publish', topic: 'r/one', payload: Buffer.alloc(300), qos: 1, messageId: 1, dup: false, retain: true, properties: { contentType: 'application/x' } });
    await c.next();
    expect(running.broker.retained().find((r) => r.topic === 'r/one')).toEqual({
      topic: 'r/one',
      qos: 1,
      payloadSize: 300,
      senderId: 'retainer',
      expiresAt: undefined,
      contentType: 'application/x',
    });
    c.send({ cmd: 'publish', topic: 'r/one', payload: Buffer.alloc(0), qos: 1, messageId: 2, dup: false, retain: true });
    await c.next();
    expect(running.broker.retained().some((r) => r.topic === 'r/one')).toBe(false);
    c.destroy();
  });
});

describe('events', () => {
  it('reports connect, subscribe, unsubscribe and disconnect with the reason', async () => {
    const rec = record(['client-connected', 'subscribed', 'unsubscribed', 'client-disconnected']);
    const c = await RawClient.connected(running.port, 'evented', 4, { keepalive: 7 });
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'e/#', qos: 1 }] });
    await c.next();
    c.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['e/#', 'never'] });
    await c.next();
    c.write([0x30, 0x03, 0x00, 0x01, 0x23]); // PUBLISH to '#': a protocol error
    await c.waitClosed();
    const mine = (): typeof rec.seen => rec.seen.filter(([, e]) => 'clientId' in e && e.clientId === 'evented');
    await until(() => mine().length >= 4, 'four events');
    rec.off();
    rec.seen.splice(0, rec.seen.length, ...mine());
    expect(rec.seen.map(([name]) => name)).toEqual(['client-connected', 'subscribed', 'unsubscribed', 'client-disconnected']);
    expect(rec.seen[0]![1]).toMatchObject({ clientId: 'evented', protocolVersion: 4, keepalive: 7, cleanStart: true, sessionPresent: false });
    expect(rec.seen[1]![1]).toMatchObject({ clientId: 'evented', filter: 'e/#', qos: 1 });
    expect(rec.seen[2]![1]).toMatchObject({ clientId: 'evented', filter: 'e/#' });
    expect(rec.seen[3]![1]).toMatchObject({ clientId: 'evented', reason: expect.stringMatching(/^protocol violation: \[MQTT-3\.3\.2-2\] the Topic Name at offset \d+ contains a wildcard/) });
  });

  it('forwards every log line as a structured event with time, level and client', async () => {
    const lines: BrokerEventMap['log'][] = [];
    const off = running.broker.events.on('log', (e) => lines.push(e));
    const startedAt = Date.now();
    const c = await RawClient.connected(running.port, 'logged', 4);
    const connackAt = Date.now();
    c.write([0xe0, 0x00]);
    await c.waitClosed();
    await until(() => lines.some((l) => l.message === 'Client logged disconnected.'), 'the disconnect line');
    off();
    const connected = lines.find((l) => l.message.startsWith('New client connected'))!;
    expect(connected).toMatchObject({ level: 'notice', clientId: 'logged', message: expect.stringMatching(/as logged \(p2, c1, k10\)\.$/) });
    // Stamped when it happened: between our CONNECT and the CONNACK's arrival.
    expect(connected.time).toBeGreaterThanOrEqual(startedAt);
    expect(connected.time).toBeLessThanOrEqual(connackAt);
  });

  it('builds no events with nobody listening, and a throwing listener does not break the broker', async () => {
    expect((['client-connected', 'client-disconnected', 'subscribed', 'unsubscribed', 'log'] as const).some((n) => running.broker.events.has(n))).toBe(false);
    // A whole client life with nobody listening: an event built would be handed to emit().
    const emit = vi.spyOn(running.broker.events, 'emit');
    try {
      const quiet = await RawClient.connected(running.port, 'unwatched', 4);
      quiet.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'unwatched/#', qos: 0 }] });
      await quiet.next();
      quiet.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['unwatched/#'] });
      await quiet.next();
      quiet.write([0xe0, 0x00]);
      await quiet.waitClosed();
      await until(() => running.broker.online('unwatched') === undefined, 'the broker to see the disconnect');
      expect(emit).not.toHaveBeenCalled();
    } finally {
      emit.mockRestore();
    }
    const off = running.broker.events.on('client-connected', () => {
      throw new Error('broken panel');
    });
    expect(running.broker.events.has('client-connected')).toBe(true);
    const c = await RawClient.connected(running.port, 'despite-panel', 4);
    c.write([0xc0, 0x00]);
    expect(await c.next()).toMatchObject({ cmd: 'pingresp' });
    off();
    expect(running.broker.events.has('client-connected')).toBe(false);
    c.destroy();
  });
});
