/**
 * Correctness under load, at a size CI can afford (`npm run bench:ui` is the full-size
 * flood): every message of a burst from an outside publisher through mosquitto is counted by
 * the message list, per subscription and in the packet inspector. Nothing is lost silently.
 */

import { connectAsync, type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

const QOS0 = 30_000;
const QOS1 = 5_000;

describe('a flood of messages', () => {
  let desk: Desk;
  let page: Page;
  let publisher: MqttClient;

  beforeAll(async () => {
    desk = await openDesk({ connect: true });
    page = desk.page;
    await subscribeInPage(page, 'flood/#');
    publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'flood-pub' });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await desk?.close();
  });

  const shown = async () => Number(/^(\d+) shown/.exec((await page.getByRole('region', { name: 'Message log' }).getByLabel('Message count').textContent()) ?? '')?.[1] ?? -1);

  it(`counts every one of ${QOS0.toLocaleString('en')} QoS 0 and ${QOS1.toLocaleString('en')} QoS 1 messages sent in a burst`, async () => {
    const payload = Buffer.alloc(100, 0x61);
    for (let i = 0; i < QOS0; i++) publisher.publish(`flood/${i % 50}`, payload);
    await Promise.all(Array.from({ length: QOS1 }, (_, i) => publisher.publishAsync(`flood/q1/${i % 10}`, payload, { qos: 1 })));
    await expect.poll(shown, { timeout: 30_000, interval: 250 }).toBe(QOS0 + QOS1);
    // The subscription's own counter agrees, and nothing was dropped by a cap.
    await page.getByLabel(`${QOS0 + QOS1} messages on flood/#`).waitFor();
    await expect(page.getByRole('region', { name: 'Message log' }).getByLabel('Message count').textContent()).resolves.not.toMatch(/dropped/);
  });

  it('captures a PUBLISH packet for each of them in the inspector', async () => {
    await page.getByRole('tab', { name: 'Packets' }).click();
    await page.getByLabel('Packet type').selectOption('PUBLISH');
    await page.getByLabel('Direction').selectOption('in');
    await expect.poll(async () => (await page.getByLabel('Packet count').textContent()) ?? '', { timeout: 10_000 }).toMatch(new RegExp(`^${QOS0 + QOS1} of `));
  });
});
