/** The broker's command line as a user runs it: bundled into a temp dir, run as its own process. */

import { execFile } from 'node:child_process';
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
export function runBrokerCli(entry: string, args: string[], timeoutMs = 5000): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [entry, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}
