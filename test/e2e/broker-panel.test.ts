/**
 * The local broker panel in Chromium: start the sidecar broker (a real separate process),
 * connect to it in one click, exchange a message through it, see the client, the log and
 * the $SYS figures charted.
 */

import path from 'node:path';
import { connectAsync } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR, launchChromium } from '../helpers/browser';
import { freePort } from '../helpers/mosquitto';
import { startWebApp, type WebApp } from '../helpers/web-app';

describe('local broker panel', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    app = await startWebApp({ sidecarPort: port });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(app.server.url);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('starts the sidecar, connects to it in one click, and a message goes through it', async () => {
    await page.getByRole('button', { name: 'Local broker', exact: true }).click();
    const panel = page.getByRole('main', { name: 'Local broker' });
    await panel.getByRole('button', { name: 'Start broker' }).click();
    await panel.getByRole('status', { name: 'Broker status' }).filter({ hasText: `running on mqtt://127.0.0.1:${port}` }).waitFor();

    await panel.getByRole('button', { name: 'Connect to local broker' }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
    const subscriptions = page.getByRole('region', { name: 'Subscriptions' });
    await subscriptions.getByLabel('Filter').fill('sidecar/#');
    await subscriptions.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await subscriptions.getByRole('list', { name: 'Active subscriptions' }).getByText('sidecar/#').waitFor();
    const publish = page.getByRole('region', { name: 'Publish' });
    await publish.getByLabel('Topic', { exact: true }).fill('sidecar/hello');
    await publish.getByLabel('Payload', { exact: true }).fill('{"via":"through our own broker"}');
    await publish.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ has: page.getByLabel('received') }).filter({ hasText: 'through our own broker' }).waitFor();

    await publish.getByLabel('Retain').check();
    await publish.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('button', { name: 'Local broker', exact: true }).click();
    // The panel polls the sidecar: our connection, its subscription, and the retained message.
    const clients = panel.getByRole('table', { name: 'Broker clients' });
    await clients.getByRole('row').filter({ hasText: 'sidecar/# (QoS 0)' }).waitFor();
    await expect(clients.getByRole('row').filter({ hasText: 'sidecar/#' }).textContent()).resolves.toMatch(/mqttdesk_[0-9a-f]{8}connected127\.0\.0\.1/);
    await panel.getByRole('table', { name: 'Retained messages' }).getByRole('row').filter({ hasText: 'sidecar/hello' }).waitFor();
    const log = panel.getByRole('list', { name: 'Broker log lines' });
    await log.getByText(/New connection from 127\.0\.0\.1/).first().waitFor();

    // $SYS figures as charts: real traffic from another client shows up as a rate.
    await panel.getByRole('img', { name: /^Clients connected: 1 connected clients$/ }).waitFor();
    const publisher = await connectAsync(`mqtt://127.0.0.1:${port}`);
    const timer = setInterval(() => void publisher.publishAsync('sidecar/load', 'x'), 20);
    try {
      await panel.getByRole('img', { name: /^PUBLISH messages per second: [1-9][\d.]* received, [\d.]+ sent msg\/s$/ }).waitFor({ timeout: 15_000 });
      await panel.getByRole('img', { name: /^Bytes per second: [1-9][\d.]* received/ }).waitFor();
      await panel.getByRole('img', { name: /^Clients connected: 2 connected/ }).waitFor();
    } finally {
      clearInterval(timer);
      await publisher.endAsync();
    }
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'broker-panel.png') });
  });

  it('stops the sidecar', async () => {
    const panel = page.getByRole('main', { name: 'Local broker' });
    await panel.getByRole('button', { name: 'Stop broker' }).click();
    await panel.getByRole('status', { name: 'Broker status' }).filter({ hasText: 'stopped' }).waitFor();
    await expect(app.backend.dispatch('broker.status', {})).resolves.toMatchObject({ ok: true, value: { state: { status: 'stopped' } } });
  });
});
