import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { collect, endAll, mqttClient, publishOn, RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
const clients: MqttClient[] = [];
const raws: RawClient[] = [];

async function raw(clientId: string, version: 4 | 5 = 4): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, version);
  raws.push(c);
  return c;
}

beforeAll(async () => {
  running = await startBroker({
    authenticator: { authenticate: () => ({ ok: true }), authorizeSubscribe: (_id, filter) => !filter.startsWith('secret/') },
  });
});
afterEach(async () => {
  await endAll(...clients.splice(0));
  for (const r of raws.splice(0)) r.destroy();
});
afterAll(async () => {
  await running.stop();
});

describe('SUBACK', () => {
  it('grants each requested QoS, in order, with the SUBSCRIBE packet ID (3.1.1)', async () => {
    const c = await raw('suback-4');
    c.send({ cmd: 'subscribe', messageId: 0x0102, subscriptions: [{ topic: 'a/0', qos: 0 }, { topic: 'a/1', qos: 1 }, { topic: 'a/+/2', qos: 2 }] });
    await c.next();
    expect(c.bytes().subarray(-7)).toEqual(Buffer.from([0x90, 0x05, 0x01, 0x02, 0x00, 0x01, 0x02]));
  });

  it('fails invalid, malformed shared and unauthorized filters with 0x80 in 3.1.1', async () => {
    const c = await raw('suback-fail-4');
    c.send({ cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'a/#/b', qos: 1 }, { topic: '$share/g', qos: 1 }, { topic: 'secret/x', qos: 1 }, { topic: 'ok', qos: 1 }] });
    expect(await c.next()).toMatchObject({ cmd: 'suback', messageId: 3, granted: [0x80, 0x80, 0x80, 1] });
  });

  it('uses 5.0 reason codes 0x8F and 0x87 for the same failures, explained in a Reason String', async () => {
    const c = await raw('suback-fail-5', 5);
    c.send({ cmd: 'subscribe', messageId: 4, subscriptions: [{ topic: 'a+', qos: 1 }, { topic: '$share/g', qos: 1 }, { topic: 'secret/x', qos: 1 }, { topic: 'ok', qos: 2 }] });
    const suback = await c.next();
    expect(suback).toMatchObject({ cmd: 'suback', messageId: 4, granted: [0x8f, 0x8f, 0x87, 2] });
    expect(suback.cmd === 'suback' && suback.properties?.reasonString).toMatch(/^a\+: .*; \$share\/g: .*; secret\/x: not authorized$/);
  });

  it('replaces an existing subscription to the same filter instead of adding one', async () => {
    const sub = await mqttClient(running.port, { clientId: 'replace' });
    clients.push(sub);
    await sub.subscribeAsync('rep/x', { qos: 0 });
    await sub.subscribeAsync('rep/x', { qos: 2 });
    const inbox = collect(sub);
    const pub = await mqttClient(running.port, { clientId: 'replace-pub' });
    clients.push(pub);
    await pub.publishAsync('rep/x', 'x', { qos: 2 });
    await pub.publishAsync('rep/x', 'end', { qos: 0 });
    // A kept duplicate subscription would deliver 'x' twice before the first 'end'.
    const before = await inbox.until((m) => m.payload === 'end');
    expect(before.map((m) => [m.payload, m.packet.qos])).toEqual([['x', 2]]);
    expect(running.broker.options.sessions.get('replace')!.subscriptions.size).toBe(1);
  });

  it('closes a 3.1.1 SUBSCRIBE with no topic filter', async () => {
    const c = await raw('suback-empty');
    c.write([0x82, 0x02, 0x00, 0x01]);
    await c.waitClosed();
    expect(c.packets).toEqual([]);
    expect(c.byteCount).toBe(4); // the CONNACK and nothing else, decoded or not
  });
});

describe('UNSUBSCRIBE', () => {
  it('answers UNSUBACK with the packet ID and stops delivery (3.1.1)', async () => {
    const sub = await raw('unsub-4');
    sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'un/#', qos: 0 }] });
    await sub.next();
    sub.send({ cmd: 'unsubscribe', messageId: 0x0a0b, unsubscriptions: ['un/#'] });
    await sub.next();
    expect(sub.bytes().subarray(-4)).toEqual(Buffer.from([0xb0, 0x02, 0x0a, 0x0b]));
    sub.send({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'ctl/unsub-4', qos: 0 }] });
    await sub.next();
    const pub = await raw('unsub-4-pub');
    pub.send({ cmd: 'publish', topic: 'un/x', payload: Buffer.from('x'), qos: 0, dup: false, retain: false });
    pub.send({ cmd: 'publish', topic: 'ctl/unsub-4', payload: Buffer.from('marker'), qos: 0, dup: false, retain: false });
    expect(await sub.until(publishOn('ctl/unsub-4'))).toEqual([]);
  });

  it('reports 0x00 for a removed and 0x11 for a missing subscription (5.0)', async () => {
    const c = await raw('unsub-5', 5);
    c.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'u5/a', qos: 1 }] });
    await c.next();
    c.send({ cmd: 'unsubscribe', messageId: 2, unsubscriptions: ['u5/a', 'u5/never'] });
    expect(await c.next()).toMatchObject({ cmd: 'unsuback', messageId: 2, granted: [0x00, 0x11] });
  });
});

describe('PINGREQ', () => {
  it('answers PINGREQ with PINGRESP', async () => {
    const c = await raw('pinger');
    c.write([0xc0, 0x00]);
    expect(await c.next()).toMatchObject({ cmd: 'pingresp' });
    expect(c.bytes().subarray(-2)).toEqual(Buffer.from([0xd0, 0x00]));
  });
});

describe('DISCONNECT', () => {
  it('closes the connection without a reply and drops the session of a clean client', async () => {
    const c = await raw('bye');
    c.write([0xe0, 0x00]);
    await c.waitClosed();
    expect(c.packets).toEqual([]);
    expect(c.byteCount).toBe(4); // the CONNACK and nothing else, decoded or not
    expect(running.broker.online('bye')).toBeUndefined();
    expect(running.broker.options.sessions.get('bye')).toBeUndefined();
  });
});
