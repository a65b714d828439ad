import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IPublishPacket } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import { collect, endAll, mqttClient, RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
const raws: RawClient[] = [];
const clients: MqttClient[] = [];

async function raw(clientId: string, extra: Parameters<typeof RawClient.connected>[3] = {}): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, 5, extra);
  raws.push(c);
  return c;
}

/** A 5.0 QoS 0 PUBLISH, built by hand: topic, then properties holding only a Topic Alias. */
function aliasPublish(topic: string, alias: number, payload: string): Buffer {
  const t = Buffer.from(topic);
  const body = Buffer.concat([Buffer.from([t.length >> 8, t.length & 0xff]), t, Buffer.from([3, 0x23, alias >> 8, alias & 0xff]), Buffer.from(payload)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

beforeAll(async () => {
  running = await startBroker({ topicAliasMaximum: 3 });
});
afterEach(async () => {
  for (const c of raws.splice(0)) c.destroy();
  await endAll(...clients.splice(0));
});
afterAll(async () => {
  await running.stop();
});

describe('client → broker aliases', () => {
  it('sets an alias with a topic and resolves it when the topic is empty', async () => {
    const sub = await raw('ta-sub');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ta/#', qos: 0 }] });
    await sub.next();
    const pub = await raw('ta-pub');
    pub.write(aliasPublish('ta/long/topic', 2, 'first'));
    pub.write(aliasPublish('', 2, 'second'));
    pub.write(aliasPublish('ta/other', 2, 'third')); // redefines alias 2
    pub.write(aliasPublish('', 2, 'fourth'));
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await sub.next()) as IPublishPacket);
    expect(got.map((p) => [p.topic, p.payload.toString(), p.properties?.topicAlias])).toEqual([
      ['ta/long/topic', 'first', undefined],
      ['ta/long/topic', 'second', undefined],
      ['ta/other', 'third', undefined],
      ['ta/other', 'fourth', undefined],
    ]);
  });

  it.each([
    ['alias 0', aliasPublish('ta/x', 0, 'x'), 0x94],
    ['an alias above the Topic Alias Maximum', aliasPublish('ta/x', 4, 'x'), 0x94],
    ['an empty topic with an alias never set', aliasPublish('', 1, 'x'), 0x82],
  ])('answers %s with DISCONNECT %i', async (_what, bytes, code) => {
    const c = await raw(`ta-bad-${code}-${bytes.length}`);
    c.write(bytes);
    await c.waitClosed();
    expect(c.packets).toEqual([expect.objectContaining({ cmd: 'disconnect', reasonCode: code })]);
  });

  it('forgets aliases with the connection', async () => {
    const first = await raw('ta-forget');
    first.write(aliasPublish('ta/kept?', 1, 'x'));
    first.write([0xe0, 0x00]);
    await first.waitClosed();
    const second = await raw('ta-forget');
    second.write(aliasPublish('', 1, 'y'));
    expect(await second.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 });
  });

  it('lets MQTT.js publish with automatic topic aliases', async () => {
    const sub = await mqttClient(running.port, { clientId: 'ta-js-sub', protocolVersion: 5 });
    const pub = await mqttClient(running.port, { clientId: 'ta-js-pub', protocolVersion: 5, autoUseTopicAlias: true });
    clients.push(sub, pub);
    const inbox = collect(sub);
    await sub.subscribeAsync('ta/js/#', { qos: 1 });
    for (let i = 0; i < 3; i++) await pub.publishAsync('ta/js/repeated', `${i}`, { qos: 1 });
    const got = await inbox.waitFor(3);
    expect(got.map((m) => [m.topic, m.payload])).toEqual([0, 1, 2].map((i) => ['ta/js/repeated', `${i}`]));
  });
});

describe('broker → client aliases', () => {
  it("sends a topic once with an alias, then the alias alone, up to the client's maximum", async () => {
    const sub = await raw('tb-sub', { properties: { topicAliasMaximum: 2 } });
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'tb/#', qos: 0 }] });
    await sub.next();
    const pub = await raw('tb-pub');
    const start = sub.bytes().length;
    const topics = ['tb/a', 'tb/a', 'tb/b', 'tb/c', 'tb/b', 'tb/c'];
    for (const topic of topics) pub.send({ cmd: 'publish', topic, payload: Buffer.from('p'), qos: 0, dup: false, retain: false });
    const got = [];
    for (let i = 0; i < topics.length; i++) got.push((await sub.next()) as IPublishPacket);
    expect(got.map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      ['tb/a', 1],
      ['', 1],
      ['tb/b', 2],
      ['tb/c', undefined], // both aliases in use: full topic
      ['', 2],
      ['tb/c', undefined],
    ]);
    // On the wire: topic + alias 1, then an empty topic + alias 1 (9 bytes instead of 13).
    expect(sub.bytes().subarray(start, start + 22)).toEqual(
      Buffer.from([0x30, 0x0b, 0x00, 0x04, ...Buffer.from('tb/a'), 0x03, 0x23, 0x00, 0x01, 0x70, 0x30, 0x07, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01, 0x70]),
    );
  });

  it('sends no aliases to a client that announced no Topic Alias Maximum', async () => {
    const sub = await raw('tb-none');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'tn/#', qos: 0 }] });
    await sub.next();
    const pub = await raw('tb-none-pub');
    for (let i = 0; i < 2; i++) pub.send({ cmd: 'publish', topic: 'tn/a', payload: Buffer.from('p'), qos: 0, dup: false, retain: false });
    const got = [(await sub.next()) as IPublishPacket, (await sub.next()) as IPublishPacket];
    expect(got.map((p) => [p.topic, p.properties?.topicAlias])).toEqual([
      ['tn/a', undefined],
      ['tn/a', undefined],
    ]);
  });

  it('is understood by MQTT.js, which resolves the aliases back to topics', async () => {
    const sub = await mqttClient(running.port, { clientId: 'tb-js', protocolVersion: 5, properties: { topicAliasMaximum: 5 } });
    clients.push(sub);
    const inbox = collect(sub);
    await sub.subscribeAsync('tj/#', { qos: 1 });
    const pub = await raw('tb-js-pub');
    for (let i = 0; i < 3; i++) pub.send({ cmd: 'publish', topic: 'tj/x', payload: Buffer.from(`${i}`), qos: 1, messageId: i + 1, dup: false, retain: false });
    const got = await inbox.waitFor(3);
    expect(got.map((m) => [m.topic, m.payload])).toEqual([0, 1, 2].map((i) => ['tj/x', `${i}`]));
    expect(got[1]!.packet.properties?.topicAlias).toBe(1);
  });
});
