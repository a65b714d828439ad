/**
 * The broker panel's bridges in Chromium: the app's sidecar runs a mosquitto.conf with two
 * bridges, one to a real mosquitto and one to an address where nothing listens; the panel
 * lists both with address, state, messages each way and the last error.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR, launchChromium } from '../helpers/browser';
import { collect, endAll, mqttClient } from '../helpers/broker-harness';
import { freePort, startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { startWebApp, type WebApp } from '../helpers/web-app';

describe('broker panel bridges', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  let remote: Mosquitto;
  let port: number;
  let deadPort: number;

  beforeAll(async () => {
    remote = await startMosquitto();
    port = await freePort();
    deadPort = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-bridges-e2e-'));
    const config = path.join(dir, 'mosquitto.conf');
    writeFileSync(
      config,
      [
        `listener ${port} 127.0.0.1`,
        'allow_anonymous true',
        'connection hq',
        `address 127.0.0.1:${remote.port}`,
        'topic desk/# out 1',
        'topic hq/# in 1',
        'connection offline',
        `address 127.0.0.1:${deadPort}`,
        'restart_timeout 30',
        'topic x/# out 0',
        '',
      ].join('\n'),
    );
    app = await startWebApp({ sidecarConfig: config });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(app.server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await remote?.stop();
  });

  it('lists each bridge with its address, state, messages each way and last error', async () => {
    await page.getByRole('button', { name: 'Local broker', exact: true }).click();
    const panel = page.getByRole('main', { name: 'Local broker' });
    await panel.getByRole('button', { name: 'Start broker' }).click();
    await panel.getByRole('status', { name: 'Broker status' }).filter({ hasText: `running on mqtt://127.0.0.1:${port}` }).waitFor();
    const table = panel.getByRole('table', { name: 'Bridges' });
    const hq = table.getByRole('row').filter({ hasText: /^hq/ });
    await hq.filter({ hasText: 'connected' }).waitFor();
    await expect(hq.getByRole('cell').nth(1).textContent()).resolves.toBe(`mqtt://127.0.0.1:${remote.port}`);

    // One message each way through the bridge, counted in the row.
    const local = await mqttClient(port);
    const far = await mqttClient(remote.port);
    const localInbox = collect(local);
    const farInbox = collect(far);
    await local.subscribeAsync('hq/#', { qos: 1 });
    await far.subscribeAsync('desk/#', { qos: 1 });
    await local.publishAsync('desk/status', 'up', { qos: 1 });
    await farInbox.waitFor(1, 5000);
    await far.publishAsync('hq/command', 'go', { qos: 1 });
    await localInbox.waitFor(1, 5000);
    await hq.filter({ hasText: '1 / 1' }).waitFor();

    const offline = table.getByRole('row').filter({ hasText: /^offline/ });
    await offline.filter({ hasText: 'waiting to reconnect' }).waitFor();
    await expect(offline.getByRole('cell').last().textContent()).resolves.toMatch(new RegExp(`^connect ECONNREFUSED 127\\.0\\.0\\.1:${deadPort}$`));
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'broker-bridges.png') });
    await endAll(local, far);
  });
});
