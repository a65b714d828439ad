/**
 * Publishing from the Monaco editor in Chromium against mosquitto: typing JSON, formatting
 * it, refusing invalid JSON next to the editor, templates with a repeat and its counter,
 * MQTT 5 properties, and the history. An outside subscriber checks what went on the wire.
 */

import path from 'node:path';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, replaceEditorText, type Desk } from '../helpers/desk';

describe('publish editor', () => {
  let desk: Desk;
  let page: Page;
  let watcher: MqttClient;
  const seen: IPublishPacket[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    desk = await openDesk({
      profile: { name: 'Publisher', mqttVersion: '5.0' },
      before: async (mosquitto) => {
        watcher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { protocolVersion: 5 });
        watcher.on('message', (_t, _p, packet) => seen.push(packet));
        await watcher.subscribeAsync('editor/#', { qos: 1 });
      },
    });
    page = desk.page;
    // Everything the page loaded, from the first document on: reload to record it all.
    page.on('request', (request) => requests.push(request.url()));
    await page.reload();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
  });
  afterAll(async () => {
    await watcher?.endAsync();
    await desk?.close();
  });

  const panel = () => page.getByRole('region', { name: 'Publish' });
  const setPayload = (text: string) => replaceEditorText(page, panel(), text);
  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 250 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
    if (!check()) throw new Error(`${what} did not happen`);
  }

  it('publishes JSON typed into Monaco, formatted by the Format button', async () => {
    await panel().getByLabel('Topic', { exact: true }).fill('editor/typed');
    await panel().locator('.payload-editor .view-lines').click();
    await page.keyboard.type('{"t":21.5,"unit":"C"');
    // Monaco closes the brace by itself; the text must be exactly one object.
    await panel().getByRole('button', { name: 'Format JSON' }).click();
    await expect.poll(() => page.locator('.payload-editor .view-lines').innerText()).toMatch(/"t":\s21\.5,\s+"unit":\s"C"/);
    await panel().getByRole('button', { name: 'Publish', exact: true }).click();
    await until(() => seen.some((p) => p.topic === 'editor/typed'), 'typed publish');
    expect(JSON.parse(seen.find((p) => p.topic === 'editor/typed')!.payload.toString())).toEqual({ t: 21.5, unit: 'C' });
  });

  it('refuses invalid JSON next to the editor and sends nothing', async () => {
    await panel().getByLabel('Topic', { exact: true }).fill('editor/bad');
    await setPayload('{"t":');
    await panel().getByRole('button', { name: 'Publish', exact: true }).click();
    await panel().getByRole('alert').filter({ hasText: 'Payload is not valid JSON' }).waitFor();
    // The marker: a valid publish from the same connection; a refused one sent anyway would be on the wire first.
    await panel().getByLabel('Topic', { exact: true }).fill('editor/after-bad');
    await setPayload('{"t":1}');
    await panel().getByRole('button', { name: 'Publish', exact: true }).click();
    await until(() => seen.some((p) => p.topic === 'editor/after-bad'), 'the marker publish');
    expect(seen.some((p) => p.topic === 'editor/bad')).toBe(false);
  });

  it('repeats a template with a visible counter until stopped, each message fresh', async () => {
    // The count covers every publish of this page so far: compare what this test adds.
    const sentCount = async (): Promise<number> => Number((await panel().getByRole('status', { name: 'Published count' }).textContent())!.split(' ')[0]);
    // Settled first: an earlier test's publish can be on the watcher's wire before the page
    // hears its answer and counts it. Every publish of this page goes to editor/#, seen here.
    await expect.poll(sentCount, { timeout: 5000 }).toBe(seen.filter((p) => p.topic.startsWith('editor/')).length);
    const sentBefore = await sentCount();
    await panel().getByLabel('Topic', { exact: true }).fill('editor/repeat');
    await setPayload('{"n":{{counter}},"at":{{timestamp}}}');
    await panel().getByLabel('Template').check();
    await panel().getByLabel('Repeat interval (ms)').fill('100');
    await panel().getByRole('button', { name: 'Repeat', exact: true }).click();
    await until(() => seen.filter((p) => p.topic === 'editor/repeat').length >= 5, 'five repeats');
    await panel().getByRole('button', { name: 'Stop repeat' }).click();
    await panel().getByRole('button', { name: 'Repeat', exact: true }).waitFor();
    // The marker: one publish by hand, to another topic, from the same connection: every
    // repeat sent before it is on the wire before it.
    await panel().getByLabel('Topic', { exact: true }).fill('editor/repeat-end');
    await panel().getByRole('button', { name: 'Publish', exact: true }).click();
    await until(() => seen.some((p) => p.topic === 'editor/repeat-end'), 'the marker publish');
    const markerAt = seen.findIndex((p) => p.topic === 'editor/repeat-end');
    const repeats = seen
      .slice(0, markerAt)
      .filter((p) => p.topic === 'editor/repeat')
      .map((p) => JSON.parse(p.payload.toString()) as { n: number; at: number });
    expect(repeats.length).toBeGreaterThanOrEqual(5);
    expect(repeats.map((r) => r.n)).toEqual(repeats.map((_, i) => repeats[0]!.n + i));
    expect(new Set(repeats.map((r) => r.at)).size).toBeGreaterThan(1);
    // Stopped means stopped: the counter and the wire agree exactly (the repeats and the
    // marker), the marker went out once, and no repeat came after it.
    await expect.poll(sentCount, { timeout: 5000 }).toBe(sentBefore + repeats.length + 1);
    expect(seen.filter((p) => p.topic === 'editor/repeat-end')).toHaveLength(1);
    expect(seen.slice(markerAt).filter((p) => p.topic === 'editor/repeat')).toEqual([]);
    await panel().getByLabel('Template').uncheck();
  });

  it('sends MQTT 5 properties', async () => {
    await panel().getByLabel('Topic', { exact: true }).fill('editor/props');
    await setPayload('{"p":1}');
    await panel().getByText('MQTT 5 properties').click();
    await panel().getByLabel('Content type').fill('application/json');
    await panel().getByRole('button', { name: 'Add message user property' }).click();
    await panel().getByLabel('Message user property 1 name').fill('source');
    await panel().getByLabel('Message user property 1 value').fill('desk');
    await panel().getByRole('button', { name: 'Publish', exact: true }).click();
    await until(() => seen.some((p) => p.topic === 'editor/props'), 'publish with properties');
    const packet = seen.find((p) => p.topic === 'editor/props')!;
    expect(packet.properties).toMatchObject({ contentType: 'application/json', userProperties: { source: 'desk' } });
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'publish-editor.png') });
  });

  it('loads Monaco and every asset from the app itself, nothing from elsewhere', () => {
    expect(requests.some((url) => url.includes('json.worker'))).toBe(true);
    expect(requests.filter((url) => !url.startsWith(desk.app.server.origin) && !url.startsWith('data:') && !url.startsWith('blob:'))).toEqual([]);
  });

  it('remembers publishes and restores one from the history', async () => {
    await panel().getByText(/^History/).click();
    await panel().getByRole('list', { name: 'Publish history' }).getByRole('button', { name: 'editor/typed' }).click();
    await expect(panel().getByLabel('Topic', { exact: true }).inputValue()).resolves.toBe('editor/typed');
  });
});
