/** The broker's command line as a user runs it: bundled into a temp dir, run as its own process. */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { build } from 'esbuild';

/** What one run printed and how it ended. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Bundles broker-sidecar/main.ts into `dir`/main.cjs: self-contained, no node_modules beside it. */
export async function bundleBrokerCli(dir: string): Promise<string> {
  const entry = path.join(dir, 'main.cjs');
  await build({ entryPoints: ['broker-sidecar/main.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: entry, logLevel: 'error' });
  return entry;
}

/** Runs the bundled CLI with arguments, for at most `timeoutMs`. */
export function runBrokerCli(entry: string, args: string[], timeoutMs = 30_000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [entry, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

/** A running CLI: its port (the first "listening on" line) and everything it printed so far. */
export interface StartedCli {
  child: ChildProcess;
  port: number;
  stdout(): string;
  stderr(): string;
  /** SIGTERM, then SIGKILL when it has not exited within 3 s; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts the bundled CLI and resolves once it prints its port; kills it and rejects after `timeoutMs` (a hang guard: a loaded CI machine took over 5 s to start it). */
export async function startBrokerCli(entry: string, args: string[], timeoutMs = 30_000): Promise<StartedCli> {
  const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  // 'close', not 'exit': by then everything the process printed has been read.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  let match: RegExpExecArray | null;
  while (!(match = /listening on [^\s:]+:(\d+)/.exec(stdout))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`the CLI did not report a port within ${timeoutMs} ms:\n${stdout}${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, port: Number(match[1]), stdout: () => stdout, stderr: () => stderr, stop };
}
