import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it, vi } from 'vitest';
import { MAX_VARIABLE_BYTE_INTEGER, PacketFramer, readRemainingLength, readVariableByteInteger } from '../../shared/packet-frames';

const bytes = (...b: number[]) => new Uint8Array(b);

/** A realistic stream: packets of many sizes, including multi-byte remaining lengths. */
const packets: Packet[] = [
  { cmd: 'connect', protocolVersion: 4, clientId: 'framer', clean: true, keepalive: 30, protocolId: 'MQTT' },
  { cmd: 'connack', sessionPresent: false, returnCode: 0 },
  { cmd: 'pingreq' },
  { cmd: 'publish', topic: 'a', payload: Buffer.alloc(0), qos: 0, dup: false, retain: false },
  { cmd: 'publish', topic: 't/127', payload: Buffer.alloc(120, 1), qos: 1, messageId: 7, dup: false, retain: false },
  { cmd: 'publish', topic: 't/16k', payload: Buffer.alloc(16_400, 2), qos: 0, dup: false, retain: true },
  { cmd: 'publish', topic: 't/2m', payload: Buffer.alloc(2_100_000, 3), qos: 2, messageId: 8, dup: false, retain: false },
  { cmd: 'puback', messageId: 7 },
  { cmd: 'disconnect' },
];
const frames = packets.map((p) => new Uint8Array(generate(p)));
const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
frames.reduce((at, f) => (stream.set(f, at), at + f.length), 0);

function feed(framer: PacketFramer, chunkSizes: (i: number) => number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0, i = 0; at < stream.length; i++) {
    const size = Math.max(1, chunkSizes(i));
    out.push(...framer.push(stream.subarray(at, at + size)));
    at += size;
  }
  return out;
}

describe('readVariableByteInteger', () => {
  it.each([
    [[0x00], 0, 1],
    [[0x7f], 127, 1],
    [[0x80, 0x01], 128, 2],
    [[0xff, 0x7f], 16_383, 2],
    [[0x80, 0x80, 0x01], 16_384, 3],
    [[0xff, 0xff, 0x7f], 2_097_151, 3],
    [[0x80, 0x80, 0x80, 0x01], 2_097_152, 4],
    [[0xff, 0xff, 0xff, 0x7f], MAX_VARIABLE_BYTE_INTEGER, 4],
  ])('decodes %j as %i in %i bytes', (encoded, value, length) => {
    expect(readVariableByteInteger(bytes(...encoded), 0)).toEqual({ status: 'ok', value, length });
  });

  it.each([[[]], [[0x80]], [[0xff, 0xff]], [[0xff, 0xff, 0xff]]])('asks for more bytes when %j stops mid-integer', (encoded) => {
    expect(readVariableByteInteger(bytes(...encoded), 0)).toEqual({ status: 'incomplete' });
  });

  it('calls a continuation bit on the 4th byte malformed', () => {
    expect(readVariableByteInteger(bytes(0xff, 0xff, 0xff, 0x80, 0x01), 0).status).toBe('malformed');
  });

  it('never reads past the given end', () => {
    expect(readVariableByteInteger(bytes(0x80, 0x01), 0, 1)).toEqual({ status: 'incomplete' });
  });

  it('reads the remaining length after the type byte', () => {
    expect(readRemainingLength(frames[6]!)).toEqual({ status: 'ok', value: frames[6]!.length - 5, length: 4 });
  });
});

describe('PacketFramer', () => {
  it.each([
    ['the whole stream in one chunk', () => stream.length],
    ['one byte at a time', () => 1],
    ['chunks of 2', () => 2],
    ['chunks of 7', () => 7],
    ['chunks of 1460 (an Ethernet segment)', () => 1460],
    ['chunks of 65536 (a socket read)', () => 65536],
    ['irregular chunks', (i: number) => [1, 3, 500, 2, 9000, 1][i % 6]!],
  ])('returns exactly the original packets from %s', (_name, sizes) => {
    const framer = new PacketFramer();
    const out = feed(framer, sizes);
    expect(out.map((f) => f.length)).toEqual(frames.map((f) => f.length));
    out.forEach((f, i) => expect(Buffer.from(f).equals(Buffer.from(frames[i]!))).toBe(true));
    expect(framer.buffered).toBe(0);
    expect(framer.framedBytes).toBe(stream.length);
    expect(framer.error).toBeUndefined();
  });

  it('returns several packets from one chunk, and keeps a partial one for later', () => {
    const framer = new PacketFramer();
    const joined = Buffer.concat([frames[2]!, frames[7]!, frames[8]!.subarray(0, 1)]);
    expect(framer.push(joined).map((f) => f[0]! >> 4)).toEqual([12, 4]);
    expect(framer.buffered).toBe(1);
    expect(framer.push(frames[8]!.subarray(1)).map((f) => Array.from(f))).toEqual([[0xe0, 0x00]]);
  });

  it('hands out copies, so reusing the socket buffer does not change earlier frames', () => {
    const framer = new PacketFramer();
    const chunk = new Uint8Array(frames[7]!);
    const [frame] = framer.push(chunk);
    chunk.fill(0);
    expect(Array.from(frame!)).toEqual(Array.from(frames[7]!));
  });

  it('packs small frames into shared blocks and gives a large one its own buffer, bytes unchanged', () => {
    const framer = new PacketFramer();
    const small = [0xc0, 0x00]; // PINGREQ
    const large = [0x30, 0x83, 0x40, ...new Array(0x2003).fill(7)]; // PUBLISH, remaining length 8195
    const out = framer.push(new Uint8Array([...small, ...small, ...large, ...small]));
    expect(out.map((f) => f.length)).toEqual([2, 2, 8198, 2]);
    expect(out[0]!.buffer).toBe(out[1]!.buffer);
    expect(out[3]!.buffer).toBe(out[0]!.buffer);
    expect(out[2]!.buffer).not.toBe(out[0]!.buffer);
    expect(out[2]!.buffer.byteLength).toBe(8198);
    expect(Array.from(out[1]!)).toEqual(small);
    expect(Array.from(out[2]!)).toEqual(large);
    // A later frame in the same block does not overwrite an earlier one.
    const [later] = framer.push(new Uint8Array([0xd0, 0x00]));
    expect(later!.buffer).toBe(out[0]!.buffer);
    expect(Array.from(out[3]!)).toEqual(small);
    expect(Array.from(later!)).toEqual([0xd0, 0x00]);
  });

  it('gathers a large packet arriving in small chunks into one buffer of its exact size, handed out without another copy', () => {
    const framer = new PacketFramer();
    const size = 1 + 3 + 1_000_000; // PUBLISH with a remaining length of 1,000,000 (3 bytes)
    const packet = new Uint8Array(size);
    packet.set([0x30, 0xc0, 0x84, 0x3d]);
    for (let i = 4; i < size; i++) packet[i] = i & 0xff;
    const out: Uint8Array[] = [];
    const copies = vi.spyOn(Uint8Array.prototype, 'slice');
    for (let at = 0; at < size; at += 1000) out.push(...framer.push(packet.subarray(at, Math.min(size, at + 1000))));
    expect(copies).not.toHaveBeenCalled();
    copies.mockRestore();
    expect(out).toHaveLength(1);
    expect(out[0]!.buffer.byteLength).toBe(size);
    const same = (a: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(packet));
    expect(same(out[0]!)).toBe(true);
    // What follows starts a fresh buffer: the handed-out frame is never written to again.
    const [next] = framer.push(new Uint8Array([0xc0, 0x00]));
    expect(Array.from(next!)).toEqual([0xc0, 0x00]);
    expect(same(out[0]!)).toBe(true);
  });

  it('stops for good on a 5th remaining-length byte, after returning the packets before it', () => {
    const framer = new PacketFramer();
    const bad = bytes(0x30, 0xff, 0xff, 0xff, 0xff, 0x01);
    const out = framer.push(Buffer.concat([frames[2]!, bad]));
    expect(out).toHaveLength(1);
    expect(framer.error).toMatchObject({ kind: 'malformed-remaining-length', streamOffset: frames[2]!.length });
    expect(framer.error?.message).toMatch(/remaining length/i);
    expect(framer.push(frames[2]!)).toEqual([]);
    expect(framer.buffered).toBe(0);
  });

  it('detects a malformed remaining length split across chunks', () => {
    const framer = new PacketFramer();
    expect(framer.push(bytes(0x30, 0x80, 0x80))).toEqual([]);
    expect(framer.error).toBeUndefined();
    expect(framer.push(bytes(0x80, 0x80))).toEqual([]);
    expect(framer.error?.kind).toBe('malformed-remaining-length');
  });

  it('refuses a packet larger than maxPacketSize as soon as its header arrives', () => {
    const framer = new PacketFramer({ maxPacketSize: 1000 });
    expect(framer.push(frames[5]!.subarray(0, 4))).toEqual([]);
    expect(framer.error).toMatchObject({ kind: 'packet-too-large', streamOffset: 0 });
    expect(framer.error?.message).toContain(String(frames[5]!.length));
  });

  it('frames a packet of exactly maxPacketSize', () => {
    const framer = new PacketFramer({ maxPacketSize: frames[4]!.length });
    expect(framer.push(frames[4]!)).toHaveLength(1);
    expect(framer.error).toBeUndefined();
  });
});
