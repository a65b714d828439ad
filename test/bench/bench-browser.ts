/**
 * The UI bench's browser and page, per BENCH_DRIVER (flood-driver.ts says what each is):
 * Playwright sets the page up (connect, subscribe, tabs) and runs the tree part in both;
 * for the flood, the `cdp` driver has Playwright disconnect first, so no DevTools session
 * with the Network domain enabled is attached to the page while it is measured.
 */

import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser';
import { startChromium, type ChromiumProcess } from './chromium-process';
import { cdpDriver, playwrightDriver, type FloodDriver } from './flood-driver';

/** The drivers BENCH_DRIVER names. */
export const DRIVERS = ['cdp', 'playwright'] as const;
/** One of {@link DRIVERS}. */
export type DriverName = (typeof DRIVERS)[number];

/** The page's viewport (the `cdp` driver's Chromium window). */
const VIEWPORT = { width: 1400, height: 900 };

/** A browser with the app's page open. */
export interface BenchBrowser {
  /** Playwright's page, for the set-up. */
  page: Page;
  /** The flood's driver; with `cdp`, Playwright leaves the page first (`page` is then unusable). */
  floodDriver(): Promise<FloodDriver>;
  /** Playwright's page again (with `cdp`, connected anew) and a CDP session on it with Performance enabled. */
  playwright(): Promise<{ page: Page; cdp: CDPSession }>;
  close(): Promise<void>;
}

/**
 * Opens the page at `url` in Chromium, as the driver needs it. `tap` (BENCH_TAP, `cdp` only):
 * Playwright stays connected during the flood, its Network domain on, the rest alike: the cost
 * of the tap alone.
 */
export async function openBenchBrowser(driver: DriverName, url: string, tap = false): Promise<BenchBrowser> {
  return driver === 'playwright' ? playwrightBrowser(url) : cdpBrowser(url, tap);
}

const watchErrors = (page: Page) => {
  // A render error unmounts the page (a blank screen): say what it was, with the stack.
  page.on('pageerror', (error) => console.error(`page error: ${error.stack ?? error.message}`));
};

async function playwrightBrowser(url: string): Promise<BenchBrowser> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    watchErrors(page);
    await page.goto(url);
    let driver: (FloodDriver & { cdp: CDPSession }) | undefined;
    return {
      page,
      floodDriver: async () => (driver ??= await playwrightDriver(page)),
      playwright: async () => {
        driver ??= await playwrightDriver(page);
        return { page, cdp: driver.cdp };
      },
      close: () => browser.close(),
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

async function cdpBrowser(url: string, tap: boolean): Promise<BenchBrowser> {
  const browserProcess: ChromiumProcess = await startChromium(VIEWPORT);
  let connected: Browser | undefined;
  // Playwright over CDP, on the one page Chromium opened (the default context: no emulation
  // to lose when Playwright leaves; the window gives the viewport).
  const connect = async () => {
    connected = await chromium.connectOverCDP(browserProcess.wsUrl);
    const page = connected.contexts()[0]?.pages()[0];
    if (!page) throw new Error('Chromium has no page open');
    watchErrors(page);
    return page;
  };
  // Disconnecting leaves the page: the default context is not Playwright's to close.
  const disconnect = async () => {
    await connected?.close();
    connected = undefined;
  };
  try {
    const page = await connect();
    await page.goto(url);
    return {
      page,
      floodDriver: async () => {
        if (!tap) await disconnect();
        return cdpDriver(browserProcess.wsUrl, url);
      },
      playwright: async () => {
        const again = connected?.contexts()[0]?.pages()[0] ?? (await connect());
        const cdp = await again.context().newCDPSession(again);
        await cdp.send('Performance.enable');
        return { page: again, cdp };
      },
      close: async () => {
        try {
          await disconnect();
        } finally {
          await browserProcess.stop();
        }
      },
    };
  } catch (error) {
    await disconnect().catch(() => undefined);
    await browserProcess.stop();
    throw error;
  }
}
