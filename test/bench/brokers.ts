/**
 * The brokers the benchmarks compare, each in its own child process on a free 127.0.0.1
 * port: ours as the built CLI (dist/broker-sidecar/main.js, which `npm run bench` builds; in
 * this process as a fallback when it is missing, and the table says so), Debian's mosquitto
 * without -v, aedes 1.x over plain TCP (`net.createServer(broker.handle)`). Shared by the
 * flood bench (broker-bench.ts) and the fleet bench (fleet-bench.ts), with the CPU reading
 * both report per delivery.
 */

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBroker } from '../../broker-sidecar/broker';
import { freePort, waitForPort } from '../helpers/mosquitto';

/** One broker under test. */
export interface BrokerUnderTest {
  name: string;
  port: number;
  note: string;
  /** The broker's process, for its CPU time; undefined when it runs in the bench process. */
  pid?: number;
  /**
   * Set when the process ended without being asked to (stop()): how (exit code or signal)
   * and the tail of what it wrote, so a table can say so instead of "connection refused".
   */
  death?: string;
  stop(): Promise<void>;
}

/** CPU time a process has run and has waited runnable for a CPU so far, in ns (see schedNs). */
export interface SchedNs {
  run: number;
  wait: number;
}

/**
 * Run and run-queue wait time of a process so far, in nanoseconds, from the first two fields
 * of /proc/PID/task/TID/schedstat: `run` summed over its threads, `wait` of its main thread
 * (the event loop; summed, a Node process's GC helper threads made it exceed 100 %). `wait`
 * is time the broker was ready to run but had no CPU: on a shared machine, the part of its
 * lag that is not its own doing.
 */
export function schedNs(pid: number): SchedNs | undefined {
  try {
    const total = { run: 0, wait: 0 };
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
      total.run += Number(fields[0]);
      if (tid === String(pid)) total.wait = Number(fields[1]);
    }
    return total;
  } catch {
    return undefined;
  }
}

/**
 * CPU time a process has used so far, in nanoseconds: the sum over its threads of
 * /proc/PID/task/TID/schedstat (ns resolution, where /proc/PID/stat counts 10 ms ticks).
 */
export function cpuNs(pid: number): number | undefined {
  return schedNs(pid)?.run;
}

/**
 * CPU pinning (BENCH_PIN, on by default on a machine with 2 or more CPUs and taskset; 0
 * turns it off): every broker runs on the last CPU, the bench process (the clients) on the
 * others, so broker and clients never take turns on one core and the broker's CPU per
 * delivery is not inflated by migrations. Other work on the machine can still share either.
 */
export function pinning(): { broker: string; clients: string } | undefined {
  const cpus = os.cpus().length;
  if (process.env.BENCH_PIN === '0' || cpus < 2 || !existsSync('/usr/bin/taskset')) return undefined;
  return { broker: String(cpus - 1), clients: cpus === 2 ? '0' : `0-${cpus - 2}` };
}

/** Pins the bench process (all its threads) to the clients' CPUs, once; returns the note for the table header. */
export function pinBenchProcess(): string {
  const pins = pinning();
  if (!pins) return 'not pinned (BENCH_PIN=0, 1 CPU or no taskset)';
  const result = spawnSync('/usr/bin/taskset', ['-a', '-p', '-c', pins.clients, String(process.pid)], { encoding: 'utf8' });
  if (result.status !== 0) return `not pinned (taskset: ${result.stderr.trim()})`;
  return `brokers pinned to CPU ${pins.broker}, the bench's clients to CPU ${pins.clients} (taskset; BENCH_PIN=0 turns it off)`;
}

/** Starts a child process and waits for the port; kills it by its own PID on stop. */
async function spawnBroker(name: string, command: string, args: string[], port: number, note: string, cwd?: string): Promise<BrokerUnderTest> {
  let output = '';
  const pins = pinning();
  // taskset execs the broker, so the child's PID is the broker's.
  const child: ChildProcess = pins ? spawn('/usr/bin/taskset', ['-c', pins.broker, command, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd }) : spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
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
  let stopping = false;
  const broker: BrokerUnderTest = {
    name,
    port,
    note,
    pid: child.pid,
    stop: async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // A broker run with --cpu-prof writes its profile on a clean exit, after closing its connections: minutes of samples take seconds to write.
      const timer = setTimeout(() => child.kill('SIGKILL'), args.some((a) => a.startsWith('--cpu-prof')) ? 120_000 : 3000);
      await exited;
      clearTimeout(timer);
    },
  };
  child.once('exit', (code, signal) => {
    if (stopping) return;
    // The error's own line (a stack's first line, V8's FATAL ERROR) says more than the stack's last frames.
    const lines = output.trim().split('\n').filter((line) => line.trim() !== '');
    const said = lines.find((line) => /error|fatal|abort/i.test(line)) ?? lines.at(-1) ?? '';
    broker.death = `its process died (${signal ? `signal ${signal}` : `exit code ${code}`}${said ? `; it said: ${said.trim().slice(0, 200)}` : ''})`;
  });
  return broker;
}

async function startOurs(): Promise<BrokerUnderTest> {
  const cli = process.env.BENCH_BROKER_CLI ?? path.resolve('dist/broker-sidecar/main.js');
  const port = await freePort();
  // BENCH_BROKER_NODE_ARGS: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the broker under the bench's load.
  const nodeArgs = process.env.BENCH_BROKER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const profileDir = profileDirectory(nodeArgs);
  // The same mosquitto.conf lines as mosquitto gets, so both queue and hold in flight alike.
  const profiled = profileDir ? `; CPU profile into ${profileDir} when it stops` : '';
  if (existsSync(cli)) return spawnBroker('mqtt-desk', process.execPath, [...nodeArgs, cli, '-c', benchConf('mqtt-desk', port)], port, `child process: ${path.relative(process.cwd(), cli)}${profiled}`);
  // No build: run it here. It then shares this process (and its CPU) with the clients.
  const broker = createBroker();
  const bound = await broker.listen({ port: 0 });
  return { name: 'mqtt-desk', port: bound, note: 'in-process (dist/broker-sidecar/main.js not built)', stop: () => broker.close() };
}

/**
 * The directory a `--cpu-prof` broker writes its profile into (`--cpu-prof-dir`, else one
 * made under the temp directory and added to `nodeArgs`), made here and writable by every user: a broker started as root drops
 * to user mosquitto (as mosquitto does) before it writes, and Node says nothing when it
 * cannot write the profile, so a directory made by root beforehand got none.
 */
function profileDirectory(nodeArgs: string[]): string | undefined {
  if (!nodeArgs.includes('--cpu-prof')) return undefined;
  const given = nodeArgs.find((a) => a.startsWith('--cpu-prof-dir='))?.slice('--cpu-prof-dir='.length);
  // Without one, not the project directory (root's): a directory of its own under the system's temp.
  const dir = given ? path.resolve(given) : mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-bench-prof-'));
  if (!given) nodeArgs.push(`--cpu-prof-dir=${dir}`);
  mkdirSync(dir, { recursive: true });
  // Sticky and world-writable, as /tmp: the broker's user can add files and remove only its own.
  if (process.getuid?.() === 0) chmodSync(dir, 0o1777);
  return dir;
}

/**
 * The one configuration both mosquitto and ours run under: no per-client limits on messages
 * in flight or queued (aedes has none), no persistence, errors only (no -v, which would log
 * every packet). Before, ours ran on its defaults (1,000 queued, as mosquitto's), which drops
 * QoS 0 where mosquitto here queued without bound.
 */
function benchConf(name: string, port: number): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mqtt-desk-bench-${name}-`));
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'persistence false', 'max_inflight_messages 0', 'max_queued_messages 0', 'max_connections -1', 'log_type error', ...confExtra(), ''].join('\n'));
  return conf;
}

/** BENCH_CONF_EXTRA: more mosquitto.conf lines for both brokers, separated by ';' (e.g. `set_tcp_nodelay true`). */
function confExtra(): string[] {
  return (process.env.BENCH_CONF_EXTRA ?? '').split(';').map((line) => line.trim()).filter(Boolean);
}

async function startMosquitto(): Promise<BrokerUnderTest> {
  const port = await freePort();
  const conf = benchConf('mosquitto', port);
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

/** The brokers to compare, in column order, narrowed by BENCH_BROKERS (comma-separated names). */
export function brokerStarters(): Array<[string, () => Promise<BrokerUnderTest>]> {
  const filter = process.env.BENCH_BROKERS?.split(',').map((name) => name.trim());
  return (
    [
      ['mqtt-desk', startOurs],
      ['mosquitto', startMosquitto],
      ['aedes', startAedes],
    ] as Array<[string, () => Promise<BrokerUnderTest>]>
  ).filter(([name]) => !filter || filter.includes(name));
}

/**
 * Starts the brokers in turn into `running` (so the caller's cleanup stops every one that
 * started); one that cannot start gets a line in `notes`, not an exception. `afterStart`
 * (warm-ups) runs right after each start.
 */
export async function startBrokers(
  starters: Array<[string, () => Promise<BrokerUnderTest>]>,
  running: BrokerUnderTest[],
  notes: string[],
  afterStart?: (broker: BrokerUnderTest) => Promise<void>,
): Promise<void> {
  for (const [name, start] of starters) {
    try {
      const broker = await start();
      running.push(broker);
      notes.push(`${name}: ${broker.note}`);
      await afterStart?.(broker);
    } catch (error) {
      notes.push(`${name}: could not start (${(error as Error).message.split('\n')[0]})`);
    }
  }
}

/** BENCH_CASES (a regular expression on the row label, e.g. `QoS 1 1→1` or `fleet`) narrows a run while working on some rows. */
export function caseSelected(label: string): boolean {
  return !process.env.BENCH_CASES || new RegExp(process.env.BENCH_CASES).test(label);
}

/** Lays out rows under a header as aligned columns, with a rule below the header. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, col) => Math.max(h.length, ...rows.map((r) => r[col]!.length)));
  const line = (cells: string[]): string => cells.map((text, col) => text.padEnd(widths[col]!)).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}
