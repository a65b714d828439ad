/**
 * The backend's ingest rate: messages from a publisher process through mosquitto into
 * (a) a bare MQTT.js subscriber, the ceiling of anything built on MQTT.js, and (b) the
 * app's backend (ConnectionManager: MQTT.js, packet capture, message store, batcher) with
 * every batch encoded for the page as the browser-mode server does (messages and captured
 * packets). Rounds alternate between the two; each figure is the median round. Rates are
 * measured at the subscriber, from its first message to its last, and CPU per message is
 * this process's CPU time (user + system) over the same span. With BENCH_PAYLOAD=sparkplug
 * the backend decodes every NDATA (no births are sent here, so metrics keep their aliases:
 * the decoding work is the same).
 *
 * Two sources (IngestPlan.source): `mosquitto`, the publisher process through mosquitto,
 * where mosquitto's own cost per message caps the rate on a 2-core VM; and `replay`, the
 * replay feeder (replay-feeder.ts), a process that writes pre-encoded PUBLISHes straight to
 * the subscriber's socket with no broker, so the rate is the subscriber's own ceiling.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { connectAsync } from 'mqtt';
import { ConnectionManager } from '../../backend/connection-manager';
import { EventHub } from '../../backend/event-hub';
import type { MessageBatch } from '../../shared/contract';
import { encodeEvent } from '../../shared/rpc';
import { testProfile } from '../helpers/profiles';
import { PAYLOAD_KINDS, startPublisher, type FleetPlan } from './fleet-publisher';
import { watchCpu } from './process-cpu';
import { startReplayFeeder } from './replay-feeder';

/** One measured path. */
export interface IngestFigures {
  /** Messages per second, first to last received. */
  rate: number;
  /** CPU of this process per message, in microseconds. */
  cpuMicros: number;
  /** Of which in the kernel (system time: socket reads, wakeups), in microseconds per message. */
  systemMicros: number;
  /** Of which on threads other than the main one (the garbage collector's helpers, libuv), µs per message. */
  otherThreadMicros: number;
  received: number;
  batches: number;
  /** Bytes written for the page (frames), per message. */
  wireBytesPerMessage: number;
  /**
   * CPU of each process over the run, in cores (1 = one core busy all along): the one near
   * 1 is the single-threaded limit of the run.
   */
  cores: { publisher: number; mosquitto: number; subscriber: number };
  /** With the replay source: times the feeder waited for the subscriber's socket to drain. */
  drainWaits?: number;
  /**
   * CPU of each process over the run per message, in microseconds: one core spends 10⁶ µs
   * a second, so a process that takes X µs per message can pass at most 10⁶ / X messages a
   * second (each is single-threaded), and the three together at most cores × 10⁶ / ΣX.
   */
  micros: { publisher: number; mosquitto: number; subscriber: number };
}

/** Where the messages come from: see the file's comment. */
export type IngestSource = 'mosquitto' | 'replay';

/** What to publish, and how many rounds. */
export interface IngestPlan {
  /** `mosquitto` (the default) or `replay`; with `replay`, port and brokerPid are not used. */
  source?: IngestSource;
  port: number;
  /** The broker's process id, for its CPU. */
  brokerPid: number;
  topics: number;
  payloadKind: string;
  payloadBytes: number;
  messages: number;
  rounds: number;
  /** Replay source: most bytes per write of the feeder (replay-feeder.ts); 0, one packet per write. */
  replayWriteBytes?: number | undefined;
  /** A path prefix: write this process's CPU profile of the last round of each path (`-ingest-bare.cpuprofile`, `-ingest-backend.cpuprofile`). */
  profile?: string | undefined;
}

/** Bare MQTT.js against the backend, interleaved rounds, medians. */
export async function runIngestBench(plan: IngestPlan): Promise<{ bare: IngestFigures; backend: IngestFigures }> {
  const bare: IngestFigures[] = [];
  const backend: IngestFigures[] = [];
  const source = plan.source === 'replay' ? await replaySource(plan) : mosquittoSource(plan);
  const tag = plan.source === 'replay' ? '-replay' : '';
  try {
    for (let round = 0; round < plan.rounds; round++) {
      const last = round === plan.rounds - 1 ? plan.profile : undefined;
      bare.push(await profiled(last && `${last}-ingest${tag}-bare.cpuprofile`, () => measure(plan, source, bareSubscriber)));
      backend.push(await profiled(last && `${last}-ingest${tag}-backend.cpuprofile`, () => measure(plan, source, backendSubscriber)));
    }
  } finally {
    source.close();
  }
  return { bare: median(bare), backend: median(backend) };
}

/**
 * A source of messages for one round: where subscribers connect, which processes to
 * account as `publisher` and `mosquitto`, and `feed()`, called once the subscriber is
 * subscribed, resolving when every message has been written to it.
 */
interface Source {
  port: number;
  /** Whether the CPU watch starts before the subscriber connects (the replay feeder writes from its SUBACK on). */
  watchFromConnect: boolean;
  /** Messages the subscriber gets besides the plan's (the replay feeder's Sparkplug births), counted like them. */
  extra: number;
  publisherPids(): number[];
  mosquittoPids(): number[];
  feed(): { done: Promise<{ drainWaits?: number }>; stop(): void };
  close(): void;
}

function mosquittoSource(plan: IngestPlan): Source {
  let publisherPid: number | undefined;
  return {
    port: plan.port,
    watchFromConnect: false,
    extra: 0,
    publisherPids: () => (publisherPid === undefined ? [] : [publisherPid]),
    mosquittoPids: () => [plan.brokerPid],
    feed() {
      const fleet: FleetPlan = { port: plan.port, layout: 'fleet', topics: plan.topics, payloadKind: plan.payloadKind, payloadBytes: plan.payloadBytes, rate: 0, count: plan.messages };
      const publisher = startPublisher(fleet);
      publisherPid = publisher.pid;
      return { done: publisher.done.then(() => ({})), stop: () => publisher.stop() };
    },
    close: () => undefined,
  };
}

async function replaySource(plan: IngestPlan): Promise<Source> {
  const feeder = await startReplayFeeder({ topics: plan.topics, payloadKind: plan.payloadKind, payloadBytes: plan.payloadBytes, messages: plan.messages, writeBytes: plan.replayWriteBytes });
  return {
    port: feeder.port,
    watchFromConnect: true,
    extra: PAYLOAD_KINDS[plan.payloadKind]?.birth ? plan.topics : 0,
    // The feeder stands for publisher and broker at once; it is accounted as the publisher.
    publisherPids: () => [feeder.pid],
    mosquittoPids: () => [],
    feed: () => ({ done: feeder.nextFed(), stop: () => undefined }),
    close: () => feeder.stop(),
  };
}

/** Runs `work` under the V8 profiler of this process when `file` is given, and writes the profile there. */
async function profiled<T>(file: string | undefined, work: () => Promise<T>): Promise<T> {
  if (!file) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    console.log(`  CPU profile written: ${file}`);
  }
}

/** A subscriber under test: calls `onMessages(n, wireBytes, batch?)` as messages arrive. */
type Subscriber = (port: number, filter: string, onMessages: (count: number, wireBytes: number, batch: boolean) => void) => Promise<{ stop(): Promise<void> }>;

/** Bare MQTT.js (exported for its test). */
export const bareSubscriber: Subscriber = async (port, filter, onMessages) => {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `ingest-bare-${process.pid}` });
  // Listening before subscribing: the replay feeder writes right behind its SUBACK, and
  // MQTT.js emits the PUBLISHes that arrive in the SUBACK's read before subscribeAsync's
  // promise goes on, so a listener added after it missed them (319 Sparkplug births, the
  // rest of a 64 KiB read, whenever the SUBACK shared its read with them).
  client.on('message', () => onMessages(1, 0, false));
  await client.subscribeAsync(filter, { qos: 0 });
  return { stop: () => client.endAsync() };
};

const backendSubscriber: Subscriber = async (port, filter, onMessages) => {
  const hub = new EventHub();
  hub.subscribe((stream, data) => {
    // What the browser-mode server does with every event before its socket takes it.
    const wire = encodeEvent(stream, data);
    const bytes = typeof wire === 'string' ? wire.length : wire.byteLength;
    if (stream === 'messages.batch') {
      const batch = data as MessageBatch;
      onMessages(batch.messages.length + batch.dropped, bytes, true);
    } else onMessages(0, bytes, false);
  });
  const manager = new ConnectionManager(hub);
  const profile = testProfile(port, { id: 'ingest', name: 'ingest', clientId: `ingest-app-${process.pid}` });
  await manager.connect(profile);
  await manager.subscribe('ingest', filter, 0);
  return { stop: () => manager.closeAll() };
};

async function measure(plan: IngestPlan, source: Source, subscriber: Subscriber): Promise<IngestFigures> {
  let received = 0;
  let batches = 0;
  let wireBytes = 0;
  let first = 0;
  let last = 0;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let cpuAtLast: NodeJS.CpuUsage | undefined;
  let mainAtFirst = 0;
  let mainAtLast = 0;
  const watch = () => watchCpu({ publisher: source.publisherPids, mosquitto: source.mosquittoPids, subscriber: () => [process.pid] });
  let cpuWatch = source.watchFromConnect ? watch() : undefined;
  const expected = plan.messages + source.extra;
  const sub = await subscriber(source.port, PAYLOAD_KINDS[plan.payloadKind]!.filter, (count, bytes, batch) => {
    if (count > 0 && received === 0) {
      first = performance.now();
      cpuAtFirst = process.cpuUsage();
      mainAtFirst = mainThreadCpu();
    }
    received += count;
    wireBytes += bytes;
    if (batch) batches++;
    // Clocks are read twice per run, not per message: the bare subscriber's loop stays bare.
    if (count > 0 && received >= expected && !cpuAtLast) {
      last = performance.now();
      cpuAtLast = process.cpuUsage();
      mainAtLast = mainThreadCpu();
    }
  });
  const publisher = source.feed();
  cpuWatch ??= watch();
  let drainWaits: number | undefined;
  let cores: IngestFigures['cores'] = { publisher: 0, mosquitto: 0, subscriber: 0 };
  let micros: IngestFigures['micros'] = { publisher: 0, mosquitto: 0, subscriber: 0 };
  try {
    drainWaits = (await publisher.done).drainWaits;
    for (let i = 0; i < 12_000 && received < expected; i++) await new Promise((r) => setTimeout(r, 10));
    const watched = cpuWatch.read();
    const of = (name: string) => watched.groups.find((g) => g.name === name)?.cores ?? 0;
    cores = { publisher: of('publisher'), mosquitto: of('mosquitto'), subscriber: of('subscriber') };
    const per = (name: string) => ((watched.groups.find((g) => g.name === name)?.seconds ?? 0) * 1e6) / Math.max(1, received);
    micros = { publisher: per('publisher'), mosquitto: per('mosquitto'), subscriber: per('subscriber') };
  } finally {
    cpuWatch.stop();
    publisher.stop();
    await sub.stop();
  }
  if (received < expected) throw new Error(`Only ${received} of ${expected} messages arrived within 120 s`);
  const cpu = cpuAtFirst && cpuAtLast ? cpuAtLast.user - cpuAtFirst.user + cpuAtLast.system - cpuAtFirst.system : 0;
  const system = cpuAtFirst && cpuAtLast ? cpuAtLast.system - cpuAtFirst.system : 0;
  const seconds = (last - first) / 1000;
  return { rate: Math.round(received / seconds), cpuMicros: cpu / received, systemMicros: system / received, otherThreadMicros: Math.max(0, cpu - (mainAtLast - mainAtFirst)) / received, received, batches, wireBytesPerMessage: wireBytes / received, cores, micros, drainWaits };
}

/** CPU time of this process's main thread (its thread id is the process id), in microseconds; 0 off Linux. */
function mainThreadCpu(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime + stime in clock ticks of 10 ms (USER_HZ 100).
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return 0;
  }
}

function median(runs: IngestFigures[]): IngestFigures {
  return [...runs].sort((a, b) => a.rate - b.rate)[Math.floor(runs.length / 2)]!;
}
