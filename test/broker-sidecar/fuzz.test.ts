import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate, type Packet } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import type { LogEvent } from '../../broker-sidecar/broker-events';
import { endAll, mqttClient, sleep, startBroker, withTimeout, type RunningBroker } from '../helpers/broker-harness';

// Throws mutated and random packets at the broker over thousands of short connections
// while a watcher keeps receiving a QoS 1 heartbeat: the broker must stay up, keep
// serving other clients, and no handler may throw.

const CONNECTIONS = Number(process.env.FUZZ_CONNECTIONS ?? 4000);
const PACKETS_PER_CONNECTION = 25;
const PARALLEL = 24;

/** A small deterministic PRNG (seeded from FUZZ_SEED when set), so a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
const rand = prng(seed);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const int = (n: number): number => Math.floor(rand() * n);

/** Valid packets of every type, in both protocol versions, as mqtt-packet generates them. */
function templates(version: 4 | 5): Buffer[] {
  const v5 = version === 5;
  const packets: Packet[] = [
    { cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: 'fz', clean: false, keepalive: 5, will: { topic: 'fz/will', payload: Buffer.from('w'), qos: 1, retain: true, properties: v5 ? { willDelayInterval: 1 } : undefined }, username: 'u', password: Buffer.from('p'), properties: v5 ? { sessionExpiryInterval: 1, receiveMaximum: 3, maximumPacketSize: 200, topicAliasMaximum: 2, authenticationMethod: 'X' } : undefined },
    { cmd: 'publish', topic: 'fz/a/b', payload: Buffer.from('payload'), qos: 0, dup: false, retain: false },
    { cmd: 'publish', topic: 'fz/r', payload: Buffer.from('kept'), qos: 1, messageId: 7, dup: false, retain: true, properties: v5 ? { topicAlias: 1, payloadFormatIndicator: true, userProperties: { a: ['1', '2'], b: '3' }, correlationData: Buffer.from([1]), responseTopic: 'fz/resp', contentType: 'text/plain', messageExpiryInterval: 9 } : undefined },
    { cmd: 'publish', topic: 'fz/q2', payload: Buffer.alloc(40, 0x41), qos: 2, messageId: 8, dup: true, retain: false },
    { cmd: 'subscribe', messageId: 3, subscriptions: [{ topic: 'fz/#', qos: 2, nl: v5, rap: v5, rh: v5 ? 1 : 0 }, { topic: '$share/g/fz/+', qos: 1 }], properties: v5 ? { subscriptionIdentifier: 4 } : undefined },
    { cmd: 'unsubscribe', messageId: 4, unsubscriptions: ['fz/#', 'nope'] },
    { cmd: 'puback', messageId: 1, reasonCode: 0 },
    { cmd: 'pubrec', messageId: 2 },
    { cmd: 'pubrel', messageId: 8 },
    { cmd: 'pubcomp', messageId: 2 },
    { cmd: 'pingreq' },
    { cmd: 'suback', messageId: 1, granted: [0] },
    { cmd: 'disconnect', reasonCode: v5 ? 4 : undefined, properties: v5 ? { sessionExpiryInterval: 0 } : undefined },
  ];
  if (v5) packets.push({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'X', authenticationData: Buffer.from('d') } });
  return packets.map((p) => generate(p, { protocolVersion: version }));
}
const TEMPLATES = { 4: templates(4), 5: templates(5) } as const;

/** One mutated or random packet. */
function mutate(version: 4 | 5): Buffer {
  const base = Buffer.from(pick(TEMPLATES[version]));
  switch (int(6)) {
    case 0: // bit flips
      for (let i = 0, n = 1 + int(4); i < n; i++) base[int(base.length)]! ^= 1 << int(8);
      return base;
    case 1: // truncation, with a fixed-up length half of the time
      {
        const cut = base.subarray(0, 1 + int(base.length));
        if (rand() < 0.5 && cut.length >= 2) cut[1] = Math.min(127, cut.length - 2);
        return cut;
      }
    case 2: // length field corruption
      base[1] = int(256);
      return rand() < 0.3 ? Buffer.concat([base.subarray(0, 2), Buffer.from([0xff, 0xff, int(256)]), base.subarray(2)]) : base;
    case 3: // random bytes with a plausible header
      return Buffer.concat([Buffer.from([int(256), int(64)]), Buffer.from(Array.from({ length: int(64) }, () => int(256)))]);
    case 4: // pure noise
      return Buffer.from(Array.from({ length: 1 + int(32) }, () => int(256)));
    default: // a byte changed in the body only, so the frame stays well-formed
      if (base.length > 2) base[2 + int(base.length - 2)] = int(256);
      return base;
  }
}

/** One fuzzing connection: usually a valid CONNECT first so later packets reach the handlers. */
async function fuzzConnection(port: number, n: number): Promise<number> {
  const version = rand() < 0.5 ? 4 : 5;
  const parts: Buffer[] = [];
  if (rand() < 0.85) {
    parts.push(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clientId: `fuzz-${n % 200}`, clean: rand() < 0.8, keepalive: 30 }, { protocolVersion: version }));
  }
  for (let i = 0; i < PACKETS_PER_CONNECTION; i++) parts.push(rand() < 0.15 ? Buffer.from(pick(TEMPLATES[version])) : mutate(version));
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined);
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      socket.destroy();
      resolve();
    }, 1500);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect', () => socket.end(Buffer.concat(parts)));
  });
  return PACKETS_PER_CONNECTION;
}

let running: RunningBroker;
let watcher: MqttClient;
let heartbeat: MqttClient;
const errors: LogEvent[] = [];

beforeAll(async () => {
  running = await startBroker({ maxPacketBytes: 64 * 1024, connectTimeoutMs: 1000 });
  running.broker.events.on('log', (e) => {
    if (e.level === 'error') errors.push(e);
  });
  watcher = await mqttClient(running.port, { clientId: 'fuzz-watcher', protocolVersion: 5 });
  heartbeat = await mqttClient(running.port, { clientId: 'fuzz-heartbeat', protocolVersion: 4 });
  await watcher.subscribeAsync('fuzz-watch/#', { qos: 1 });
});
afterAll(async () => {
  await endAll(watcher, heartbeat);
  await running.stop();
});

describe('fuzzing', () => {
  it(`survives ${CONNECTIONS * PACKETS_PER_CONNECTION} mutated and random packets while a watcher keeps receiving`, { timeout: 60_000 }, async () => {
    const arrivals: number[] = [];
    const seen = new Set<string>();
    watcher.on('message', (_topic, payload) => {
      arrivals.push(Date.now());
      seen.add(payload.toString());
    });
    let sent = 0;
    let beating = true;
    const beats = (async () => {
      while (beating) {
        await heartbeat.publishAsync('fuzz-watch/beat', `hb-${sent++}`, { qos: 1 });
        await sleep(20);
      }
    })();

    let accepted = 0;
    const offConnected = running.broker.events.on('client-connected', () => accepted++);
    const started = Date.now();
    let thrown = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < CONNECTIONS) {
          const count = await fuzzConnection(running.port, next++);
          thrown += count;
        }
      }),
    );
    const fuzzEnded = Date.now();
    offConnected();
    beating = false;
    await withTimeout(beats, 5000, 'the heartbeat to stop');
    await withTimeout(
      (async () => {
        while (seen.size < sent) await sleep(20);
      })(),
      5000,
      `all ${sent} heartbeats (seed ${seed})`,
    );

    expect(thrown).toBeGreaterThanOrEqual(100_000);
    expect(accepted).toBeGreaterThan(CONNECTIONS / 2); // most connections got past CONNECT, so the handlers were exercised
    expect(watcher.connected).toBe(true);
    expect([...Array(sent).keys()].every((i) => seen.has(`hb-${i}`))).toBe(true);
    // Heartbeats kept arriving during the whole run, not just at the end.
    const during = arrivals.filter((t) => t <= fuzzEnded);
    expect(during.length).toBeGreaterThan((fuzzEnded - started) / 200);
    const gaps = during.slice(1).map((t, i) => t - during[i]!);
    expect(Math.max(0, ...gaps), `seed ${seed}`).toBeLessThan(2000);
    expect(errors.map((e) => e.message), `seed ${seed}`).toEqual([]);
    expect(running.broker.connectionCount).toBeLessThan(PARALLEL + 5);
  });
});
