/**
 * Runs `mqtt-desk` as a user does (its own process, real stdin/stdout/stderr bytes) beside
 * Debian's mosquitto_pub/sub/rr, so tests can compare the two byte for byte. Time can be
 * frozen for both with libfaketime (Debian's faketime package), which makes -F's time
 * codes comparable.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

/** What one run printed and how it ended. */
export interface ToolRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Debian's libfaketime (package faketime), wherever the architecture puts it. */
const LIBFAKETIME =
  readdirSync('/usr/lib')
    .map((dir) => path.join('/usr/lib', dir, 'faketime', 'libfaketime.so.1'))
    .find((file) => existsSync(file)) ?? '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';

/** libfaketime, frozen at 2020-05-06 21:48:00.5 (a half second is exact in binary), in Paris. */
export const FROZEN_TIME: NodeJS.ProcessEnv = {
  LD_PRELOAD: LIBFAKETIME,
  FAKETIME: '2020-05-06 21:48:00.5',
  // Timers (Node's and mosquitto's -W) keep running on the real monotonic clock.
  FAKETIME_DONT_FAKE_MONOTONIC: '1',
  TZ: 'Europe/Paris',
};

let bundle: Promise<string> | undefined;

/**
 * The CLI bundled for this test process, beside node_modules so its dependencies resolve
 * (a bundle per process: test files run in parallel).
 */
export function cliEntry(): Promise<string> {
  bundle ??= (async () => {
    const dir = path.resolve('node_modules/.cache/mqtt-desk-tests');
    mkdirSync(dir, { recursive: true });
    const outfile = path.join(dir, `mqtt-desk-${process.pid}.mjs`);
    await build({ entryPoints: ['backend/cli/main.ts'], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'error' });
    return outfile;
  })();
  return bundle;
}

/** A HOME without mosquitto option files, so both tools start from their defaults. */
const emptyHome = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-home-'));

/** A process started by {@link startTool}. */
export interface StartedTool {
  child: ChildProcess;
  stdout(): Buffer;
  stderr(): string;
  /** Resolves once it exits (killed by PID after `timeoutMs`). */
  done: Promise<ToolRun>;
}

/** Options for a run. */
export interface ToolOptions {
  stdin?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /**
   * Line-buffered stdout for mosquitto's C clients (coreutils' stdbuf), so a test can watch
   * their output as it comes: into a pipe, C's stdio would hold it until the end.
   */
  lineBuffered?: boolean;
}

/** Starts `command` ('mqtt-desk' or a /usr/bin tool) with arguments. */
export async function startTool(command: string, args: string[], options: ToolOptions = {}): Promise<StartedTool> {
  const binary = command.includes('/') ? command : `/usr/bin/${command}`;
  const [file, argv] =
    command === 'mqtt-desk' ? [process.execPath, [await cliEntry(), ...args]] : options.lineBuffered ? ['/usr/bin/stdbuf', ['-oL', binary, ...args]] : [binary, args];
  if (!existsSync(file)) throw new Error(`${file} is missing`);
  const child = spawn(file, argv, {
    env: { PATH: process.env.PATH, HOME: emptyHome, MQTT_DESK_CONFIG_DIR: path.join(emptyHome, 'desk'), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let err = '';
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdin!.on('error', () => undefined);
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  else child.stdin!.end();
  const done = new Promise<ToolRun>((resolve) => {
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), options.timeoutMs ?? 15_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
  });
  return { child, stdout: () => Buffer.concat(out), stderr: () => err, done };
}

/** Runs a command to its end. */
export async function runTool(command: string, args: string[], options: ToolOptions = {}): Promise<ToolRun> {
  return (await startTool(command, args, options)).done;
}

/** Resolves once `check` holds for the tool's output, or rejects naming `what`. */
export async function untilOutput(tool: StartedTool, check: (stdout: string) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check(tool.stdout().toString('latin1'))) {
    if (Date.now() > deadline || tool.child.exitCode !== null) throw new Error(`${what}: not seen within ${timeoutMs} ms (stdout ${JSON.stringify(tool.stdout().toString())}, stderr ${JSON.stringify(tool.stderr())})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** "mosquitto_sub" in mosquitto's own messages reads "mqtt-desk sub" in ours. */
export function asDesk(text: string): string {
  return text.replace(/mosquitto_(pub|sub|rr) --help/g, 'mqtt-desk $1 --help');
}
