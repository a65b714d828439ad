/**
 * The packet tap on real connections: every control packet in both directions, cut from
 * the transport's bytes (plain TCP, and decrypted TLS), in wire order, exported as pcapng
 * that Debian's tshark decodes as MQTT.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parser as mqttParser, type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type Backend } from '../../backend/backend';
import type { PacketBatch } from '../../shared/contract';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { callerFor } from '../helpers/backend-call';

let mosquitto: Mosquitto;
let tlsMosquitto: Mosquitto;
let pki: TestPki;
let backend: Backend;
let dir: string;
const batches: PacketBatch[] = [];

beforeAll(async () => {
  pki = makeTestPki();
  [mosquitto, tlsMosquitto] = await Promise.all([startMosquitto(), startMosquitto([`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`])]);
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-capture-'));
  backend = createBackend({ configDir: dir });
  backend.events.subscribe((stream, data) => stream === 'packets.batch' && batches.push(data as PacketBatch));
}, 30_000);
afterAll(async () => {
  await backend.close();
  await Promise.all([mosquitto.stop(), tlsMosquitto.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const call = callerFor(() => backend);

/** Decodes captured bytes with mqtt-packet, one frame at a time: each must be exactly one packet. */
function decode(bytes: Uint8Array, protocolVersion: number): Packet {
  const parser = mqttParser({ protocolVersion });
  const packets: Packet[] = [];
  parser.on('packet', (p) => packets.push(p));
  parser.on('error', (e) => {
    throw e;
  });
  const left = parser.parse(Buffer.from(bytes));
  expect(left).toBe(0);
  expect(packets).toHaveLength(1);
  return packets[0]!;
}

/** Runs a short session and returns the capture. */
async function session(port: number, profile: Record<string, unknown>): Promise<PacketBatch> {
  const saved = await call('profiles.save', { profile: { name: 'capture', protocol: 'mqtt', host: '127.0.0.1', port, clientId: `cap-${Date.now()}`, ...profile } });
  await call('connections.connect', { profileId: saved.id });
  await call('subscriptions.subscribe', { connectionId: saved.id, filter: 'cap/#', qos: 2 });
  for (const qos of [0, 1, 2] as const) {
    await call('messages.publish', { connectionId: saved.id, topic: `cap/q${qos}`, payload: new TextEncoder().encode(`qos ${qos}`), qos, retain: false });
  }
  // Wait for the three messages to come back (QoS 2 echo finishes with PUBCOMP).
  for (let i = 0; i < 100; i++) {
    const { packets } = await call('packets.list', { connectionId: saved.id });
    if (packets.filter((p) => p.direction === 'in' && (p.bytes[0]! >> 4) === 3).length >= 3 && packets.filter((p) => (p.bytes[0]! >> 4) === 7).length >= 2) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await call('connections.disconnect', { connectionId: saved.id });
  return call('packets.list', { connectionId: saved.id });
}

describe('packet capture', () => {
  it.each([
    ['MQTT 3.1.1 over TCP', () => mosquitto.port, () => ({ mqttVersion: '3.1.1' }), 4],
    ['MQTT 5.0 over TCP', () => mosquitto.port, () => ({ mqttVersion: '5.0' }), 5],
    ['MQTT 5.0 over TLS (decrypted)', () => tlsMosquitto.port, () => ({ mqttVersion: '5.0', protocol: 'mqtts', tls: { ca: pki.caCert } }), 5],
  ] as const)('captures every packet both ways, each frame exactly one packet: %s', async (_name, port, profile, level) => {
    const capture = await session(port(), profile());
    expect(capture.protocolVersion).toBe(level);
    const seen = capture.packets.map((p) => `${p.direction} ${decode(p.bytes, level).cmd}`);
    expect(seen.slice(0, 4)).toEqual(['out connect', 'in connack', 'out subscribe', 'in suback']);
    expect(seen.at(-1)).toBe('out disconnect');
    const count = (entry: string) => seen.filter((s) => s === entry).length;
    expect(count('out publish')).toBe(3);
    expect(count('in publish')).toBe(3);
    // QoS 1: one PUBACK each way; QoS 2: PUBREC/PUBREL/PUBCOMP each way.
    expect([count('in puback'), count('out puback')]).toEqual([1, 1]);
    expect([count('in pubrec'), count('out pubrel'), count('in pubcomp')]).toEqual([1, 1, 1]);
    expect([count('out pubrec'), count('in pubrel'), count('out pubcomp')]).toEqual([1, 1, 1]);
    const times = capture.packets.map((p) => p.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(capture.packets.map((p) => p.seq)).toEqual(capture.packets.map((_, i) => capture.packets[0]!.seq + i));
    // The same packets were streamed to the UI in batches.
    const streamed = batches.filter((b) => b.connectionId === capture.connectionId).flatMap((b) => b.packets.map((p) => p.seq));
    expect(streamed).toEqual(capture.packets.map((p) => p.seq));
  });

  it('exports a pcapng file that tshark decodes as the same MQTT conversation', async () => {
    const profile = await call('profiles.save', { profile: { name: 'pcap', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port, clientId: 'pcap-client' } });
    await call('connections.connect', { profileId: profile.id });
    await call('subscriptions.subscribe', { connectionId: profile.id, filter: 'pcap/#', qos: 1 });
    await call('messages.publish', { connectionId: profile.id, topic: 'pcap/t', payload: new TextEncoder().encode('{"t":21.5}'), qos: 1, retain: false });
    for (let i = 0; i < 100 && (await call('packets.list', { connectionId: profile.id })).packets.length < 7; i++) await new Promise((r) => setTimeout(r, 20));
    await call('connections.disconnect', { connectionId: profile.id });
    const exported = await call('packets.export', { connectionId: profile.id, format: 'pcapng' });
    const file = path.join(dir, exported.fileName);
    writeFileSync(file, exported.data);
    const out = execFileSync('tshark', ['-r', file, '-Y', 'mqtt', '-T', 'fields', '-e', 'mqtt.msgtype', '-e', 'mqtt.topic', '-e', 'mqtt.clientid'], { encoding: 'utf8', timeout: 30_000 });
    const rows = out.trim().split('\n').map((line) => line.split('\t'));
    // CONNECT(1) CONNACK(2) SUBSCRIBE(8) SUBACK(9) PUBLISH(3) out, PUBLISH in + PUBACKs(4), DISCONNECT(14)
    const types = rows.map((r) => r[0]).join(' ');
    expect(types.split(/[ ,]/).filter(Boolean)).toEqual(expect.arrayContaining(['1', '2', '8', '9', '3', '4', '14']));
    expect(rows[0]).toEqual(['1', '', 'pcap-client']);
    expect(rows.some((r) => r[0]!.split(',').includes('3') && r[1]!.includes('pcap/t'))).toBe(true);
    expect(exported.count).toBe(rows.reduce((n, r) => n + r[0]!.split(',').length, 0));
  });
});

describe('packets.list paging', () => {
  it('hands a capture over in pages of `limit`, from a sequence number, ending with more=false', async () => {
    const profile = await call('profiles.save', { profile: { name: 'paging', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port, clientId: 'paging-client' } });
    await call('connections.connect', { profileId: profile.id });
    await call('subscriptions.subscribe', { connectionId: profile.id, filter: 'paging/#', qos: 0 });
    for (let i = 0; i < 20; i++) await call('messages.publish', { connectionId: profile.id, topic: 'paging/t', payload: new TextEncoder().encode(String(i)), qos: 0, retain: false });
    // CONNECT, CONNACK, SUBSCRIBE, SUBACK, then 20 PUBLISH out and 20 back.
    for (let i = 0; i < 100 && (await call('packets.list', { connectionId: profile.id })).packets.length < 44; i++) await new Promise((r) => setTimeout(r, 20));
    const whole = await call('packets.list', { connectionId: profile.id });
    expect(whole.packets).toHaveLength(44);
    expect(whole.more).toBe(false);

    const pages: number[][] = [];
    let afterSeq = 0;
    for (let guard = 0; guard < 20; guard++) {
      const page = await call('packets.list', { connectionId: profile.id, afterSeq, limit: 10 });
      pages.push(page.packets.map((p) => p.seq));
      if (!page.more) break;
      afterSeq = page.packets.at(-1)!.seq;
    }
    expect(pages.map((p) => p.length)).toEqual([10, 10, 10, 10, 4]);
    expect(pages.flat()).toEqual(whole.packets.map((p) => p.seq));
    const tail = await call('packets.list', { connectionId: profile.id, afterSeq: whole.packets.at(-3)!.seq });
    expect(tail.packets.map((p) => p.seq)).toEqual(whole.packets.slice(-2).map((p) => p.seq));
    await call('connections.disconnect', { connectionId: profile.id });
  });

  it('refuses a page larger than the contract allows', async () => {
    await expect(call('packets.list', { connectionId: 'x', limit: 1_000_000 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS' });
  });
});
