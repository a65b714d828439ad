/**
 * Debian's headless Chromium started by the UI bench itself, with its DevTools endpoint on
 * 127.0.0.1 (port 0: the kernel picks a free one), so that Playwright can connect for the
 * set-up and leave, and the bench's own CDP client (cdp-client.ts) can drive the flood with
 * only the domains it needs. The flags are those of test/helpers/browser.ts.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A running Chromium. */
export interface ChromiumProcess {
  pid: number;
  /** The browser's DevTools WebSocket URL. */
  wsUrl: string;
  /** Stops it (SIGTERM to its PID, SIGKILL after 5 s) and removes its profile directory. */
  stop(): Promise<void>;
}

/** The browser's DevTools URL in a line Chromium writes to stderr, or undefined. */
export function devToolsUrl(line: string): string | undefined {
  return /^DevTools listening on (ws:\/\/127\.0\.0\.1:\d+\/devtools\/browser\/[\w-]+)\s*$/.exec(line)?.[1];
}

/** Starts Chromium on about:blank with a window (the page's viewport) of `width` × `height`. */
export async function startChromium({ width, height }: { width: number; height: number }): Promise<ChromiumProcess> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'ui-bench-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--remote-debugging-address=127.0.0.1',
    '--remote-debugging-port=0',
    `--user-data-dir=${profile}`,
    `--window-size=${width},${height}`,
    'about:blank',
  ];
  const child = spawn(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    // Its helper processes may still be writing there for a moment after it exits.
    rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  };
  try {
    const wsUrl = await new Promise<string>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`Chromium gave no DevTools URL within 30 s; it said: ${text.slice(-500)}`)), 30_000);
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`Chromium exited (${code ?? signal}) before its DevTools URL; it said: ${text.slice(-500)}`)));
      child.stderr!.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        for (const line of text.split('\n')) {
          const url = devToolsUrl(line);
          if (url) {
            clearTimeout(timer);
            resolve(url);
          }
        }
      });
    });
    // Keep reading its stderr so that it never blocks on a full pipe.
    child.stderr!.removeAllListeners('data');
    child.stderr!.resume();
    return { pid: child.pid!, wsUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
