import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { collect, endAll, mqttClient, startBroker, untilMarker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;
const clients: MqttClient[] = [];

async function client(clientId: string, protocolVersion: 4 | 5 = 4): Promise<MqttClient> {
  const c = await mqttClient(running.port, { clientId, protocolVersion });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  running = await startBroker();
});
afterEach(async () => {
  await endAll(...clients.splice(0));
});
afterAll(async () => {
  await running.stop();
});

describe('retained messages', () => {
  it('sends the stored message to a new subscriber with RETAIN set', async () => {
    const pub = await client('r-pub');
    await pub.publishAsync('ret/a', 'kept', { qos: 1, retain: true });
    const sub = await client('r-sub');
    const inbox = collect(sub);
    await sub.subscribeAsync('ret/#', { qos: 1 });
    const [m] = await inbox.waitFor(1);
    expect([m!.topic, m!.payload, m!.packet.retain, m!.packet.qos]).toEqual(['ret/a', 'kept', true, 1]);
  });

  it('keeps only the latest retained message per topic', async () => {
    const pub = await client('r-pub2');
    await pub.publishAsync('rep/a', 'old', { qos: 1, retain: true });
    await pub.publishAsync('rep/a', 'new', { qos: 1, retain: true });
    const sub = await client('r-sub2');
    const inbox = collect(sub);
    await sub.subscribeAsync(['rep/a', 'ctl/r-sub2'], { qos: 1 });
    expect((await untilMarker(sub, inbox, 'ctl/r-sub2')).map((m) => m.payload)).toEqual(['new']);
  });

  it('clears the retained message when an empty retained payload is published', async () => {
    const pub = await client('r-pub3');
    await pub.publishAsync('clr/a', 'soon gone', { qos: 1, retain: true });
    await pub.publishAsync('clr/a', '', { qos: 1, retain: true });
    expect([...running.broker.options.retained.match('clr/#')]).toEqual([]);
    const sub = await client('r-sub3');
    const inbox = collect(sub);
    await sub.subscribeAsync(['clr/#', 'ctl/r-sub3'], { qos: 1 });
    expect(await untilMarker(sub, inbox, 'ctl/r-sub3')).toEqual([]);
  });

  it('downgrades a retained message to the subscription QoS', async () => {
    const pub = await client('r-pub4');
    await pub.publishAsync('rq/a', 'x', { qos: 2, retain: true });
    const sub = await client('r-sub4');
    const inbox = collect(sub);
    await sub.subscribeAsync('rq/a', { qos: 0 });
    const [m] = await inbox.waitFor(1);
    expect(m!.packet.qos).toBe(0);
  });

  it('clears RETAIN on live delivery to an existing 3.1.1 subscription', async () => {
    const sub = await client('r-live');
    await sub.subscribeAsync('live/a', { qos: 1 });
    const inbox = collect(sub);
    const pub = await client('r-live-pub');
    await pub.publishAsync('live/a', 'x', { qos: 1, retain: true });
    const [m] = await inbox.waitFor(1);
    expect(m!.packet.retain).toBe(false);
  });

  it('keeps RETAIN on live delivery with Retain As Published (5.0)', async () => {
    const sub = await client('r-rap', 5);
    await sub.subscribeAsync('rap/a', { qos: 1, rap: true });
    const inbox = collect(sub);
    const pub = await client('r-rap-pub', 5);
    await pub.publishAsync('rap/a', 'x', { qos: 1, retain: true });
    const [m] = await inbox.waitFor(1);
    expect(m!.packet.retain).toBe(true);
  });
});

describe('Retain Handling (5.0)', () => {
  async function subscribeTwice(id: string, topic: string, rh: 0 | 1 | 2): Promise<string[]> {
    const pub = await client(`${id}-pub`, 5);
    await pub.publishAsync(topic, 'r', { qos: 1, retain: true });
    const sub = await client(id, 5);
    const inbox = collect(sub);
    await sub.subscribeAsync(`ctl/${id}`, { qos: 0 });
    await sub.subscribeAsync(topic, { qos: 1, rh });
    await sub.subscribeAsync(topic, { qos: 1, rh });
    // Retained messages follow each SUBACK; the subscriber's own marker comes after them.
    return (await untilMarker(sub, inbox, `ctl/${id}`)).map((m) => m.payload);
  }

  it('0 sends retained messages on every SUBSCRIBE', async () => {
    expect(await subscribeTwice('rh0', 'rh/0', 0)).toEqual(['r', 'r']);
  });

  it('1 sends them only when the subscription is new', async () => {
    expect(await subscribeTwice('rh1', 'rh/1', 1)).toEqual(['r']);
  });

  it('2 never sends them', async () => {
    expect(await subscribeTwice('rh2', 'rh/2', 2)).toEqual([]);
  });
});

describe('No Local (5.0)', () => {
  it('does not send a client its own messages on a No Local subscription', async () => {
    const me = await client('nl-me', 5);
    await me.subscribeAsync('nl/a', { qos: 1, nl: true });
    await me.subscribeAsync('ctl/nl-me', { qos: 0 });
    const inbox = collect(me);
    const other = await client('nl-other', 5);
    await me.publishAsync('nl/a', 'mine', { qos: 1 });
    await other.publishAsync('nl/a', 'theirs', { qos: 1 }); // routed before its PUBACK
    expect((await untilMarker(me, inbox, 'ctl/nl-me')).map((m) => m.payload)).toEqual(['theirs']);
  });
});
