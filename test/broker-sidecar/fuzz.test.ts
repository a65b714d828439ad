import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { generate, type Packet } from 'mqtt-packet';
import type { MqttClient } from 'mqtt';
import type { LogEvent } from '../../broker-sidecar/broker-events';
import { endAll, mqttClient, startBroker, withTimeout, type RunningBroker } from '../helpers/broker-harness';

// A million frames read by the broker over thousands of connections, every packet type with
// and without properties in 3.1, 3.1.1 and 5.0: valid packets with random fields (which the
// handlers act on), and now and then a packet mutated byte by byte (which the rule tables must
// refuse, or accept only if it is still valid). Meanwhile a watcher receives a QoS 1
// heartbeat. The broker must stay up, keep serving the watcher, and never log an error (the
// broker logs one when mqtt-packet refuses a packet the rule tables accepted, or a handler throws).

/** Frames the broker must have read, counted by the broker itself. */
const FRAMES = Number(process.env.FUZZ_FRAMES ?? 1_000_000);
/** Bounds the loop: more connections than this and the test fails (each carries ~200 frames). */
const MAX_CONNECTIONS = 40_000;
const FRAMES_PER_CONNECTION = 250;
/** Of the frames after CONNECT, the share mutated byte by byte. */
const MUTATION_RATE = 0.006;
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
const word = (): string => Math.floor(rand() * 2 ** 32).toString(36);

type Version = 3 | 4 | 5;

/** A valid packet of a random kind with random fields, as a client may send it mid-session. */
function validPacket(version: Version): Packet {
  const v5 = version === 5;
  const id = 1 + int(65535);
  const userProperties = (): Record<string, string | string[]> => ({ [word()]: word(), k: [word(), word()] });
  switch (int(11)) {
    case 0:
    case 1: {
      const qos = int(3) as 0 | 1 | 2;
      const properties = v5 && rand() < 0.6 ? { payloadFormatIndicator: rand() < 0.5, messageExpiryInterval: int(100_000), contentType: 'text/plain', responseTopic: `fz/r/${word()}`, correlationData: Buffer.from(word()), userProperties: userProperties(), ...(rand() < 0.3 ? { topicAlias: 1 + int(10) } : {}) } : undefined;
      return { cmd: 'publish', topic: `fz/p/${word()}/${word()}`, payload: Buffer.from(`payload ${word()} ${'é'.repeat(int(4))}`), qos, ...(qos > 0 ? { messageId: id } : {}), dup: qos > 0 && rand() < 0.2, retain: rand() < 0.01, properties };
    }
    case 2: {
      const subscriptions = Array.from({ length: 1 + int(4) }, () => ({ topic: pick([`fz/s/${word()}/#`, `fz/s/+/${word()}`, `fz/s/${word()}`, `$share/g${word()}/fz/s/${word()}`]), qos: int(3) as 0 | 1 | 2, ...(v5 ? { rap: rand() < 0.5, rh: int(3) } : {}) }));
      return { cmd: 'subscribe', messageId: id, subscriptions, properties: v5 && rand() < 0.5 ? { subscriptionIdentifier: 1 + int(268_435_454), userProperties: userProperties() } : undefined };
    }
    case 3:
      return { cmd: 'unsubscribe', messageId: id, unsubscriptions: [`fz/s/${word()}/#`, `fz/u/${word()}`], properties: v5 && rand() < 0.5 ? { userProperties: userProperties() } : undefined };
    case 4:
      return { cmd: 'puback', messageId: id, ...(v5 && rand() < 0.5 ? { reasonCode: pick([0, 0x10, 0x80, 0x87, 0x99]), properties: { reasonString: word(), userProperties: userProperties() } } : {}) };
    case 5:
      return { cmd: 'pubrec', messageId: id, ...(v5 && rand() < 0.5 ? { reasonCode: pick([0, 0x10, 0x83, 0x97]) } : {}) };
    case 6:
      return { cmd: 'pubrel', messageId: id, ...(v5 && rand() < 0.5 ? { reasonCode: pick([0, 0x92]), properties: { reasonString: word() } } : {}) };
    case 7:
      return { cmd: 'pubcomp', messageId: id, ...(v5 && rand() < 0.5 ? { reasonCode: pick([0, 0x92]) } : {}) };
    default:
      return { cmd: 'pingreq' };
  }
}

/** Valid packets of every type with properties (connection-level ones too), as templates for byte mutations. */
function templates(version: Version): Buffer[] {
  const v5 = version === 5;
  const protocolId = version === 3 ? 'MQIsdp' : 'MQTT';
  const packets: Packet[] = [
    { cmd: 'connect', protocolId, protocolVersion: version, clientId: 'fz', clean: false, keepalive: 5, will: { topic: 'fz/will', payload: Buffer.from('w'), qos: 1, retain: true, properties: v5 ? { willDelayInterval: 1, contentType: 'c', userProperties: { a: 'b' } } : undefined }, username: 'u', password: Buffer.from('p'), properties: v5 ? { sessionExpiryInterval: 1, receiveMaximum: 3, maximumPacketSize: 200, topicAliasMaximum: 2, requestProblemInformation: true, userProperties: { a: 'b' } } : undefined },
    { cmd: 'connack', sessionPresent: false, ...(v5 ? { reasonCode: 0, properties: { assignedClientIdentifier: 'x' } } : { returnCode: 0 }) },
    { cmd: 'suback', messageId: 1, granted: [0, 1], ...(v5 ? { properties: { reasonString: 'r' } } : {}) },
    { cmd: 'unsuback', messageId: 1, granted: [0], ...(v5 ? { properties: { reasonString: 'r' } } : {}) },
    { cmd: 'pingresp' },
    { cmd: 'disconnect', ...(v5 ? { reasonCode: 4, properties: { sessionExpiryInterval: 0, reasonString: 'bye', userProperties: { a: 'b' } } } : {}) },
  ];
  if (v5) packets.push({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'X', authenticationData: Buffer.from('d'), reasonString: 'r' } });
  for (let i = 0; i < 12; i++) packets.push(validPacket(version));
  return packets.map((p) => generate(p, { protocolVersion: version }));
}
const TEMPLATES = { 3: templates(3), 4: templates(4), 5: templates(5) } as const;

/** Valid packets with random fields, encoded once: picking from a pool keeps the test's own cost per frame small. */
const POOL_SIZE = 4000;
const pool = (version: Version): Buffer[] => Array.from({ length: POOL_SIZE }, () => generate(validPacket(version), { protocolVersion: version }));
const VALID = { 3: pool(3), 4: pool(4), 5: pool(5) } as const;

/** One template mutated byte by byte. */
function mutate(version: Version): Buffer {
  const base = Buffer.from(pick(TEMPLATES[version]));
  switch (int(6)) {
    case 0: // bit flips
      for (let i = 0, n = 1 + int(4); i < n; i++) base[int(base.length)]! ^= 1 << int(8);
      return base;
    case 1: {
      // truncation, with a fixed-up length half of the time
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
    default: // a byte changed in the body only, so the frame stays cut the same way
      if (base.length > 2) base[2 + int(base.length - 2)] = int(256);
      return base;
  }
}

/** One connection: a valid CONNECT (most of the time), then valid packets with a mutated one now and then. */
async function fuzzConnection(port: number, n: number): Promise<void> {
  const version = pick([3, 4, 5] as const);
  const parts: Buffer[] = [];
  if (rand() < 0.95) {
    const clientId = `fz${n % 500}`;
    parts.push(generate({ cmd: 'connect', protocolId: version === 3 ? 'MQIsdp' : 'MQTT', protocolVersion: version, clientId, clean: rand() < 0.8, keepalive: 30, properties: version === 5 ? { topicAliasMaximum: 5 } : undefined }, { protocolVersion: version }));
  }
  for (let i = 0; i < FRAMES_PER_CONNECTION; i++) parts.push(rand() < MUTATION_RATE ? mutate(version) : pick(VALID[version]));
  if (rand() < 0.5) parts.push(generate({ cmd: 'disconnect' }, { protocolVersion: version }));
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.on('data', () => undefined); // read what the broker answers, so it never waits on us
  await withTimeout(
    new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.once('connect', () => socket.end(Buffer.concat(parts)));
    }),
    30_000,
    `fuzz connection ${n} to close (seed ${seed})`,
  ).catch((error: Error) => {
    socket.destroy();
    throw error;
  });
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
  it(`reads ${FRAMES} valid and mutated frames of every type while a watcher keeps receiving`, { timeout: 600_000 }, async () => {
    onTestFailed(() => console.error(`fuzz.test.ts failed with FUZZ_SEED=${seed} (replay: FUZZ_SEED=${seed} npx vitest run --project unit test/broker-sidecar/fuzz.test.ts)`));
    const { counters } = running.broker;
    const read = (): number => counters.packetsReceived + counters.packetsRefused;
    const startRead = read();
    const startRefused = counters.packetsRefused;
    const seen = new Set<string>();
    watcher.on('message', (_topic, payload) => seen.add(payload.toString()));
    let sent = 0;
    let fuzzing = true;
    // QoS 1 heartbeats, one after another, for as long as the fuzzing lasts.
    const beats = (async () => {
      while (fuzzing) await heartbeat.publishAsync('fuzz-watch/beat', `hb-${sent++}`, { qos: 1 });
    })();

    let accepted = 0;
    const offConnected = running.broker.events.on('client-connected', () => accepted++);
    let connections = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (read() - startRead < FRAMES && connections < MAX_CONNECTIONS) await fuzzConnection(running.port, connections++);
      }),
    );
    offConnected();
    // Heartbeats that had arrived while the fuzzing ran: the watcher was served throughout, not only afterwards.
    const duringFuzz = seen.size;
    fuzzing = false;
    await withTimeout(beats, 10_000, `the heartbeat to stop (seed ${seed})`);
    const all = [...Array(sent).keys()].map((i) => `hb-${i}`);
    await withTimeout(
      (async () => {
        while (!all.every((hb) => seen.has(hb))) await new Promise((resolve) => setImmediate(resolve));
      })(),
      10_000,
      `all ${sent} heartbeats (seed ${seed})`,
    );

    expect(read() - startRead, `frames the broker read (seed ${seed})`).toBeGreaterThanOrEqual(FRAMES);
    expect(counters.packetsRefused - startRefused, `frames refused for a broken rule (seed ${seed})`).toBeGreaterThan(connections / 20);
    expect(accepted, `connections that got past CONNECT (seed ${seed})`).toBeGreaterThan(connections / 2);
    expect(duringFuzz, `heartbeats received while fuzzing (seed ${seed})`).toBeGreaterThan(10);
    expect(watcher.connected).toBe(true);
    expect(errors.map((e) => e.message), `seed ${seed}`).toEqual([]);
    expect(running.broker.connectionCount, `seed ${seed}`).toBeLessThan(PARALLEL + 5);
  });
});
