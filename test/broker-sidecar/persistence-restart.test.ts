/**
 * Persistence across an in-process restart (close the broker, open a new one on the same
 * data directory): retained messages and durable sessions come back exactly.
 */

import type { IConnackPacket, IPublishPacket, ISubackPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { endAll, mqttClient, RawClient, sleep } from '../helpers/broker-harness';
import { durableTestRuns } from '../helpers/persistence';

const { dataDir, start, stop, track } = durableTestRuns();

async function raw(port: number, version: 4 | 5): Promise<RawClient> {
  return track(await RawClient.open(port, version));
}

/** CONNECTs a raw client with Clean Session/Start 0 and returns its CONNACK. */
async function resume(client: RawClient, clientId: string, version: 4 | 5, expiry?: number): Promise<IConnackPacket> {
  const properties = version === 5 ? { sessionExpiryInterval: expiry ?? 0 } : undefined;
  client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId, clean: false, keepalive: 30, properties });
  const connack = await client.next();
  expect(connack.cmd).toBe('connack');
  return connack as IConnackPacket;
}

async function publish(port: number, topic: string, payload: string | Buffer, qos: 0 | 1 | 2, extra: Record<string, unknown> = {}): Promise<void> {
  const pub = await mqttClient(port, { protocolVersion: 5 });
  await pub.publishAsync(topic, payload, { qos, ...extra });
  // A QoS 0 publish resolves once written; this PUBACK proves the broker has routed it (one connection is handled in order).
  if (qos === 0) await pub.publishAsync('ctl/flushed', '', { qos: 1 });
  await endAll(pub);
}

describe('retained messages with persistence', () => {
  it('come back after a restart with binary payload, QoS and every 5.0 property intact', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const payload = Buffer.from([0x00, 0xff, 0x01, 0x80, 0x0a, 0x0d, 0xc3]);
    const properties = {
      contentType: 'application/octet-stream',
      correlationData: Buffer.from([0x09, 0x00, 0x08]),
      responseTopic: 'reply/here',
      messageExpiryInterval: 3600,
      userProperties: { a: ['1', '2'], b: 'x' },
    };
    await publish(first.port, 'keep/bin', payload, 1, { retain: true, properties });
    await publish(first.port, 'keep/text', 'plain', 2, { retain: true });
    await publish(first.port, 'keep/gone', 'cleared before the restart', 1, { retain: true });
    await publish(first.port, 'keep/gone', '', 1, { retain: true });
    await stop(first);

    const second = await start(dir);
    expect(second.log.map((e) => e.message)).toContainEqual(expect.stringMatching(/^Restored 2 retained messages, 0 sessions/));
    const reader = await raw(second.port, 5);
    reader.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'reader', clean: true, keepalive: 30 });
    await reader.next();
    reader.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'keep/#', qos: 2 }] });
    expect(((await reader.next()) as ISubackPacket).granted).toEqual([2]);
    // Retained messages go out right after the SUBACK, before the PINGREQ is read; the cleared topic stayed cleared.
    const got = ((await reader.beforePingresp()) as IPublishPacket[]).sort((a, b) => a.topic.localeCompare(b.topic));
    expect(got.map((p) => [p.topic, p.qos, p.retain])).toEqual([
      ['keep/bin', 1, true],
      ['keep/text', 2, true],
    ]);
    expect(Buffer.from(got[0]!.payload).equals(payload)).toBe(true);
    const { messageExpiryInterval, ...rest } = got[0]!.properties ?? {};
    expect(rest).toEqual({ contentType: properties.contentType, correlationData: properties.correlationData, responseTopic: properties.responseTopic, userProperties: properties.userProperties });
    expect(messageExpiryInterval).toBeGreaterThan(3500);
    expect(messageExpiryInterval).toBeLessThanOrEqual(3600);
    expect(got[1]!.payload.toString()).toBe('plain');
  });

  it('keeps the latest value of a topic and forgets one cleared after a restart', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await publish(first.port, 'latest/a', 'v1', 1, { retain: true });
    await publish(first.port, 'latest/a', 'v2', 1, { retain: true });
    await publish(first.port, 'latest/b', 'b', 1, { retain: true });
    await stop(first);
    const second = await start(dir);
    await publish(second.port, 'latest/b', '', 1, { retain: true });
    await stop(second);
    const third = await start(dir);
    expect([...third.broker.options.retained.all()].map((m) => [m.topic, m.payload.toString()])).toEqual([['latest/a', 'v2']]);
  });
});

describe('retained messages that expire', () => {
  it('drops one whose Message Expiry ran out while the broker was down', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await publish(first.port, 'short/lived', 'gone soon', 1, { retain: true, properties: { messageExpiryInterval: 1 } });
    await publish(first.port, 'short/kept', 'stays', 1, { retain: true });
    await stop(first);
    await sleep(1100);
    const second = await start(dir);
    expect([...second.broker.options.retained.all()].map((m) => m.topic)).toEqual(['short/kept']);
  });
});

describe('durable sessions with persistence', () => {
  it('restores a 5.0 session with its subscription options and queued QoS 1 and 2 messages, with Session Present 1', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const sub = await raw(first.port, 5);
    expect((await resume(sub, 'durable5', 5, 3600)).sessionPresent).toBe(false);
    sub.send({ cmd: 'subscribe', messageId: 1, properties: { subscriptionIdentifier: 42 }, subscriptions: [{ topic: 'd5/#', qos: 2, nl: true, rap: true, rh: 0 }] });
    expect(((await sub.next()) as ISubackPacket).granted).toEqual([2]);
    sub.send({ cmd: 'disconnect' });
    await sub.waitClosed();
    await publish(first.port, 'd5/one', 'one', 1, { properties: { contentType: 'text/plain' } });
    await publish(first.port, 'd5/two', Buffer.from([1, 2, 3]), 2, { retain: true });
    await publish(first.port, 'd5/zero', 'zero', 0); // QoS 0 is not kept for an offline session
    await stop(first);

    const second = await start(dir);
    expect(second.log.map((e) => e.message)).toContainEqual(expect.stringMatching(/^Restored 1 retained messages, 1 sessions and 0 pending wills/));
    expect(second.broker.clients()).toContainEqual(expect.objectContaining({ clientId: 'durable5', connected: false, protocolVersion: 5, queued: 2 }));
    expect(second.broker.stats()).toMatchObject({ subscriptions: 1 }); // the restored subscription is counted
    const again = await raw(second.port, 5);
    expect((await resume(again, 'durable5', 5, 3600)).sessionPresent).toBe(true);
    const one = (await again.next()) as IPublishPacket;
    const two = (await again.next()) as IPublishPacket;
    expect([one.topic, one.payload.toString(), one.qos, one.dup, one.properties]).toEqual(['d5/one', 'one', 1, false, { contentType: 'text/plain', subscriptionIdentifier: 42 }]);
    expect([two.topic, [...two.payload], two.qos, two.retain]).toEqual(['d5/two', [1, 2, 3], 2, true]); // Retain As Published survived
    expect(two.properties?.subscriptionIdentifier).toBe(42);
    again.send({ cmd: 'puback', messageId: one.messageId! });
    again.send({ cmd: 'pubrec', messageId: two.messageId! });
    expect(await again.next()).toMatchObject({ cmd: 'pubrel', messageId: two.messageId });
    again.send({ cmd: 'pubcomp', messageId: two.messageId! });
    // No Local survived too: the session's own publish does not come back before the PINGRESP.
    again.send({ cmd: 'publish', topic: 'd5/self', payload: Buffer.from('mine'), qos: 0, retain: false, dup: false });
    expect(await again.beforePingresp()).toEqual([]);
    again.send({ cmd: 'disconnect' });
    await again.waitClosed();
    await stop(second);

    // What was acknowledged is gone from the store: nothing is delivered twice after another restart.
    const third = await start(dir);
    const last = await raw(third.port, 5);
    expect((await resume(last, 'durable5', 5, 3600)).sessionPresent).toBe(true);
    expect(await last.beforePingresp()).toEqual([]); // a resumed session's messages would come first
  });

  it('restores a 3.1.1 clean-session-0 session: the unacknowledged message is resent with DUP and its packet ID, then the queue', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const sub = await raw(first.port, 4);
    await resume(sub, 'durable4', 4);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'd4/#', qos: 2 }] });
    await sub.next();
    await publish(first.port, 'd4/a', 'in flight', 1);
    const original = (await sub.next()) as IPublishPacket;
    expect(original).toMatchObject({ topic: 'd4/a', dup: false });
    sub.destroy(); // no PUBACK
    await sub.closed;
    await publish(first.port, 'd4/b', 'queued', 2);
    await stop(first);

    const second = await start(dir);
    const again = await raw(second.port, 4);
    expect((await resume(again, 'durable4', 4)).sessionPresent).toBe(true);
    expect(await again.next()).toMatchObject({ cmd: 'publish', topic: 'd4/a', qos: 1, dup: true, messageId: original.messageId });
    const queued = (await again.next()) as IPublishPacket;
    expect([queued.topic, queued.payload.toString(), queued.qos, queued.dup]).toEqual(['d4/b', 'queued', 2, false]);
    expect(queued.messageId).not.toBe(original.messageId); // that ID is still in flight
  });

  it('resends PUBREL, not the PUBLISH, for an outgoing QoS 2 message that had reached PUBREC', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const sub = await raw(first.port, 4);
    await resume(sub, 'rel4', 4);
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rel/#', qos: 2 }] });
    await sub.next();
    await publish(first.port, 'rel/a', 'x', 2);
    const delivered = (await sub.next()) as IPublishPacket;
    sub.send({ cmd: 'pubrec', messageId: delivered.messageId! });
    expect(await sub.next()).toMatchObject({ cmd: 'pubrel', messageId: delivered.messageId });
    sub.destroy();
    await sub.closed;
    await stop(first);

    const second = await start(dir);
    const again = await raw(second.port, 4);
    expect((await resume(again, 'rel4', 4)).sessionPresent).toBe(true);
    expect(await again.beforePingresp()).toEqual([expect.objectContaining({ cmd: 'pubrel', messageId: delivered.messageId })]);
  });

  it('keeps the exactly-once memory of an incoming QoS 2 message: a resent PUBLISH after the restart is not routed again', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const watcher = await raw(first.port, 4);
    await resume(watcher, 'eo-watch', 4);
    watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'eo/#', qos: 2 }] });
    await watcher.next();
    watcher.destroy();
    await watcher.closed;
    const pub = await raw(first.port, 4);
    await resume(pub, 'eo-pub', 4);
    const message = { cmd: 'publish', topic: 'eo/x', payload: Buffer.from('once'), qos: 2, messageId: 7, retain: false, dup: false } as const;
    pub.send(message);
    expect(await pub.next()).toMatchObject({ cmd: 'pubrec', messageId: 7 });
    pub.destroy(); // gone before sending PUBREL
    await pub.closed;
    await stop(first);

    const second = await start(dir);
    const again = await raw(second.port, 4);
    expect((await resume(again, 'eo-pub', 4)).sessionPresent).toBe(true);
    again.send({ ...message, dup: true });
    expect(await again.next()).toMatchObject({ cmd: 'pubrec', messageId: 7 });
    again.send({ cmd: 'pubrel', messageId: 7 });
    expect(await again.next()).toMatchObject({ cmd: 'pubcomp', messageId: 7 });

    const reader = await raw(second.port, 4);
    await resume(reader, 'eo-watch', 4);
    // The queue goes out right after CONNACK: a second copy would come before the PINGRESP.
    const got = (await reader.beforePingresp()) as IPublishPacket[];
    expect(got.map((p) => [p.topic, p.payload.toString()])).toEqual([['eo/x', 'once']]);
    reader.send({ cmd: 'pubrec', messageId: got[0]!.messageId! });
    expect(await reader.next()).toMatchObject({ cmd: 'pubrel' });
  });
});
