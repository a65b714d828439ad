import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeConfig } from '../../broker-sidecar/config/bridge-types';
import { ConfigError } from '../../broker-sidecar/config/config-error';
import { parseMosquittoConf } from '../../broker-sidecar/config/mosquitto-conf';
import { freePort, waitForPort } from '../helpers/mosquitto';

// The bridge section of mosquitto.conf, table-driven: what each option reads into, and
// every refusal as FILE:LINE: message. Every file the parser accepts is also started with
// Debian's mosquitto 2.0.11, and every file mosquitto also refuses is checked to be refused
// by it, so "valid" and "invalid" mean what mosquitto means.

let dir: string;
let listenPort: number;
let deadPort: number;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-bridge-conf-'));
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'ca.crt'), '', { mode: 0o644 });
  listenPort = await freePort();
  deadPort = await freePort();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fill(lines: string[]): string {
  return [`listener ${listenPort} 127.0.0.1`, ...lines].join('\n').replaceAll('{DEAD}', String(deadPort)).replaceAll('{DIR}', dir);
}

/** Starts mosquitto with the text for a moment: 'started' once its listener accepts, 'refused' when it exits first. */
async function mosquittoVerdict(name: string, text: string): Promise<'started' | 'refused'> {
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.conf`);
  writeFileSync(file, text, { mode: 0o644 });
  const child = spawn('/usr/sbin/mosquitto', ['-c', file], { cwd: dir, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    return await Promise.race([waitForPort(listenPort, 4000).then(() => 'started' as const), exited.then(() => 'refused' as const)]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  }
}

const HOST = os.hostname();

describe('bridge options that are read', () => {
  const cases: Array<[string, string[], Partial<BridgeConfig> | ((b: BridgeConfig) => void)]> = [
    [
      'defaults',
      ['connection b1', 'address 127.0.0.1:{DEAD}', 'topic a/#'],
      {
        name: 'b1',
        protocolVersion: 4,
        tryPrivate: true,
        cleanSession: false,
        localCleanSession: false,
        remoteClientId: `${HOST}.b1`,
        localClientId: `local.${HOST}.b1`,
        notifications: true,
        notificationTopic: `$SYS/broker/connection/${HOST}.b1/state`,
        notificationsLocalOnly: false,
        keepalive: 60,
        startType: 'automatic',
        idleTimeout: 60,
        threshold: 10,
        restartTimeout: { kind: 'backoff', base: 5, cap: 30 },
        roundRobin: false,
        attemptUnsubscribe: true,
        outgoingRetain: true,
        maxPacketSize: 0,
      },
    ],
    [
      'topic forms and prefixes',
      ['connection b2', 'address 127.0.0.1:{DEAD}', 'topic a/#', 'topic b/+ in', 'topic c both 2', 'topic # out 1 L/ R/', 'topic "" in 0 local/x remote/y', 'topic d/# IN 1 "" R/'],
      (b) =>
        expect(b.topics.map((t) => [t.direction, t.qos, t.localTopic, t.remoteTopic])).toEqual([
          ['out', 0, 'a/#', 'a/#'],
          ['in', 0, 'b/+', 'b/+'],
          ['both', 2, 'c', 'c'],
          ['out', 1, 'L/#', 'R/#'],
          ['in', 0, 'local/x', 'remote/y'],
          ['in', 1, 'd/#', 'R/d/#'],
        ]),
    ],
    [
      'several addresses, ports default to 1883',
      ['connection b3', 'addresses 127.0.0.1:{DEAD} localhost', 'round_robin true', 'topic a'],
      (b) => expect([b.addresses, b.roundRobin]).toEqual([[{ host: '127.0.0.1', port: deadPort }, { host: 'localhost', port: 1883 }], true]),
    ],
    [
      'every other option',
      [
        'connection b4',
        'address 127.0.0.1:{DEAD}',
        'topic a',
        'bridge_protocol_version mqttv50',
        'try_private false',
        'cleansession true',
        'local_cleansession false',
        'remote_clientid r-id',
        'remote_username ru',
        'remote_password rp',
        'local_clientid l-id',
        'local_username lu',
        'local_password lp',
        'notifications false',
        'notification_topic bridges/b4',
        'notifications_local_only true',
        'keepalive_interval 30',
        'start_type lazy',
        'idle_timeout 5',
        'threshold 3',
        'restart_timeout 7',
        'bridge_attempt_unsubscribe false',
        'bridge_outgoing_retain false',
        'bridge_max_packet_size 1000',
        'bridge_bind_address 127.0.0.1',
        'bridge_cafile ca.crt',
        'bridge_insecure true',
        'bridge_alpn mqtt',
        'bridge_tls_version tlsv1.3',
        'bridge_require_ocsp false',
      ],
      (b) => {
        expect(b).toMatchObject({
          protocolVersion: 5, tryPrivate: false, cleanSession: true, localCleanSession: false, remoteClientId: 'r-id', remoteUsername: 'ru', remotePassword: 'rp',
          localClientId: 'l-id', localUsername: 'lu', localPassword: 'lp', notifications: false, notificationTopic: 'bridges/b4', notificationsLocalOnly: true,
          keepalive: 30, startType: 'lazy', idleTimeout: 5, threshold: 3, restartTimeout: { kind: 'constant', seconds: 7 }, attemptUnsubscribe: false,
          outgoingRetain: false, maxPacketSize: 1000, bindAddress: '127.0.0.1',
        });
        expect(b.tls).toMatchObject({ enabled: true, cafile: path.join(dir, 'ca.crt'), insecure: true, alpn: 'mqtt', version: 'tlsv1.3', requireOcsp: false });
      },
    ],
    ['restart_timeout as backoff', ['connection b5', 'address 127.0.0.1:{DEAD}', 'topic a', 'restart_timeout 2 40'], { restartTimeout: { kind: 'backoff', base: 2, cap: 40 } }],
    ['PSK', ['connection b6', 'address 127.0.0.1:{DEAD}', 'topic a', 'bridge_identity me', 'bridge_psk 0a0B'], (b) => expect(b.tls).toMatchObject({ enabled: true, identity: 'me', psk: '0a0B' })],
    [
      'values mosquitto raises to its minimum, with a note',
      ['connection b7', 'address 127.0.0.1:{DEAD}', 'topic a', 'keepalive_interval 1', 'idle_timeout 0', 'threshold 0', 'restart_timeout 0'],
      (b) => {
        expect([b.keepalive, b.idleTimeout, b.threshold, b.restartTimeout]).toEqual([5, 1, 1, { kind: 'constant', seconds: 1 }]);
        expect(b.notes).toHaveLength(4);
      },
    ],
    [
      'old option names, and options between bridges going to the broker',
      ['connection b8', 'address 127.0.0.1:{DEAD}', 'clientid old-id', 'username u', 'password p', 'topic a', 'max_queued_messages 5', 'connection b9', 'address 127.0.0.1:{DEAD}', 'topic b'],
      (b) => expect([b.remoteClientId, b.remoteUsername, b.remotePassword]).toEqual(['old-id', 'u', 'p']),
    ],
  ];
  it.each(cases)('%s', async (name, lines, expected) => {
    const text = fill(lines);
    const config = parseMosquittoConf(text, path.join(dir, 'x.conf'));
    const bridge = config.bridges[0]!;
    if (typeof expected === 'function') expected(bridge);
    else expect(bridge).toMatchObject(expected);
    if (name.startsWith('old')) expect([config.bridges.length, config.limits.maxQueuedMessages]).toEqual([2, 5]);
    expect(await mosquittoVerdict(name, text)).toBe('started');
  });
});

describe('bridge options that are refused, with FILE:LINE', () => {
  // [case, lines after the listener line (numbered from 2), expected message, mosquitto refuses it too]
  const cases: Array<[string, string[], string, boolean]> = [
    ['bridge option before any connection', ['address 127.0.0.1'], '2: "address" is a bridge option: it must follow a "connection NAME" line', true],
    ['connection without a name', ['connection'], '2: usage: connection NAME', true],
    ['duplicate bridge name', ['connection a', 'address 127.0.0.1', 'topic x', 'connection a', 'address 127.0.0.1', 'topic y'], '5: duplicate bridge name "a" (line 2)', true],
    ['no address', ['connection a', 'topic x'], '2: bridge "a" has no address', true],
    ['no topic', ['connection a', 'address 127.0.0.1'], '2: bridge "a" has no topic', true],
    ['second address line', ['connection a', 'address 127.0.0.1', 'address 127.0.0.2', 'topic x'], '4: bridge "a" already has its addresses; give them all on one address line', true],
    ['bad port', ['connection a', 'address 127.0.0.1:70000', 'topic x'], '3: bad address "127.0.0.1:70000" (HOST[:PORT], port 1-65535)', true],
    ['bad direction', ['connection a', 'address 127.0.0.1', 'topic x sideways'], '4: bad bridge topic direction "sideways" (out|in|both)', true],
    ['bad QoS', ['connection a', 'address 127.0.0.1', 'topic x out 3'], '4: bad bridge topic QoS "3" (0|1|2)', true],
    ['"" pattern without both prefixes', ['connection a', 'address 127.0.0.1', 'topic "" out 0 local/ ""'], '4: a bridge topic of "" needs both a local and a remote prefix (they are then the whole topics)', true],
    ['bad protocol version', ['connection a', 'address 127.0.0.1', 'topic x', 'bridge_protocol_version mqttv6'], '5: usage: bridge_protocol_version mqttv31|mqttv311|mqttv50', true],
    ['start_type manual', ['connection a', 'address 127.0.0.1', 'topic x', 'start_type manual'], '5: start_type manual is not supported (mosquitto does not support it either)', true],
    ['bad boolean', ['connection a', 'address 127.0.0.1', 'topic x', 'cleansession yes'], '5: bad boolean "yes" for cleansession (true|false)', true],
    ['restart_timeout cap below base', ['connection a', 'address 127.0.0.1', 'topic x', 'restart_timeout 10 5'], '5: restart_timeout: the backoff cap 5 is lower than the base 10', true],
    ['keepalive above 65535', ['connection a', 'address 127.0.0.1', 'topic x', 'keepalive_interval 70000'], '5: bad number "70000" for keepalive_interval (5-65535)', true],
    ['duplicate string option', ['connection a', 'address 127.0.0.1', 'topic x', 'remote_clientid one', 'clientid two'], '6: duplicate remote_clientid value in bridge "a"', true],
    ['certificate and PSK together', ['connection a', 'address 127.0.0.1', 'topic x', 'bridge_cafile ca.crt', 'bridge_psk 00ff'], '6: bridge "a" cannot use both certificate and PSK encryption', true],
    ['PSK without identity', ['connection a', 'address 127.0.0.1', 'topic x', 'bridge_psk 00ff'], '2: bridge "a": bridge_psk needs bridge_identity', true],
    ['same local client ID twice', ['connection a', 'address 127.0.0.1', 'topic x', 'local_clientid same', 'connection b', 'address 127.0.0.1', 'topic y', 'local_clientid same'], "6: bridge local_clientid 'same' is not unique (also used by the bridge on line 2); set local_clientid for one of them", true],
    // Stricter than mosquitto, which reads these as 0 or fails only when it connects:
    ['a word for a number', ['connection a', 'address 127.0.0.1', 'topic x', 'threshold many'], '5: bad number "many" for threshold', false],
    ['bad TLS version', ['connection a', 'address 127.0.0.1', 'topic x', 'bridge_tls_version tls9'], '5: usage: bridge_tls_version tlsv1|tlsv1.1|tlsv1.2|tlsv1.3', false],
    ['PSK not in hex', ['connection a', 'address 127.0.0.1', 'topic x', 'bridge_identity me', 'bridge_psk xyz'], '6: bridge_psk must be the key in hexadecimal, without "0x"', false],
    ['wildcard in a prefix', ['connection a', 'address 127.0.0.1', 'topic x out 0 a/+/ r/'], '4: bad bridge topic local prefix "a/+/": no wildcards in a prefix', false],
    ['bad pattern', ['connection a', 'address 127.0.0.1', 'topic a/#/b'], '4: bad bridge topic pattern "a/#/b": ', false],
  ];
  it.each(cases)('%s', async (name, lines, message, mosquittoRefuses) => {
    const file = path.join(dir, 'bad.conf');
    const text = fill(lines);
    let error: unknown;
    try {
      parseMosquittoConf(text, file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`${file}:${message}`);
    if (mosquittoRefuses) expect(await mosquittoVerdict(name, text)).toBe('refused');
  });
});
