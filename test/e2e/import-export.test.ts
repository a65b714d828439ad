/**
 * Importing an MQTTX export file, importing a pasted mosquitto_sub line ("Import" → "From
 * command line") and exporting connections, in Chromium.
 */

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

  it('"Import" → "From command line" names a bad flag, then opens a pasted mosquitto_sub line as a profile with its subscription', async () => {
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('menu', { name: 'Import' }).getByRole('menuitem', { name: 'From command line' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import from command line' });
    await dialog.getByLabel('Command line').fill('mosquitto_sub -h broker.example.com -p abc -t x');
    await dialog.getByRole('button', { name: 'Import' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toMatch(/-p|port/i);
    await dialog.getByLabel('Command line').fill("mosquitto_sub -h broker.example.com -p 1884 -V mqttv5 -u ann -t 'sensors/#' -q 1");
    await dialog.getByRole('button', { name: 'Import' }).click();
    await dialog.waitFor({ state: 'detached' });
    const form = page.getByRole('form', { name: 'Connection profile' });
    await expect(form.getByLabel('Host', { exact: true }).inputValue()).resolves.toBe('broker.example.com');
    await expect(form.getByLabel('Port', { exact: true }).inputValue()).resolves.toBe('1884');
    await expect(form.getByLabel('MQTT version').inputValue()).resolves.toBe('5.0');
    await expect(form.getByLabel('Username').inputValue()).resolves.toBe('ann');
    await form.getByLabel('Name', { exact: true }).fill('From mosquitto_sub');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('navigation', { name: 'Connections' }).getByRole('button', { name: /From mosquitto_sub/ }).waitFor();
    const listed = await app.backend.dispatch('profiles.list', {});
    const saved = listed.ok ? (listed.value as Array<{ name: string; subscriptions: unknown }>).find((p) => p.name === 'From mosquitto_sub') : undefined;
    expect(saved?.subscriptions).toEqual([{ filter: 'sensors/#', qos: 1 }]);
  });

  it('exports the connections as a JSON download without secrets', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export', exact: true }).click()]);
    expect(download.suggestedFilename()).toBe('mqtt-desk-connections.json');
    const saved = path.join(app.configDir, 'export.json');
    await download.saveAs(saved);
    const data = JSON.parse(readFileSync(saved, 'utf8'));
    expect(data.format).toBe('mqtt-desk-profiles');
    expect(data.profiles.map((p: { name: string }) => p.name)).toEqual(['EMQX public', 'Local websockets', 'From mosquitto_sub']);
    expect(data.profiles[0].password).toBe('');
  });
});
