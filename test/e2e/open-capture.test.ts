/**
 * "Open capture…" in Chromium: a pcapng that Debian's dumpcap wrote of mosquitto_pub and
 * mosquitto_sub talking to a real mosquitto is opened through the file chooser; each MQTT
 * connection appears under Captures, read-only, its rows reading as tshark's Info column
 * for the same frames, and its QoS 2 flow complete in the Flows tab. A file that is no
 * capture is refused with a message saying why.
 */

import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, type Desk } from '../helpers/desk';
import { startCapture } from '../helpers/live-capture';
import { waitForLog } from '../helpers/mosquitto';

const run = promisify(execFile);

describe('open a capture file', () => {
  let desk: Desk;
  let page: Page;
  let file: string;

  beforeAll(async () => {
    desk = await openDesk();
    page = desk.page;
    const port = desk.mosquitto.port;
    const capture = await startCapture(port, { dir: desk.app.configDir });
    try {
      const sub = run('mosquitto_sub', ['-p', String(port), '-i', 'cap-sub', '-t', 'cap/#', '-q', '2', '-C', '1', '-V', 'mqttv5'], { timeout: 10_000 });
      await waitForLog(desk.mosquitto, 'cap-sub 2 cap/#');
      await run('mosquitto_pub', ['-p', String(port), '-i', 'cap-pub', '-t', 'cap/x', '-m', 'from a capture', '-q', '2', '-V', 'mqttv5'], { timeout: 10_000 });
      await sub;
      await capture.stop();
    } finally {
      capture.abort();
    }
    file = capture.file;
    // A hang guard for dumpcap, the clients and the browser on a busy machine.
  }, 180_000);
  afterAll(() => desk?.close());

  it('shows each MQTT connection of the file read-only, its rows as tshark reads the frames', async () => {
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Open capture…' }).click()]);
    await chooser.setFiles(file);
    const list = page.getByRole('list', { name: `Connections in ${path.basename(file)}` });
    await expect.poll(() => list.getByRole('button').allTextContents()).toEqual([expect.stringMatching(/^cap-sub127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+ · \d+ packets$/), expect.stringMatching(/^cap-pub/)]);
    await list.getByRole('button', { name: /^cap-pub/ }).click();
    const view = page.getByRole('main', { name: `Capture ${path.basename(file)}` });
    await expect.poll(() => view.getByText(/MQTT over TCP · MQTT 5\.0 · \d+ packets · read-only/).count()).toBe(1);
    // Read-only: nothing to export, clear or connect.
    await expect(view.getByRole('button', { name: 'Export pcapng' }).count()).resolves.toBe(0);
    await expect(view.getByRole('button', { name: 'Connect', exact: true }).count()).resolves.toBe(0);

    const rows = view.getByRole('listbox', { name: 'Packets' }).getByRole('option');
    await expect.poll(() => rows.count()).toBeGreaterThanOrEqual(6);
    const ours = await rows.evaluateAll((els) => els.map((el) => `${el.querySelector('.packet-frame')?.textContent}: ${el.querySelector('.packet-info')?.textContent}`));
    const info = execFileSync('tshark', ['-r', file, '-d', `tcp.port==${desk.mosquitto.port},mqtt`, '-Y', 'mqtt && tcp.stream == 1', '-T', 'fields', '-e', 'frame.number', '-e', '_ws.col.Info'], { encoding: 'utf8' });
    const theirs = info.trim().split('\n').map((line) => line.replace('\t', ': '));
    expect(ours).toEqual(theirs);
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'open-capture.png') });

    await view.getByRole('tab', { name: 'Flows' }).click();
    const flows = view.getByRole('list', { name: 'Flow list' }).getByRole('listitem');
    await expect.poll(() => flows.allTextContents()).toEqual([expect.stringMatching(/^QoS 2↑id 1PUBLISH → [\d.]+ ms → PUBREC → [\d.]+ ms → PUBREL → [\d.]+ ms → PUBCOMPcomplete/)]);
    await expect(view.getByRole('table', { name: 'Keepalive per session' }).locator('tbody tr').first().textContent()).resolves.toMatch(/CONNECT #1 .* · ended by DISCONNECT #\d+60 s/);
  });

  it('closes a capture file and refuses a file that is no capture, saying why', async () => {
    await page.getByRole('button', { name: `Close ${path.basename(file)}` }).click();
    await expect(page.getByRole('heading', { name: 'Captures' }).count()).resolves.toBe(0);
    const notACapture = path.join(desk.app.configDir, 'notes.pcap');
    writeFileSync(notACapture, 'hello, this is text');
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByRole('button', { name: 'Open capture…' }).click()]);
    await chooser.setFiles(notACapture);
    await expect.poll(() => page.getByRole('alert').filter({ hasText: 'notes.pcap: Not a pcap or pcapng file: it starts with 68 65 6c 6c' }).count()).toBe(1);
  });
});
