import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IPublishPacket } from 'mqtt-packet';
import { publishOn, RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';
import { until } from '../helpers/wait';

let running: RunningBroker;
const raws: RawClient[] = [];

/** Subscribes to `filter` and to the plain marker topic 'settle', in one SUBSCRIBE. */
async function subscriber(clientId: string, version: 4 | 5, filter: string, qos: 0 | 1 | 2 = 0, extra: Parameters<typeof RawClient.connected>[3] = {}): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, version, extra);
  raws.push(c);
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }, { topic: 'settle', qos: 0 }] });
  expect(await c.next()).toMatchObject({ cmd: 'suback', granted: [qos, 0] });
  return c;
}

async function publisher(clientId: string): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, 4);
  raws.push(c);
  return c;
}

function publish(c: RawClient, topic: string, payload: string, retain = false): void {
  c.send({ cmd: 'publish', topic, payload: Buffer.from(payload), qos: 0, dup: false, retain });
}

/**
 * Publishes a marker to 'settle', which every subscriber also has as a plain subscription,
 * and returns, per client, the PUBLISHes that reached it before the marker: the broker
 * routes one publisher's messages in order, and each socket delivers in order.
 */
async function settle(pub: RawClient, clients: RawClient[]): Promise<IPublishPacket[][]> {
  publish(pub, 'settle', 'marker');
  return Promise.all(clients.map(async (c) => (await c.until(publishOn('settle'))).filter((p): p is IPublishPacket => p.cmd === 'publish')));
}

function payloads(packets: IPublishPacket[]): string[] {
  return packets.map((p) => p.payload.toString());
}

beforeAll(async () => {
  running = await startBroker();
});
afterEach(() => {
  for (const c of raws.splice(0)) c.destroy();
});
afterAll(async () => {
  await running.stop();
});

describe('shared subscriptions', () => {
  it('deals messages round-robin within a group, to 5.0 and 3.1.1 members alike', async () => {
    const members = [await subscriber('sh-a', 5, '$share/g/sh/#'), await subscriber('sh-b', 4, '$share/g/sh/#'), await subscriber('sh-c', 5, '$share/g/sh/#')];
    const plain = await subscriber('sh-plain', 4, 'sh/#');
    const pub = await publisher('sh-pub');
    for (let i = 0; i < 9; i++) publish(pub, 'sh/x', `${i}`);
    const got = await settle(pub, [...members, plain]);
    expect(got.slice(0, 3).map(payloads)).toEqual([
      ['0', '3', '6'],
      ['1', '4', '7'],
      ['2', '5', '8'],
    ]);
    expect(payloads(got[3]!)).toHaveLength(9); // an ordinary subscription still gets everything
    // Delivered with the plain topic, not the $share filter.
    expect(got[0]![0]!.topic).toBe('sh/x');
  });

  it('gives each group its own copy', async () => {
    const one = await subscriber('grp-1', 5, '$share/one/grp/+');
    const two = await subscriber('grp-2', 5, '$share/two/grp/+');
    const pub = await publisher('grp-pub');
    publish(pub, 'grp/a', 'both');
    expect((await settle(pub, [one, two])).map(payloads)).toEqual([['both'], ['both']]);
  });

  it('skips members that are offline and stops dealing to a member that unsubscribed', async () => {
    const a = await subscriber('off-a', 5, '$share/o/off/#', 1, { clean: false, properties: { sessionExpiryInterval: 60 } });
    const b = await subscriber('off-b', 5, '$share/o/off/#', 1);
    const pub = await publisher('off-pub');
    a.destroy();
    await until(() => running.broker.online('off-a') === undefined, 5000, 'off-a to be offline');
    for (let i = 0; i < 3; i++) publish(pub, 'off/x', `${i}`);
    expect((await settle(pub, [b])).map(payloads)).toEqual([['0', '1', '2']]);
    expect(running.broker.options.sessions.get('off-a')!.queue).toEqual([]); // nothing dealt to the offline member
    b.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['$share/o/off/#'] });
    expect(await b.next()).toMatchObject({ cmd: 'unsuback', granted: [0] });
    const c = await subscriber('off-c', 4, '$share/o/off/#');
    publish(pub, 'off/x', 'after');
    expect((await settle(pub, [c, b])).map(payloads)).toEqual([['after'], []]);
  });

  it('sends no retained messages on a shared subscribe, unlike an ordinary one', async () => {
    const pub = await publisher('ret-pub');
    publish(pub, 'shret/x', 'kept', true);
    expect(await pub.beforePingresp()).toEqual([]); // the retained message is stored
    const shared = await subscriber('ret-shared', 5, '$share/r/shret/#');
    const plain = await subscriber('ret-plain', 5, 'shret/#');
    // Retained messages go out right after the SUBACK, before the PINGREQ is read.
    expect(payloads((await plain.beforePingresp()) as IPublishPacket[])).toEqual(['kept']);
    expect(await shared.beforePingresp()).toEqual([]);
  });

  it('answers No Local on a shared subscription with DISCONNECT 0x82', async () => {
    const c = await RawClient.connected(running.port, 'nl-shared', 5);
    raws.push(c);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/nl', qos: 0, nl: true, rap: false, rh: 0 }] });
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82, properties: { reasonString: expect.stringMatching(/^\[MQTT-3\.8\.3-4\] No Local is set on the shared subscription/) } });
    await c.waitClosed();
  });
});
