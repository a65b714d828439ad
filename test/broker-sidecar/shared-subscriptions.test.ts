import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IPublishPacket } from 'mqtt-packet';
import { RawClient, sleep, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
const raws: RawClient[] = [];

async function subscriber(clientId: string, version: 4 | 5, filter: string, qos: 0 | 1 | 2 = 0, extra: Parameters<typeof RawClient.connected>[3] = {}): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, version, extra);
  raws.push(c);
  c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] });
  expect(await c.next()).toMatchObject({ cmd: 'suback', granted: [qos] });
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

/** Payloads of every PUBLISH a client has received so far. */
function payloads(c: RawClient): string[] {
  return c.packets.filter((p): p is IPublishPacket => p.cmd === 'publish').map((p) => p.payload.toString());
}

/** Sends a marker through a plain subscription, so everything published before it has been routed. */
async function settle(pub: RawClient, watcher: RawClient, marker: string): Promise<void> {
  publish(pub, 'settle', marker);
  for (let i = 0; i < 100 && !payloads(watcher).includes(marker); i++) await sleep(10);
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
    const watcher = await subscriber('sh-watch', 4, 'settle');
    const pub = await publisher('sh-pub');
    for (let i = 0; i < 9; i++) publish(pub, 'sh/x', `${i}`);
    await settle(pub, watcher, 'rr');
    expect(members.map(payloads)).toEqual([
      ['0', '3', '6'],
      ['1', '4', '7'],
      ['2', '5', '8'],
    ]);
    expect(payloads(plain)).toHaveLength(9); // an ordinary subscription still gets everything
    // Delivered with the plain topic, not the $share filter.
    expect((members[0]!.packets.find((p) => p.cmd === 'publish') as IPublishPacket).topic).toBe('sh/x');
  });

  it('gives each group its own copy', async () => {
    const one = await subscriber('grp-1', 5, '$share/one/grp/+');
    const two = await subscriber('grp-2', 5, '$share/two/grp/+');
    const watcher = await subscriber('grp-watch', 4, 'settle');
    const pub = await publisher('grp-pub');
    publish(pub, 'grp/a', 'both');
    await settle(pub, watcher, 'grp');
    expect([payloads(one), payloads(two)]).toEqual([['both'], ['both']]);
  });

  it('skips members that are offline and stops dealing to a member that unsubscribed', async () => {
    const a = await subscriber('off-a', 5, '$share/o/off/#', 1, { clean: false, properties: { sessionExpiryInterval: 60 } });
    const b = await subscriber('off-b', 5, '$share/o/off/#', 1);
    const watcher = await subscriber('off-watch', 4, 'settle');
    const pub = await publisher('off-pub');
    a.destroy();
    for (let i = 0; i < 50 && running.broker.online('off-a'); i++) await sleep(10);
    for (let i = 0; i < 3; i++) publish(pub, 'off/x', `${i}`);
    await settle(pub, watcher, 'off1');
    expect(payloads(b)).toEqual(['0', '1', '2']);
    b.packets.length = 0;
    b.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['$share/o/off/#'] });
    expect(await b.next()).toMatchObject({ cmd: 'unsuback', granted: [0] });
    const c = await subscriber('off-c', 4, '$share/o/off/#');
    publish(pub, 'off/x', 'after');
    await settle(pub, watcher, 'off2');
    expect(payloads(c)).toEqual(['after']);
    expect(payloads(b)).toEqual([]);
  });

  it('sends no retained messages on a shared subscribe, unlike an ordinary one', async () => {
    const pub = await publisher('ret-pub');
    publish(pub, 'shret/x', 'kept', true);
    await sleep(50);
    const shared = await subscriber('ret-shared', 5, '$share/r/shret/#');
    const plain = await subscriber('ret-plain', 5, 'shret/#');
    expect(((await plain.next()) as IPublishPacket).payload.toString()).toBe('kept');
    expect(await shared.silentFor(100)).toBe(true);
  });

  it('answers No Local on a shared subscription with DISCONNECT 0x82', async () => {
    const c = await RawClient.connected(running.port, 'nl-shared', 5);
    raws.push(c);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$share/g/nl', qos: 0, nl: true, rap: false, rh: 0 }] });
    expect(await c.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82, properties: { reasonString: expect.stringMatching(/^\[MQTT-3\.8\.3-4\] No Local is set on the shared subscription/) } });
    await c.waitClosed();
  });
});
