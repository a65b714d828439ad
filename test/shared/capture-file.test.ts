/**
 * The capture reader on files built byte by byte: every container variant, every link
 * layer, and TCP's awkward cases (out of order, retransmitted, overlapping, wrapped, lost,
 * cut by the snapshot length, a reused port pair, a connection joined late), plus the app's
 * own pcapng export read back packet for packet.
 */

import { generate, type Packet } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { encodePcapng } from '../../backend/pcapng';
import { CaptureFormatError, CaptureReader, readCapture, TLS_NOT_DECRYPTED } from '../../shared/capture-file/mqtt-capture';
import { ACK, FIN, frame, RST, LINK_TYPES, pcapFile, pcapngFile, pcapngSection, SYN, type Link, type SegmentSpec, type TimedFrame } from '../helpers/capture-builder';

const mqtt = (packet: Record<string, unknown>, version: 3 | 4 | 5 = 4) => new Uint8Array(generate(packet as unknown as Packet, { protocolVersion: version }));
const CONNECT = mqtt({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'edge', clean: true, keepalive: 30 });
const CONNACK = mqtt({ cmd: 'connack', returnCode: 0, sessionPresent: false });
const publish = (id: number, payload = 'x') => mqtt({ cmd: 'publish', topic: 'e/t', payload: Buffer.from(payload), qos: 1, messageId: id, dup: false, retain: false });
const puback = (id: number) => mqtt({ cmd: 'puback', messageId: id });

const C: [string, number] = ['10.0.0.1', 40000];
const S: [string, number] = ['10.0.0.2', 1883];
const T0 = Date.UTC(2026, 10, 30, 12, 0, 0);

/** A conversation: handshake, then the given payload segments; seq numbers worked out per side. */
function conversation(steps: Array<['c' | 's', Uint8Array]>, options: { clientIsn?: number; serverIsn?: number } = {}): SegmentSpec[] {
  let c = options.clientIsn ?? 1000;
  let s = options.serverIsn ?? 5000;
  const out: SegmentSpec[] = [
    { from: C, to: S, seq: c, flags: SYN },
    { from: S, to: C, seq: s, flags: SYN | ACK },
  ];
  c = (c + 1) >>> 0;
  s = (s + 1) >>> 0;
  for (const [who, payload] of steps) {
    if (who === 'c') {
      out.push({ from: C, to: S, seq: c, payload });
      c = (c + payload.length) >>> 0;
    } else {
      out.push({ from: S, to: C, seq: s, payload });
      s = (s + payload.length) >>> 0;
    }
  }
  return out;
}

const timed = (segments: SegmentSpec[], link: Link = 'ethernet'): TimedFrame[] => segments.map((s, i) => ({ time: T0 + i, data: frame(s, link) }));
const basic: Array<['c' | 's', Uint8Array]> = [['c', CONNECT], ['s', CONNACK], ['c', publish(1)], ['s', puback(1)]];
const types = (bytes: Uint8Array) => readCapture(bytes).streams.map((s) => s.packets.map((p) => `${p.direction}${p.bytes[0]! >> 4}`).join(' '));

describe('containers', () => {
  it.each([
    ['pcap, little-endian, microseconds', {}],
    ['pcap, big-endian, microseconds', { bigEndian: true }],
    ['pcap, little-endian, nanoseconds', { nanos: true }],
    ['pcap, big-endian, nanoseconds', { bigEndian: true, nanos: true }],
  ])('reads %s with its timestamps', (_name, options) => {
    const file = pcapFile(timed(conversation(basic)).map((f, i) => ({ ...f, time: f.time + i * 0.25 })), options);
    const [stream] = readCapture(file).streams;
    expect(stream!.packets.map((p) => p.time - T0)).toEqual([2.5, 3.75, 5, 6.25]);
    expect(stream!.packets.map((p) => p.frame)).toEqual([3, 4, 5, 6]);
  });

  it.each([
    ['little-endian, microseconds', {}, [{ linkType: 1 }]],
    ['big-endian', { bigEndian: true }, [{ linkType: 1 }]],
    ['nanosecond resolution (if_tsresol 9)', {}, [{ linkType: 1, tsresol: 9 }]],
    ['power-of-two resolution (if_tsresol 2^-10)', {}, [{ linkType: 1, tsresol: 0x8a }]],
    ['a timestamp offset (if_tsoffset)', {}, [{ linkType: 1, tsoffset: 1_700_000_000 }]],
    ['an unknown block before the packets', { unknownBlock: true }, [{ linkType: 1 }]],
  ] as const)('reads pcapng, %s', (_name, options, interfaces) => {
    const file = pcapngFile(pcapngSection([...interfaces], timed(conversation(basic)), options));
    const [stream] = readCapture(file).streams;
    expect(stream!.packets.map((p) => Math.round(p.time - T0))).toEqual([2, 3, 4, 5]);
    expect(stream!.clientId).toBe('edge');
  });

  it('reads interfaces of different link types and sections of different byte orders', () => {
    const segments = conversation(basic);
    const first = pcapngSection([{ linkType: 1 }, { linkType: LINK_TYPES.sll2 }], segments.slice(0, 4).map((s, i) => ({ time: T0 + i, data: frame(s, i % 2 ? 'sll2' : 'ethernet'), interfaceId: i % 2 })));
    const second = pcapngSection([{ linkType: LINK_TYPES.raw }], segments.slice(4).map((s, i) => ({ time: T0 + 4 + i, data: frame(s, 'raw') })), { bigEndian: true });
    expect(types(pcapngFile(first, second))).toEqual(['out1 in2 out3 in4']);
  });

  it('reads Simple Packet Blocks (no timestamps)', () => {
    expect(types(pcapngFile(pcapngSection([{ linkType: 1 }], timed(conversation(basic)), { simple: true })))).toEqual(['out1 in2 out3 in4']);
  });

  it('refuses a file that is no capture, naming its first bytes', () => {
    expect(() => readCapture(new TextEncoder().encode('{"not":"a capture"}'))).toThrow(new CaptureFormatError('Not a pcap or pcapng file: it starts with 7b 22 6e 6f, not a pcap magic number (a1 b2 c3 d4) or a pcapng section header (0a 0d 0d 0a)', 0));
  });

  it('reads the frames before a cut, and says where the file was cut', () => {
    const file = pcapFile(timed(conversation(basic)));
    const result = readCapture(file.subarray(0, file.length - 10));
    expect(result.streams[0]!.packets.map((p) => p.bytes[0]! >> 4)).toEqual([1, 2, 3]);
    expect(result.problems).toEqual([expect.stringMatching(/^The file ends inside frame 6: it needs \d+ bytes at offset \d+; the frames before it are read$/)]);
  });
});

describe('a file read as it streams in', () => {
  it.each([
    ['pcap', () => pcapFile(timed(conversation(basic)))],
    ['pcapng with two sections', () => pcapngFile(pcapngSection([{ linkType: 1 }], timed(conversation(basic)).slice(0, 3)), pcapngSection([{ linkType: 1 }], timed(conversation(basic)).slice(3), { bigEndian: true }))],
  ])('gives the same packets from %s supplied a few bytes at a time as from the whole file', (_name, make) => {
    const file = make();
    const whole = readCapture(file);
    for (const piece of [1, 7, 64]) {
      const reader = new CaptureReader(file, undefined, Math.min(file.length, 32));
      let available = Math.min(file.length, 32);
      let steps = 0;
      while (!reader.step(3)) {
        if (reader.waiting) reader.supply((available = Math.min(file.length, available + piece)));
        expect(++steps).toBeLessThan(100_000);
      }
      expect(reader.result()).toEqual(whole);
    }
  });
});

describe('link layers', () => {
  it.each(['ethernet', 'vlan', 'sll', 'sll2', 'null', 'loop', 'raw'] as const)('reads TCP over %s', (link) => {
    expect(types(pcapFile(timed(conversation(basic), link), { linkType: LINK_TYPES[link] }))).toEqual(['out1 in2 out3 in4']);
  });

  it('reads IPv6, past a hop-by-hop extension header', () => {
    const v6 = conversation(basic).map((s) => ({ ...s, from: [s.from === C ? '2001:db8::1' : '2001:db8::2', s.from[1]] as [string, number], to: [s.to === C ? '2001:db8::1' : '2001:db8::2', s.to[1]] as [string, number] }));
    const result = readCapture(pcapFile(v6.map((s, i) => ({ time: T0 + i, data: frame(s, 'ethernet', { hopByHop: i % 2 === 0 }) }))));
    expect(result.streams.map((s) => [s.client, s.server])).toEqual([['[2001:db8::1]:40000', '[2001:db8::2]:1883']]);
    expect(result.streams[0]!.packets).toHaveLength(4);
  });

  it('ignores Ethernet padding after a short IP packet', () => {
    const segments = conversation(basic).map((s) => ({ ...s, padding: 6 }));
    expect(types(pcapFile(timed(segments)))).toEqual(['out1 in2 out3 in4']);
  });

  it('names link types it cannot read', () => {
    const result = readCapture(pcapFile(timed(conversation(basic)), { linkType: 147 }));
    expect(result.problems).toEqual(['6 frames of link type 147 skipped: this reader knows Ethernet, Linux cooked (SLL, SLL2), BSD loopback, raw IPv4/IPv6']);
  });
});

describe('TCP reassembly', () => {
  it('puts segments that arrive out of order back in order', () => {
    const segments = conversation([['c', CONNECT], ['s', CONNACK], ['c', publish(1)], ['c', publish(2)], ['c', publish(3)]]);
    const swapped = [...segments.slice(0, 4), segments[6]!, segments[4]!, segments[5]!];
    const [stream] = readCapture(pcapFile(timed(swapped))).streams;
    expect(stream!.packets.map((p) => p.bytes[0]! >> 4)).toEqual([1, 2, 3, 3, 3]);
    // Bytes come out in stream order; each packet keeps the frame (and time) of the segment
    // that carried its last byte, as Wireshark shows an out-of-order segment where it arrived.
    expect(stream!.packets.map((p) => p.frame)).toEqual([3, 4, 6, 7, 5]);
  });

  it('delivers retransmitted and overlapping bytes once', () => {
    const segments = conversation(basic);
    const connect = segments[2]!;
    const retransmitted = [...segments.slice(0, 3), connect, { ...connect, seq: connect.seq + 4, payload: connect.payload!.subarray(4) }, ...segments.slice(3)];
    expect(types(pcapFile(timed(retransmitted)))).toEqual(['out1 in2 out3 in4']);
  });

  it('frames a packet split across segments, and several packets in one', () => {
    const big = publish(7, 'y'.repeat(3000));
    const segments = conversation([['c', CONNECT], ['s', CONNACK]]);
    let seq = segments[2]!.seq + CONNECT.length;
    for (let at = 0; at < big.length; at += 1000) {
      segments.push({ from: C, to: S, seq, payload: big.subarray(at, at + 1000) });
      seq += Math.min(1000, big.length - at);
    }
    const both = new Uint8Array([...puback(7), ...mqtt({ cmd: 'pingresp' })]);
    segments.push({ from: S, to: C, seq: segments[3]!.seq + CONNACK.length, payload: both });
    const [stream] = readCapture(pcapFile(timed(segments))).streams;
    expect(stream!.packets.map((p) => [p.bytes[0]! >> 4, p.bytes.length])).toEqual([[1, CONNECT.length], [2, 4], [3, big.length], [4, 4], [13, 2]]);
  });

  it('follows sequence numbers across the 2^32 wrap', () => {
    expect(types(pcapFile(timed(conversation(basic, { clientIsn: 0xffff_fff0, serverIsn: 0xffff_fffe }))))).toEqual(['out1 in2 out3 in4']);
  });

  it('reports bytes the capture lost, and frames nothing after them in that direction', () => {
    const segments = conversation([['c', CONNECT], ['s', CONNACK], ['c', publish(1)], ['c', publish(2)], ['s', puback(1)]]);
    const lost = segments.filter((_, i) => i !== 4);
    const [stream] = readCapture(pcapFile(timed(lost))).streams;
    expect(stream!.packets.map((p) => `${p.direction}${p.bytes[0]! >> 4}`)).toEqual(['out1', 'in2', 'in4']);
    expect(stream!.problems).toEqual([expect.stringMatching(/^\d+ bytes from the client are missing from the capture at .*: the packets after them in that direction cannot be framed$/)]);
  });

  it('treats a segment cut by the snapshot length as lost bytes', () => {
    const frames = timed(conversation(basic));
    const cut = frames.map((f, i) => (i === 4 ? { ...f, data: f.data.subarray(0, f.data.length - 3), originalLength: f.data.length } : f));
    const [stream] = readCapture(pcapFile(cut)).streams;
    expect(stream!.packets.map((p) => `${p.direction}${p.bytes[0]! >> 4}`)).toEqual(['out1', 'in2', 'in4']);
    expect(stream!.problems).toHaveLength(1);
  });

  it('starts a new connection when a finished port pair is reused', () => {
    const first = conversation(basic);
    const close = [
      { from: C, to: S, seq: first.at(-2)!.seq + first.at(-2)!.payload!.length, flags: FIN | ACK },
      { from: S, to: C, seq: first.at(-1)!.seq + first.at(-1)!.payload!.length, flags: FIN | ACK },
    ];
    const second = conversation(basic, { clientIsn: 90_000, serverIsn: 70_000 });
    const result = readCapture(pcapFile(timed([...first, ...close, ...second])));
    expect(result.streams.map((s) => s.tcpStream)).toEqual([0, 1]);
    expect(result.streams.map((s) => s.packets.length)).toEqual([4, 4]);
  });

  it('says who closed each connection first and when, FIN or RST, and nothing for one left open', () => {
    const first = conversation(basic);
    const end = (from: typeof C, to: typeof C, i: number, flags: number) => ({ from, to, seq: first.at(i)!.seq + first.at(i)!.payload!.length, flags });
    // The broker closes first (a keepalive drop leaves only this), then the client.
    const byServer = [...first, end(S, C, -1, FIN | ACK), end(C, S, -2, FIN | ACK)];
    expect(readCapture(pcapFile(timed(byServer))).streams[0]!.closed).toEqual({ by: 'server', time: T0 + first.length, reset: false });
    const reset = [...first, end(C, S, -2, RST | ACK)];
    expect(readCapture(pcapFile(timed(reset))).streams[0]!.closed).toEqual({ by: 'client', time: T0 + first.length, reset: true });
    expect(readCapture(pcapFile(timed(first))).streams[0]!.closed).toBeUndefined();
  });

  it('joins a connection the capture caught late: no handshake, no CONNECT, the client told by what it sends', () => {
    const v5 = (p: Record<string, unknown>) => mqtt(p, 5);
    const segments = conversation([
      ['s', v5({ cmd: 'publish', topic: 'late', payload: Buffer.from('1'), qos: 1, messageId: 3, dup: false, retain: false, properties: { userProperties: { a: 'b' } } })],
      ['c', v5({ cmd: 'puback', messageId: 3, reasonCode: 0x10 })],
      ['c', v5({ cmd: 'pingreq' })],
      ['s', v5({ cmd: 'pingresp' })],
    ]).slice(2);
    const [stream] = readCapture(pcapFile(timed(segments))).streams;
    expect(stream!.client).toBe('10.0.0.1:40000');
    expect(stream!.packets.map((p) => `${p.direction}${p.bytes[0]! >> 4}`)).toEqual(['in3', 'out4', 'out12', 'in13']);
    expect(stream!.protocolVersion).toBe(5);
    expect(stream!.problems).toEqual(['The capture starts after this connection opened: no CONNECT, so its MQTT version is guessed from its packets']);
  });

  it('skips connections that are not MQTT, saying what they were', () => {
    const other = (payload: string, port: number): SegmentSpec[] => [
      { from: ['10.0.0.9', port], to: S, seq: 1, flags: SYN },
      { from: ['10.0.0.9', port], to: S, seq: 2, payload: new TextEncoder().encode(payload) },
    ];
    const tls = other('\u0016\u0003\u0001\u0000\u00c8hello', 41000);
    const http = other('GET / HTTP/1.1\r\nHost: x\r\n\r\n', 41001);
    const result = readCapture(pcapFile(timed([...tls, ...http])));
    expect(result.streams).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual([TLS_NOT_DECRYPTED, 'HTTP without a WebSocket upgrade']);
  });
});

describe('the app’s own export, read back', () => {
  it('gives back every packet, direction and time that encodePcapng wrote', () => {
    const packets = [CONNECT, CONNACK, publish(1, 'z'.repeat(5000)), puback(1)].map((bytes, i) => ({ time: T0 + i * 1.5, direction: i % 2 ? ('in' as const) : ('out' as const), bytes }));
    const [stream] = readCapture(new Uint8Array(encodePcapng(packets))).streams;
    expect(stream!.packets.map((p) => ({ time: p.time, direction: p.direction, bytes: Buffer.from(p.bytes).toString('hex') }))).toEqual(packets.map((p) => ({ ...p, bytes: Buffer.from(p.bytes).toString('hex') })));
    expect([stream!.client, stream!.server]).toEqual(['127.0.0.1:50000', '127.0.0.1:1883']);
  });
});
