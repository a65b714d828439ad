/** Importing an MQTTX export file and exporting connections, in Chromium. */

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR, launchChromium } from '../helpers/browser';
import { mqttxSample } from '../helpers/mqttx-sample';
import { startWebApp, type WebApp } from '../helpers/web-app';

describe('import and export', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startWebApp();
    browser = await launchChromium();
    page = await browser.newPage({ acceptDownloads: true });
    await page.goto(app.server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('imports an MQTTX file, lists the new connections and says what it skipped', async () => {
    const file = path.join(app.configDir, 'mqttx.json');
    writeFileSync(file, JSON.stringify(mqttxSample));
    await page.getByLabel('Import connections file').setInputFiles(file);
    const sidebar = page.getByRole('navigation', { name: 'Connections' });
    await sidebar.getByRole('button', { name: /EMQX public/ }).waitFor();
    await sidebar.getByRole('button', { name: /Local websockets/ }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'Imported 2 connection(s) from MQTTX. Skipped: Broken port (port: Port must be between 1 and 65535)' }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'import-mqttx.png') });
  });

  it('exports the connections as a JSON download without secrets', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('mqtt-desk-connections.json');
    const saved = path.join(app.configDir, 'export.json');
    await download.saveAs(saved);
    const data = JSON.parse(readFileSync(saved, 'utf8'));
    expect(data.format).toBe('mqtt-desk-profiles');
    expect(data.profiles.map((p: { name: string }) => p.name)).toEqual(['EMQX public', 'Local websockets']);
    expect(data.profiles[0].password).toBe('');
  });
});
