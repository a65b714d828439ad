/** Light and dark themes in Chromium: the picker, the system default, persistence, Monaco following. */

import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR, launchChromium } from '../helpers/browser';
import { startWebApp, type WebApp } from '../helpers/web-app';

describe('themes', () => {
  let app: WebApp;
  let browser: Browser;

  beforeAll(async () => {
    app = await startWebApp();
    await app.backend.dispatch('profiles.save', { profile: { name: 'Themed', protocol: 'mqtt', host: '127.0.0.1', port: 1883 } });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  const background = () => 'getComputedStyle(document.documentElement).backgroundColor';

  it('follows the system scheme by default', async () => {
    const page = await browser.newPage({ colorScheme: 'dark' });
    await page.goto(app.server.url);
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    await page.close();
    const light = await browser.newPage({ colorScheme: 'light' });
    await light.goto(app.server.url);
    await expect(light.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('light');
    await light.close();
  });

  it('switches to dark on request, keeps it after a reload, and Monaco follows', async () => {
    const page = await browser.newPage({ colorScheme: 'light', viewport: { width: 1280, height: 800 } });
    await page.goto(app.server.url);
    const before = await page.evaluate(background());
    await page.getByLabel('Theme').selectOption('dark');
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    expect(await page.evaluate(background())).not.toBe(before);
    await page.reload();
    await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
    await page.locator('.payload-editor .monaco-editor.vs-dark').waitFor();
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'theme-dark.png') });
    await page.close();
  });
});
