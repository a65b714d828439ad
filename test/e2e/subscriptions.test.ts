/**
 * Subscriptions and the message list in Chromium against mosquitto: per-subscription
 * counts and mute, MQTT 5 No Local set from the panel, filtering by topic wildcard and by
 * payload regex, and pause/resume.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

describe('subscriptions and message list', () => {
  let desk: Desk;
  let page: Page;
  let publisher: MqttClient;

  beforeAll(async () => {
    desk = await openDesk({ profile: { mqttVersion: '5.0' }, connect: true });
    page = desk.page;
    publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`);
  });
  afterAll(async () => {
    await publisher?.endAsync();
    await desk?.close();
  });

  const subs = () => page.getByRole('region', { name: 'Subscriptions' });
  const rows = () => page.getByRole('list', { name: 'Messages' }).getByRole('listitem');
  const subscribeTo = (filter: string) => subscribeInPage(page, filter);

  it('counts messages per subscription and hides a muted one', async () => {
    await subscribeTo('sensors/+/temp');
    await subscribeTo('alarms/#');
    for (let i = 0; i < 3; i++) await publisher.publishAsync(`sensors/${i}/temp`, JSON.stringify({ t: 20 + i }));
    await publisher.publishAsync('alarms/door', '{"open":true}');
    await subs().getByLabel('3 messages on sensors/+/temp').waitFor();
    await subs().getByLabel('1 messages on alarms/#').waitFor();
    await expect.poll(() => rows().count()).toBe(4);

    await subs().getByRole('button', { name: 'Mute sensors/+/temp' }).click();
    await expect.poll(() => rows().count()).toBe(1);
    await expect(rows().first().textContent()).resolves.toContain('alarms/door');
    await subs().getByRole('button', { name: 'Unmute sensors/+/temp' }).click();
    await expect.poll(() => rows().count()).toBe(4);
  });

  it('filters the list by topic wildcard and by payload regex, reporting a bad pattern', async () => {
    const log = page.getByRole('region', { name: 'Message log' });
    await log.getByLabel('Filter topic').fill('sensors/+/temp');
    await expect.poll(() => rows().count()).toBe(3);
    await log.getByLabel('Filter payload').fill('/"t":2[12]/');
    await expect.poll(() => rows().count()).toBe(2);
    await log.getByLabel('Filter payload').fill('/(/');
    await log.getByRole('alert').filter({ hasText: 'Invalid regular expression' }).waitFor();
    await log.getByLabel('Filter payload').fill('');
    await log.getByLabel('Filter topic').fill('');
    await expect.poll(() => rows().count()).toBe(4);
  });

  it('pauses the list, counts what arrives meanwhile, and catches up on resume', async () => {
    const log = page.getByRole('region', { name: 'Message log' });
    await log.getByRole('button', { name: 'Pause' }).click();
    await publisher.publishAsync('alarms/window', '{"open":false}');
    await publisher.publishAsync('alarms/window', '{"open":true}');
    await log.getByRole('status').filter({ hasText: 'Paused · 2 new' }).waitFor();
    expect(await rows().count()).toBe(4);
    await log.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => rows().count()).toBe(6);
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'subscriptions.png') });
  });

  it('exports the messages as CSV and JSON downloads', async () => {
    const log = page.getByRole('region', { name: 'Message log' });
    const [csv] = await Promise.all([page.waitForEvent('download'), log.getByRole('button', { name: 'Export CSV' }).click()]);
    const csvFile = path.join(desk.app.configDir, csv.suggestedFilename());
    await csv.saveAs(csvFile);
    const lines = readFileSync(csvFile, 'utf8').trim().split('\r\n');
    expect(lines[0]).toBe('seq,time,direction,topic,qos,retain,dup,payloadSize,payloadEncoding,payload,properties,decodedAs,decoded');
    expect(lines).toHaveLength(7);
    const [json] = await Promise.all([page.waitForEvent('download'), log.getByRole('button', { name: 'Export JSON' }).click()]);
    const jsonFile = path.join(desk.app.configDir, json.suggestedFilename());
    await json.saveAs(jsonFile);
    expect(JSON.parse(readFileSync(jsonFile, 'utf8')).map((m: { topic: string }) => m.topic)).toContain('alarms/door');
  });

  it('subscribes with MQTT 5 No Local from the panel: our own publishes do not come back', async () => {
    await subs().getByText('MQTT 5 options').click();
    await subs().getByLabel('No Local').check();
    await subscribeTo('mine/#');
    // An outside subscriber sees our publish reach the broker, which routes it to every
    // subscriber then and there; its own 'mine/y' published after that reaches us after any copy.
    await publisher.subscribeAsync('mine/x');
    const routed = new Promise<void>((resolve) => publisher.on('message', (topic) => topic === 'mine/x' && resolve()));
    const publish = page.getByRole('region', { name: 'Publish' });
    await publish.getByLabel('Topic', { exact: true }).fill('mine/x');
    await publish.getByLabel('Payload', { exact: true }).fill('{"own":1}');
    await publish.getByRole('button', { name: 'Publish', exact: true }).click();
    await routed;
    await publisher.publishAsync('mine/y', '{"other":1}');
    await rows().filter({ hasText: 'mine/y' }).waitFor();
    const received = rows().filter({ has: page.getByLabel('received') }).filter({ hasText: 'mine/' });
    await expect(received.count()).resolves.toBe(1);
  });
});
