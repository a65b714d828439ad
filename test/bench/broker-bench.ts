/**
 * Broker benchmark: the sidecar broker, Debian's mosquitto and aedes side by side.
 *
 * Every broker runs in its own child process on a free 127.0.0.1 port, all three for the
 * whole bench, measured in turn: ours as the built CLI (dist/broker-sidecar/main.js, which `npm run bench` builds;
 * in-process as a fallback when it is missing, and the table says so), mosquitto from
 * Debian without -v, aedes 1.x over plain TCP (`net.createServer(broker.handle)`). The
 * clients all run in this process, so each broker gets the same client load: lean raw
 * clients (lean-client.ts) unless BENCH_CLIENTS=mqttjs. Driven by MQTT.js, the client
 * process was the limit: the sidecar sat idle half of a profiled run, and the three brokers
 * came out within a few percent of each other in most rows.
 *
 * Per broker, protocol (3.1.1, 5.0), QoS (0, 1, 2) and fan-out (1→1, 1→10): one
 * publisher sends BENCH_BROKER_MESSAGES (default 50,000) 64-byte messages, each stamped
 * with its send time, keeping at most WINDOW unacknowledged (QoS 1/2) or sending WINDOW at
 * a time (QoS 0); see broker-bench-cases.ts. Throughput is deliveries per second from first
 * send to last receipt; latency is send→receive per delivery, so under this saturating load
 * it includes queueing. Each broker's CPU per delivery comes from /proc schedstat. After an
 * untimed warm-up of every case, BENCH_BROKER_RUNS rounds (default 3) run every case on
 * every broker in turn; each cell is the round with the median throughput.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBroker } from '../../broker-sidecar/broker';
import { freePort, waitForPort } from '../helpers/mosquitto';
import { PAYLOAD_BYTES, runLeanCase, runMqttjsCase, WINDOW, type CaseResult, type CaseSpec, type Qos, type Version } from './broker-bench-cases';

const MESSAGES = Number(process.env.BENCH_BROKER_MESSAGES ?? 50_000);
/** Rounds of every case; the table shows each cell's median round. */
const RUNS = Math.max(1, Number(process.env.BENCH_BROKER_RUNS ?? 3));
/** A case gives up after this long without finishing (lost QoS 0 messages, a stuck broker). */
const CASE_TIMEOUT_MS = Number(process.env.BENCH_BROKER_CASE_TIMEOUT_MS ?? 30_000);
/** BENCH_CLIENTS=mqttjs drives the brokers with MQTT.js instead of the lean raw clients. */
const DRIVER = process.env.BENCH_CLIENTS === 'mqttjs' ? 'MQTT.js' : 'lean raw';
const runCase = (spec: Omit<CaseSpec, 'timeoutMs'>): Promise<CaseResult> => (DRIVER === 'MQTT.js' ? runMqttjsCase : runLeanCase)({ ...spec, timeoutMs: CASE_TIMEOUT_MS });

/** One broker under test. */
interface BrokerUnderTest {
  name: string;
  port: number;
  note: string;
  /** The broker's process, for its CPU time; undefined when it runs in the bench process. */
  pid?: number;
  stop(): Promise<void>;
}

/**
 * CPU time a process has used so far, in nanoseconds: the sum over its threads of
 * /proc/PID/task/TID/schedstat (ns resolution, where /proc/PID/stat counts 10 ms ticks).
 */
function cpuNs(pid: number): number | undefined {
  try {
    let total = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return total;
  } catch {
    return undefined;
  }
}

/** Starts a child process and waits for the port; kills it by its own PID on stop. */
async function spawnBroker(name: string, command: string, args: string[], port: number, note: string, cwd?: string): Promise<BrokerUnderTest> {
  let output = '';
  const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(port, 10_000),
      exited.then(() => {
        throw new Error(`${name} exited at start:\n${output}`);
      }),
    ]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    name,
    port,
    note,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function startOurs(): Promise<BrokerUnderTest> {
  const cli = process.env.BENCH_BROKER_CLI ?? path.resolve('dist/broker-sidecar/main.js');
  const port = await freePort();
  if (existsSync(cli)) return spawnBroker('mqtt-desk', process.execPath, [cli, '-p', String(port)], port, `child process: ${path.relative(process.cwd(), cli)}`);
  // No build: run it here. It then shares this process (and its CPU) with the clients.
  const broker = createBroker();
  const bound = await broker.listen({ port: 0 });
  return { name: 'mqtt-desk', port: bound, note: 'in-process (dist/broker-sidecar/main.js not built)', stop: () => broker.close() };
}

async function startMosquitto(): Promise<BrokerUnderTest> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-bench-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // No per-client limits, like our broker's defaults; no -v, which would log every packet.
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_inflight_messages 0', 'max_queued_messages 0', 'log_type error', ''].join('\n'));
  const binary = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? 'mosquitto';
  return spawnBroker('mosquitto', binary, ['-c', conf], port, 'child process: Debian mosquitto');
}

async function startAedes(): Promise<BrokerUnderTest> {
  const port = await freePort();
  const script = [
    "import net from 'node:net';",
    "import { Aedes } from 'aedes';",
    'const broker = await Aedes.createBroker();',
    `net.createServer(broker.handle).listen(${port}, '127.0.0.1');`,
  ].join('\n');
  // cwd = the project, so 'aedes' resolves from its node_modules.
  return spawnBroker('aedes', process.execPath, ['--input-type=module', '-e', script], port, 'child process: aedes 1.x, net.createServer(broker.handle)', process.cwd());
}

const CASES: Array<{ version: Version; qos: Qos; fanout: number }> = [];
for (const version of [4, 5] as const) for (const fanout of [1, 10]) for (const qos of [0, 1, 2] as const) CASES.push({ version, qos, fanout });
/** BENCH_CASES (a regular expression on the row label, e.g. `QoS 1 1→1`) narrows a run while working on one case. */
const CASE_FILTER = process.env.BENCH_CASES ? new RegExp(process.env.BENCH_CASES) : undefined;
/** BENCH_BROKERS (comma-separated names) likewise. */
const BROKER_FILTER = process.env.BENCH_BROKERS?.split(',').map((name) => name.trim());

function caseLabel(c: { version: Version; qos: Qos; fanout: number }): string {
  return `${c.version === 5 ? 'v5.0 ' : 'v3.1.1'} QoS ${c.qos} 1→${c.fanout}`;
}

function cpuCell(result: CaseResult | string): string {
  if (typeof result === 'string' || result.cpuPerDelivery === undefined) return 'n/a';
  return `${result.cpuPerDelivery.toFixed(1)} µs`;
}

function cell(result: CaseResult | string): string {
  if (typeof result === 'string') return result;
  const rate = `${Math.round(result.rate).toLocaleString('en-US')}/s`;
  const lost = result.delivered < result.expected ? ` (${result.expected - result.delivered} lost)` : '';
  const duplicates = result.duplicates > 0 ? ` (${result.duplicates} duplicates)` : '';
  return `${rate} ${result.p50.toFixed(1)}/${result.p99.toFixed(1)} ms${lost}${duplicates}`;
}

/** One timed case on one broker, with the CPU the broker spent on it. */
async function measure(broker: BrokerUnderTest, c: { version: Version; qos: Qos; fanout: number }, tag: string): Promise<CaseResult | string> {
  try {
    const before = broker.pid === undefined ? undefined : cpuNs(broker.pid);
    const result = await runCase({ port: broker.port, ...c, tag, messages: MESSAGES });
    const after = broker.pid === undefined ? undefined : cpuNs(broker.pid);
    if (before !== undefined && after !== undefined && result.delivered > 0) result.cpuPerDelivery = (after - before) / 1000 / result.delivered;
    return result;
  } catch (error) {
    const message = (error as Error).message;
    // MQTT.js says "Unacceptable protocol version"; the lean clients give the CONNACK return code 1.
    return /Unacceptable protocol|^CONNACK 1$/i.test(message) ? 'n/a (refuses this protocol version)' : `n/a (${message.slice(0, 40)})`;
  }
}

/** The round with the median throughput (its latencies and CPU with it); a failure if any round failed. */
function median(rounds: Array<CaseResult | string>): CaseResult | string {
  const failed = rounds.find((r): r is string => typeof r === 'string');
  if (failed !== undefined) return failed;
  const sorted = [...(rounds as CaseResult[])].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Runs every case on every broker, BENCH_BROKER_RUNS rounds, and returns the side-by-side table of medians. */
export async function runBrokerBench(): Promise<string> {
  const starters = (
    [
      ['mqtt-desk', startOurs],
      ['mosquitto', startMosquitto],
      ['aedes', startAedes],
    ] as Array<[string, () => Promise<BrokerUnderTest>]>
  ).filter(([name]) => !BROKER_FILTER || BROKER_FILTER.includes(name));
  const cases = CASES.filter((c) => !CASE_FILTER || CASE_FILTER.test(caseLabel(c)));
  const results = new Map<string, Array<CaseResult | string>>();
  const notes: string[] = [];
  const startedAt = Date.now();
  const running: BrokerUnderTest[] = [];
  try {
    // Every broker runs for the whole bench (an idle one costs nothing), so the rounds can
    // interleave them: a slow minute on this machine then hits all three, not one.
    for (const [name, start] of starters) {
      try {
        const broker = await start();
        running.push(broker);
        notes.push(`${name}: ${broker.note}`);
        // Untimed first, each kind of case with a fifth of the messages, so no process is
        // measured while its JIT still compiles the paths a case takes.
        for (const [i, c] of cases.entries()) await runCase({ port: broker.port, ...c, tag: `${name}-warmup-${i}`, messages: Math.ceil(MESSAGES / 5) }).catch(() => undefined);
      } catch (error) {
        notes.push(`${name}: could not start (${(error as Error).message.split('\n')[0]})`);
      }
    }
    const rounds = new Map<string, Array<Array<CaseResult | string>>>(starters.map(([name]) => [name, cases.map(() => [])]));
    for (let round = 0; round < RUNS; round++) {
      for (const [i, c] of cases.entries()) {
        for (const [name] of starters) {
          const broker = running.find((b) => b.name === name);
          rounds.get(name)![i]!.push(broker ? await measure(broker, c, `${name}-${round}-${i}`) : 'n/a');
        }
      }
    }
    for (const [name] of starters) results.set(name, rounds.get(name)!.map(median));
  } finally {
    await Promise.all(running.map((b) => b.stop()));
  }
  const names = starters.map(([name]) => name);
  const header = ['case', ...names];
  const rows = cases.map((c, i) => [caseLabel(c), ...names.map((n) => cell(results.get(n)![i]!))]);
  const cpuRows = cases.map((c, i) => [caseLabel(c), ...names.map((n) => cpuCell(results.get(n)![i]!))]);
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const line = (cells: string[]): string => cells.map((text, col) => text.padEnd(widths[col]!)).join('  ');
  return [
    `Broker bench: ${MESSAGES} × ${PAYLOAD_BYTES} B messages per case, window ${WINDOW}, ${DRIVER} clients in the bench process; median of ${RUNS} interleaved rounds`,
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; cells: deliveries/s p50/p99 latency`,
    ...notes.map((n) => `  ${n}`),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    'Broker CPU per delivered message (all its threads, /proc schedstat; includes connection setup of the case):',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...cpuRows.map(line),
    '',
    `total ${((Date.now() - startedAt) / 1000).toFixed(0)} s`,
  ].join('\n');
}
