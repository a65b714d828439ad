/**
 * Test helpers for the broker with persistence: a durable broker in-process on a temp data
 * directory, restarted by closing it and opening a new one on the same directory.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBroker, type Broker } from '../../broker-sidecar/broker';
import type { LogEntry } from '../../broker-sidecar/logger';
import type { BrokerOptions } from '../../broker-sidecar/options';
import { openPersistence } from '../../broker-sidecar/persistence/store';
import { afterAll, afterEach } from 'vitest';
import type { RawClient } from './broker-harness';

/** A durable broker listening on a free loopback port. */
export interface DurableBroker {
  broker: Broker;
  port: number;
  /** Log lines of this run (the store's and the broker's). */
  log: LogEntry[];
  /** Closes the broker, which writes what is pending and closes the store. */
  stop(): Promise<void>;
}

/** A fresh temp directory for a store. */
export function tempDataDir(prefix = 'mqtt-desk-persist-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Opens the store in `dir` and starts a broker on it. */
export async function startDurable(dir: string, options: Omit<BrokerOptions, 'persistence' | 'logger'> = {}): Promise<DurableBroker> {
  const log: LogEntry[] = [];
  const logger = (entry: LogEntry): void => void log.push(entry);
  const persistence = await openPersistence(dir, logger);
  const broker = createBroker({ ...options, persistence, logger });
  const port = await broker.listen({ port: 0, host: '127.0.0.1' });
  return { broker, port, log, stop: () => broker.close() };
}

/** What a persistence test file works with; everything is cleaned up by the hooks `durableTestRuns` registers. */
export interface DurableTestRuns {
  /** A fresh data directory, removed after the file. */
  dataDir(): string;
  /** Starts a durable broker on `dir`, stopped after the test unless stopped before. */
  start(dir: string, options?: Omit<BrokerOptions, 'persistence' | 'logger'>): Promise<DurableBroker>;
  /** Stops a run now (a restart), so the next one can open the store. */
  stop(run: DurableBroker): Promise<void>;
  /** Destroys the client after the test. */
  track<C extends RawClient>(client: C): C;
}

/**
 * The scaffolding of a test file that restarts durable brokers: registers afterEach (raw
 * clients destroyed, brokers stopped) and afterAll (data directories removed).
 */
export function durableTestRuns(): DurableTestRuns {
  const dirs: string[] = [];
  const runs: DurableBroker[] = [];
  const raws: RawClient[] = [];
  afterEach(async () => {
    for (const client of raws.splice(0)) client.destroy();
    await Promise.all(runs.splice(0).map((run) => run.stop()));
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dataDir: () => {
      const dir = tempDataDir();
      dirs.push(dir);
      return dir;
    },
    start: async (dir, options) => {
      const run = await startDurable(dir, options);
      runs.push(run);
      return run;
    },
    stop: async (run) => {
      runs.splice(runs.indexOf(run), 1);
      await run.stop();
    },
    track: (client) => {
      raws.push(client);
      return client;
    },
  };
}

/** The broker as built by `npm run build:node` (what the app and `npm run broker` run). */
export const BUILT_CLI = path.resolve('dist/broker-sidecar/main.js');

/** Fails with a clear message when the built CLI is missing or predates persistence. */
export function requireBuiltCli(): void {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run "npm run build:node" first (npm test does).`);
  if (!readFileSync(BUILT_CLI, 'utf8').includes('--data-dir')) throw new Error(`${BUILT_CLI} predates --data-dir: run "npm run build:node" again.`);
}

/** A broker CLI process started by a test. */
export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** Bound TCP port, from the "listening on" line. */
  port: number;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a clean stop) and wait, bounded; SIGKILL when it does not stop in time. */
  stop(): Promise<void>;
}

/** Starts the built CLI with `args` and resolves once it listens; rejects (killing it) after `timeoutMs`. */
export async function spawnBuiltCli(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<CliProcess> {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let done = false;
  void exited.then(() => (done = true));
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const match = /listening on [^:\s]+:(\d+)/.exec(output);
    if (match) {
      const pid = child.pid!;
      const stop = async (): Promise<void> => {
        if (done) return;
        process.kill(pid, 'SIGTERM');
        const stopped = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
        if (!stopped && !done) process.kill(pid, 'SIGKILL');
        await exited;
      };
      return { child, pid, port: Number(match[1]), output: () => output, exited, stop };
    }
    if (done || Date.now() > deadline) {
      if (!done) process.kill(child.pid!, 'SIGKILL');
      throw new Error(`the broker CLI did not start listening: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
