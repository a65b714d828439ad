/**
 * "Open capture…" on an mqtts session: Debian's dumpcap captures mosquitto_pub talking TLS
 * to a real mosquitto. The app cannot read it, and says so where the file's connections are
 * listed ("TLS: not decrypted") instead of leaving the stream out; tshark agrees the stream
 * is TLS.
 */

import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaptureInPage, openDesk, type Desk } from '../helpers/desk';
import { captureTraffic } from '../helpers/live-capture';
import { makeTestPki } from '../helpers/tls';

const run = promisify(execFile);

describe('open a capture of an mqtts session', () => {
  let desk: Desk;
  let page: Page;
  let file: string;

  beforeAll(async () => {
    const pki = makeTestPki();
    // mosquitto's listener speaks TLS only.
    desk = await openDesk({ mosquittoConfig: [`cafile ${pki.caCert}`, `certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`] });
    page = desk.page;
    const port = desk.mosquitto.port;
    const pub = ['-h', '127.0.0.1', '-p', String(port), '--cafile', pki.caCert, '-i', 'tls-pub', '-t', 'secret/x', '-m', 'hidden', '-V', 'mqttv311'];
    file = await captureTraffic(port, () => run('mosquitto_pub', pub, { timeout: 10_000 }), { dir: desk.app.configDir });
  }, 180_000);
  afterAll(() => desk?.close());

  it('lists the TLS stream under the file and says it is not decrypted', async () => {
    // The reference: Wireshark sees a TLS handshake in that stream, and no MQTT.
    const tshark = (filter: string) => execFileSync('tshark', ['-r', file, '-d', `tcp.port==${desk.mosquitto.port},tls`, '-Y', filter, '-T', 'fields', '-e', 'tcp.stream'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
    expect(new Set(tshark('tls.handshake'))).toEqual(new Set(['0']));
    expect(tshark('mqtt')).toEqual([]);

    await openCaptureInPage(page, file);
    const list = page.getByRole('list', { name: `Connections in ${path.basename(file)}` });
    const stream = list.getByRole('listitem', { name: 'TCP stream 0 not shown' });
    await expect.poll(() => stream.textContent()).toMatch(/^TCP stream 0127\.0\.0\.1:\d+ ↔ 127\.0\.0\.1:\d+ · TLS: not decrypted \(the file holds only encrypted bytes; Wireshark decrypts them with a TLS key log of the session\)$/);
    // Nothing to open: no connection button for it.
    await expect(list.getByRole('button').count()).resolves.toBe(0);
    // Closing the file takes the entry away.
    await page.getByRole('button', { name: `Close ${path.basename(file)}` }).click();
    await expect.poll(() => list.count()).toBe(0);
  });
});
