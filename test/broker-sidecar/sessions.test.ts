import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IConnackPacket, IConnectPacket, IPublishPacket } from 'mqtt-packet';
import type { LogEntry } from '../../broker-sidecar/logger';
import { endAll, mqttClient, RawClient, sleep, startBroker, type RunningBroker } from '../helpers/broker-harness';
import { until } from '../helpers/wait';

const logs: LogEntry[] = [];
let running: RunningBroker;
const raws: RawClient[] = [];

/** Connects raw and returns the client with its CONNACK. */
async function connect(clientId: string, version: 4 | 5, extra: Partial<IConnectPacket>): Promise<{ c: RawClient; connack: IConnackPacket }> {
  const c = await RawClient.open(running.port, version);
  raws.push(c);
  c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId, clean: true, keepalive: 30, ...extra });
  const connack = (await c.next()) as IConnackPacket;
  expect(connack.cmd).toBe('connack');
  return { c, connack };
}

async function publishFrom(clientId: string, topic: string, payloads: string[], qos: 0 | 1 | 2): Promise<void> {
  const pub = await mqttClient(running.port, { clientId });
  for (const p of payloads) await pub.publishAsync(topic, p, { qos });
  // A QoS 0 publish resolves once written; this PUBACK proves the broker has routed it (one connection is handled in order).
  await pub.publishAsync('ctl/flushed', '', { qos: 1 });
  await endAll(pub);
}

beforeAll(async () => {
  running = await startBroker({ maxQueuedMessages: 3, logger: (e) => logs.push(e) });
});
afterEach(() => {
  for (const r of raws.splice(0)) r.destroy();
});
afterAll(async () => {
  await running.stop();
});

describe('persistent sessions (3.1.1 clean session 0)', () => {
  it('keeps subscriptions, queues QoS 1 while offline and reports Session Present', async () => {
    const first = await connect('keep', 4, { clean: false });
    expect(first.connack.sessionPresent).toBe(false);
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'keep/#', qos: 1 }] });
    await first.c.next();
    first.c.write([0xe0, 0x00]);
    await first.c.waitClosed();

    await publishFrom('keep-pub', 'keep/q1', ['one'], 1);
    await publishFrom('keep-pub0', 'keep/q0', ['zero'], 0);

    const second = await connect('keep', 4, { clean: false });
    expect(second.connack.sessionPresent).toBe(true);
    // The queue goes out right after CONNACK, before our PINGREQ is read: only the QoS 1 message was kept.
    const resumed = (await second.c.beforePingresp()) as IPublishPacket[];
    expect(resumed.map((p) => [p.topic, p.payload.toString(), p.qos, p.dup])).toEqual([['keep/q1', 'one', 1, false]]);
  });

  it('starts afresh with clean session 1: no Session Present, no old subscriptions', async () => {
    const first = await connect('fresh', 4, { clean: false });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'fresh/#', qos: 1 }] });
    await first.c.next();
    first.c.destroy();
    await first.c.closed;
    const second = await connect('fresh', 4, { clean: true });
    expect(second.connack.sessionPresent).toBe(false);
    expect(running.broker.options.sessions.get('fresh')!.subscriptions.size).toBe(0);
  });

  it('resends an unacknowledged QoS 1 PUBLISH with DUP and the same packet ID on resume', async () => {
    const first = await connect('redeliver', 4, { clean: false });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'redo/#', qos: 1 }] });
    await first.c.next();
    await publishFrom('redo-pub', 'redo/a', ['again'], 1);
    const original = (await first.c.next()) as IPublishPacket;
    expect(original.dup).toBe(false);
    first.c.destroy(); // no PUBACK
    await first.c.closed;
    const second = await connect('redeliver', 4, { clean: false });
    const resent = (await second.c.next()) as IPublishPacket;
    expect(resent).toMatchObject({ cmd: 'publish', topic: 'redo/a', dup: true, qos: 1, messageId: original.messageId });
    expect(second.c.bytes()[4]! & 0x08).toBe(0x08); // DUP bit of the PUBLISH fixed header, after the 4-byte CONNACK
    second.c.send({ cmd: 'puback', messageId: original.messageId! });
    expect(await second.c.beforePingresp()).toEqual([]); // the PUBACK was handled before the PINGREQ
    expect(running.broker.options.sessions.get('redeliver')!.inflight.size).toBe(0);
  });

  it('resends PUBREL, not the PUBLISH, for a QoS 2 message already at PUBREC', async () => {
    const first = await connect('rel', 4, { clean: false });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rel/#', qos: 2 }] });
    await first.c.next();
    await publishFrom('rel-pub', 'rel/a', ['x'], 2);
    const publish = (await first.c.next()) as IPublishPacket;
    first.c.send({ cmd: 'pubrec', messageId: publish.messageId! });
    expect(await first.c.next()).toMatchObject({ cmd: 'pubrel', messageId: publish.messageId });
    first.c.destroy();
    await first.c.closed;
    const second = await connect('rel', 4, { clean: false });
    expect(await second.c.next()).toMatchObject({ cmd: 'pubrel', messageId: publish.messageId });
  });

  it('bounds the offline queue, counting and logging what it drops', async () => {
    const first = await connect('bounded', 4, { clean: false });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'bound/#', qos: 1 }] });
    await first.c.next();
    first.c.write([0xe0, 0x00]);
    await first.c.waitClosed();
    await publishFrom('bound-pub', 'bound/a', ['1', '2', '3', '4', '5'], 1);
    const session = running.broker.options.sessions.get('bounded')!;
    expect(session.queue).toHaveLength(3);
    expect(session.dropped).toBe(2);
    expect(logs.some((e) => e.level === 'warning' && e.clientId === 'bounded' && /dropped 1 so far/.test(e.message))).toBe(true);
    const second = await connect('bounded', 4, { clean: false });
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const p = (await second.c.next()) as IPublishPacket;
      got.push(p.payload.toString());
      second.c.send({ cmd: 'puback', messageId: p.messageId! });
    }
    expect(got).toEqual(['1', '2', '3']);
  });
});

describe('session expiry (5.0)', () => {
  it('resumes a session within its Session Expiry Interval', async () => {
    const first = await connect('exp-in', 5, { clean: false, properties: { sessionExpiryInterval: 30 } });
    first.c.write([0xe0, 0x00]);
    await first.c.waitClosed();
    const second = await connect('exp-in', 5, { clean: false, properties: { sessionExpiryInterval: 30 } });
    expect(second.connack.sessionPresent).toBe(true);
  });

  it('drops the session once the interval has passed', async () => {
    const first = await connect('exp-out', 5, { clean: false, properties: { sessionExpiryInterval: 1 } });
    first.c.write([0xe0, 0x00]);
    await first.c.waitClosed();
    await until(() => running.broker.options.sessions.get('exp-out') === undefined, 5000, 'the session to expire');
    const second = await connect('exp-out', 5, { clean: false, properties: { sessionExpiryInterval: 1 } });
    expect(second.connack.sessionPresent).toBe(false);
  });

  it('ends a session with interval 0 together with its connection', async () => {
    const first = await connect('exp-zero', 5, { clean: false });
    first.c.write([0xe0, 0x00]);
    await first.c.waitClosed();
    const second = await connect('exp-zero', 5, { clean: false });
    expect(second.connack.sessionPresent).toBe(false);
  });

  it('lets DISCONNECT shorten the interval but not raise it from 0 (DISCONNECT 0x82)', async () => {
    const first = await connect('exp-raise', 5, { clean: false });
    first.c.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 60 } });
    expect(await first.c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 });
    const shorter = await connect('exp-short', 5, { clean: false, properties: { sessionExpiryInterval: 60 } });
    shorter.c.send({ cmd: 'disconnect', reasonCode: 0, properties: { sessionExpiryInterval: 0 } });
    await shorter.c.waitClosed();
    expect(running.broker.options.sessions.get('exp-short')).toBeUndefined();
  });

  it('drops queued messages whose Message Expiry passed, and shortens the interval of the rest', async () => {
    const first = await connect('expiring', 5, { clean: false, properties: { sessionExpiryInterval: 60 } });
    first.c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mx/#', qos: 1, nl: false, rap: false, rh: 0 }] });
    await first.c.next();
    first.c.write([0xe0, 0x00]);
    await first.c.waitClosed();
    const pub = await mqttClient(running.port, { clientId: 'mx-pub', protocolVersion: 5 });
    const publishedAt = Date.now();
    await pub.publishAsync('mx/short', 'stale', { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.publishAsync('mx/long', 'fresh', { qos: 1, properties: { messageExpiryInterval: 60 } });
    await endAll(pub);
    await sleep(1100);
    const second = await connect('expiring', 5, { clean: false, properties: { sessionExpiryInterval: 60 } });
    const resumed = (await second.c.beforePingresp()) as IPublishPacket[];
    const waited = Math.ceil((Date.now() - publishedAt) / 1000); // however slow the machine was
    expect(resumed.map((p) => [p.topic, p.payload.toString()])).toEqual([['mx/long', 'fresh']]);
    expect(resumed[0]!.properties?.messageExpiryInterval).toBeLessThanOrEqual(59);
    expect(resumed[0]!.properties?.messageExpiryInterval).toBeGreaterThanOrEqual(60 - waited);
  });
});
