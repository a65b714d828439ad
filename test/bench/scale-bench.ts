/**
 * Scale benchmark (`npm run bench:scale`): many idle connections, one broadcast, memory
 * and startup time, for the sidecar broker next to Debian's mosquitto (and aedes).
 *
 * Per broker, each in its own child process on a free 127.0.0.1 port, one after the other:
 *  1. Startup: spawn the broker, then connect every few ms until a CONNACK comes back;
 *     the median of BENCH_STARTUP_RUNS (default 5) spawns, from spawn() to CONNACK.
 *  2. Scale: BENCH_CONNECTIONS (default 10,000) raw MQTT 3.1.1 connections (lean clients,
 *     see scale-clients.ts) from BENCH_SOURCE_ADDRESSES (default 8) source addresses
 *     127.0.0.2…, BENCH_SCALE_CONCURRENCY (default 100) opening at a time, each subscribing
 *     to one common filter at QoS 1 (keepalive 300 s, so they stay idle).
 *  3. Memory: the broker's VmRSS (/proc/PID/status) before the first connection (after a
 *     warm-up: the publisher is connected and one subscriber has come, received a QoS 0
 *     and a QoS 1 message and gone) and 2 s after the last one; the difference over the
 *     number of connections is the idle cost of one subscribed connection.
 *  4. Broadcast: one more client publishes to the common topic, QoS 0 then QoS 1, three
 *     times each; we count subscribers that received it (and any duplicates) and time from
 *     the PUBLISH write to the last receipt. All clients share this process, so the time
 *     includes reading 10,000 sockets here; the medians of the three rounds are shown.
 *
 * The brokers get `ulimit -n` raised to the hard limit (a bash wrapper that execs them, so
 * the PID is the broker's); this process needs BENCH_CONNECTIONS + some descriptors too,
 * which run.ts arranges by re-executing itself under the same wrapper when necessary.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'mqtt-packet';
import { freePort, waitForPort } from '../helpers/mosquitto';
import { openLean } from './lean-client';
import { loopbackSources, Swarm, type BroadcastResult } from './scale-clients';

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const SOURCES = Number(process.env.BENCH_SOURCE_ADDRESSES ?? 8);
const CONCURRENCY = Number(process.env.BENCH_SCALE_CONCURRENCY ?? 100);
const STARTUP_RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const BROADCAST_ROUNDS = 3;
const TOPIC = 'bench/scale/all';
/** Descriptors this process needs beside the swarm (stdio, publisher, probes, node internals). */
export const SPARE_FDS = 200;

/** How to start one broker on a given port. */
interface BrokerRecipe {
  name: string;
  note: string;
  command(port: number): { file: string; args: string[]; cwd?: string };
}

/** Temporary config folders, removed at the end of the run. */
const tempDirs: string[] = [];

function mosquittoConf(port: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-scale-mosquitto-'));
  tempDirs.push(dir);
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'max_connections -1', 'persistence false', 'log_type error', ''].join('\n'));
  return conf;
}

const RECIPES: BrokerRecipe[] = [
  {
    name: 'mqtt-desk',
    note: 'node dist/broker-sidecar/main.js -p PORT',
    command: (port) => ({ file: process.execPath, args: [process.env.BENCH_BROKER_CLI ?? path.resolve('dist/broker-sidecar/main.js'), '-p', String(port)] }),
  },
  {
    name: 'mosquitto',
    note: 'mosquitto -c CONF (listener PORT 127.0.0.1, allow_anonymous true, max_connections -1, persistence false, log_type error)',
    command: (port) => ({ file: ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? 'mosquitto', args: ['-c', mosquittoConf(port)] }),
  },
  {
    name: 'aedes',
    note: 'node -e: aedes 1.x, net.createServer(broker.handle)',
    command: (port) => ({
      file: process.execPath,
      args: [
        '--input-type=module',
        '-e',
        ["import net from 'node:net';", "import { Aedes } from 'aedes';", 'const broker = await Aedes.createBroker();', `net.createServer(broker.handle).listen(${port}, '127.0.0.1');`].join('\n'),
      ],
      cwd: process.cwd(),
    }),
  },
];

/** Not a broker: the least a Node process can do, answer every connection with a CONNACK. The floor under Node brokers' startup. */
const NODE_FLOOR: BrokerRecipe = {
  name: 'node-floor',
  note: 'node -e: net.createServer answering CONNACK',
  command: (port) => ({
    file: process.execPath,
    args: ['-e', `require('node:net').createServer((s) => s.once('data', () => s.write(Buffer.from([0x20, 2, 0, 0])))).listen(${port}, '127.0.0.1')`],
  }),
};

/** A broker child process, stopped by its own PID. */
interface Child {
  pid: number;
  output(): string;
  exited: Promise<void>;
  stop(): Promise<void>;
}

/** Spawns a recipe, optionally through `bash -c 'ulimit -n <hard>; exec …'` (same PID). */
function spawnChild(recipe: BrokerRecipe, port: number, raiseFdLimit: boolean): Child {
  const { file, args, cwd } = recipe.command(port);
  const child: ChildProcess = raiseFdLimit
    ? spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" && exec "$0" "$@"', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd })
    : spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let output = '';
  const keep = (d: Buffer): void => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid!,
    output: () => output,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** VmRSS of a process in KiB. */
function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

/** The soft open-files limit of this process, from /proc/self/limits. */
export function openFilesLimit(): { soft: number; hard: number } {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line ?? '').replace('Max open files', '').trim().split(/\s+/);
  const parse = (v: string | undefined): number => (v === 'unlimited' ? Infinity : Number(v ?? NaN));
  return { soft: parse(soft), hard: parse(hard) };
}

/** Connections this process must be able to open. */
export function descriptorsNeeded(): number {
  return CONNECTIONS + SPARE_FDS;
}

/** One CONNECT → CONNACK attempt; false if nothing listens yet or the broker hung up. */
function tryConnack(port: number, connect: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), 2000);
    socket.once('error', () => finish(false));
    socket.once('close', () => finish(false));
    socket.once('connect', () => socket.write(connect));
    // CONNACK is 0x20 0x02 flags code for 3.1.1.
    socket.once('data', (chunk: Buffer) => finish(chunk[0] === 0x20 && chunk[3] === 0));
  });
}

/** Spawn → first CONNACK in ms, polling every 2 ms, at most 20 s. */
async function startupMs(recipe: BrokerRecipe): Promise<number> {
  const port = await freePort();
  const connect = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'startup-probe', clean: true, keepalive: 30 }, { protocolVersion: 4 });
  const started = process.hrtime.bigint();
  const child = spawnChild(recipe, port, false);
  let exited = false;
  void child.exited.then(() => (exited = true));
  try {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !exited) {
      if (await tryConnack(port, connect)) return Number(process.hrtime.bigint() - started) / 1e6;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(exited ? `exited at start: ${child.output().split('\n')[0]}` : 'no CONNACK within 20 s');
  } finally {
    await child.stop();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Everything measured for one broker. */
interface ScaleResult {
  startupMs?: number;
  startupRuns?: number[];
  established?: number;
  failures?: string;
  openMs?: number;
  rssBeforeKiB?: number;
  rssIdleKiB?: number;
  qos0?: BroadcastResult[];
  qos1?: BroadcastResult[];
  error?: string;
}

async function measureScale(recipe: BrokerRecipe, result: ScaleResult, log: (line: string) => void): Promise<void> {
  const port = await freePort();
  const child = spawnChild(recipe, port, true);
  let swarm: Swarm | undefined;
  let publisher: Awaited<ReturnType<typeof openLean>> | undefined;
  try {
    await Promise.race([
      waitForPort(port, 20_000),
      child.exited.then(() => {
        throw new Error(`exited at start: ${child.output().split('\n')[0]}`);
      }),
    ]);
    // Warm-up: the publisher connects now and one subscriber takes a QoS 0 and a QoS 1
    // message and leaves, so one-time costs (code paths, codec caches) are in the baseline.
    publisher = await openLean(port, '127.0.0.1', `scale-${recipe.name}-publisher`, { timeoutMs: 10_000 });
    const warm = await Swarm.open({ port, count: 1, sourceAddresses: ['127.0.0.1'], filters: [TOPIC], qos: 1, clientIdPrefix: `scale-${recipe.name}-warmup-`, timeoutMs: 10_000 });
    for (const qos of [0, 1] as const) await warm.broadcast(publisher, TOPIC, qos, 5000, 50);
    warm.destroy();
    await new Promise((r) => setTimeout(r, 1500));
    result.rssBeforeKiB = rssKiB(child.pid);
    swarm = await Swarm.open({
      port,
      count: CONNECTIONS,
      sourceAddresses: loopbackSources(SOURCES),
      filters: [TOPIC],
      qos: 1,
      clientIdPrefix: `scale-${recipe.name}-`,
      concurrency: CONCURRENCY,
      timeoutMs: 30_000,
    });
    result.openMs = swarm.openMs;
    result.failures = [...swarm.failures].map(([m, n]) => `${n}× ${m}`).join('; ');
    log(`  ${recipe.name}: ${swarm.clients.length} connected in ${(swarm.openMs / 1000).toFixed(1)} s${result.failures ? ` (failures: ${result.failures})` : ''}`);
    await new Promise((r) => setTimeout(r, 2000));
    result.established = swarm.established;
    result.rssIdleKiB = rssKiB(child.pid);
    result.qos0 = [];
    result.qos1 = [];
    for (let round = 0; round < BROADCAST_ROUNDS; round++) {
      for (const qos of [0, 1] as const) {
        const outcome = await swarm.broadcast(publisher, TOPIC, qos, 30_000, 300);
        (qos === 0 ? result.qos0 : result.qos1).push(outcome);
        log(`  ${recipe.name}: QoS ${qos} broadcast ${round + 1}: ${outcome.receivers}/${result.established} in ${outcome.ms.toFixed(0)} ms, ${outcome.duplicates} duplicates${outcome.acked ? '' : ', no PUBACK'}`);
      }
    }
  } finally {
    publisher?.destroy();
    await child.stop();
    swarm?.destroy();
  }
}

function broadcastCell(results: BroadcastResult[] | undefined, established: number | undefined, what: 'count' | 'time'): string {
  if (!results || results.length === 0) return 'n/a';
  if (what === 'count') {
    const worst = Math.min(...results.map((r) => r.receivers));
    const dup = results.reduce((s, r) => s + r.duplicates, 0);
    return `${worst.toLocaleString('en-US')} / ${(established ?? 0).toLocaleString('en-US')}${dup ? ` (+${dup} dup)` : ''}${results.some((r) => !r.acked) ? ' (no PUBACK)' : ''}`;
  }
  return `${median(results.map((r) => r.ms)).toFixed(0)} ms`;
}

/** Runs startup and scale for every broker; returns the side-by-side table. */
export async function runScaleBench(log: (line: string) => void = (line) => console.error(line)): Promise<string> {
  const names = (process.env.BENCH_SCALE_BROKERS ?? 'mqtt-desk,mosquitto,aedes').split(',').map((s) => s.trim());
  const recipes = RECIPES.filter((r) => names.includes(r.name));
  const results = new Map<string, ScaleResult>();
  const started = Date.now();
  for (const recipe of recipes) {
    const result: ScaleResult = {};
    results.set(recipe.name, result);
    try {
      const runs: number[] = [];
      for (let i = 0; i < STARTUP_RUNS; i++) runs.push(await startupMs(recipe));
      result.startupRuns = runs;
      result.startupMs = median(runs);
      log(`  ${recipe.name}: startup to first CONNACK ${runs.map((r) => r.toFixed(0)).join(', ')} ms`);
      await measureScale(recipe, result, log);
    } catch (error) {
      result.error = (error as Error).message.split('\n')[0];
      log(`  ${recipe.name}: ${result.error}`);
    }
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  let floor = 'n/a';
  try {
    const runs: number[] = [];
    for (let i = 0; i < STARTUP_RUNS; i++) runs.push(await startupMs(NODE_FLOOR));
    floor = `${median(runs).toFixed(0)} ms`;
    log(`  node-floor: startup to first CONNACK ${runs.map((r) => r.toFixed(0)).join(', ')} ms`);
  } catch (error) {
    floor = `failed (${(error as Error).message})`;
  }
  const kib = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  const rows: Array<[string, (r: ScaleResult) => string]> = [
    ['connections established', (r) => (r.established === undefined ? 'n/a' : `${r.established.toLocaleString('en-US')} / ${CONNECTIONS.toLocaleString('en-US')}`)],
    ['time to connect + subscribe all', (r) => (r.openMs === undefined ? 'n/a' : `${(r.openMs / 1000).toFixed(1)} s`)],
    ['QoS 0 broadcast received (worst of 3)', (r) => broadcastCell(r.qos0, r.established, 'count')],
    ['QoS 0 broadcast to all (median of 3)', (r) => broadcastCell(r.qos0, r.established, 'time')],
    ['QoS 1 broadcast received (worst of 3)', (r) => broadcastCell(r.qos1, r.established, 'count')],
    ['QoS 1 broadcast to all (median of 3)', (r) => broadcastCell(r.qos1, r.established, 'time')],
    ['RSS before connections', (r) => (r.rssBeforeKiB === undefined ? 'n/a' : `${(r.rssBeforeKiB / 1024).toFixed(1)} MiB`)],
    ['RSS with all connections idle', (r) => (r.rssIdleKiB === undefined ? 'n/a' : `${(r.rssIdleKiB / 1024).toFixed(1)} MiB`)],
    [
      'RSS per idle connection',
      (r) => (r.rssIdleKiB === undefined || r.rssBeforeKiB === undefined || !r.established ? 'n/a' : `${kib((r.rssIdleKiB - r.rssBeforeKiB) / r.established)} KiB`),
    ],
    [`startup to first CONNACK (median of ${STARTUP_RUNS})`, (r) => (r.startupMs === undefined ? 'n/a' : `${r.startupMs.toFixed(0)} ms`)],
  ];
  const header = ['', ...recipes.map((r) => r.name)];
  const cellOf = (name: string, cell: (r: ScaleResult) => string): string => {
    const result = results.get(name)!;
    const text = cell(result);
    return result.error && text === 'n/a' ? 'failed' : text;
  };
  const table = rows.map(([label, cell]) => [label, ...recipes.map((r) => cellOf(r.name, cell))]);
  const widths = header.map((h, col) => Math.max(h.length, ...table.map((row) => row[col]!.length)));
  const line = (cells: string[]): string => cells.map((text, col) => (col === 0 ? text.padEnd(widths[col]!) : text.padStart(widths[col]!))).join('  ');
  return [
    `Scale bench: ${CONNECTIONS.toLocaleString('en-US')} MQTT 3.1.1 connections from ${SOURCES} source addresses (127.0.0.2…), one QoS 1 subscription each, lean raw clients in the bench process`,
    `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, ${os.type()} ${os.release()}`,
    ...recipes.map((r) => `  ${r.name}: ${r.note}${results.get(r.name)?.error ? ` — ${results.get(r.name)!.error}` : ''}`),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...table.map(line),
    '',
    `Startup floor, a bare Node process answering CONNACK (${NODE_FLOOR.note}): ${floor} (median of ${STARTUP_RUNS})`,
    `Load average at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
    `total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  ].join('\n');
}
