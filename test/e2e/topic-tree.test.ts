/**
 * The topic tree in Chromium: topics from outside publishers (Debian's mosquitto_pub) as a
 * hierarchy with counts and retained markers, a chart of a topic's numbers, and deleting a
 * retained message so that mosquitto no longer holds it.
 */

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

describe('topic tree', () => {
  let desk: Desk;
  let page: Page;
  let port: number;
  const pub = (topic: string, message: string, retain = false) =>
    execFileSync('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(port), '-t', topic, '-m', message, ...(retain ? ['-r'] : [])], { timeout: 5000 });

  beforeAll(async () => {
    desk = await openDesk({
      connect: true,
      before: (mosquitto) => {
        port = mosquitto.port;
        pub('plant/line1/status', 'running', true);
      },
    });
    page = desk.page;
    await subscribeInPage(page, 'plant/#');
  });
  afterAll(() => desk?.close());

  it('shows the hierarchy with counts, last values and the retained marker', async () => {
    for (const t of [20.5, 21, 21.5, 22]) pub('plant/line1/temp', JSON.stringify({ t, rpm: t * 100 }));
    pub('plant/line2/temp', '19.5');
    await page.getByRole('tab', { name: 'Topics' }).click();
    const tree = page.getByRole('tree', { name: 'Topic tree' });
    await tree.getByRole('treeitem').filter({ hasText: /^.*line2/ }).first().waitFor();
    await expect.poll(async () => (await tree.getByRole('treeitem').first().textContent()) ?? '').toMatch(/plant.*6 msgs/);
    const status = tree.getByRole('treeitem').filter({ hasText: 'status' }).last();
    await expect(status.textContent()).resolves.toMatch(/statusretained1running/);
  });

  it('charts the numbers of a topic and lists its history', async () => {
    await page.getByRole('tree', { name: 'Topic tree' }).getByRole('button', { name: 'temp' }).first().click();
    const detail = page.getByRole('region', { name: 'Topic detail' });
    await detail.getByRole('img', { name: 'Chart of t, rpm on plant/line1/temp' }).locator('canvas').waitFor();
    const history = await detail.getByRole('list', { name: 'Topic history' }).getByRole('listitem').allTextContents();
    expect(history).toHaveLength(4);
    expect(history[0]).toContain('{"t":22,"rpm":2200}');
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'topic-tree.png') });
  });

  it('deletes a retained message from the broker', async () => {
    await page.getByRole('tree', { name: 'Topic tree' }).getByRole('button', { name: 'status' }).click();
    await page.getByRole('region', { name: 'Topic detail' }).getByRole('button', { name: 'Delete retained' }).click();
    await page.getByRole('status').filter({ hasText: 'Retained message on plant/line1/status deleted' }).waitFor();
    // A fresh subscriber gets no retained message any more.
    const probe = await connectAsync(`mqtt://127.0.0.1:${port}`);
    const got: string[] = [];
    const marked = new Promise<void>((resolve) => probe.on('message', (topic) => (topic === 'probe/marker' ? resolve() : got.push(topic))));
    await probe.subscribeAsync(['plant/line1/status', 'probe/marker']);
    // A retained message follows the SUBACK; the probe's own marker comes after it.
    await probe.publishAsync('probe/marker', 'marker');
    await marked;
    await probe.endAsync();
    expect(got).toEqual([]);
  });
});
