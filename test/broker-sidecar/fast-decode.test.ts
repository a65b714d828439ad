import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../broker-sidecar/decoder';
import { fastDecode } from '../../broker-sidecar/fast-decode';
import { validatePacket } from '../../shared/packet-rules/validate';
import type { ProtocolVersion } from '../../broker-sidecar/types';

const big = Buffer.alloc(20_000, 0x61); // a 3-byte remaining length
const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i))
  .filter((c) => c !== '+' && c !== '#')
  .join('');
const bytes = (packet: Packet, version: ProtocolVersion): Buffer => generate(packet, { protocolVersion: version });
const withByte = (frame: Buffer, at: number, value: number): Buffer => {
  const copy = Buffer.from(frame);
  copy[at] = value;
  return copy;
};

/** Frames the fast path takes; each must decode to what mqtt-packet decodes. */
const taken: Array<[string, Buffer, ProtocolVersion]> = [
  ['PUBLISH QoS 0, 3.1.1', bytes({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, dup: false, retain: false }, 4), 4],
  ['PUBLISH QoS 0, 3.1', bytes({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, dup: false, retain: false }, 3), 3],
  ['PUBLISH QoS 1 retained, 3.1.1', bytes({ cmd: 'publish', topic: 'x', payload: Buffer.from([0, 1, 2]), qos: 1, messageId: 513, dup: false, retain: true }, 4), 4],
  ['PUBLISH QoS 2 DUP, 3.1.1', bytes({ cmd: 'publish', topic: 'x', payload: Buffer.alloc(0), qos: 2, messageId: 65535, dup: true, retain: false }, 4), 4],
  ['PUBLISH QoS 0, 5.0, no properties', bytes({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 0, dup: false, retain: false }, 5), 5],
  ['PUBLISH QoS 1, 5.0, no properties', bytes({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, messageId: 7, dup: false, retain: false }, 5), 5],
  ['PUBLISH with every printable ASCII byte but the wildcards in its topic', bytes({ cmd: 'publish', topic: printable, payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4],
  ['PUBLISH with a 3-byte remaining length', bytes({ cmd: 'publish', topic: 't', payload: big, qos: 1, messageId: 1, dup: false, retain: false }, 5), 5],
  ['PUBACK 3.1.1', bytes({ cmd: 'puback', messageId: 1 }, 4), 4],
  ['PUBREC 3.1.1', bytes({ cmd: 'pubrec', messageId: 300 }, 4), 4],
  ['PUBREL 3.1.1 (flags 0010)', bytes({ cmd: 'pubrel', messageId: 65535 }, 4), 4],
  ['PUBCOMP 3.1', bytes({ cmd: 'pubcomp', messageId: 2 }, 3), 3],
  ['PUBACK 5.0 in the 2-byte form (reason 0x00 omitted)', bytes({ cmd: 'puback', messageId: 9 }, 4), 5],
  ['PUBREL 5.0 in the 2-byte form', bytes({ cmd: 'pubrel', messageId: 9 }, 4), 5],
  ['PUBACK 5.0 with an empty property list (40 04 …, as mqtt-packet and paho write it)', bytes({ cmd: 'puback', messageId: 9 }, 5), 5],
  ['PUBACK 5.0 with Reason Code 0x10 and no property list', Buffer.from([0x40, 0x03, 0x00, 0x09, 0x10]), 5],
  ['PUBREC 5.0 with Reason Code 0x97 and an empty property list', Buffer.from([0x50, 0x04, 0x00, 0x09, 0x97, 0x00]), 5],
  ['PUBREL 5.0 with Reason Code 0x92', Buffer.from([0x62, 0x03, 0x00, 0x09, 0x92]), 5],
  ['PUBCOMP 5.0 with Reason Code 0x00 and an empty property list', Buffer.from([0x70, 0x04, 0x00, 0x09, 0x00, 0x00]), 5],
];

const publish4 = bytes({ cmd: 'publish', topic: 'a/b', payload: Buffer.from('hi'), qos: 1, messageId: 7, dup: false, retain: false }, 4);

/** Frames left to raw-checks.ts and mqtt-packet: valid ones it cannot take, and broken ones it must not judge. */
const left: Array<[string, Buffer, ProtocolVersion]> = [
  ['a 5.0 PUBLISH with properties', bytes({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 0, dup: false, retain: false, properties: { contentType: 'text/plain' } }, 5), 5],
  ['a PUBLISH whose topic is not ASCII (strict UTF-8 check)', bytes({ cmd: 'publish', topic: 'température', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4],
  ['a PUBLISH whose topic is ill-formed UTF-8', withByte(bytes({ cmd: 'publish', topic: 'ab', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4, 0xc3), 4],
  ['a PUBLISH with QoS 3', withByte(publish4, 0, 0x36), 4],
  ['a QoS 0 PUBLISH with DUP set', withByte(bytes({ cmd: 'publish', topic: 'a', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 0, 0x38), 4],
  ['a PUBLISH with an empty topic', bytes({ cmd: 'publish', topic: '', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4],
  ['a 5.0 PUBLISH with an empty topic and no properties', bytes({ cmd: 'publish', topic: '', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 5), 5],
  ['a PUBLISH with a wildcard topic (#)', bytes({ cmd: 'publish', topic: 'a/#', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4],
  ['a PUBLISH with a wildcard topic (+)', bytes({ cmd: 'publish', topic: 'a/+/b', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4],
  ['a PUBLISH whose topic has U+0000', bytes({ cmd: 'publish', topic: 'a\u0000', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4],
  ['a PUBLISH whose topic has a control character (U+001F)', bytes({ cmd: 'publish', topic: 'a\u001f', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4],
  ['a PUBLISH whose topic has DEL (U+007F)', bytes({ cmd: 'publish', topic: 'a\u007f', payload: Buffer.from('x'), qos: 0, dup: false, retain: false }, 4), 4],
  ['a QoS 1 PUBLISH with packet identifier 0', bytes({ cmd: 'publish', topic: 't', payload: Buffer.from('x'), qos: 1, messageId: 0, dup: false, retain: false }, 4), 4],
  ['a 5.0 PUBLISH with a Remaining Length longer than needed', Buffer.from([0x30, 0x87, 0x00, 0x00, 0x01, 0x74, 0x00, 0x61, 0x62, 0x63]), 5],
  ['a PUBLISH whose topic length runs past the end', withByte(publish4, 3, 0x40), 4],
  ['a QoS 1 PUBLISH cut before its packet identifier', Buffer.from([0x32, 0x03, 0x00, 0x01, 0x74]), 4],
  ['a frame whose remaining length disagrees with its size', Buffer.concat([publish4, Buffer.from([0])]), 4],
  ['a PUBACK with a reason string (5.0)', bytes({ cmd: 'puback', messageId: 1, reasonCode: 0, properties: { reasonString: 'why' } }, 5), 5],
  ['a PUBACK with a Reason Code a client cannot send there (5.0)', Buffer.from([0x40, 0x03, 0x00, 0x01, 0x92]), 5],
  ['a PUBREL with a Reason Code a client cannot send there (5.0)', Buffer.from([0x62, 0x03, 0x00, 0x01, 0x10]), 5],
  ['a PUBREL without its reserved flags', withByte(bytes({ cmd: 'pubrel', messageId: 1 }, 4), 0, 0x60), 4],
  ['a PUBACK with reserved flags set', withByte(bytes({ cmd: 'puback', messageId: 1 }, 4), 0, 0x41), 4],
  ['a PUBACK with extra bytes (3.1.1)', Buffer.from([0x40, 0x03, 0x00, 0x01, 0x00]), 4],
  ['a PUBACK with packet identifier 0', Buffer.from([0x40, 0x02, 0x00, 0x00]), 4],
  ['a 3.1 PUBREL with DUP set (3.1 allows it; mqtt-packet does not)', Buffer.from([0x6a, 0x02, 0x00, 0x01]), 3],
  ['a SUBSCRIBE', bytes({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'a', qos: 0 }] }, 4), 4],
  ['a CONNECT', bytes({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'c', clean: true, keepalive: 0 } as Packet, { protocolVersion: 4 } as never), 4],
  ['a PINGREQ', Buffer.from([0xc0, 0x00]), 4],
];

describe('fast decoders', () => {
  it.each(taken)('decode what mqtt-packet decodes: %s', (_name, frame, version) => {
    const fast = fastDecode(frame, version);
    expect(fast).toBeDefined();
    const slow = decodeFrame(frame, version).packet;
    expect(slow).toBeDefined();
    expect({ ...fast }).toStrictEqual({ ...slow });
  });

  it.each(taken)('take only packets the rule tables accept: %s', (_name, frame, version) => {
    expect(validatePacket(frame, version)).toBeUndefined();
  });

  it.each(left)('leave %s to the full path', (_name, frame, version) => {
    expect(fastDecode(frame, version)).toBeUndefined();
  });

  it('hands the payload over without copying the frame', () => {
    // Larger than Node's 8 KiB pool, so a copy would have a buffer of its own.
    const payload = Buffer.alloc(16 * 1024, 0x70);
    const frame = bytes({ cmd: 'publish', topic: 't', payload, qos: 0, dup: false, retain: false }, 4);
    const packet = fastDecode(frame, 4) as Extract<Packet, { cmd: 'publish' }>;
    const view = packet.payload as Buffer;
    expect(view.buffer).toBe(frame.buffer);
    // The payload is the frame's tail, in place: same memory, at the frame's own offset.
    expect(view.byteOffset).toBe(frame.byteOffset + frame.length - payload.length);
    expect(view.equals(payload)).toBe(true);
  });
});
