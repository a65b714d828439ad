/**
 * The fleet the UI bench publishes as: a separate process (so the publisher does not share
 * the backend's event loop) writing QoS 0 PUBLISHes over one raw TCP connection, paced in
 * 5 ms slices at a given rate or as fast as the socket takes them, spread over many topics,
 * with payloads of a given kind and size. It reports how many it has sent, and when, to the
 * parent over IPC, so the parent can tell how long each message took to be counted.
 *
 * Payload kinds are a table (PAYLOAD_KINDS): a new kind is one entry, with its own topics,
 * subscription and first messages (Sparkplug births) when it needs them.
 */

import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { generate } from 'mqtt-packet';
import { encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload.js';

/** What to publish. */
export interface FleetPlan {
  port: number;
  /** Topic layout: `flood/dev<N>/temp` over `topics` devices, or a site/device/metric tree. */
  layout: 'fleet' | 'tree';
  topics: number;
  payloadKind: string;
  payloadBytes: number;
  /** Messages per second; 0 publishes as fast as the socket drains. */
  rate: number;
  /** Messages in all. */
  count: number;
  /** Publish only the kind's first messages (Sparkplug births), one per topic, and stop. */
  births?: boolean;
}

/** A progress report: messages written to the socket so far, and when (ms since the epoch). */
export interface FleetProgress {
  sent: number;
  at: number;
  done?: boolean;
  /** Time spent waiting for the socket to drain so far (the broker not reading fast enough), ms. */
  drainWaitMs?: number;
  /** CPU this publisher process used so far (user + system), ms. */
  cpuMs?: number;
}

/** One payload kind of the fleet. */
export interface PayloadKind {
  /** Message number `n` on topic number `topic` of `topics`, `bytes` long (at least the kind's smallest payload). */
  payload(n: number, topic: number, topics: number, bytes: number): Buffer;
  /** The kind's own topic names (Sparkplug's namespace) instead of the plan's layout. */
  topic?(i: number): string;
  /** A message sent once per topic before the flood (a Sparkplug birth), as [topic, payload]. */
  birth?(i: number): [string, Buffer];
  /** The subscription that receives the kind's messages. */
  filter: string;
  /** The last level of topic 0 (the bench selects that row in the tree). */
  leaf: string;
}

const SPARKPLUG_ALIASES = [1, 2, 3, 4, 5];

/** Payload kinds by name (BENCH_PAYLOAD): a new kind is one entry. */
export const PAYLOAD_KINDS: Record<string, PayloadKind> = {
  /** A JSON object with a temperature that moves per device, padded to the size. */
  json: {
    payload: (n, topic, _topics, bytes) => {
      const t = (20 + 5 * Math.sin(n / 5000 + topic)).toFixed(2);
      const head = `{"dev":${topic},"t":${t},"n":${n},"pad":"`;
      return Buffer.from(head + 'a'.repeat(Math.max(0, bytes - head.length - 2)) + '"}');
    },
    filter: 'flood/#',
    leaf: 'temp',
  },
  /** A bare number as text, padded with spaces. */
  number: { payload: (n, topic, _topics, bytes) => Buffer.from(String(20 + ((n + topic) % 100) / 10).padEnd(bytes, ' ')), filter: 'flood/#', leaf: 'temp' },
  /** Random-looking binary bytes. */
  binary: {
    payload: (n, topic, _topics, bytes) => {
      const out = Buffer.alloc(bytes);
      for (let i = 0; i < bytes; i++) out[i] = (n * 31 + topic * 17 + i * 7) & 0xff;
      return out;
    },
    filter: 'flood/#',
    leaf: 'temp',
  },
  /**
   * Sparkplug B (Tahu's encoder): an NBIRTH per edge node (one node per topic) naming five
   * Double metrics by alias, then NDATA of the five by alias with each node's seq, so every
   * message is decoded in the backend on its way to the page. The size is the encoder's.
   */
  sparkplug: {
    payload: (n, topic, topics) => {
      const seq = (Math.floor(n / topics) + 1) % 256;
      const metrics = SPARKPLUG_ALIASES.map((alias) => ({ alias, type: 'Double' as const, value: n + alias / 10 }));
      return Buffer.from(encodePayload({ timestamp: Date.now(), seq, metrics: metrics as never }));
    },
    topic: (i) => `spBv1.0/Bench/NDATA/node${i}`,
    birth: (i) => {
      const metrics = [{ name: 'bdSeq', type: 'UInt64' as const, value: 0 }, ...SPARKPLUG_ALIASES.map((alias) => ({ name: `Line/Sensor ${alias}`, alias, type: 'Double' as const, value: 0 }))];
      return [`spBv1.0/Bench/NBIRTH/node${i}`, Buffer.from(encodePayload({ timestamp: Date.now(), seq: 0, metrics }))];
    },
    filter: 'spBv1.0/#',
    leaf: 'node0',
  },
};

/** The topic names of a plan, by topic number. */
export function topicName(layout: FleetPlan['layout'], i: number): string {
  // tree: 10 sites × 100 devices × 100 metrics = 100,000 leaves per 100,000 topics.
  if (layout === 'tree') return `tree/site${Math.floor(i / 10_000)}/dev${Math.floor(i / 100) % 100}/m${i % 100}`;
  return `flood/dev${i}/temp`;
}

/** One PUBLISH (QoS 0, MQTT 3.1.1) by hand: fixed header, topic, payload. */
function publishPacket(topic: Buffer, payload: Buffer): Buffer {
  const remaining = 2 + topic.length + payload.length;
  const lengthBytes: number[] = [];
  let left = remaining;
  do {
    let byte = left % 128;
    left = Math.floor(left / 128);
    if (left > 0) byte |= 0x80;
    lengthBytes.push(byte);
  } while (left > 0);
  const out = Buffer.allocUnsafe(1 + lengthBytes.length + remaining);
  out[0] = 0x30;
  let at = 1;
  for (const b of lengthBytes) out[at++] = b;
  out.writeUInt16BE(topic.length, at);
  topic.copy(out, at + 2);
  payload.copy(out, at + 2 + topic.length);
  return out;
}

/** Runs in the child: connect, publish the plan, report, exit. */
export async function runPublisher(plan: FleetPlan): Promise<void> {
  const kind = PAYLOAD_KINDS[plan.payloadKind];
  if (!kind) throw new Error(`Unknown payload kind ${plan.payloadKind}; known: ${Object.keys(PAYLOAD_KINDS).join(', ')}`);
  const socket = net.connect(plan.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  socket.write(generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: `fleet-${process.pid}`, keepalive: 0 }));
  await new Promise<void>((resolve) => socket.once('data', () => resolve()));
  const report = (progress: FleetProgress) => process.send?.(progress);
  if (plan.births) {
    const birth = kind.birth;
    if (birth) socket.write(Buffer.concat(Array.from({ length: plan.topics }, (_, i) => birth(i)).map(([topic, payload]) => publishPacket(Buffer.from(topic), payload))));
    await new Promise<void>((resolve) => socket.end(Buffer.from([0xe0, 0]), resolve));
    report({ sent: birth ? plan.topics : 0, at: Date.now(), done: true });
    return;
  }
  const topics = Array.from({ length: plan.topics }, (_, i) => Buffer.from(kind.topic ? kind.topic(i) : topicName(plan.layout, i)));
  const start = Date.now();
  let sent = 0;
  // Waiting for 'drain' is the broker pushing back; lagging with a drained socket is this
  // process short of CPU. The two are reported apart, so a slow run says which it was.
  let drainWaitMs = 0;
  const cpuMs = () => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  while (sent < plan.count) {
    const due = plan.rate > 0 ? Math.min(plan.count, Math.floor(((Date.now() - start) / 1000) * plan.rate)) : Math.min(plan.count, sent + 1000);
    const packets: Buffer[] = [];
    for (; sent < due; sent++) packets.push(publishPacket(topics[sent % plan.topics]!, kind.payload(sent, sent % plan.topics, plan.topics, plan.payloadBytes)));
    const drained = packets.length === 0 || socket.write(Buffer.concat(packets));
    report({ sent, at: Date.now(), drainWaitMs, cpuMs: cpuMs() });
    if (!drained) {
      const waitFrom = Date.now();
      await new Promise((r) => socket.once('drain', r));
      drainWaitMs += Date.now() - waitFrom;
    }
    if (plan.rate > 0) await new Promise((r) => setTimeout(r, 5));
  }
  // DISCONNECT once everything is written, so mosquitto has taken every byte.
  await new Promise<void>((resolve) => socket.end(Buffer.from([0xe0, 0]), resolve));
  report({ sent, at: Date.now(), done: true, drainWaitMs, cpuMs: cpuMs() });
}

/** A running publisher child. */
export interface FleetPublisher {
  /** The publisher's process id. */
  pid: number;
  /** Reports so far, in order. */
  progress: FleetProgress[];
  done: Promise<FleetProgress>;
  stop(): void;
}

/** Starts the publisher as a child of this bench (the bench bundle run with `--publisher`). */
export function startPublisher(plan: FleetPlan): FleetPublisher {
  const child: ChildProcess = fork(process.argv[1]!, ['--publisher', JSON.stringify(plan)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const progress: FleetProgress[] = [];
  const done = new Promise<FleetProgress>((resolve, reject) => {
    child.on('message', (message: FleetProgress) => {
      progress.push(message);
      if (message.done) resolve(message);
    });
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`The publisher exited with ${code}`))));
  });
  return { pid: child.pid!, progress, done, stop: () => (child.exitCode === null ? void child.kill() : undefined) };
}

/** Runs the publisher when this process was started as one; returns whether it was. */
export function publisherMain(): boolean {
  const at = process.argv.indexOf('--publisher');
  if (at < 0) return false;
  runPublisher(JSON.parse(process.argv[at + 1]!) as FleetPlan)
    .then(() => process.disconnect?.())
    .catch((error: Error) => {
      console.error(error);
      process.exit(1);
    });
  return true;
}
