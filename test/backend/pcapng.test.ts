/**
 * Captures written by encodePcapng, read back by Debian's tshark: synthesized sessions from
 * mqtt-packet, and real traffic between MQTT.js and mosquitto recorded by a pass-through
 * proxy and framed by PacketFramer.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import { generate, parser, type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePcapng, type CapturedPacket, type PcapngOptions } from '../../backend/pcapng';
import { annotatePacket } from '../../shared/packet-anatomy';
import { PacketFramer } from '../../shared/packet-frames';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';

type Loose = Record<string, unknown>;
const TSHARK = '/usr/bin/tshark';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-pcapng-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
function writeCapture(packets: ReadonlyArray<CapturedPacket>, options?: PcapngOptions): string {
  const file = path.join(dir, `capture-${++fileCount}.pcapng`);
  writeFileSync(file, encodePcapng(packets, options));
  return file;
}

/** Runs tshark on `file` and returns one array of field values per displayed frame. */
function tshark(file: string, fields: string[], extra: string[] = []): string[][] {
  const out = execFileSync(TSHARK, ['-r', file, ...extra, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    timeout: 30_000,
    stdio: ['ignore', 'pipe', 'pipe'], // tshark warns about running as root on stderr
  });
  return out
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
}

/**
 * What tshark should report for each MQTT packet, from mqtt-packet's parse: the type number
 * and the topic (tshark's mqtt.topic also lists SUBSCRIBE and UNSUBSCRIBE filters).
 */
function expectedRows(frames: ReadonlyArray<Uint8Array>, version: 3 | 4 | 5): string[][] {
  const p = parser({ protocolVersion: version });
  const parsed: Loose[] = [];
  p.on('packet', (packet) => parsed.push(packet as unknown as Loose));
  for (const frame of frames) p.parse(Buffer.from(frame));
  expect(parsed).toHaveLength(frames.length);
  return parsed.map((packet, i) => {
    const type = String(frames[i]![0]! >> 4);
    if (packet.cmd === 'publish') return [type, String(packet.topic)];
    if (packet.cmd === 'subscribe') return [type, (packet.subscriptions as Array<{ topic: string }>).map((s) => s.topic).join(',')];
    if (packet.cmd === 'unsubscribe') return [type, (packet.unsubscriptions as string[]).join(',')];
    return [type, ''];
  });
}

const MQTT_FIELDS = ['frame.number', 'mqtt.msgtype', 'mqtt.topic', 'mqtt.msg'];

interface Step {
  direction: 'in' | 'out';
  packet: Loose;
}

function session(version: 4 | 5): Step[] {
  const props = version === 5;
  return [
    {
      direction: 'out',
      packet: {
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: version,
        clientId: `desk-v${version}`,
        clean: true,
        keepalive: 30,
        username: 'user',
        password: Buffer.from('pw'),
        ...(props ? { properties: { sessionExpiryInterval: 60, userProperties: { a: 'b' } } } : {}),
      },
    },
    { direction: 'in', packet: { cmd: 'connack', sessionPresent: false, ...(props ? { reasonCode: 0, properties: { topicAliasMaximum: 10 } } : { returnCode: 0 }) } },
    { direction: 'out', packet: { cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'sensors/#', qos: 1 }, { topic: 'cmd/+', qos: 2 }] } },
    { direction: 'in', packet: { cmd: 'suback', messageId: 1, granted: [1, 2] } },
    { direction: 'out', packet: { cmd: 'publish', topic: 'sensors/temp', payload: Buffer.from('21.5'), qos: 0, dup: false, retain: false } },
    { direction: 'in', packet: { cmd: 'publish', topic: 'sensors/bin', payload: Buffer.from([0, 1, 2, 0xff]), qos: 1, messageId: 10, dup: false, retain: true } },
    { direction: 'out', packet: { cmd: 'puback', messageId: 10 } },
    { direction: 'out', packet: { cmd: 'publish', topic: 'cmd/big', payload: Buffer.alloc(3000, 0x42), qos: 2, messageId: 2, dup: false, retain: false } },
    { direction: 'in', packet: { cmd: 'pubrec', messageId: 2 } },
    { direction: 'out', packet: { cmd: 'pubrel', messageId: 2 } },
    { direction: 'in', packet: { cmd: 'pubcomp', messageId: 2 } },
    { direction: 'out', packet: { cmd: 'publish', topic: 'sensors/huge', payload: Buffer.alloc(100_000, 0x43), qos: 1, messageId: 3, dup: false, retain: false } },
    { direction: 'in', packet: { cmd: 'puback', messageId: 3 } },
    { direction: 'out', packet: { cmd: 'pingreq' } },
    { direction: 'in', packet: { cmd: 'pingresp' } },
    { direction: 'out', packet: { cmd: 'disconnect' } },
  ];
}

function capture(steps: Step[], version: 4 | 5, start = 1_700_000_000_000.5): CapturedPacket[] {
  return steps.map((s, i) => ({
    time: start + i * 10.25,
    direction: s.direction,
    bytes: new Uint8Array(generate(s.packet as unknown as Packet, { protocolVersion: version })),
  }));
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('encodePcapng read by tshark', () => {
  it.each([
    ['3.1.1', 4],
    ['5.0', 5],
  ] as const)('decodes every packet of an MQTT %s session as MQTT, in order, with topics and payloads', (_label, version) => {
    const packets = capture(session(version), version);
    const rows = tshark(writeCapture(packets), MQTT_FIELDS, ['-Y', 'mqtt']);
    expect(rows.map((r) => r.slice(1, 3))).toEqual(expectedRows(packets.map((p) => p.bytes), version));
    const shownPayloads = rows.filter((r) => r[1] === '3').map((r) => r[3]);
    expect(shownPayloads).toEqual(
      session(version)
        .filter((s) => s.packet.cmd === 'publish')
        .map((s) => hex(s.packet.payload as Buffer)),
    );
  });

  it('decodes MQTT 5 properties once the CONNECT announced version 5', () => {
    const packets = capture(session(5), 5);
    const rows = tshark(writeCapture(packets), ['mqtt.msgtype', 'mqtt.ver', 'mqtt.property_len', 'mqtt.prop_key', 'mqtt.prop_value'], ['-Y', 'mqtt.msgtype == 1']);
    expect(rows).toEqual([['1', '5', '12', 'a', 'b']]); // 5 bytes of session expiry, 7 of user property
  });

  it('writes valid checksums, clean TCP streams and the given times, directions and ports', () => {
    const packets = capture(session(4), 4);
    const file = writeCapture(packets, { clientPort: 40001 });
    const rows = tshark(
      file,
      ['frame.number', 'frame.time_epoch', 'tcp.srcport', 'tcp.dstport', 'ip.checksum.status', 'tcp.checksum.status', 'tcp.analysis.flags', 'tcp.flags.str', 'frame.packet_flags_direction'],
      ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'],
    );
    // Handshake, then each packet in 1460-byte segments.
    expect(rows).toHaveLength(3 + packets.reduce((n, p) => n + Math.ceil(p.bytes.length / 1460), 0));
    expect(rows.slice(0, 3).map((r) => r[7])).toEqual(['··········S·', '·······A··S·', '·······A····']);
    for (const [, , src, dst, ipSum, tcpSum, analysis, , flags] of rows) {
      expect(ipSum).toBe('1'); // good
      expect(tcpSum).toBe('1');
      expect(analysis).toBe(''); // no lost segments, retransmissions or bad acks
      expect([src, dst].sort()).toEqual(['1883', '40001']);
      expect(flags).toBe(src === '40001' ? '0x00000002' : '0x00000001'); // outbound / inbound
    }
    const first = rows[3]!;
    expect(first[1]).toBe('1700000000.000500000'); // 1_700_000_000_000.5 ms, to the microsecond
    expect(first[2]).toBe('40001');
  });

  it('decodes MQTT on another server port when told to, and carries the section comment', () => {
    const packets = capture(session(4).slice(0, 5), 4);
    const file = writeCapture(packets, { serverPort: 18830, clientPort: 55555, comment: 'desk capture' });
    const rows = tshark(file, ['mqtt.msgtype'], ['-d', 'tcp.port==18830,mqtt', '-Y', 'mqtt']);
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '8', '9', '3']);
    const info = execFileSync('/usr/bin/capinfos', ['-k', file], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(info).toContain('desk capture');
  });

  it('can leave out the handshake and still decode, and writes an empty capture tshark can open', () => {
    const packets = capture(session(4).slice(0, 3), 4);
    const rows = tshark(writeCapture(packets, { handshake: false }), ['mqtt.msgtype'], ['-Y', 'mqtt']);
    expect(rows.map((r) => r[0])).toEqual(['1', '2', '8']);
    expect(tshark(writeCapture([]), ['frame.number'])).toEqual([]);
  });

  it('splits packets at maxSegmentSize', () => {
    const packets = capture(session(4).slice(7, 8), 4);
    const rows = tshark(writeCapture(packets, { maxSegmentSize: 500, handshake: false }), ['tcp.len', 'mqtt.msgtype']);
    expect(rows.map((r) => r[0])).toEqual(['500', '500', '500', '500', '500', '500', '14']);
    expect(rows.at(-1)![1]).toBe('3');
  });
});

/** A TCP pass-through that records each chunk with its direction and time. */
async function startRecordingProxy(targetPort: number) {
  const records: CapturedPacket[] = [];
  const sockets = new Set<net.Socket>();
  const now = () => performance.timeOrigin + performance.now();
  let closedPairs = 0;
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      records.push({ time: now(), direction: 'out', bytes: new Uint8Array(chunk) });
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      records.push({ time: now(), direction: 'in', bytes: new Uint8Array(chunk) });
      client.write(chunk);
    });
    client.on('close', () => upstream.end());
    upstream.on('close', () => {
      client.destroy();
      closedPairs++;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    records,
    closed: () => closedPairs,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Frames each direction of a recorded stream, keeping arrival order across both. */
function frameRecords(records: ReadonlyArray<CapturedPacket>): CapturedPacket[] {
  const framers = { in: new PacketFramer(), out: new PacketFramer() };
  const frames: CapturedPacket[] = [];
  for (const r of records) {
    for (const bytes of framers[r.direction].push(r.bytes)) frames.push({ time: r.time, direction: r.direction, bytes });
  }
  expect(framers.in.error ?? framers.out.error).toBeUndefined();
  expect(framers.in.buffered + framers.out.buffered).toBe(0);
  return frames;
}

async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('encodePcapng on real traffic (MQTT.js ↔ mosquitto)', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(() => mosquitto?.stop());

  it.each([3, 4, 5] as const)('MQTT level %i: tshark decodes the same packet sequence PacketFramer found', async (version) => {
    const proxy = await startRecordingProxy(mosquitto.port);
    try {
      const client = await connectAsync(`mqtt://127.0.0.1:${proxy.port}`, {
        protocolVersion: version,
        ...(version === 3 ? { protocolId: 'MQIsdp' as const } : {}),
        clientId: `pcapng-${version}-${process.pid}`,
        reconnectPeriod: 0,
        connectTimeout: 5000,
      });
      const received: string[] = [];
      client.on('message', (topic) => received.push(topic));
      await client.subscribeAsync('desk/pcap/#', { qos: 2 });
      await client.publishAsync('desk/pcap/a', 'hello', { qos: 0 });
      await client.publishAsync('desk/pcap/b', Buffer.alloc(5000, 0x61), { qos: 1 });
      await client.publishAsync('desk/pcap/c', Buffer.from([0, 1, 2, 3]), { qos: 2 });
      await until(() => received.length === 3, 'three messages back');
      await client.unsubscribeAsync('desk/pcap/#');
      await client.endAsync();
      await until(() => proxy.closed() === 1, 'the proxied connection to close');

      const frames = frameRecords(proxy.records);
      const types = frames.map((f) => f.bytes[0]! >> 4);
      // CONNECT, CONNACK, SUBSCRIBE, SUBACK, 3 PUBLISH out and 3 back, their acks, UNSUBSCRIBE, UNSUBACK, DISCONNECT.
      expect(types.filter((t) => t === 3)).toHaveLength(6);
      expect(types[0]).toBe(1);
      expect(types.at(-1)).toBe(14);
      // The inspector reads every real packet cleanly too.
      for (const frame of frames) expect(annotatePacket(frame.bytes, version).error).toBeUndefined();

      const rows = tshark(writeCapture(frames), MQTT_FIELDS, ['-Y', 'mqtt']);
      expect(rows.map((r) => r.slice(1, 3))).toEqual(expectedRows(frames.map((f) => f.bytes), version));
      // Each payload goes out once and comes back once; how the two interleave is up to timing.
      const payloads = rows.filter((r) => r[1] === '3').map((r) => r[3]);
      expect([...payloads].sort()).toEqual(
        [hex(Buffer.from('hello')), hex(Buffer.alloc(5000, 0x61)), hex(Buffer.from([0, 1, 2, 3]))].flatMap((p) => [p, p]).sort(),
      );
    } finally {
      await proxy.close();
    }
  });
});
