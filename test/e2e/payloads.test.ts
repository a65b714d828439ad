/**
 * Binary payloads as devices speak them, in Chromium against mosquitto: Sparkplug B written
 * by Eclipse Tahu's encoder shown as `name = value` (list, detail, topic tree and its chart)
 * and in the Sparkplug tab, a protobuf schema added through the Schemas dialog, a payload
 * that does not decode, a Sparkplug NCMD published from the editor that Tahu decodes on
 * an outside subscriber, and Sparkplug and schema publishes saved to a collection and sent
 * from it.
 */

import path from 'node:path';
import { connectAsync, type IPublishPacket, type MqttClient } from 'mqtt';
import type { Page } from 'playwright-core';
import protobuf from 'protobufjs';
import { decodePayload, encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, replaceEditorText, subscribeInPage, type Desk } from '../helpers/desk';

const READING = 'syntax = "proto3";\npackage sensors;\nmessage Reading {\n  string sensor = 1;\n  double value = 2;\n}\n';

describe('payloads as devices speak them', () => {
  let desk: Desk;
  let page: Page;
  let device: MqttClient;
  const seen: IPublishPacket[] = [];

  beforeAll(async () => {
    desk = await openDesk({ connect: true, profile: { name: 'Plant' } });
    page = desk.page;
    device = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'edge-node' });
    device.on('message', (_t, _p, packet) => seen.push(packet));
    await device.subscribeAsync('spBv1.0/Plant/NCMD/#', { qos: 1 });
    await subscribeInPage(page, 'spBv1.0/#');
    await subscribeInPage(page, 'pb/#');
  });
  afterAll(async () => {
    await device?.endAsync();
    await desk?.close();
  });

  const log = () => page.getByRole('region', { name: 'Message log' });
  const detail = () => page.getByRole('region', { name: 'Message detail' });
  const tab = (name: string) => page.getByRole('tab', { name, exact: true }).click();
  const row = (topic: string) => log().locator(`[role="listitem"][data-topic="${topic}"]`);

  it('shows Sparkplug B metrics as name = value, aliases resolved from the birth certificate', async () => {
    await device.publishAsync('spBv1.0/Plant/NBIRTH/Edge1', Buffer.from(encodePayload({ timestamp: 1, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }, { name: 'Temperature', alias: 1, type: 'Double', value: 20 }] })), { qos: 1 });
    await device.publishAsync('spBv1.0/Plant/NDATA/Edge1', Buffer.from(encodePayload({ timestamp: 2, seq: 1, metrics: [{ alias: 1, type: 'Double', value: 21.5 } as never] })), { qos: 1 });
    await device.publishAsync('spBv1.0/Plant/DBIRTH/Edge1/Pump', Buffer.from(encodePayload({ timestamp: 3, seq: 3, metrics: [{ name: 'Speed', alias: 2, type: 'Int32', value: 1450 }] })), { qos: 1 });
    await tab('Messages');
    await row('spBv1.0/Plant/NDATA/Edge1').click();
    await detail().getByRole('heading', { name: 'Decoded as Sparkplug B NDATA' }).waitFor();
    await detail().getByText('Temperature = 21.5', { exact: true }).waitFor();
    // The raw bytes are one click away.
    await expect(detail().getByLabel('Payload', { exact: true }).count()).resolves.toBe(0);
    await detail().getByRole('button', { name: 'Raw bytes' }).click();
    await expect(detail().getByLabel('Payload', { exact: true }).textContent()).resolves.toMatch(/^08 02 12/);
    // The gap from seq 1 to 3 is flagged on the device birth.
    await row('spBv1.0/Plant/DBIRTH/Edge1/Pump').click();
    await detail().getByText('seq gap: expected 2, got 3').waitFor();
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'sparkplug-detail.png') });
    // The topic tree's row shows the decoded value, and the topic's chart charts the metric by name.
    await tab('Topics');
    await page.getByLabel('Filter topics').fill('spBv1.0/Plant/NDATA/+');
    const edge = page.getByRole('tree', { name: 'Topic tree' }).getByRole('treeitem').filter({ hasText: 'Edge1' });
    await expect(edge.locator('.topic-value').textContent()).resolves.toBe('Temperature = 21.5');
    await edge.getByRole('button', { name: 'Edge1', exact: true }).click();
    await page.getByRole('region', { name: 'Topic detail' }).getByRole('img', { name: 'Chart of Temperature on spBv1.0/Plant/NDATA/Edge1' }).waitFor();
    await page.getByLabel('Filter topics').fill('');
  });

  it('the Sparkplug tab: groups, edge nodes, devices, last values, online and offline', async () => {
    await tab('Sparkplug');
    const view = page.getByRole('region', { name: 'Sparkplug' });
    const node = view.getByRole('treeitem', { name: 'Edge node Edge1' });
    await node.getByRole('table', { name: 'Metrics of Edge1' }).getByRole('row', { name: /Temperature 21\.5 Double/ }).waitFor();
    await node.getByRole('table', { name: 'Metrics of Pump' }).getByRole('row', { name: /Speed 1450 Int32/ }).waitFor();
    await expect(view.getByRole('treeitem', { name: 'Device Pump' }).getByText('online', { exact: true }).count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'sparkplug-view.png') });
    await device.publishAsync('spBv1.0/Plant/NDEATH/Edge1', Buffer.from(encodePayload({ timestamp: 4, metrics: [{ name: 'bdSeq', type: 'UInt64', value: 0 }] })), { qos: 1 });
    await view.getByRole('treeitem', { name: 'Device Pump' }).getByText('offline', { exact: true }).waitFor();
    await expect(node.locator('> .topic-line').getByText('offline', { exact: true }).count()).resolves.toBe(1);
  });

  it('adds a protobuf schema in the Schemas dialog, refusing a .proto that does not parse with file:line', async () => {
    await page.getByRole('button', { name: 'Schemas', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Schemas' });
    await dialog.getByRole('button', { name: 'Add schema' }).click();
    await dialog.getByLabel('Schema file').setInputFiles({ name: 'reading.proto', mimeType: 'text/plain', buffer: Buffer.from(READING.replace('double value = 2;', 'double value = 2')) });
    await dialog.getByRole('textbox', { name: 'Topic filter' }).fill('pb/#');
    await dialog.getByRole('textbox', { name: 'Message type' }).fill('sensors.Reading');
    await dialog.getByRole('button', { name: 'Save schema' }).click();
    await dialog.getByRole('alert').filter({ hasText: "reading.proto:6:1: illegal token '}', ';' expected" }).waitFor();
    await dialog.getByLabel('Schema file').setInputFiles({ name: 'reading.proto', mimeType: 'text/plain', buffer: Buffer.from(READING) });
    await dialog.getByRole('button', { name: 'Save schema' }).click();
    await dialog.getByRole('table', { name: 'Schemas of this connection' }).getByRole('row', { name: /pb\/# protobuf sensors\.Reading/ }).waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();

    const Reading = protobuf.parse(READING).root.lookupType('sensors.Reading');
    await device.publishAsync('pb/lab', Buffer.from(Reading.encode({ sensor: 't1', value: 3.5 }).finish()), { qos: 1 });
    await device.publishAsync('pb/broken', Buffer.from([0x0f, 0x01]), { qos: 1 });
    await tab('Messages');
    await row('pb/lab').getByText('{"sensor":"t1","value":3.5}').waitFor();
    await row('pb/lab').click();
    await detail().getByRole('heading', { name: 'Decoded as sensors.Reading' }).waitFor();
    // A payload that does not decode: the decoder's error with the byte offset, and the raw bytes.
    await row('pb/broken').click();
    // 0f at 0 is a tag with wire type 7.
    await detail().getByRole('alert').filter({ hasText: 'Not a Reading: invalid wire type 7 in the tag (at byte 0)' }).waitFor();
    await expect(detail().getByLabel('Payload', { exact: true }).textContent()).resolves.toBe('0f 01');
    await expect(detail().getByLabel('Byte 0, where decoding stopped').textContent()).resolves.toBe('0f');
  });

  it('publishes a Sparkplug B NCMD from the JSON form of metrics, which Tahu decodes', async () => {
    const panel = page.getByRole('region', { name: 'Publish' });
    await panel.getByLabel('Topic', { exact: true }).fill('spBv1.0/Plant/NCMD/Edge1');
    await panel.getByLabel('Format').selectOption('sparkplug');
    await panel.getByRole('button', { name: 'Publish', exact: true }).click();
    for (let i = 0; i < 250 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(decodePayload(seen[0]!.payload as Buffer).metrics).toMatchObject([{ name: 'Node Control/Rebirth', type: 'Boolean', value: true }]);
    // A topic outside the Sparkplug namespace is refused next to the payload.
    await panel.getByLabel('Topic', { exact: true }).fill('plain/topic');
    await panel.getByRole('button', { name: 'Publish', exact: true }).click();
    await panel.getByRole('alert').filter({ hasText: 'Sparkplug B payloads go to spBv1.0/' }).waitFor();
  });

  it('saves a Sparkplug B and a schema publish to a collection and sends them from it, encoded by the connection', async () => {
    const panel = page.getByRole('region', { name: 'Publish' });
    const plant = () => page.getByRole('region', { name: 'Collections' }).getByRole('group', { name: 'Plant commands' });
    const saveAs = async (name: string) => {
      await panel.getByRole('button', { name: 'Save to collection' }).click();
      const dialog = page.getByRole('dialog', { name: 'Save to collection' });
      await dialog.getByLabel('Collection', { exact: true }).fill('Plant commands');
      await dialog.getByLabel('Request name').fill(name);
      await dialog.getByRole('button', { name: 'Save', exact: true }).click();
      await dialog.waitFor({ state: 'detached' });
      await plant().getByRole('button', { name: `Send ${name}`, exact: true }).waitFor();
    };
    await device.subscribeAsync('pb/#', { qos: 1 });
    await panel.getByLabel('Topic', { exact: true }).fill('spBv1.0/Plant/NCMD/Edge1');
    await panel.getByLabel('Format').selectOption('sparkplug');
    await replaceEditorText(page, panel, '{"metrics": [{"name": "Speed", "type": "Int32", "value": {{counter}}}]}');
    await saveAs('Set speed');
    await panel.getByLabel('Topic', { exact: true }).fill('pb/cmd');
    await panel.getByLabel('Format').selectOption('schema');
    await replaceEditorText(page, panel, '{"sensor": "from the collection", "value": 2.5}');
    await saveAs('Reading');
    const listed = await desk.app.backend.dispatch('collections.list', {});
    expect(listed.ok && listed.value).toMatchObject([{ name: 'Plant commands', requests: [{ name: 'Set speed', payloadFormat: 'sparkplug' }, { name: 'Reading', payloadFormat: 'schema' }] }]);

    const before = seen.length;
    await plant().getByRole('button', { name: 'Send Set speed', exact: true }).click();
    await plant().getByRole('button', { name: 'Send Reading', exact: true }).click();
    for (let i = 0; i < 500 && seen.length < before + 2; i++) await new Promise((r) => setTimeout(r, 20));
    const [ncmd, reading] = seen.slice(before);
    expect(ncmd!.topic).toBe('spBv1.0/Plant/NCMD/Edge1');
    // {{counter}} is the request's place in the collection.
    expect(decodePayload(ncmd!.payload as Buffer).metrics).toMatchObject([{ name: 'Speed', type: 'Int32', value: 1 }]);
    expect(reading!.topic).toBe('pb/cmd');
    expect(protobuf.parse(READING).root.lookupType('sensors.Reading').decode(reading!.payload as Buffer).toJSON()).toEqual({ sensor: 'from the collection', value: 2.5 });
  });
});
