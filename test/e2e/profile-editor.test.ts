/**
 * The profile editor in Chromium: validation messages sit next to their fields and block
 * saving; TLS, will and MQTT 5 sections follow the chosen protocol and version; an mqtts
 * profile with a CA path made by the test connects to a real mosquitto TLS listener; "Copy
 * as mosquitto_sub command" puts the equivalent mosquitto_sub line on the clipboard. A TLS
 * key log set on that profile is marked in the connection's header while it is on, and the
 * file gets the session's keys in NSS key log format.
 */

import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR, launchChromium } from '../helpers/browser';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { startWebApp, type WebApp } from '../helpers/web-app';

describe('profile editor', () => {
  let pki: TestPki;
  let mosquitto: Mosquitto;
  let app: WebApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    pki = makeTestPki();
    mosquitto = await startMosquitto([`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`]);
    app = await startWebApp();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(app.server.url);
  });

  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await mosquitto?.stop();
  });

  const form = () => page.getByRole('form', { name: 'Connection profile' });
  const errorOf = async (label: string) => {
    const input = form().getByLabel(label, { exact: true });
    const id = await input.getAttribute('aria-describedby');
    return id ? page.locator(`[id="${id}"]`).textContent() : null;
  };

  it('shows each problem next to its field and saves nothing until fixed', async () => {
    await page.getByRole('button', { name: 'New connection' }).click();
    await form().getByLabel('Name', { exact: true }).fill('');
    await form().getByLabel('Port', { exact: true }).fill('0');
    await form().getByRole('button', { name: 'Save' }).click();
    expect(await errorOf('Name')).toBe('Name is required');
    expect(await errorOf('Port')).toBe('Port must be between 1 and 65535');
    await expect(form().getByLabel('Port', { exact: true }).getAttribute('aria-invalid')).resolves.toBe('true');

    await form().getByLabel('Send a last will').check();
    await form().getByLabel('Will topic').fill('status/#');
    expect(await errorOf('Will topic')).toBe('Will topic: Topic must not contain wildcards (+ or #)');
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'profile-editor-errors.png') });
    await expect(app.backend.dispatch('profiles.list', {})).resolves.toEqual({ ok: true, value: [] });

    await form().getByLabel('Name', { exact: true }).fill('Secure mosquitto');
    await form().getByLabel('Port', { exact: true }).fill('1883');
    await form().getByLabel('Will topic').fill('status/desk');
    expect(await errorOf('Name')).toBeNull();
    expect(await errorOf('Will topic')).toBeNull();
  });

  it('"Copy as mosquitto_sub command" shows and copies the line that connects the same way', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.server.url).origin });
    await form().getByRole('button', { name: 'Copy as mosquitto_sub command' }).click();
    const shown = form().getByRole('status', { name: 'mosquitto_sub command' });
    await expect(shown.locator('code').textContent()).resolves.toBe("mosquitto_sub -h 127.0.0.1 -p 1883 --will-topic status/desk -t '#' -v");
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe("mosquitto_sub -h 127.0.0.1 -p 1883 --will-topic status/desk -t '#' -v");
  });

  it('shows TLS settings for mqtts and MQTT 5 settings for 5.0 only', async () => {
    await expect(form().getByRole('group', { name: 'TLS' }).count()).resolves.toBe(0);
    await expect(form().getByRole('group', { name: 'MQTT 5' }).count()).resolves.toBe(0);
    await form().getByLabel('Protocol').selectOption('mqtts');
    await expect(form().getByLabel('Port', { exact: true }).inputValue()).resolves.toBe('8883');
    await form().getByRole('group', { name: 'TLS' }).waitFor();
    await form().getByLabel('MQTT version').selectOption('5.0');
    await form().getByRole('group', { name: 'MQTT 5' }).waitFor();
    await form().getByLabel('Will delay (s)').waitFor();
    await form().getByLabel('Receive maximum').fill('0');
    expect(await errorOf('Receive maximum')).toBe('Receive maximum must be between 1 and 65535');
    await form().getByLabel('Receive maximum').fill('');
  });

  it('reports a CA file that does not exist next to the CA field, from the backend', async () => {
    await form().getByLabel('CA certificate', { exact: true }).fill('/nonexistent/ca.pem');
    await form().getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => errorOf('CA certificate')).toBe('CA file not found: /nonexistent/ca.pem');
  });

  it('saves an mqtts profile with a CA picked as a file and connects over TLS', async () => {
    await form().getByLabel('Port', { exact: true }).fill(String(mosquitto.port));
    await form().getByLabel('CA certificate file').setInputFiles(pki.caCert);
    await expect.poll(() => form().getByLabel('CA certificate', { exact: true }).inputValue()).toMatch(/^-----BEGIN CERTIFICATE-----/);
    await form().getByLabel('Send a last will').uncheck();
    await form().getByRole('button', { name: 'Save' }).click();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
    expect(mosquitto.log()).toMatch(/New client connected from 127\.0\.0\.1.* \(p5, c1, k60\)/);
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'profile-editor-tls-connected.png') });
  });

  it('marks a connection whose TLS keys are logged, and the file gets them in NSS key log format', async () => {
    const keys = path.join(mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-keylog-e2e-')), 'keys.log');
    const badge = page.getByRole('note', { name: 'TLS key log', exact: true });
    await page.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'closed' }).waitFor();
    await expect(badge.count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    await form().getByLabel('TLS key log file').fill(keys);
    await form().getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => badge.textContent()).toBe(` · TLS keys logged to ${keys}`);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
    // TLS 1.3 (mosquitto's default with OpenSSL 3): NSS labels, the client random and a secret per line.
    await expect.poll(() => readFileSync(keys, 'utf8')).toMatch(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]{64,96}$/m);
    expect(readFileSync(keys, 'utf8')).toMatch(/^CLIENT_TRAFFIC_SECRET_0 [0-9a-f]{64} [0-9a-f]{64,96}$/m);
    await page.getByRole('button', { name: 'Disconnect' }).click();
  });
});
