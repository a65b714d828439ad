/** Launches Debian's Chromium through playwright-core with the flags this machine needs. */

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Where e2e tests leave screenshots (kept by CI as artifacts). */
export const ARTIFACT_DIR = path.resolve('test/artifacts');

/** Starts headless Chromium; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACT_DIR, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
