/**
 * The foundation slice, as a user does it in browser mode: create a profile for a real
 * mosquitto, connect, subscribe to demo/#, publish {"t":21.5} to demo/room1, and see it
 * arrive in the message list with topic, QoS, retain flag, time and payload.
 */

import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR, launchChromium } from '../helpers/browser';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { startWebApp, type WebApp } from '../helpers/web-app';

describe('browser mode slice against mosquitto', () => {
  let mosquitto: Mosquitto;
  let app: WebApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    app = await startWebApp();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // Every refusal by the page's CSP, recorded from the first script on.
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
    });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await mosquitto?.stop();
  });

  it('creates a profile, connects, subscribes, publishes and shows the received message', async () => {
    await page.goto(app.server.url);
    await page.getByRole('button', { name: 'New connection' }).click();
    const form = page.getByRole('form', { name: 'Connection profile' });
    await form.getByLabel('Name', { exact: true }).fill('Local mosquitto');
    await form.getByLabel('Protocol').selectOption('mqtt');
    await form.getByLabel('Host').fill('127.0.0.1');
    await form.getByLabel('Port').fill(String(mosquitto.port));
    await form.getByLabel('Client ID').fill('mqtt-desk-e2e');
    await expect(form.getByLabel('Username').inputValue()).resolves.toBe('');
    await expect(form.getByLabel('Password').inputValue()).resolves.toBe('');
    await form.getByRole('button', { name: 'Save' }).click();

    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();

    const subscriptions = page.getByRole('region', { name: 'Subscriptions' });
    await subscriptions.getByLabel('Filter').fill('demo/#');
    await subscriptions.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await subscriptions.getByRole('list', { name: 'Active subscriptions' }).getByText('demo/#').waitFor();

    const publish = page.getByRole('region', { name: 'Publish' });
    await publish.getByLabel('Topic', { exact: true }).fill('demo/room1');
    await publish.getByLabel('QoS').selectOption('0');
    await expect(publish.getByLabel('Retain').isChecked()).resolves.toBe(false);
    await publish.getByLabel('Payload', { exact: true }).fill('{"t":21.5}');
    await publish.getByRole('button', { name: 'Publish', exact: true }).click();

    const received = page
      .getByRole('list', { name: 'Messages' })
      .getByRole('listitem')
      .filter({ has: page.getByLabel('received') })
      .filter({ hasText: 'demo/room1' });
    await received.waitFor();
    const text = (await received.textContent()) ?? '';
    expect(text).toContain('demo/room1');
    expect(text).toContain('QoS 0');
    expect(text).toContain('not retained');
    expect(text).toContain('{"t":21.5}');
    expect(text).toMatch(/\d{2}:\d{2}:\d{2}\.\d{3}/);

    // The message really crossed mosquitto: it logged our PUBLISH and its delivery back.
    expect(mosquitto.log()).toMatch(/Received PUBLISH from mqtt-desk-e2e \(d0, q0, r0, m0, 'demo\/room1'/);
    expect(mosquitto.log()).toMatch(/Sending PUBLISH to mqtt-desk-e2e \(d0, q0, r0, m0, 'demo\/room1'/);

    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'slice.png') });
  });

  it('runs within its Content Security Policy: nothing the page does is refused', async () => {
    await expect(page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).resolves.toEqual([]);
  });
});
