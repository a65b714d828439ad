/**
 * The usual e2e setup in one call: a real mosquitto, the real backend and browser-mode
 * server, Debian's Chromium on the app's URL, one saved profile for the broker, optionally
 * connected. `close()` stops everything it started.
 */

import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium } from './browser';
import { startMosquitto, type Mosquitto } from './mosquitto';
import { startWebApp, type WebApp } from './web-app';

/** What a test gets to drive. */
export interface Desk {
  mosquitto: Mosquitto;
  app: WebApp;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** Options for {@link openDesk}. */
export interface DeskOptions {
  profile?: Record<string, unknown>;
  /** Click Connect and wait for "connected". */
  connect?: boolean;
  viewport?: { width: number; height: number };
  /** Runs before the page opens (e.g. to publish retained messages). */
  before?: (mosquitto: Mosquitto) => void | Promise<void>;
  /** Lines added to mosquitto's configuration (e.g. TLS on its listener). */
  mosquittoConfig?: string[];
  /** The web server's send-buffer limit beyond which batches are dropped. */
  maxBufferedBytes?: number;
}

/** Starts everything and opens the page. */
export async function openDesk(options: DeskOptions = {}): Promise<Desk> {
  const mosquitto = await startMosquitto(options.mosquittoConfig);
  await options.before?.(mosquitto);
  const app = await startWebApp(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {});
  const saved = await app.backend.dispatch('profiles.save', {
    profile: { name: 'Test broker', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port, ...options.profile },
  });
  if (!saved.ok) throw new Error(saved.error.message);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: options.viewport ?? { width: 1400, height: 1000 }, acceptDownloads: true });
  await page.goto(app.server.url);
  if (options.connect) {
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
  }
  return {
    mosquitto,
    app,
    browser,
    page,
    close: async () => {
      await browser.close();
      await app.stop();
      await mosquitto.stop();
    },
  };
}

/** Subscribes through the Subscriptions panel and waits until the broker granted it. */
export async function subscribeInPage(page: Page, filter: string): Promise<void> {
  const subs = page.getByRole('region', { name: 'Subscriptions' });
  await subs.getByLabel('Filter', { exact: true }).fill(filter);
  await subs.getByRole('button', { name: 'Subscribe', exact: true }).click();
  await subs.getByRole('list', { name: 'Active subscriptions' }).getByText(filter, { exact: true }).waitFor();
}

/** Replaces the Monaco payload editor's text in `panel` the way a user would: select all, then type over it. */
export async function replaceEditorText(page: Page, panel: Locator, text: string): Promise<void> {
  await panel.locator('.payload-editor .view-lines').click();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** Opens a capture file through "Open capture…" and its file chooser. */
export async function openCaptureInPage(page: Page, file: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Open capture…' }).click()]);
  await chooser.setFiles(file);
}

/**
 * Pauses the page's JavaScript through the DevTools protocol (a stall with no duration to
 * guess: nothing the page would run runs, WebSocket data stays unread); returns `resume`.
 */
export async function pausePage(page: Page): Promise<() => Promise<void>> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Debugger.enable');
  const paused = new Promise((resolve) => cdp.once('Debugger.paused', resolve));
  await cdp.send('Debugger.pause');
  // Paused at the next statement the page runs: give it one.
  const step = page.evaluate(() => void 0).catch(() => undefined);
  await paused;
  return async () => {
    await cdp.send('Debugger.resume');
    await cdp.send('Debugger.disable');
    await step;
  };
}
