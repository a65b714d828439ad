import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Duplex, PassThrough } from 'node:stream';
import { generate, parser as createParser, type Packet } from 'mqtt-packet';
import type { TapEvent } from '../../broker-sidecar/tap';
import { RawClient, startBroker, type RunningBroker } from '../helpers/broker-harness';

let running: RunningBroker;

beforeAll(async () => {
  running = await startBroker();
});
afterAll(async () => {
  await running.stop();
});

describe('packet tap', () => {
  it('reports every packet in and out with its client ID, exact bytes and decoded form', async () => {
    const events: TapEvent[] = [];
    const off = running.broker.tap.on((e) => events.push(e));
    const c = await RawClient.open(running.port, 4);
    const connect = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'tapped', clean: true, keepalive: 10 });
    const subscribe = generate({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 't/#', qos: 0 }] });
    c.write(connect);
    await c.next();
    c.write(subscribe);
    await c.next();
    off();
    c.destroy();

    expect(events.map((e) => [e.direction, e.clientId, e.packet?.cmd])).toEqual([
      ['in', 'tapped', 'connect'],
      ['out', 'tapped', 'connack'],
      ['in', 'tapped', 'subscribe'],
      ['out', 'tapped', 'suback'],
    ]);
    expect(events[0]!.bytes).toEqual(connect);
    expect(events[2]!.bytes).toEqual(subscribe);
    expect(events[1]!.bytes).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00]));
    expect(events[3]!.bytes).toEqual(Buffer.from([0x90, 0x03, 0x00, 0x02, 0x00]));
    expect(Buffer.concat([events[1]!.bytes, events[3]!.bytes])).toEqual(c.bytes());
  });

  it('stops reporting after unsubscribing and is inactive with no listener', async () => {
    const events: TapEvent[] = [];
    const off = running.broker.tap.on((e) => events.push(e));
    expect(running.broker.tap.active).toBe(true);
    off();
    expect(running.broker.tap.active).toBe(false);
    const c = await RawClient.connected(running.port, 'untapped', 4);
    c.destroy();
    expect(events).toEqual([]);
  });

  it('survives a listener that throws', async () => {
    const off = running.broker.tap.on(() => {
      throw new Error('broken inspector');
    });
    const c = await RawClient.connected(running.port, 'tap-throws', 4);
    c.write([0xc0, 0x00]);
    expect(await c.next()).toMatchObject({ cmd: 'pingresp' });
    off();
    c.destroy();
  });

  it('serves and taps a client over a non-TCP duplex stream', async () => {
    const toBroker = new PassThrough();
    const fromBroker = new PassThrough();
    const stream = Duplex.from({ readable: toBroker, writable: fromBroker });
    const events: TapEvent[] = [];
    const off = running.broker.tap.on((e) => events.push(e));
    const replies: Packet[] = [];
    const decoder = createParser({ protocolVersion: 5 });
    decoder.on('packet', (p: Packet) => replies.push(p));
    fromBroker.on('data', (chunk: Buffer) => decoder.parse(chunk));
    running.broker.handle(stream, 'pipe');
    toBroker.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'piped', clean: true, keepalive: 0 }, { protocolVersion: 5 }));
    for (let i = 0; i < 50 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    off();
    expect(replies).toEqual([expect.objectContaining({ cmd: 'connack', reasonCode: 0 })]);
    expect(events.map((e) => `${e.direction}:${e.clientId}:${e.packet?.cmd}`)).toEqual(['in:piped:connect', 'out:piped:connack']);
    stream.destroy();
  });
});
