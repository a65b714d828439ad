/**
 * The desk's inbound fast path, frame by frame: which frames it takes from MQTT.js (each
 * decoded to what mqtt-packet, MQTT.js's parser, decodes), which it leaves, and that it
 * leaves every PUBLISH to MQTT.js while MQTT.js has frames in hand, so messages keep the
 * wire order.
 */

import { generate, parser as mqttParser, type IPublishPacket, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { InboundPublishes } from '../../backend/inbound-publishes';

type Version = 3 | 4 | 5;
const frame = (packet: Packet, version: Version): Uint8Array => new Uint8Array(generate(packet, { protocolVersion: version }));
const publish = (fields: Partial<IPublishPacket>, version: Version = 4): Uint8Array =>
  frame({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, dup: false, retain: false, ...fields } as Packet, version);
const withByte = (bytes: Uint8Array, at: number, value: number): Uint8Array => {
  const copy = bytes.slice();
  copy[at] = value;
  return copy;
};

/** What mqtt-packet makes of one frame. */
function slowDecode(bytes: Uint8Array, version: Version): IPublishPacket {
  const parser = mqttParser({ protocolVersion: version });
  const packets: Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.parse(Buffer.from(bytes));
  expect(packets).toHaveLength(1);
  return packets[0] as IPublishPacket;
}

function fastPath(version: Version, maximumPacketSize?: number) {
  const taken: Array<{ topic: string; payload: Uint8Array; retain: boolean }> = [];
  const inbound = new InboundPublishes(version, maximumPacketSize, (topic, payload, retain) => taken.push({ topic, payload, retain }));
  return { inbound, taken };
}

/** Frames the fast path takes. */
const taken: Array<[string, Uint8Array, Version]> = [
  ['QoS 0, 3.1.1', publish({}), 4],
  ['QoS 0, 3.1', publish({}, 3), 3],
  ['QoS 0, 5.0, no properties', publish({}, 5), 5],
  ['QoS 0 retained', publish({ retain: true }), 4],
  ['QoS 0 with an empty payload', publish({ payload: Buffer.alloc(0) }), 4],
  ['QoS 0 with a binary payload of 20,000 bytes (3-byte remaining length)', publish({ topic: 'flood/dev9/temp', payload: Buffer.alloc(20_000, 0xfe) }, 5), 5],
  ['QoS 0 with every printable ASCII byte but the wildcards in its topic', publish({ topic: Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).filter((c) => c !== '+' && c !== '#').join('') }), 4],
];

/** Frames left to MQTT.js: what it must handle (acks, flows, properties) and what it must judge. */
const left: Array<[string, Uint8Array, Version]> = [
  ['a QoS 1 PUBLISH (MQTT.js sends the PUBACK)', publish({ qos: 1, messageId: 7 }), 4],
  ['a QoS 2 PUBLISH', publish({ qos: 2, messageId: 7 }), 4],
  ['a 5.0 PUBLISH with properties', publish({ properties: { contentType: 'text/plain' } }, 5), 5],
  ['a 5.0 PUBLISH with a topic alias and an empty topic', publish({ topic: '', properties: { topicAlias: 3 } }, 5), 5],
  ['a PUBLISH whose topic is not ASCII', publish({ topic: 'température' }), 4],
  ['a PUBLISH with an empty topic', publish({ topic: '' }), 4],
  ['a PUBLISH with a wildcard in its topic', publish({ topic: 'a/#' }), 4],
  ['a QoS 0 PUBLISH with DUP set', withByte(publish({}), 0, 0x38), 4],
  ['a PUBLISH with QoS 3', withByte(publish({}), 0, 0x36), 4],
  ['a PUBLISH whose topic length runs past the end', withByte(publish({}), 3, 0x40), 4],
  ['a 5.0 PUBLISH with a Remaining Length longer than needed', new Uint8Array([0x30, 0x87, 0x00, 0x00, 0x01, 0x74, 0x00, 0x61]), 5],
  ['a CONNACK', frame({ cmd: 'connack', returnCode: 0, sessionPresent: false } as Packet, 4), 4],
  ['a SUBACK', frame({ cmd: 'suback', messageId: 1, granted: [0] } as Packet, 4), 4],
  ['a PINGRESP', new Uint8Array([0xd0, 0x00]), 4],
  ['a DISCONNECT (5.0)', frame({ cmd: 'disconnect', reasonCode: 0x8e } as Packet, 5), 5],
];

describe('InboundPublishes', () => {
  it.each(taken)('takes %s, decoded as MQTT.js decodes it', (_name, bytes, version) => {
    const { inbound, taken: out } = fastPath(version);
    expect(inbound.take(bytes)).toBe(true);
    const slow = slowDecode(bytes, version);
    expect(out).toHaveLength(1);
    expect(out[0]!.topic).toBe(slow.topic);
    expect(Buffer.from(out[0]!.payload).equals(slow.payload as Buffer)).toBe(true);
    expect(out[0]!.retain).toBe(slow.retain);
    // The payload is the frame's tail, in place: no copy.
    expect(out[0]!.payload.buffer).toBe(bytes.buffer);
    expect(out[0]!.payload.byteOffset + out[0]!.payload.byteLength).toBe(bytes.byteOffset + bytes.byteLength);
  });

  it.each(left)('leaves %s to MQTT.js', (_name, bytes, version) => {
    const { inbound, taken: out } = fastPath(version);
    expect(inbound.take(bytes)).toBe(false);
    expect(out).toHaveLength(0);
  });

  it('leaves a PUBLISH larger than the advertised Maximum Packet Size to MQTT.js, which refuses it', () => {
    const bytes = publish({ payload: Buffer.alloc(100) }, 5);
    expect(fastPath(5, bytes.length - 1).inbound.take(bytes)).toBe(false);
    expect(fastPath(5, bytes.length).inbound.take(bytes)).toBe(true);
  });

  it('leaves every PUBLISH to MQTT.js while it has frames in hand, so the wire order holds', () => {
    const { inbound, taken: out } = fastPath(4);
    const qos0 = publish({ topic: 'q0' });
    expect(inbound.take(qos0)).toBe(true);
    // A QoS 1 PUBLISH and a SUBACK go to MQTT.js, which handles them on later ticks.
    expect(inbound.take(publish({ qos: 1, messageId: 1 }))).toBe(false);
    expect(inbound.take(frame({ cmd: 'suback', messageId: 1, granted: [0] } as Packet, 4))).toBe(false);
    // Behind them, a QoS 0 PUBLISH goes to MQTT.js too (and is one more frame in its hands).
    expect(inbound.take(qos0)).toBe(false);
    inbound.handled();
    inbound.handled();
    expect(inbound.take(qos0)).toBe(false);
    inbound.handled();
    inbound.handled();
    expect(inbound.take(qos0)).toBe(true);
    expect(out.map((m) => m.topic)).toEqual(['q0', 'q0']);
  });

  it('forgets what the old stream left in hand when a new one starts (a reconnect)', () => {
    const { inbound } = fastPath(4);
    expect(inbound.take(publish({ qos: 1, messageId: 1 }))).toBe(false);
    expect(inbound.take(publish({}))).toBe(false);
    inbound.reset();
    expect(inbound.take(publish({}))).toBe(true);
  });
});
