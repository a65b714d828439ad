/**
 * Debian's headless Chromium started by the UI bench itself, with its DevTools endpoint on
 * 127.0.0.1 (port 0: the kernel picks a free one), so that Playwright can connect for the
 * set-up and leave, and the bench's own CDP client (cdp-client.ts) can drive the flood with
 * only the domains it needs. The flags are those Playwright launches Chromium with
 * (playwright-core 1.65, chromiumSwitches and headless) plus those of test/helpers/browser.ts,
 * so that the bench's two drivers differ in their DevTools sessions only.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { descendants } from './process-cpu';

/** A running Chromium. */
export interface ChromiumProcess {
  pid: number;
  /** The browser's DevTools WebSocket URL. */
  wsUrl: string;
  /** Stops it (SIGTERM to its PID, SIGKILL after 5 s) and removes its profile directory. */
  stop(): Promise<void>;
}

/** Playwright's switches for headless Chromium on Linux (the timer, backgrounding and IPC flooding ones matter for a flood). */
const PLAYWRIGHT_SWITCHES = [
  '--disable-field-trial-config',
  '--disable-background-networking',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-back-forward-cache',
  '--disable-breakpad',
  '--disable-component-extensions-with-background-pages',
  '--disable-component-update',
  '--no-default-browser-check',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch',
  '--enable-features=CDPScreenshotNewSurface,SkipListAccountsWithoutGaiaCookies',
  '--allow-pre-commit-input',
  '--disable-hang-monitor',
  '--disable-ipc-flooding-protection',
  '--disable-popup-blocking',
  '--disable-prompt-on-repost',
  '--disable-renderer-backgrounding',
  '--force-color-profile=srgb',
  '--metrics-recording-only',
  '--no-first-run',
  '--password-store=basic',
  '--use-mock-keychain',
  '--no-service-autorun',
  '--disable-search-engine-choice-screen',
  '--unsafely-disable-devtools-self-xss-warnings',
  '--enable-unsafe-swiftshader',
  '--disable-stack-profiler',
  '--disable-infobars',
  '--disable-sync',
  '--headless',
  '--hide-scrollbars',
  '--mute-audio',
  '--blink-settings=primaryHoverType=2,availableHoverTypes=2,primaryPointerType=4,availablePointerTypes=4',
];

/** The browser's DevTools URL in a line Chromium writes to stderr, or undefined. */
export function devToolsUrl(line: string): string | undefined {
  return /^DevTools listening on (ws:\/\/127\.0\.0\.1:\d+\/devtools\/browser\/[\w-]+)\s*$/.exec(line)?.[1];
}

/** Starts Chromium on about:blank with a window (the page's viewport) of `width` × `height`. */
export async function startChromium({ width, height }: { width: number; height: number }): Promise<ChromiumProcess> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'ui-bench-chromium-'));
  const args = [
    ...PLAYWRIGHT_SWITCHES,
    '--no-sandbox',
    '--disable-gpu',
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
    // Its helper processes (renderers, GPU, network) write to the profile until they exit.
    const helpers = child.pid === undefined ? [] : descendants(child.pid);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 100 && helpers.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
    // A directory left behind is said, not a failed bench.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch (error) {
      console.error(`Chromium's profile directory ${profile} not removed: ${(error as Error).message}`);
    }
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
