/**
 * "Open capture…" in Chromium: a pcapng that Debian's dumpcap wrote of mosquitto_pub and
 * mosquitto_sub talking to a real mosquitto is opened through the file chooser; each MQTT
 * connection appears under Captures, read-only, its rows reading as tshark's Info column
 * for the same frames, and its QoS 2 flow complete in the Flows tab. A file that is no
 * capture is refused with a message saying why. A subscriber that never acknowledges its
 * QoS 1 PUBLISH leaves a flow the Flows tab flags as timed out once it has been open longer
 * than the timeout the user sets, judged against the capture's last packet. A client silent
 * past 1.5 × its keepalive, which mosquitto drops, shows the moment a broker would have dropped
 * it, and when mosquitto really closed the connection (a FIN, no MQTT packet).
 */

import { execFile, execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { RawClient, sleep } from '../helpers/broker-harness';
import { openCaptureInPage, openDesk, type Desk } from '../helpers/desk';
import { captureTraffic, startCapture } from '../helpers/live-capture';
import { waitForLog } from '../helpers/mosquitto';

const run = promisify(execFile);

describe('open a capture file', () => {
  let desk: Desk;
  let page: Page;
  let file: string;
  let late: string;

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
    // "Open capture…" sits next to "Import".
    const actions = page.getByRole('navigation', { name: 'Connections' }).locator('.sidebar-actions > button');
    await expect(actions.allTextContents()).resolves.toEqual(['Import', 'Open capture…', 'Export']);
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

  it('flags a flow left open longer than the timeout the user sets, against the capture’s last packet', async () => {
    const port = desk.mosquitto.port;
    late = await captureTraffic(port, async () => {
      // Keepalive 1 s and not a byte after the CONNECT: mosquitto closes it after 1.5 s.
      const quiet = await RawClient.connected(port, 'quiet', 4, { keepalive: 1 });
      const sub = await RawClient.connected(port, 'late-sub', 4, { keepalive: 60 });
      sub.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'late/#', qos: 1 }] });
      expect((await sub.next()).cmd).toBe('suback');
      const pub = await RawClient.connected(port, 'late-pub', 4);
      pub.send({ cmd: 'publish', topic: 'late/x', payload: Buffer.from('never acknowledged'), qos: 1, messageId: 7, dup: false, retain: false });
      expect((await pub.next()).cmd).toBe('puback');
      pub.send({ cmd: 'disconnect' });
      await pub.waitClosed();
      // The subscriber takes the QoS 1 PUBLISH and never sends its PUBACK; it pings 1.5 s later.
      expect((await sub.next()).cmd).toBe('publish');
      await sleep(1500);
      sub.send({ cmd: 'pingreq' });
      expect((await sub.next()).cmd).toBe('pingresp');
      sub.send({ cmd: 'disconnect' });
      await sub.waitClosed();
      await quiet.waitClosed(10_000);
    });
    await openCaptureInPage(page, late);
    await page.getByRole('list', { name: `Connections in ${path.basename(late)}` }).getByRole('button', { name: /^late-sub/ }).click();
    const view = page.getByRole('main', { name: `Capture ${path.basename(late)}` });
    await view.getByRole('tab', { name: 'Flows' }).click();
    const count = view.getByLabel('Flow count');
    // The default timeout (10 s) is longer than the flow has been open: open, not flagged.
    await expect.poll(() => count.textContent()).toBe('2 flows · 1 open · 0 timed out');
    await view.getByLabel('Flow timeout in seconds').fill('1');
    await expect.poll(() => count.textContent()).toBe('2 flows · 0 open · 1 timed out');
    await view.getByLabel('Flow state').selectOption('timed out');
    const rows = view.getByRole('list', { name: 'Flow list' }).getByRole('listitem');
    await expect.poll(() => rows.allTextContents()).toEqual([expect.stringMatching(/^QoS 1↓id \d+PUBLISHtimed out \(open (1\d{3} ms|\d+\.\d s)\)/)]);
    await expect(rows.first().getAttribute('class')).resolves.toContain('flow-late');
    await view.getByLabel('Flow state').selectOption('open');
    await expect.poll(() => rows.count()).toBe(0);
  });

  it('shows when a broker would have dropped a silent client, and when mosquitto closed its connection', async () => {
    await page.getByRole('list', { name: `Connections in ${path.basename(late)}` }).getByRole('button', { name: /^quiet/ }).click();
    const view = page.getByRole('main', { name: `Capture ${path.basename(late)}` });
    await view.getByRole('tab', { name: 'Flows' }).click();
    const row = view.getByRole('table', { name: 'Keepalive per session' }).locator('tbody tr');
    // The CONNECT (#1) is the client's last packet; 1.5 × 1 s later a broker may drop it. mosquitto
    // counts whole seconds, so it closes the connection (a FIN, no packet) between 1 and 2.x s after.
    const drop = /at [\d:.]+ \(silent \d+ ms after #1\); the broker closed the connection [\d.]+ m?s later/;
    const early = /never; the broker closed the connection at [\d:.]+, silent \d+ ms after #1/;
    await expect.poll(() => row.textContent()).toMatch(new RegExp(`^CONNECT #1 [\\d:.]+1 s0–(\\d+) ms of 1500 ms allowed(${drop.source}|${early.source})$`));
    // The longest silence is the one up to the close, as the drop cell says.
    const text = (await row.textContent())!;
    const silences = [...text.matchAll(/(\d+) ms of 1500|silent (\d+) ms/g)].map((m) => m[1] ?? m[2]);
    expect(silences[0]).toBe(silences[1]);
  });
});
