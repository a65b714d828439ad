/**
 * The message detail pane in Chromium, fed by outside publishers through mosquitto: JSON
 * pretty-printed, MessagePack detected and decoded, a large payload loaded in full on
 * request, MQTT 5 properties, and the diff against the previous message on the topic.
 */

import path from 'node:path';
import { encode as msgpackEncode } from '@msgpack/msgpack';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

describe('message detail', () => {
  let desk: Desk;
  let page: Page;
  let publisher: MqttClient;

  beforeAll(async () => {
    desk = await openDesk({ profile: { mqttVersion: '5.0' }, connect: true });
    page = desk.page;
    await subscribeInPage(page, 'detail/#');
    publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { protocolVersion: 5 });
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await desk?.close();
  });

  const row = (text: string) => page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ hasText: text });
  const detail = () => page.getByRole('region', { name: 'Message detail' });

  it('pretty-prints JSON and lists MQTT 5 properties', async () => {
    await publisher.publishAsync('detail/json', '{"t":21.5,"unit":"C"}', { properties: { contentType: 'application/json', userProperties: { site: 'lab' } } });
    await row('detail/json').click();
    await expect(detail().getByLabel('Payload').textContent()).resolves.toBe('{\n  "t": 21.5,\n  "unit": "C"\n}');
    const properties = detail().getByRole('table', { name: 'MQTT 5 properties' });
    await expect(properties.textContent()).resolves.toMatch(/Content typeapplication\/json.*User property sitelab/);
  });

  it('detects MessagePack and decodes it', async () => {
    await publisher.publishAsync('detail/msgpack', Buffer.from(msgpackEncode({ t: 22, ok: true })));
    await row('detail/msgpack').click();
    await expect(detail().getByLabel('View as').inputValue()).resolves.toBe('auto');
    await expect(detail().getByLabel('Payload').textContent()).resolves.toBe('{\n  "t": 22,\n  "ok": true\n}');
    await detail().getByLabel('View as').selectOption('hex');
    await expect(detail().getByLabel('Payload').textContent()).resolves.toMatch(/^82 a1 74 16/);
  });

  it('loads a large payload in full on request', async () => {
    const big = 'x'.repeat(20_000) + 'THE END';
    await publisher.publishAsync('detail/big', big);
    await row('detail/big').click();
    await expect(detail().getByLabel('Payload').textContent()).resolves.toMatch(/more bytes not loaded$/);
    await detail().getByRole('button', { name: /Load full payload \(20007 B\)/ }).click();
    await expect.poll(() => detail().getByLabel('Payload').textContent()).toMatch(/THE END$/);
  });

  it('diffs a message against the previous one on its topic', async () => {
    await publisher.publishAsync('detail/state', '{"mode":"auto","speed":1}');
    await publisher.publishAsync('detail/state', '{"mode":"auto","speed":2}');
    await row('speed":2').click();
    await detail().getByRole('button', { name: 'Diff with previous' }).click();
    const diff = await detail().getByLabel('Payload diff').textContent();
    expect(diff).toContain('-   "speed": 1');
    expect(diff).toContain('+   "speed": 2');
    expect(diff).toContain('    "mode": "auto",');
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'message-detail-diff.png') });
  });

  it('moves between messages with the arrow keys, Home and End', async () => {
    const heading = async () => (await detail().locator('strong.topic').textContent()) ?? '';
    // The list holds json, msgpack, big, state, state (oldest first).
    await row('detail/msgpack').click();
    await page.keyboard.press('ArrowUp');
    await expect.poll(heading).toBe('detail/json');
    await page.keyboard.press('End');
    await expect.poll(async () => detail().getByLabel('Payload').textContent()).toBe('{\n  "mode": "auto",\n  "speed": 2\n}');
    await page.keyboard.press('ArrowUp');
    await expect.poll(async () => detail().getByLabel('Payload').textContent()).toBe('{\n  "mode": "auto",\n  "speed": 1\n}');
    await page.keyboard.press('Home');
    await expect.poll(heading).toBe('detail/json');
  });
});
