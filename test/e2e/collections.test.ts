/**
 * Saved publish collections in Chromium against mosquitto: an imported collection with an
 * environment, a publish saved into it with "Save to collection", "Send <name>" with the
 * environment's variables expanded, refusals shown next to the control with nothing sent,
 * a whole collection run in order, and the export. An outside subscriber checks the wire.
 */

import { readFileSync } from 'node:fs';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDesk, replaceEditorText, type Desk } from '../helpers/desk';
import { until } from '../helpers/wait';

const LAB = {
  format: 'mqtt-desk-collections',
  version: 1,
  exportedAt: '2026-01-01T00:00:00.000Z',
  collections: [{ id: 'lab', name: 'Lab', variables: { site: 'default' }, environments: [{ name: 'staging', values: { site: 'north', deviceId: 'dev-7' } }], requests: [] }],
};

describe('collections', () => {
  let desk: Desk;
  let page: Page;
  let watcher: MqttClient;
  const seen: IPublishPacket[] = [];
  /** When each of `seen` arrived (ms). */
  const arrived: number[] = [];

  beforeAll(async () => {
    desk = await openDesk({
      profile: { name: 'Collector', mqttVersion: '5.0' },
      connect: true,
      before: async (mosquitto) => {
        watcher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { protocolVersion: 5 });
        watcher.on('message', (_t, _p, packet) => {
          seen.push(packet);
          arrived.push(performance.now());
        });
        await watcher.subscribeAsync('lab/#', { qos: 1 });
      },
    });
    page = desk.page;
  });
  afterAll(async () => {
    await watcher?.endAsync();
    await desk?.close();
  });

  const panel = () => page.getByRole('region', { name: 'Publish' });
  const lab = () => page.getByRole('region', { name: 'Collections' }).getByRole('group', { name: 'Lab' });
  const labSeen = () => seen.filter((p) => p.topic.startsWith('lab/'));
  const setPayload = (text: string) => replaceEditorText(page, panel(), text);
  async function saveAs(name: string, delayMs: number): Promise<void> {
    await panel().getByRole('button', { name: 'Save to collection' }).click();
    const dialog = page.getByRole('dialog', { name: 'Save to collection' });
    await dialog.getByLabel('Collection', { exact: true }).fill('Lab');
    await dialog.getByLabel('Request name').fill(name);
    await dialog.getByLabel('Delay before it in a run (ms)').fill(String(delayMs));
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await lab().getByRole('button', { name: `Send ${name}`, exact: true }).waitFor();
  }

  it('imports a collection and saves the publish panel into it, MQTT 5 properties and all', async () => {
    const file = (doc: unknown) => ({ name: 'lab.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
    await page.getByLabel('Import collections file').setInputFiles(file({ ...LAB, collections: [{ ...LAB.collections[0], variables: { 'bad name': 'x' } }] }));
    await page.getByRole('region', { name: 'Collections' }).getByRole('alert').filter({ hasText: 'Collection Lab is not valid: variables.bad name' }).waitFor();
    await page.getByLabel('Import collections file').setInputFiles(file(LAB));
    await lab().waitFor();
    await expect(page.getByRole('region', { name: 'Collections' }).getByRole('group').count()).resolves.toBe(1);
    await panel().getByLabel('Topic', { exact: true }).fill('lab/{{site}}/{{deviceId}}/cmd');
    await setPayload('{"on":true,"device":"{{deviceId}}"}');
    await panel().getByText('MQTT 5 properties').click();
    await panel().getByLabel('Content type').fill('application/json');
    await panel().getByRole('button', { name: 'Add message user property' }).click();
    await panel().getByLabel('Message user property 1 name').fill('site');
    await panel().getByLabel('Message user property 1 value').fill('{{site}}');
    await saveAs('Lamp on', 0);
    const listed = await desk.app.backend.dispatch('collections.list', {});
    expect(listed.ok && listed.value).toMatchObject([
      {
        name: 'Lab',
        requests: [{ name: 'Lamp on', topic: 'lab/{{site}}/{{deviceId}}/cmd', qos: 0, retain: false, payload: '{"on":true,"device":"{{deviceId}}"}', payloadFormat: 'json', properties: { contentType: 'application/json', userProperties: [{ key: 'site', value: '{{site}}' }] } }],
      },
    ]);
  });

  it('refuses a variable with no value next to the button, then sends with the environment expanded', async () => {
    // The defaults have no deviceId: nothing may go out.
    await lab().getByRole('button', { name: 'Send Lamp on', exact: true }).click();
    await lab().getByRole('alert').filter({ hasText: 'deviceId' }).waitFor();
    await lab().getByLabel('Environment of Lab').selectOption('staging');
    await lab().getByRole('button', { name: 'Send Lamp on', exact: true }).click();
    await until(() => labSeen().length > 0, 10000, 'the send');
    // Same connection, in order: a refused send that went out anyway would be first.
    const [first] = labSeen();
    expect(first!.topic).toBe('lab/north/dev-7/cmd');
    expect(first!.payload.toString()).toBe('{"on":true,"device":"dev-7"}');
    expect(first!.properties).toMatchObject({ contentType: 'application/json', userProperties: { site: 'north' } });
    await expect(lab().getByRole('alert').count()).resolves.toBe(0);
  });

  it('runs the whole collection in order, each request after its delay', async () => {
    await panel().getByLabel('Topic', { exact: true }).fill('lab/{{site}}/log');
    await panel().getByLabel('Format').selectOption('text');
    await setPayload('second for {{deviceId}}');
    await saveAs('Log', 300);
    await panel().getByLabel('Topic', { exact: true }).fill('lab/{{site}}/{{deviceId}}/cmd');
    await panel().getByLabel('Format').selectOption('hex');
    await setPayload('00ff');
    await saveAs('Lamp off', 200);
    const before = labSeen().length;
    await lab().getByRole('button', { name: 'Run collection' }).click();
    await until(() => labSeen().length >= before + 3, 10000, 'three messages of the run');
    await lab().getByRole('button', { name: 'Run collection' }).waitFor();
    const run = labSeen().slice(before);
    // Delays are lower bounds only (a loaded machine makes them longer, never shorter).
    const at = run.map((p) => arrived[seen.indexOf(p)]!);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(250);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(150);
    expect(run.map((p) => [p.topic, p.payload.toString('hex')])).toEqual([
      ['lab/north/dev-7/cmd', Buffer.from('{"on":true,"device":"dev-7"}').toString('hex')],
      ['lab/north/log', Buffer.from('second for dev-7').toString('hex')],
      ['lab/north/dev-7/cmd', '00ff'],
    ]);
  });

  it('adds an environment in "Variables", refusing a bad variable name next to its box', async () => {
    await lab().getByRole('button', { name: 'Variables', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Variables of Lab' });
    await dialog.getByRole('button', { name: 'Add environment' }).click();
    await dialog.getByLabel('Environment 2 name').fill('south');
    await dialog.getByLabel('Environment 2 values').fill('site=south\ndevice id=dev-9');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.getByRole('alert').filter({ hasText: 'device id' }).waitFor();
    await dialog.getByLabel('Environment 2 values').fill('site=south\ndeviceId=dev-9');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await lab().getByLabel('Environment of Lab').selectOption('south');
    const before = labSeen().length;
    await lab().getByRole('button', { name: 'Send Lamp on', exact: true }).click();
    await until(() => labSeen().length > before, 10000, 'the send');
    expect(labSeen()[before]!.topic).toBe('lab/south/dev-9/cmd');
  });

  it('says "not connected" next to the button and sends nothing; exports the collection', async () => {
    await page.getByRole('button', { name: 'Disconnect', exact: true }).click();
    await page.getByRole('button', { name: 'Connect', exact: true }).waitFor();
    await lab().getByRole('button', { name: 'Send Log', exact: true }).click();
    await lab().getByRole('alert').filter({ hasText: 'Not connected' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export collections' }).click()]);
    const exported = JSON.parse(readFileSync((await download.path())!, 'utf8')) as { format: string; collections: Array<{ requests: Array<{ name: string; delayMs: number }> }> };
    expect(exported.format).toBe('mqtt-desk-collections');
    expect(exported.collections[0]!.requests.map((r) => [r.name, r.delayMs])).toEqual([
      ['Lamp on', 0],
      ['Log', 300],
      ['Lamp off', 200],
    ]);
  });
});
