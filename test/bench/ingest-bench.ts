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
  /**
   * CPU of each process over the run per message, in microseconds: one core spends 10⁶ µs
   * a second, so a process that takes X µs per message can pass at most 10⁶ / X messages a
   * second (each is single-threaded), and the three together at most cores × 10⁶ / ΣX.
   */
  micros: { publisher: number; mosquitto: number; subscriber: number };
}

/** What to publish, and how many rounds. */
export interface IngestPlan {
  port: number;
  /** The broker's process id, for its CPU. */
  brokerPid: number;
  topics: number;
  payloadKind: string;
  payloadBytes: number;
  messages: number;
  rounds: number;
  /** A path prefix: write this process's CPU profile of the last round of each path (`-ingest-bare.cpuprofile`, `-ingest-backend.cpuprofile`). */
  profile?: string | undefined;
}

/** Bare MQTT.js against the backend, interleaved rounds, medians. */
export async function runIngestBench(plan: IngestPlan): Promise<{ bare: IngestFigures; backend: IngestFigures }> {
  const bare: IngestFigures[] = [];
  const backend: IngestFigures[] = [];
  for (let round = 0; round < plan.rounds; round++) {
    const last = round === plan.rounds - 1 ? plan.profile : undefined;
    bare.push(await profiled(last && `${last}-ingest-bare.cpuprofile`, () => measure(plan, bareSubscriber)));
    backend.push(await profiled(last && `${last}-ingest-backend.cpuprofile`, () => measure(plan, backendSubscriber)));
  }
  return { bare: median(bare), backend: median(backend) };
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

const bareSubscriber: Subscriber = async (port, filter, onMessages) => {
  const client = await connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: `ingest-bare-${process.pid}` });
  await client.subscribeAsync(filter, { qos: 0 });
  client.on('message', () => onMessages(1, 0, false));
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

async function measure(plan: IngestPlan, subscriber: Subscriber): Promise<IngestFigures> {
  let received = 0;
  let batches = 0;
  let wireBytes = 0;
  let first = 0;
  let last = 0;
  let cpuAtFirst: NodeJS.CpuUsage | undefined;
  let cpuAtLast: NodeJS.CpuUsage | undefined;
  let mainAtFirst = 0;
  let mainAtLast = 0;
  const sub = await subscriber(plan.port, PAYLOAD_KINDS[plan.payloadKind]!.filter, (count, bytes, batch) => {
    if (count > 0 && received === 0) {
      first = performance.now();
      cpuAtFirst = process.cpuUsage();
      mainAtFirst = mainThreadCpu();
    }
    received += count;
    wireBytes += bytes;
    if (batch) batches++;
    // Clocks are read twice per run, not per message: the bare subscriber's loop stays bare.
    if (count > 0 && received >= plan.messages && !cpuAtLast) {
      last = performance.now();
      cpuAtLast = process.cpuUsage();
      mainAtLast = mainThreadCpu();
    }
  });
  const fleet: FleetPlan = { port: plan.port, layout: 'fleet', topics: plan.topics, payloadKind: plan.payloadKind, payloadBytes: plan.payloadBytes, rate: 0, count: plan.messages };
  const publisher = startPublisher(fleet);
  const cpuWatch = watchCpu({ publisher: () => [publisher.pid], mosquitto: () => [plan.brokerPid], subscriber: () => [process.pid] });
  let cores: IngestFigures['cores'] = { publisher: 0, mosquitto: 0, subscriber: 0 };
  let micros: IngestFigures['micros'] = { publisher: 0, mosquitto: 0, subscriber: 0 };
  try {
    await publisher.done;
    for (let i = 0; i < 12_000 && received < plan.messages; i++) await new Promise((r) => setTimeout(r, 10));
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
  if (received < plan.messages) throw new Error(`Only ${received} of ${plan.messages} messages arrived within 120 s`);
  const cpu = cpuAtFirst && cpuAtLast ? cpuAtLast.user - cpuAtFirst.user + cpuAtLast.system - cpuAtFirst.system : 0;
  const system = cpuAtFirst && cpuAtLast ? cpuAtLast.system - cpuAtFirst.system : 0;
  const seconds = (last - first) / 1000;
  return { rate: Math.round(received / seconds), cpuMicros: cpu / received, systemMicros: system / received, otherThreadMicros: Math.max(0, cpu - (mainAtLast - mainAtFirst)) / received, received, batches, wireBytesPerMessage: wireBytes / received, cores, micros };
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
