/**
 * The inbound fast path on real connections (backend/inbound-publishes.ts): a mosquitto
 * flood that mixes the frames it takes (QoS 0, no properties) with the ones MQTT.js keeps
 * (QoS 1 and 2, MQTT 5 properties, retained) arrives whole, in wire order, with every
 * field as sent, and every packet still in the capture; a broker that sends a malformed
 * packet still gets MQTT.js's own verdict, as before the tap framed the stream.
 */

import net from 'node:net';
import { connectAsync, type IClientPublishOptions } from 'mqtt';
import { parser as mqttParser, type IPublishPacket, type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../backend/connection-manager';
import { EventHub } from '../../backend/event-hub';
import type { ConnectionSnapshot, MessageBatch, MessageRecord } from '../../shared/contract';
import { DeskError } from '../../shared/errors';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { testProfile } from '../helpers/profiles';
import { until } from '../helpers/wait';

function recorder() {
  const hub = new EventHub();
  const messages: MessageRecord[] = [];
  const states: ConnectionSnapshot[] = [];
  hub.subscribe((stream, data) => {
    if (stream === 'messages.batch') messages.push(...(data as MessageBatch).messages);
    else if (stream === 'connection.state') states.push(data as ConnectionSnapshot);
  });
  return { manager: new ConnectionManager(hub), messages, states };
}

/**
 * The n-th message of the mixed flood: mostly QoS 0 without properties, the rest of every
 * other shape, in runs (two QoS 1 in a row, then QoS 0 right behind), so MQTT.js still has
 * frames in hand when the next QoS 0 PUBLISH is read.
 */
function shape(n: number, v5: boolean): IClientPublishOptions {
  if (n % 10 === 3 || n % 10 === 4) return { qos: 1 };
  if (n % 10 === 7) return { qos: 2 };
  if (v5 && n % 10 === 5) return { qos: 0, properties: { userProperties: { n: String(n) }, contentType: 'text/plain' } };
  return { qos: 0 };
}

describe('the inbound fast path against mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(() => mosquitto.stop());

  it.each(['3.1.1', '5.0'] as const)('MQTT %s: a mixed flood arrives whole, in wire order, every field as sent', async (version) => {
    const v5 = version === '5.0';
    const { manager, messages } = recorder();
    const profile = testProfile(mosquitto.port, { mqttVersion: version, clientId: `fast-${version}` });
    await manager.connect(profile);
    await manager.subscribe(profile.id, 'fast/#', 2);
    const publisher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { protocolVersion: v5 ? 5 : 4, clientId: `fast-pub-${version}` });
    const total = 1_000;
    try {
      // In steps of 10, within the broker's Receive Maximum (mosquitto's default is 20 in flight).
      for (let n = 0; n < total; n += 10) {
        const step: Array<Promise<unknown>> = [];
        for (let i = n; i < n + 10; i++) step.push(publisher.publishAsync(`fast/dev${i % 50}/t`, `{"n":${i}}`, shape(i, v5)));
        await Promise.all(step);
      }
      await until(() => messages.length >= total, 20_000, `${total} messages`);
    } finally {
      await publisher.endAsync();
    }
    const got = messages.map((m) => JSON.parse(new TextDecoder().decode(m.payload)).n as number);
    expect(new Set(got).size).toBe(total);
    for (const m of messages) {
      const n = JSON.parse(new TextDecoder().decode(m.payload)).n as number;
      const expected = shape(n, v5);
      expect([m.topic, m.qos, m.retain, m.dup]).toEqual([`fast/dev${n % 50}/t`, expected.qos, false, false]);
      if (expected.properties) expect(m.properties).toMatchObject({ contentType: 'text/plain', userProperties: [{ key: 'n', value: String(n) }] });
      else expect(m.properties).toBeUndefined();
    }
    // Wire order: the messages are in the order of their PUBLISHes in the capture — for
    // QoS 2, of their PUBRELs, where MQTT.js hands the message over.
    const parser = mqttParser({ protocolVersion: v5 ? 5 : 4 });
    const wire: number[] = [];
    const exactlyOnce = new Map<number, number>();
    parser.on('packet', (p: Packet) => {
      if (p.cmd === 'publish' && p.qos === 2) exactlyOnce.set(p.messageId!, JSON.parse(String(p.payload)).n);
      else if (p.cmd === 'publish') wire.push(JSON.parse(String((p as IPublishPacket).payload)).n);
      else if (p.cmd === 'pubrel') wire.push(exactlyOnce.get(p.messageId!)!);
    });
    for (const packet of manager.allPackets(profile.id)) if (packet.direction === 'in') parser.parse(Buffer.from(packet.bytes));
    expect(wire).toEqual(got);
    // Both paths took part: most by the fast path, the rest (acks owed) by MQTT.js.
    const qos0 = messages.filter((m) => m.qos === 0 && !m.properties).length;
    expect(qos0).toBeGreaterThan(total / 2);
    expect(qos0).toBeLessThan(total);
    await manager.closeAll();
  }, 30_000);

  it('hands a retained QoS 0 message over with its retain flag', async () => {
    const { manager, messages } = recorder();
    const publisher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: 'fast-retain-pub' });
    await publisher.publishAsync('fast-retained/t', 'kept', { qos: 0, retain: true });
    await publisher.endAsync();
    const profile = testProfile(mosquitto.port, { clientId: 'fast-retain' });
    await manager.connect(profile);
    await manager.subscribe(profile.id, 'fast-retained/#', 0);
    await until(() => messages.length > 0, 5_000, 'the retained message');
    expect(messages.map((m) => [m.topic, m.retain, new TextDecoder().decode(m.payload)])).toEqual([['fast-retained/t', true, 'kept']]);
    await manager.closeAll();
  });
});

describe('a malformed packet from the broker', () => {
  it('still reaches MQTT.js, which closes the connection with its own error', async () => {
    // A broker that accepts the CONNECT, then sends a message and a PUBLISH whose
    // Remaining Length has a continuation bit on its 4th byte: the capture's framer stops
    // there, and must hand MQTT.js the bytes it could not frame.
    const sockets = new Set<net.Socket>();
    const server = net.createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => {
        socket.write(Buffer.from([0x20, 0x02, 0x00, 0x00])); // CONNACK, accepted
        socket.write(Buffer.concat([Buffer.from([0x30, 0x05, 0x00, 0x01, 0x74]), Buffer.from('ok')])); // PUBLISH t "ok"
        socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const { manager, messages, states } = recorder();
    try {
      const profile = testProfile(port, { clientId: 'fast-malformed', autoReconnect: false });
      await manager.connect(profile).catch((error: unknown) => {
        // The CONNACK and the bad packet may come in one read: then the connect fails instead.
        expect(error).toBeInstanceOf(DeskError);
      });
      await until(() => states.at(-1)?.state.status === 'closed', 5_000, 'the connection to close');
      const last = states.at(-1)!.state;
      expect(last.status === 'closed' && last.error?.message).toMatch(/Invalid variable byte integer/);
      // As before the tap framed the stream, MQTT.js drops what it had parsed but not handled.
      expect(messages).toEqual([]);
    } finally {
      await manager.closeAll();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
