import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IConnackPacket, IPublishPacket } from 'mqtt-packet';
import { publishOn, RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

// Two brokers: one with defaults and small limits where the test needs them, one with
// every capability switched off, to see CONNACK announce it and the broker enforce it.
let open: RunningBroker;
let strict: RunningBroker;
const raws: RawClient[] = [];

async function raw(broker: RunningBroker, clientId: string, version: 4 | 5 = 5, extra: Parameters<typeof RawClient.connected>[3] = {}): Promise<RawClient> {
  const c = await RawClient.connected(broker.port, clientId, version, extra);
  raws.push(c);
  return c;
}

async function connack(broker: RunningBroker, clientId: string): Promise<IConnackPacket> {
  const c = await RawClient.open(broker.port, 5);
  raws.push(c);
  c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId, clean: true, keepalive: 10 });
  return (await c.next()) as IConnackPacket;
}

beforeAll(async () => {
  open = await startBroker({ receiveMaximum: 2, maxPacketBytes: 4096 });
  strict = await startBroker({
    maximumQos: 1,
    retainAvailable: false,
    wildcardSubscriptionAvailable: false,
    subscriptionIdentifiersAvailable: false,
    sharedSubscriptionAvailable: false,
    topicAliasMaximum: 0,
  });
});
afterEach(() => {
  for (const c of raws.splice(0)) c.destroy();
});
afterAll(async () => {
  await Promise.all([open.stop(), strict.stop()]);
});

describe('CONNACK capabilities', () => {
  it('announces Receive Maximum, Maximum Packet Size, Topic Alias Maximum and the availability flags', async () => {
    expect((await connack(open, 'caps-open')).properties).toEqual({
      receiveMaximum: 2,
      maximumPacketSize: 4096,
      topicAliasMaximum: 10,
      retainAvailable: true,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: true,
      sharedSubscriptionAvailable: true,
    });
  });

  it('announces Maximum QoS 1 and every switched-off feature as unavailable', async () => {
    expect((await connack(strict, 'caps-strict')).properties).toEqual({
      receiveMaximum: 65535,
      topicAliasMaximum: 0,
      maximumQoS: 1,
      retainAvailable: false,
      wildcardSubscriptionAvailable: false,
      subscriptionIdentifiersAvailable: false,
      sharedSubscriptionAvailable: false,
    });
  });
});

describe('announced limits are enforced', () => {
  it('answers a PUBLISH above Maximum QoS with DISCONNECT 0x9B', async () => {
    const c = await raw(strict, 'qos2-pub');
    c.send({ cmd: 'publish', topic: 'q', payload: Buffer.from('x'), qos: 2, messageId: 1, dup: false, retain: false });
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x9b, properties: { reasonString: '[MQTT-3.2.2-11] QoS 2 is above the Maximum QoS 1' } });
    await c.waitClosed();
  });

  it('grants at most Maximum QoS to a QoS 2 SUBSCRIBE', async () => {
    const c = await raw(strict, 'qos2-sub');
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q', qos: 2 }] });
    expect(await c.next()).toMatchObject({ cmd: 'suback', granted: [1] });
  });

  it('refuses a will above Maximum QoS with CONNACK 0x9B and a retained will with 0x9A', async () => {
    for (const [will, code] of [
      [{ topic: 'w', payload: Buffer.from('x'), qos: 2 as const, retain: false }, 0x9b],
      [{ topic: 'w', payload: Buffer.from('x'), qos: 0 as const, retain: true }, 0x9a],
    ] as const) {
      const c = await RawClient.open(strict.port, 5);
      raws.push(c);
      c.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: `will-${code}`, clean: true, keepalive: 10, will });
      expect(await c.next()).toMatchObject({ cmd: 'connack', reasonCode: code });
      await c.waitClosed();
    }
  });

  it('answers RETAIN without Retain Available with DISCONNECT 0x9A', async () => {
    const c = await raw(strict, 'retain-pub');
    c.send({ cmd: 'publish', topic: 'r', payload: Buffer.from('x'), qos: 0, dup: false, retain: true });
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x9a });
  });

  it('fails wildcard and shared filters with 0xA2 and 0x9E when unavailable', async () => {
    const c = await raw(strict, 'wild-sub');
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a/+', qos: 0 }, { topic: '$share/g/a', qos: 0 }, { topic: 'a/b', qos: 0 }] });
    expect(await c.next()).toMatchObject({ cmd: 'suback', granted: [0xa2, 0x9e, 0] });
  });

  it('answers a Subscription Identifier with DISCONNECT 0xA1 when unavailable', async () => {
    const c = await raw(strict, 'subid-sub');
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 0 }], properties: { subscriptionIdentifier: 5 } });
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0xa1 });
  });
});

describe('Receive Maximum', () => {
  it("never has more unacknowledged QoS 1/2 PUBLISHes out than the client's Receive Maximum, queueing the rest", async () => {
    const sub = await raw(open, 'rm-sub', 5, { properties: { receiveMaximum: 2 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm/#', qos: 2 }] });
    await sub.next();
    const pub = await raw(open, 'rm-pub', 4);
    // Message 2 is QoS 2, the others QoS 1 (the broker routes QoS 2 on PUBLISH, before our PUBREL).
    for (let i = 1; i <= 5; i++) pub.send({ cmd: 'publish', topic: 'rm/a', payload: Buffer.from(`${i}`), qos: i === 2 ? 2 : 1, messageId: i, dup: false, retain: false });
    // QoS 0 is not held by the Receive Maximum: this marker overtakes whatever is queued.
    pub.send({ cmd: 'publish', topic: 'rm/end', payload: Buffer.from('marker'), qos: 0, dup: false, retain: false });
    const first = (await sub.until(publishOn('rm/end'))) as IPublishPacket[];
    expect(first.map((p) => p.payload.toString())).toEqual(['1', '2']);
    expect(open.broker.clients().find((c) => c.clientId === 'rm-sub')).toMatchObject({ inflight: 2, queued: 3 });
    // What a PUBACK frees is sent while it is handled, before the PINGREQ is read.
    sub.send({ cmd: 'puback', messageId: first[0]!.messageId! });
    expect(((await sub.beforePingresp()) as IPublishPacket[]).map((p) => p.payload.toString())).toEqual(['3']);
    // A QoS 2 delivery holds its slot until PUBCOMP, not PUBREC.
    sub.send({ cmd: 'pubrec', messageId: first[1]!.messageId! });
    expect(await sub.beforePingresp()).toEqual([expect.objectContaining({ cmd: 'pubrel' })]);
    sub.send({ cmd: 'pubcomp', messageId: first[1]!.messageId! });
    expect(((await sub.next()) as IPublishPacket).payload.toString()).toBe('4');
  });

  it('sends QoS 0 regardless of the Receive Maximum', async () => {
    const sub = await raw(open, 'rm0-sub', 5, { properties: { receiveMaximum: 1 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'rm0/#', qos: 1 }] });
    await sub.next();
    const pub = await raw(open, 'rm0-pub', 4);
    pub.send({ cmd: 'publish', topic: 'rm0/a', payload: Buffer.from('q1'), qos: 1, messageId: 1, dup: false, retain: false });
    pub.send({ cmd: 'publish', topic: 'rm0/a', payload: Buffer.from('q1-held'), qos: 1, messageId: 2, dup: false, retain: false });
    pub.send({ cmd: 'publish', topic: 'rm0/a', payload: Buffer.from('q0'), qos: 0, dup: false, retain: false });
    const got = [(await sub.next()) as IPublishPacket, (await sub.next()) as IPublishPacket];
    expect(got.map((p) => [p.payload.toString(), p.qos])).toEqual([
      ['q1', 1],
      ['q0', 0],
    ]);
  });

  it('answers a client exceeding our Receive Maximum with DISCONNECT 0x93', async () => {
    const c = await raw(open, 'rm-greedy');
    for (let id = 1; id <= 2; id++) {
      c.send({ cmd: 'publish', topic: 'g', payload: Buffer.from('x'), qos: 2, messageId: id, dup: false, retain: false });
      expect(await c.next()).toMatchObject({ cmd: 'pubrec', messageId: id });
    }
    // A resend of an open one is not a new one.
    c.send({ cmd: 'publish', topic: 'g', payload: Buffer.from('x'), qos: 2, messageId: 2, dup: true, retain: false });
    expect(await c.next()).toMatchObject({ cmd: 'pubrec', messageId: 2 });
    c.send({ cmd: 'publish', topic: 'g', payload: Buffer.from('x'), qos: 2, messageId: 3, dup: false, retain: false });
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x93 });
    await c.waitClosed();
  });
});

describe('Maximum Packet Size', () => {
  it("discards (and counts) PUBLISHes above the client's maximum, as if delivered, and sends the rest", async () => {
    const sub = await raw(open, 'mps-sub', 5, { properties: { maximumPacketSize: 64 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'mps/#', qos: 1 }] });
    await sub.next();
    const before = open.broker.stats().droppedTooLarge;
    const pub = await raw(open, 'mps-pub', 4);
    pub.send({ cmd: 'publish', topic: 'mps/big', payload: Buffer.alloc(100), qos: 1, messageId: 1, dup: false, retain: false });
    pub.send({ cmd: 'publish', topic: 'mps/small', payload: Buffer.from('ok'), qos: 1, messageId: 2, dup: false, retain: false });
    const got = (await sub.next()) as IPublishPacket;
    expect([got.topic, got.payload.toString()]).toEqual(['mps/small', 'ok']);
    expect(open.broker.stats().droppedTooLarge).toBe(before + 1);
    expect(open.broker.online('mps-sub')!.droppedTooLarge).toBe(1);
    // The discarded QoS 1 message holds no packet ID or in-flight slot.
    sub.send({ cmd: 'puback', messageId: got.messageId! });
    expect(await sub.beforePingresp()).toEqual([]); // the PUBACK was handled before the PINGREQ
    expect(open.broker.options.sessions.get('mps-sub')!.inflight.size).toBe(0);
  });

  it('leaves out the Reason String of an ack that would not fit the client maximum', async () => {
    const guarded = await startBroker({ authenticator: { authenticate: () => ({ ok: true }), authorizePublish: () => false } });
    try {
      const roomy = await raw(guarded, 'mps-roomy');
      roomy.send({ cmd: 'publish', topic: 'denied', payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false });
      expect(await roomy.next()).toMatchObject({ cmd: 'puback', reasonCode: 0x87, properties: { reasonString: "not authorized to publish to 'denied'" } });
      const tight = await raw(guarded, 'mps-tight', 5, { properties: { maximumPacketSize: 24 } }); // room for CONNACK, not for the Reason String
      tight.send({ cmd: 'publish', topic: 'denied', payload: Buffer.from('x'), qos: 1, messageId: 1, dup: false, retain: false });
      await tight.next();
      expect(tight.bytes().subarray(-6)).toEqual(Buffer.from([0x40, 0x04, 0x00, 0x01, 0x87, 0x00])); // PUBACK id 1, 0x87, empty properties
    } finally {
      await guarded.stop();
    }
  });
});
