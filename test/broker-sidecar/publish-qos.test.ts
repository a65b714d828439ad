import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IPublishPacket } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { collect, endAll, mqttClient, RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
const clients: MqttClient[] = [];
const raws: RawClient[] = [];

async function client(clientId: string, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
  const c = await mqttClient(running.port, { clientId, protocolVersion });
  clients.push(c);
  return c;
}
async function raw(clientId: string, version: 4 | 5 = 4): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, version);
  raws.push(c);
  return c;
}

beforeAll(async () => {
  running = await startBroker();
});
afterEach(async () => {
  await endAll(...clients.splice(0));
  for (const r of raws.splice(0)) r.destroy();
});
afterAll(async () => {
  await running.stop();
});

describe('QoS end to end', () => {
  it.each([4, 5] as const)('delivers QoS 0, 1 and 2 at the published QoS to a QoS 2 subscriber (v%i)', async (version) => {
    const sub = await client(`sub-e2e-${version}`, version);
    const pub = await client(`pub-e2e-${version}`, version);
    await sub.subscribeAsync(`e2e${version}/#`, { qos: 2 });
    const inbox = collect(sub);
    for (const qos of [0, 1, 2] as const) await pub.publishAsync(`e2e${version}/q${qos}`, `m${qos}`, { qos });
    const got = await inbox.waitFor(3);
    expect(got.map((m) => [m.topic, m.payload, m.packet.qos])).toEqual([
      [`e2e${version}/q0`, 'm0', 0],
      [`e2e${version}/q1`, 'm1', 1],
      [`e2e${version}/q2`, 'm2', 2],
    ]);
    expect(got[0]!.packet.messageId).toBeUndefined();
    expect(got[1]!.packet.messageId).toBeGreaterThan(0);
    expect(got[2]!.packet.messageId).toBeGreaterThan(0);
  });

  it('acknowledges a 3.1.1 QoS 1 PUBLISH with PUBACK carrying its packet ID', async () => {
    const pub = await raw('raw-puback');
    pub.send({ cmd: 'publish', topic: 'ack/1', payload: Buffer.from('x'), qos: 1, dup: false, retain: false, messageId: 0x1234 });
    await pub.next();
    expect(pub.bytes().subarray(-4)).toEqual(Buffer.from([0x40, 0x02, 0x12, 0x34]));
  });

  it('runs the QoS 2 PUBREC/PUBREL/PUBCOMP exchange for an incoming message', async () => {
    const pub = await raw('raw-q2-in');
    pub.send({ cmd: 'publish', topic: 'q2in/a', payload: Buffer.from('x'), qos: 2, dup: false, retain: false, messageId: 9 });
    expect(await pub.next()).toMatchObject({ cmd: 'pubrec', messageId: 9 });
    pub.send({ cmd: 'pubrel', messageId: 9 });
    expect(await pub.next()).toMatchObject({ cmd: 'pubcomp', messageId: 9 });
    expect(pub.bytes().subarray(-4)).toEqual(Buffer.from([0x70, 0x02, 0x00, 0x09]));
  });

  it('routes a QoS 2 message once even when its PUBLISH is resent before PUBREL', async () => {
    const sub = await client('sub-once');
    await sub.subscribeAsync('once/#', { qos: 2 });
    const inbox = collect(sub);
    const pub = await raw('raw-once');
    const publish = { cmd: 'publish', topic: 'once/x', payload: Buffer.from('first'), qos: 2, dup: false, retain: false, messageId: 5 } as const;
    pub.send(publish);
    expect(await pub.next()).toMatchObject({ cmd: 'pubrec', messageId: 5 });
    pub.send({ ...publish, dup: true });
    expect(await pub.next()).toMatchObject({ cmd: 'pubrec', messageId: 5 });
    pub.send({ cmd: 'pubrel', messageId: 5 });
    expect(await pub.next()).toMatchObject({ cmd: 'pubcomp', messageId: 5 });
    // After PUBCOMP the same ID starts a new message.
    pub.send({ ...publish, payload: Buffer.from('second') });
    expect(await pub.next()).toMatchObject({ cmd: 'pubrec', messageId: 5 });
    pub.send({ cmd: 'publish', topic: 'once/end', payload: Buffer.from('marker'), qos: 0, dup: false, retain: false });
    expect((await inbox.until('once/end')).map((m) => m.payload)).toEqual(['first', 'second']);
  });

  it('sends QoS 2 to a subscriber with a packet ID and forgets it after PUBCOMP', async () => {
    const sub = await raw('raw-q2-out');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q2out/#', qos: 2 }] });
    expect(await sub.next()).toMatchObject({ cmd: 'suback', granted: [2] });
    const pub = await client('pub-q2-out');
    await pub.publishAsync('q2out/a', 'hi', { qos: 2 });
    const publish = (await sub.next()) as IPublishPacket;
    expect(publish).toMatchObject({ cmd: 'publish', qos: 2, dup: false, topic: 'q2out/a' });
    const id = publish.messageId!;
    expect(id).toBeGreaterThan(0);
    const session = running.broker.options.sessions.get('raw-q2-out')!;
    expect(session.inflight.get(id)?.phase).toBe('awaiting-ack');
    sub.send({ cmd: 'pubrec', messageId: id });
    expect(await sub.next()).toMatchObject({ cmd: 'pubrel', messageId: id });
    expect(session.inflight.get(id)?.phase).toBe('awaiting-comp');
    sub.send({ cmd: 'pubcomp', messageId: id });
    expect(await sub.beforePingresp()).toEqual([]); // the PUBCOMP was handled before the PINGREQ
    expect(session.inflight.size).toBe(0);
  });

  it('gives consecutive unacknowledged QoS 1 messages distinct packet IDs', async () => {
    const sub = await raw('raw-ids');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ids/#', qos: 1 }] });
    await sub.next();
    const pub = await client('pub-ids');
    for (let i = 0; i < 3; i++) await pub.publishAsync('ids/a', `${i}`, { qos: 1 });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(((await sub.next()) as IPublishPacket).messageId);
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => typeof id === 'number' && id > 0)).toBe(true);
  });
});

describe('subscription QoS', () => {
  it.each([
    [0, 2, 0],
    [1, 2, 1],
    [2, 1, 1],
    [2, 0, 0],
  ] as const)('subscription QoS %i and publish QoS %i deliver at QoS %i', async (subQos, pubQos, expected) => {
    const topic = `down/${subQos}${pubQos}`;
    const sub = await client(`sub-down-${subQos}${pubQos}`);
    await sub.subscribeAsync(topic, { qos: subQos });
    const inbox = collect(sub);
    const pub = await client(`pub-down-${subQos}${pubQos}`);
    await pub.publishAsync(topic, 'x', { qos: pubQos });
    const [m] = await inbox.waitFor(1);
    expect(m!.packet.qos).toBe(expected);
  });

  it('delivers one copy at the highest QoS when several subscriptions match', async () => {
    const sub = await client('sub-overlap');
    await sub.subscribeAsync({ 'ov/+': { qos: 0 }, 'ov/#': { qos: 2 }, 'ov/x': { qos: 1 }, 'ov-end': { qos: 0 } });
    const inbox = collect(sub);
    const pub = await client('pub-overlap');
    await pub.publishAsync('ov/x', 'once', { qos: 2 });
    await pub.publishAsync('ov-end', 'marker', { qos: 0 });
    expect((await inbox.until('ov-end')).map((m) => [m.topic, m.packet.qos])).toEqual([['ov/x', 2]]);
  });

  it('puts every matching Subscription Identifier into the one PUBLISH (5.0)', async () => {
    const sub = await client('sub-ids5', 5);
    await sub.subscribeAsync('sid/+', { qos: 1, properties: { subscriptionIdentifier: 3 } });
    await sub.subscribeAsync('sid/#', { qos: 0, properties: { subscriptionIdentifier: 7 } });
    await sub.subscribeAsync('sid/x', { qos: 0 });
    await sub.subscribeAsync('sid-end', { qos: 0 });
    const inbox = collect(sub);
    const pub = await client('pub-ids5', 5);
    await pub.publishAsync('sid/x', 'x', { qos: 1 });
    await pub.publishAsync('sid-end', 'marker', { qos: 0 });
    const before = await inbox.until('sid-end');
    expect(before).toHaveLength(1);
    const [m] = before;
    expect(m!.packet.qos).toBe(1);
    expect(m!.packet.properties?.subscriptionIdentifier).toEqual([3, 7]);
  });
});

describe('$ topics', () => {
  it('keeps $ topics away from filters starting with a wildcard, but not from explicit ones', async () => {
    const sub = await client('sub-dollar');
    await sub.subscribeAsync({ '#': { qos: 0 }, '+/x': { qos: 0 } });
    const wild = collect(sub);
    const explicit = await client('sub-dollar-explicit');
    await explicit.subscribeAsync({ '$app/#': { qos: 0 }, 'plain/end': { qos: 0 } });
    const inbox = collect(explicit);
    const pub = await client('pub-dollar');
    await pub.publishAsync('$app/x', 'hidden', { qos: 1 });
    await pub.publishAsync('plain/x', 'visible', { qos: 1 });
    await pub.publishAsync('plain/end', 'marker', { qos: 0 }); // '#' matches it too
    expect((await inbox.until('plain/end')).map((m) => m.topic)).toEqual(['$app/x']);
    expect((await wild.until('plain/end')).map((m) => m.topic)).toEqual(['plain/x']);
  });
});
