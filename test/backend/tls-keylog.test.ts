/**
 * TLS key logging: the app connects over mqtts and wss to Debian's mosquitto (TLS with a
 * test-made PKI) while dumpcap captures the encrypted traffic; tshark, given the key log the
 * app wrote (`-o tls.keylog_file:`), decrypts the very same capture into MQTT (and, for wss,
 * the WebSocket upgrade), and without it sees none. Off by default: no file without a path.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../backend/connection-manager';
import { EventHub } from '../../backend/event-hub';
import { DeskError } from '../../shared/errors';
import { startCapture, type LiveCapture } from '../helpers/live-capture';
import { freePort, startMosquitto, waitForPort, type Mosquitto } from '../helpers/mosquitto';
import { testProfile } from '../helpers/profiles';
import { makeTestPki, type TestPki } from '../helpers/tls';

/** A hang guard, not a speed limit: openssl, dumpcap, TLS handshakes and tshark take long on a busy machine. */
const HANG_GUARD = 180_000;

let pki: TestPki;
let broker: Mosquitto;
let wssPort: number;
let dir: string;
let capture: LiveCapture | undefined;

beforeAll(async () => {
  pki = makeTestPki();
  wssPort = await freePort();
  const tlsLines = [`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`];
  broker = await startMosquitto([...tlsLines, `listener ${wssPort} 127.0.0.1`, 'protocol websockets', ...tlsLines]);
  // mosquitto is waited for on its first listener; the WebSocket one may open a moment later.
  await waitForPort(wssPort);
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-keylog-'));
}, HANG_GUARD);
afterEach(() => capture?.abort());
afterAll(() => broker?.stop());

/** Connects, subscribes and publishes through the app's connection manager, then disconnects. */
async function session(port: number, protocol: 'mqtts' | 'wss', keylogFile: string): Promise<void> {
  const manager = new ConnectionManager(new EventHub());
  const profile = testProfile(port, { protocol, mqttVersion: '5.0', clientId: `keylog-${protocol}`, tls: { ca: pki.caCert, keylogFile } });
  await manager.connect(profile);
  await manager.subscribe(profile.id, 'keys/#', 1);
  await manager.publish(profile.id, { topic: 'keys/secret', payload: new TextEncoder().encode('decrypt me'), qos: 1, retain: false });
  await manager.disconnect(profile.id);
}

const tshark = (args: string[]) => execFileSync('tshark', args, { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim();

describe('TLS key log', () => {
  it('lets tshark decrypt a capture of an mqtts session into MQTT', async () => {
    const keys = path.join(dir, 'mqtts-keys.log');
    capture = await startCapture(broker.port);
    await session(broker.port, 'mqtts', keys);
    await capture.stop();

    const lines = readFileSync(keys, 'utf8').trim().split('\n');
    // NSS key log format: LABEL <client random, 64 hex> <secret, hex>.
    expect(lines.every((l) => /^[A-Z_0-9]+ [0-9a-f]{64} [0-9a-f]+$/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('CLIENT_TRAFFIC_SECRET_0 ') || l.startsWith('CLIENT_RANDOM '))).toBe(true);
    expect(statSync(keys).mode & 0o777).toBe(0o600);

    const decode = ['-r', capture.file, '-d', `tcp.port==${broker.port},tls`, '-d', `tls.port==${broker.port},mqtt`];
    const decrypted = tshark([...decode, '-o', `tls.keylog_file:${keys}`, '-Y', 'mqtt', '-T', 'fields', '-e', 'mqtt.msgtype', '-e', 'mqtt.topic', '-e', 'mqtt.clientid']);
    expect(decrypted).toMatch(/^1\t\tkeylog-mqtts$/m);
    expect(decrypted).toMatch(/^3\tkeys\/secret\t$/m);
    expect(decrypted.split('\n').map((l) => l.split('\t')[0]).join(' ')).toMatch(/^1 2 8 9 3( 3| 4)+ 14$/);
    // The same capture without the keys: TLS, and no MQTT.
    expect(tshark([...decode, '-Y', 'mqtt'])).toBe('');
    expect(Number(tshark([...decode, '-Y', 'tls.app_data', '-T', 'fields', '-e', 'frame.number']).split('\n').length)).toBeGreaterThan(4);
  }, HANG_GUARD);

  it('lets tshark decrypt a capture of a wss session into its WebSocket upgrade and frames', async () => {
    const keys = path.join(dir, 'wss-keys.log');
    capture = await startCapture(wssPort);
    await session(wssPort, 'wss', keys);
    await capture.stop();

    const decode = ['-r', capture.file, '-d', `tcp.port==${wssPort},tls`, '-d', `tls.port==${wssPort},http`];
    const upgrade = tshark([...decode, '-o', `tls.keylog_file:${keys}`, '-Y', 'http.request', '-T', 'fields', '-e', 'http.request.uri', '-e', 'http.upgrade']);
    expect(upgrade).toBe('/mqtt\twebsocket');
    // The unmasked payload of the first client frame starts with the CONNECT.
    const frames = tshark([...decode, '-o', `tls.keylog_file:${keys}`, '-Y', 'websocket && data', '-T', 'fields', '-e', 'data.data']).split('\n');
    expect(frames.join('')).toContain(Buffer.from('keylog-wss').toString('hex'));
    expect(frames.join('')).toContain(Buffer.from('keys/secret').toString('hex'));
    expect(tshark([...decode, '-Y', 'http.request'])).toBe('');
  }, HANG_GUARD);

  it('is off by default, and an unwritable path is refused next to its field', async () => {
    const before = readdirSync(dir).length;
    await session(broker.port, 'mqtts', '');
    expect(readdirSync(dir).length).toBe(before);

    const manager = new ConnectionManager(new EventHub());
    const profile = testProfile(broker.port, { protocol: 'mqtts', tls: { ca: pki.caCert, keylogFile: path.join(dir, 'missing-dir', 'keys.log') } });
    const error = await manager.connect(profile).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeskError);
    expect((error as DeskError).fields?.['tls.keylogFile']).toMatch(/^TLS key log file cannot be written: .*missing-dir\/keys\.log \(ENOENT\)$/);
    expect(existsSync(path.join(dir, 'missing-dir'))).toBe(false);
  }, HANG_GUARD);
});
