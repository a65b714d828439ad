/**
 * Debugging a device with the local broker, in Chromium: devices (raw sockets writing exact
 * bytes, as firmware does) connect to the sidecar; the broker panel's "Protocol violations"
 * names the rule each broke with the packet's bytes, opens a refused packet in the field tree
 * and hex dump, and shows a client's whole exchange in the packet inspector, fed from the
 * broker's tap.
 */

import net from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR, launchChromium } from '../helpers/browser';
import { freePort } from '../helpers/mosquitto';
import { startWebApp, type WebApp } from '../helpers/web-app';
import { connect, publish, str, subscribe } from '../broker-sidecar/conformance/frames';

/** Writes frames as one device would and resolves with everything the broker sent once it closes (or after `until` bytes). */
function device(port: number, frames: Buffer[], until?: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the device got ${Buffer.concat(chunks).toString('hex')} and no close`));
    }, 15_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (until !== undefined && Buffer.concat(chunks).length >= until) {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks));
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.on('connect', () => socket.write(Buffer.concat(frames)));
  });
}

describe('debugging a device with the local broker', () => {
  let app: WebApp;
  let browser: Browser;
  let page: Page;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    app = await startWebApp({ sidecarPort: port });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.goto(app.server.url);
    await page.getByRole('button', { name: 'Local broker', exact: true }).click();
    const panel = page.getByRole('main', { name: 'Local broker' });
    await panel.getByRole('button', { name: 'Start broker' }).click();
    await panel.getByRole('status', { name: 'Broker status' }).filter({ hasText: `running on mqtt://127.0.0.1:${port}` }).waitFor();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('lists each refused packet with the client, the rule and the bytes, and opens it in the field tree', async () => {
    // 3.1.1: a password without a user name; 5.0: a Topic Alias in a PUBACK.
    const badConnect = connect(4, { clientId: 'thermostat-7', password: Buffer.from('hunter2') });
    expect(await device(port, [badConnect])).toEqual(Buffer.alloc(0)); // 3.1.1 closes without CONNACK [MQTT-3.1.4-1]
    const puback = Buffer.from([0x40, 0x07, 0x00, 0x01, 0x00, 0x03, 0x23, 0x00, 0x01]);
    const answer = await device(port, [connect(5, { clientId: 'valve-2' }), puback]);
    // DISCONNECT 0x81 after the CONNACK, its Reason String naming the rule and the property.
    const disconnect = answer.subarray(answer[1]! + 2);
    expect([disconnect[0], disconnect[2]]).toEqual([0xe0, 0x81]);
    expect(disconnect.includes(Buffer.from('[MQTT 5.0 §2.2.2.2] Topic Alias (0x23) at offset 6 is not allowed in PUBACK'))).toBe(true);

    const list = page.getByRole('table', { name: 'Protocol violations' });
    const thermostat = list.getByRole('row').filter({ hasText: 'thermostat-7' });
    await thermostat.filter({ hasText: '[MQTT-3.1.2-22]' }).filter({ hasText: 'Password Flag set without User Name Flag' }).waitFor();
    await expect(thermostat.textContent()).resolves.toContain(badConnect.subarray(0, 24).toString('hex').replace(/(..)(?!$)/g, '$1 '));
    await expect(thermostat.textContent()).resolves.toContain('closed (MQTT 3.1.1)');
    await list.getByRole('row').filter({ hasText: 'valve-2' }).filter({ hasText: '[MQTT 5.0 §2.2.2.2]' }).filter({ hasText: '0x81' }).waitFor();

    // The refused CONNECT in the field tree: the flags that broke the rule, highlighted in the bytes.
    await thermostat.getByRole('cell').first().click();
    const refused = page.getByLabel('Refused packet');
    const tree = refused.getByRole('tree', { name: 'Packet fields' });
    await tree.getByRole('button', { name: /Password flag: true/ }).waitFor();
    // The inspector checks it with the broker's own rule tables and names the rule too.
    await expect(refused.getByRole('note', { name: 'Protocol violation' }).textContent()).resolves.toBe('Breaks [MQTT-3.1.2-22] Password Flag set without User Name Flag');
    await tree.getByRole('button', { name: /User name flag: false/ }).click();
    const flagsOffset = 2 + 2 + 4 + 1; // fixed header, protocol name, level
    await expect(refused.getByRole('grid', { name: 'Hex dump' }).locator('.hex-byte[aria-selected="true"]').getAttribute('data-offset')).resolves.toBe(String(flagsOffset));
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'broker-violations.png'), fullPage: true });
  });

  it("shows a client's packets from the broker's tap, the refused one included, in the packet inspector", async () => {
    const topic = 'plant/boiler/temperature';
    const frames = [connect(4, { clientId: 'boiler-1' }), subscribe(4, 1, [['plant/#', 1]]), publish(4, { topic, qos: 1, id: 5, payload: '71.5' }), publish(4, { topic: 'plant/+/bad' })];
    await device(port, frames);
    const violations = page.getByRole('table', { name: 'Protocol violations' });
    await violations.getByRole('row').filter({ hasText: 'boiler-1' }).filter({ hasText: '[MQTT-3.3.2-2]' }).getByRole('button', { name: 'boiler-1' }).click();

    const section = page.getByRole('region', { name: 'Client packets' });
    await expect(section.getByLabel('Client').inputValue()).resolves.toBe('boiler-1');
    const timeline = section.getByRole('listbox', { name: 'Packets' });
    // CONNECT, CONNACK, SUBSCRIBE, SUBACK, PUBLISH (sent), PUBLISH (delivered back), PUBACK, the refused PUBLISH.
    await timeline.getByRole('option').nth(7).waitFor();
    const rows = await timeline.getByRole('option').allTextContents();
    expect(rows.map((r) => /(CONNECT|CONNACK|SUBSCRIBE|SUBACK|PUBLISH|PUBACK)/.exec(r)?.[1])).toEqual(['CONNECT', 'CONNACK', 'SUBSCRIBE', 'SUBACK', 'PUBLISH', 'PUBLISH', 'PUBACK', 'PUBLISH']);
    // Directions as the device saw them: what it sent, what the broker sent it.
    await expect(timeline.getByRole('option').nth(0).getByLabel('sent').count()).resolves.toBe(1);
    await expect(timeline.getByRole('option').nth(1).getByLabel('received').count()).resolves.toBe(1);

    await timeline.getByRole('option').nth(4).click();
    const tree = section.getByRole('tree', { name: 'Packet fields' });
    await tree.getByRole('button', { name: new RegExp(`Topic name: ${topic}`) }).click();
    const highlighted = section.getByRole('grid', { name: 'Hex dump' }).locator('.hex-byte[aria-selected="true"]');
    await expect(highlighted.count()).resolves.toBe(str(topic).length);
    // A valid packet has no violation note (the field tree above is drawn in the same render).
    await expect(section.getByRole('note', { name: 'Protocol violation' }).count()).resolves.toBe(0);

    await timeline.getByRole('option').nth(7).click();
    await section.getByRole('tree', { name: 'Packet fields' }).getByRole('button', { name: /Topic name: plant\/\+\/bad/ }).waitFor();
    await expect(section.getByRole('note', { name: 'Protocol violation' }).textContent()).resolves.toMatch(/^Breaks \[MQTT-3\.3\.2-2\] /);
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'broker-client-packets.png'), fullPage: true });
  });
});
