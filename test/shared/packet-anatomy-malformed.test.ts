/**
 * The packet decoder on broken input: cut at every length, bad lengths, bad flags, unknown
 * properties — it never throws, says what is wrong and where, and still tiles the frame.
 */

import { describe, expect, it } from 'vitest';
import { annotatePacket, type MqttProtocolVersion, type PacketAnatomy } from '../../shared/packet-anatomy';
import { gen, all, valueAt, expectWellFormedTree, v3x, v5, table, type Loose } from '../helpers/anatomy-fixtures';

/** A few packets with many fields, to cut at every length. */
const truncationCases: Array<[string, MqttProtocolVersion, Loose]> = [
  ['CONNECT 5 with will and properties', 5, v5[1]![1]],
  ['CONNECT 3.1 with will', 3, v3x(3)[1]![1]],
  ['PUBLISH 5 with properties', 5, v5[5]![1]],
  ['SUBSCRIBE 5', 5, v5[11]![1]],
  ['SUBACK 3.1.1', 4, v3x(4)[5]![1]],
  ['DISCONNECT 5 with properties', 5, v5[16]![1]],
];

function expectError(anatomy: PacketAnatomy, pattern: RegExp): void {
  expect(anatomy.error).toBeDefined();
  expect(anatomy.error).toMatch(pattern);
}

describe('malformed input', () => {
  it.each(truncationCases)('%s cut at every length: never throws, always says so, keeps a tiled tree', (_name, version, packet) => {
    const frame = gen(packet, version);
    for (let n = 0; n < frame.length; n++) {
      const cut = frame.slice(0, n);
      const anatomy = annotatePacket(cut, version);
      expect(anatomy.error, `cut at ${n}`).toBeDefined();
      expectWellFormedTree(anatomy, cut);
      if (n >= 2) expect(anatomy.error).toMatch(/Truncated/);
    }
  });

  it('calls a field that runs past a complete packet malformed, not truncated', () => {
    // SUBSCRIBE id 1, filter 'a', and no options byte, with a remaining length that agrees.
    const frame = new Uint8Array([0x82, 0x05, 0x00, 0x01, 0x00, 0x01, 0x61]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /^Subscription options at offset 7 needs 1 byte, but only 0 remain before the end of the packet \(remaining length 5\)$/);
    expectWellFormedTree(anatomy, frame);
  });

  it('reports an empty frame', () => {
    const anatomy = annotatePacket(new Uint8Array(0), 4);
    expect(anatomy).toMatchObject({ type: null, fields: [] });
    expectError(anatomy, /offset 0/);
  });

  it('stops at a remaining length with a 5th byte', () => {
    const frame = new Uint8Array([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /Remaining length at offset 1 is malformed/);
    expect(anatomy.type).toBe('PUBLISH');
    expectWellFormedTree(anatomy, frame);
    expect(anatomy.fields.at(-1)).toMatchObject({ name: 'Undecoded bytes', start: 1, end: 6 });
  });

  it('stops at PUBLISH QoS 3 after the fixed header', () => {
    const frame = new Uint8Array([0x36, 0x05, 0x00, 0x01, 0x74, 0x00, 0x01]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /QoS 3/);
    expect(anatomy.fields.map((f) => f.name)).toEqual(['Fixed header', 'Undecoded bytes']);
    expectWellFormedTree(anatomy, frame);
  });

  it('stops at an unknown property identifier, naming it and its offset', () => {
    // PUBLISH 't', properties: length 2 = [0x05 ??, 0x00], payload 'x'
    const frame = new Uint8Array([0x30, 0x07, 0x00, 0x01, 0x74, 0x02, 0x05, 0x00, 0x78]);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, /Unknown property identifier 0x05 at offset 6/);
    expect(valueAt(anatomy.fields, 'Variable header/Topic name')).toBe('t');
    expectWellFormedTree(anatomy, frame);
  });

  it('stops at a property list longer than the packet', () => {
    const frame = new Uint8Array([0x30, 0x05, 0x00, 0x01, 0x74, 0x09, 0x01]);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, /past the end of the packet/);
    expectWellFormedTree(anatomy, frame);
  });

  it('stops at a property whose value runs past the property length', () => {
    // Content Type claims 5 bytes of text inside a 3-byte property list.
    const frame = new Uint8Array([0x30, 0x0b, 0x00, 0x01, 0x74, 0x03, 0x03, 0x00, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65]);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, /property length 3/);
    expectWellFormedTree(anatomy, frame);
  });

  it.each([
    ['reserved packet type 0', new Uint8Array([0x00, 0x00]), 4, /Packet type 0 .* reserved/],
    ['AUTH before MQTT 5', new Uint8Array([0xf0, 0x00]), 4, /reserved before MQTT 5/],
  ] as const)('stops at %s', (_name, frame, version, pattern) => {
    const anatomy = annotatePacket(frame, version);
    expectError(anatomy, pattern);
    expectWellFormedTree(anatomy, frame);
  });

  it.each([
    ['SUBSCRIBE with flags 0000', (f: Uint8Array) => (f[0] = 0x80), /SUBSCRIBE flags are 0000, must be 0010/],
    ['a reserved subscription option bit', (f: Uint8Array) => (f[f.length - 1]! |= 0x40), /reserved bits/],
    ['Retain Handling 3', (f: Uint8Array) => (f[f.length - 1]! |= 0x30), /Retain Handling 3/],
    ['subscription QoS 3', (f: Uint8Array) => (f[f.length - 1]! |= 0x03), /QoS 3/],
  ])('decodes everything but flags %s', (_name, corrupt, pattern) => {
    const frame = gen(v5[11]![1], 5);
    corrupt(frame);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, pattern);
    expect(all(anatomy.fields, 'Payload', 'Subscription')).toHaveLength(3);
    expectWellFormedTree(anatomy, frame);
  });

  it.each([
    ['a reason code PUBACK cannot carry', { cmd: 'puback', messageId: 1, reasonCode: 0x8e }, /0x8E is not a reason code PUBACK can carry/],
    ['a property CONNECT cannot carry', { cmd: 'connect', protocolVersion: 5, clientId: 'c', properties: { topicAliasMaximum: 1, serverKeepAlive: 3 } }, /Server Keep Alive \(0x13\) is not allowed in CONNECT/],
    ['packet identifier 0', { cmd: 'puback', messageId: 0 }, /Packet identifier must not be 0/],
    ['a wildcard in a topic name', { cmd: 'publish', topic: 'a/+', payload: Buffer.from(''), qos: 0 }, /wildcard/],
  ])('reports %s but decodes on', (_name, packet, pattern) => {
    const frame = gen(packet, 5);
    const anatomy = annotatePacket(frame, 5);
    expectError(anatomy, pattern);
    expect(anatomy.fields.at(-1)?.end).toBe(frame.length);
    expect(anatomy.fields.map((f) => f.name)).not.toContain('Undecoded bytes');
  });

  it('marks bytes after the packet as trailing', () => {
    const frame = new Uint8Array([0xc0, 0x00, 0xaa, 0xbb]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /2 bytes after the end of the packet/);
    expect(anatomy.fields.at(-1)).toMatchObject({ name: 'Trailing bytes', start: 2, end: 4 });
  });

  it('marks bytes a packet should not have as unexpected', () => {
    const frame = new Uint8Array([0x40, 0x03, 0x00, 0x01, 0x00]); // 3.1.1 PUBACK has only a packet identifier
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /1 unexpected byte/);
    expect(anatomy.fields.at(-1)).toMatchObject({ name: 'Unexpected bytes', start: 4, end: 5 });
  });

  it('reports invalid UTF-8 in a topic but shows it', () => {
    const frame = new Uint8Array([0x30, 0x04, 0x00, 0x02, 0xc3, 0x28]);
    const anatomy = annotatePacket(frame, 4);
    expectError(anatomy, /Topic name is not valid UTF-8/);
    expect(valueAt(anatomy.fields, 'Variable header/Topic name')).toBe('\uFFFD(');
  });

  it('survives random corruption of valid packets without throwing', () => {
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000);
    const frames = table.map(([, version, packet]) => [version, gen(packet, version)] as const);
    for (let i = 0; i < 3000; i++) {
      const [version, original] = frames[i % frames.length]!;
      const frame = original.slice(0, Math.max(1, Math.min(original.length, 200)));
      for (let k = 0; k < 1 + (i % 4); k++) frame[Math.floor(random() * frame.length)] = Math.floor(random() * 256);
      const anatomy = annotatePacket(frame, version);
      expectWellFormedTree(anatomy, frame);
    }
  });
});
