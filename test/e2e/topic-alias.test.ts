/**
 * Topic aliases in the inspector: a 5.0 PUBLISH that names its topic by alias alone shows
 * the topic the alias stands for, marked as coming from the alias, in its row and in its
 * field tree; an alias never set earlier says so. Checked on a capture that Debian's dumpcap
 * wrote of a raw MQTT 5.0 client talking to a real mosquitto, opened through "Open capture…".
 */

import net from 'node:net';
import path from 'node:path';
import { generate, type Packet } from 'mqtt-packet';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCaptureInPage, openDesk, type Desk } from '../helpers/desk';
import { captureTraffic } from '../helpers/live-capture';

const v5 = (packet: Record<string, unknown>) => generate(packet as unknown as Packet, { protocolVersion: 5 });

/**
 * Writes the packets in order on one connection, then a PINGREQ; once the broker answers it
 * (or closes the connection), everything before it has been read. Ends with a DISCONNECT.
 */
async function rawSession(port: number, packets: Buffer[]): Promise<void> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve).once('error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const answered = new Promise<void>((resolve) => {
    void closed.then(resolve);
    socket.on('data', (data) => data.includes(0xd0) && resolve());
  });
  for (const packet of [...packets, v5({ cmd: 'pingreq' })]) socket.write(packet);
  await answered;
  if (!socket.destroyed) socket.end(v5({ cmd: 'disconnect', reasonCode: 0 }));
  await closed;
}

describe('topic aliases', () => {
  let desk: Desk;
  let page: Page;
  let file: string;

  beforeAll(async () => {
    desk = await openDesk();
    page = desk.page;
    const port = desk.mosquitto.port;
    file = await captureTraffic(
      port,
      () =>
        rawSession(port, [
          v5({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'alias-e2e', clean: true, keepalive: 60 }),
          v5({ cmd: 'publish', topic: 'alias/a', payload: Buffer.from('sets'), qos: 0, dup: false, retain: false, properties: { topicAlias: 3 } }),
          v5({ cmd: 'publish', topic: '', payload: Buffer.from('uses'), qos: 0, dup: false, retain: false, properties: { topicAlias: 3 } }),
          // Never set on this connection.
          v5({ cmd: 'publish', topic: '', payload: Buffer.from('unknown'), qos: 0, dup: false, retain: false, properties: { topicAlias: 4 } }),
        ]),
      { dir: desk.app.configDir },
    );
  }, 180_000);
  afterAll(() => desk?.close());

  it('shows the topic an alias stands for, and says when the alias was never set', async () => {
    await openCaptureInPage(page, file);
    await page
      .getByRole('list', { name: `Connections in ${path.basename(file)}` })
      .getByRole('button', { name: /^alias-e2e/ })
      .click();
    const view = page.getByRole('main', { name: `Capture ${path.basename(file)}` });
    const rows = view.getByRole('listbox', { name: 'Packets' }).getByRole('option').filter({ hasText: 'Publish Message' });
    await expect.poll(() => rows.count()).toBe(3);
    await expect(rows.nth(0).textContent()).resolves.toMatch(/Publish Message \[alias\/a\].*QoS 0, alias 3, 4 B: sets/);
    await expect(rows.nth(1).textContent()).resolves.toMatch(/Publish Message \[alias\/a\].*QoS 0, topic from alias 3 \(set by #\d+\), 4 B: uses/);
    await expect(rows.nth(2).textContent()).resolves.toMatch(/Publish Message \[\].*QoS 0, alias 4 not set earlier in this capture: topic unknown, 7 B: unknown/);

    const fields = view.getByRole('tree', { name: 'Packet fields' });
    await rows.nth(1).click();
    await expect(fields.getByRole('button', { name: /^Topic name: / }).textContent()).resolves.toMatch(/^Topic name: alias\/a \(alias 3, set by #\d+\)$/);
    await rows.nth(2).click();
    await expect(fields.getByRole('button', { name: /^Topic name: / }).textContent()).resolves.toBe('Topic name: (empty; alias 4 not set earlier in this capture: topic unknown)');
    // A topic name that is there is shown as it is.
    await rows.nth(0).click();
    await expect(fields.getByRole('button', { name: /^Topic name: / }).textContent()).resolves.toBe('Topic name: alias/a');
  });
});
