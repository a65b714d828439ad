import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { fastEncode } from '../../broker-sidecar/fast-encode';
import { encodePacket } from '../../broker-sidecar/outgoing';
import type { ProtocolVersion } from '../../broker-sidecar/types';

const big = Buffer.alloc(200_000, 0x61);

/** Packets the fast path takes, and what mqtt-packet writes for them. */
const taken: Array<[string, Packet, ProtocolVersion]> = [
  ['PUBLISH QoS 0, 3.1.1', { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, dup: false, retain: false }, 4],
  ['PUBLISH QoS 0, 3.1', { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, dup: false, retain: false }, 3],
  ['PUBLISH QoS 1 retained, 3.1.1', { cmd: 'publish', topic: 'x', payload: Buffer.from([0, 1, 2]), qos: 1, messageId: 513, dup: false, retain: true }, 4],
  ['PUBLISH QoS 2 dup, 3.1.1', { cmd: 'publish', topic: 'x', payload: Buffer.alloc(0), qos: 2, messageId: 65535, dup: true, retain: false }, 4],
  ['PUBLISH QoS 0, 5.0, no properties', { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, dup: false, retain: false }, 5],
  ['PUBLISH QoS 1, 5.0, empty properties', { cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, messageId: 7, dup: false, retain: false, properties: {} }, 5],
  ['PUBLISH with a UTF-8 topic', { cmd: 'publish', topic: 'température/€', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4],
  ['PUBLISH with a string payload', { cmd: 'publish', topic: 't', payload: 'héllo', qos: 0, dup: false, retain: false }, 4],
  ['PUBLISH with a 2-byte remaining length', { cmd: 'publish', topic: 't', payload: Buffer.alloc(200, 1), qos: 0, dup: false, retain: false }, 4],
  ['PUBLISH with a 3-byte remaining length', { cmd: 'publish', topic: 't', payload: big, qos: 1, messageId: 1, dup: false, retain: false }, 5],
  ['PUBLISH at the 1-byte length boundary (127)', { cmd: 'publish', topic: 't', payload: Buffer.alloc(124), qos: 0, dup: false, retain: false }, 4],
  ['PUBLISH at the 2-byte length boundary (128)', { cmd: 'publish', topic: 't', payload: Buffer.alloc(125), qos: 0, dup: false, retain: false }, 4],
  ['PUBACK 3.1.1', { cmd: 'puback', messageId: 1 }, 4],
  ['PUBREC 3.1.1', { cmd: 'pubrec', messageId: 300 }, 4],
  ['PUBREL 3.1.1 (flags 0010)', { cmd: 'pubrel', messageId: 65535 }, 4],
  ['PUBCOMP 3.1', { cmd: 'pubcomp', messageId: 2 }, 3],
];

describe('fast encoders', () => {
  it.each(taken)('writes the bytes mqtt-packet writes: %s', (_name, packet, version) => {
    const fast = fastEncode(packet, version);
    expect(fast).toBeDefined();
    expect(fast!.equals(generate(packet, { protocolVersion: version }))).toBe(true);
  });

  it.each([
    ['PUBACK', { cmd: 'puback', messageId: 9 }],
    ['PUBREC', { cmd: 'pubrec', messageId: 9, reasonCode: 0 }],
    ['PUBREL', { cmd: 'pubrel', messageId: 9 }],
    ['PUBCOMP', { cmd: 'pubcomp', messageId: 9, properties: {} }],
  ] as Array<[string, Packet]>)('writes a plain 5.0 %s in the 2-byte form (reason 0, no properties omitted)', (_name, packet) => {
    const fast = fastEncode(packet, 5)!;
    expect([...fast]).toEqual([...generate({ ...packet, reasonCode: undefined, properties: undefined } as Packet, { protocolVersion: 4 })]);
    expect(fast).toHaveLength(4);
  });

  it.each([
    ['a PUBLISH with properties', { cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { contentType: 'text/plain' } }, 5],
    ['a PUBLISH QoS 1 without a packet identifier', { cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, dup: false, retain: false }, 4],
    ['an ack with a reason code', { cmd: 'puback', messageId: 1, reasonCode: 0x10 }, 5],
    ['an ack with a reason string', { cmd: 'puback', messageId: 1, properties: { reasonString: 'why' } }, 5],
    ['a SUBACK', { cmd: 'suback', messageId: 1, granted: [0] }, 4],
  ] as Array<[string, Packet, ProtocolVersion]>)('leaves %s to mqtt-packet', (_name, packet, version) => {
    expect(fastEncode(packet, version)).toBeUndefined();
    // And the write path still encodes it (or rejects it as mqtt-packet does).
    if (packet.cmd === 'publish' && packet.qos === 1 && packet.messageId === undefined) expect(() => encodePacket(packet, version, undefined)).toThrow();
    else expect(encodePacket(packet, version, undefined).equals(generate(packet, { protocolVersion: version }))).toBe(true);
  });
});
