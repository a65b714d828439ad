/**
 * The inspector read like Wireshark, in Chromium against a real mosquitto: rows that say
 * what each packet is (Info column and details), bytes copied as hex, text, a C and a JS array
 * through the real clipboard, a dragged byte range, two PUBLISHes compared field by field,
 * and the Flows tab with its QoS flows, keepalive and counters, and "Show in Packets".
 */

import path from 'node:path';
import { connectAsync } from 'mqtt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

describe('reading packets', () => {
  let desk: Desk;
  let page: Page;

  beforeAll(async () => {
    desk = await openDesk({ profile: { name: 'Reader', mqttVersion: '3.1.1', clientId: 'reader-e2e', keepalive: 45 }, connect: true });
    page = desk.page;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: desk.app.server.url });
    const subs = page.getByRole('region', { name: 'Subscriptions' });
    await subs.getByLabel('QoS').selectOption('1');
    await subscribeInPage(page, 'read/#');
    const publish = page.getByRole('region', { name: 'Publish' });
    await publish.getByLabel('Topic', { exact: true }).fill('read/a');
    await publish.getByLabel('QoS').selectOption('1');
    const received = page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ has: page.getByLabel('received') });
    for (const [i, payload] of ['21.5', '21.7'].entries()) {
      // Replace the editor's text as a user would: select all, then type over it.
      await publish.locator('.payload-editor .view-lines').click();
      await page.keyboard.press('Control+A');
      await page.keyboard.press('Delete');
      await page.keyboard.insertText(payload);
      await publish.getByRole('button', { name: 'Publish', exact: true }).click();
      await received.nth(i).waitFor();
    }
  });
  afterAll(() => desk?.close());

  it('says in every row what the packet is, as Wireshark does, and more', async () => {
    await page.getByRole('tab', { name: 'Packets' }).click();
    const timeline = page.getByRole('listbox', { name: 'Packets' });
    const row = (text: string) => timeline.getByRole('option').filter({ hasText: text });
    await expect.poll(() => row('Publish Ack').count()).toBe(4);
    await expect(row('Connect Command').textContent()).resolves.toMatch(/client ID "reader-e2e", MQTT 3\.1\.1, keepalive 45 s, clean session/);
    await expect(row('Connect Ack').textContent()).resolves.toMatch(/Connection Accepted/);
    await expect(row('Subscribe Request').textContent()).resolves.toMatch(/Subscribe Request \(id=\d+\) \[read\/#\].*read\/# QoS 1/);
    await expect(row('Subscribe Ack').textContent()).resolves.toMatch(/Granted QoS 1/);
    const sent = row('Publish Message').filter({ has: page.getByLabel('sent') });
    await expect(sent.first().textContent()).resolves.toMatch(/Publish Message \(id=\d+\) \[read\/a\].*QoS 1, 4 B: 21\.5/);
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'packet-rows.png') });
  });

  it('shows bytes as hex and ASCII, and copies a field or a dragged range through the clipboard', async () => {
    const timeline = page.getByRole('listbox', { name: 'Packets' });
    await timeline.getByRole('option').filter({ hasText: 'Publish Message' }).filter({ has: page.getByLabel('sent') }).first().click();
    await page.getByRole('tree', { name: 'Packet fields' }).getByRole('button', { name: /^Topic name: read\/a/ }).click();
    await expect(page.getByLabel('Byte selection').textContent()).resolves.toBe('Bytes 2–9 · Topic name');
    const copy = page.getByRole('group', { name: 'Copy bytes' });
    await copy.getByRole('button', { name: 'Copy as C array' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('unsigned char packet[8] = {\n  0x00, 0x06, 0x72, 0x65, 0x61, 0x64, 0x2f, 0x61\n};');
    await copy.getByRole('button', { name: 'Copy as JS array' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('new Uint8Array([\n  0x00, 0x06, 0x72, 0x65, 0x61, 0x64, 0x2f, 0x61\n])');
    await copy.getByRole('button', { name: 'Copy as text' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('\u0000\u0006read/a');

    // Drag over the ASCII cells of "read": bytes 4 to 7, highlighted in both halves.
    const dump = page.getByRole('grid', { name: 'Hex dump' });
    const from = await dump.getByRole('gridcell', { name: 'ASCII 4' }).boundingBox();
    const to = await dump.getByRole('gridcell', { name: 'ASCII 7' }).boundingBox();
    await page.mouse.move(from!.x + 2, from!.y + 4);
    await page.mouse.down();
    await page.mouse.move(to!.x + 2, to!.y + 4, { steps: 4 });
    await page.mouse.up();
    await expect(page.getByLabel('Byte selection').textContent()).resolves.toBe('Bytes 4–7 · 4 selected');
    expect(await dump.locator('.hex-byte[aria-selected="true"]').allTextContents()).toEqual(['72', '65', '61', '64']);
    await copy.getByRole('button', { name: 'Copy as hex' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe('72 65 61 64');
  });

  it('compares two PUBLISHes field by field', async () => {
    const sent = page.getByRole('listbox', { name: 'Packets' }).getByRole('option').filter({ hasText: 'Publish Message' }).filter({ has: page.getByLabel('sent') });
    await sent.first().click();
    await page.getByRole('button', { name: 'Pin for comparison' }).click();
    await sent.nth(1).click();
    const comparison = page.getByRole('region', { name: 'Packet comparison' });
    await expect(comparison.getByRole('heading').textContent()).resolves.toMatch(/compared with .* 2 fields differ/);
    const rows = comparison.getByRole('table', { name: 'Fields compared' }).locator('tbody tr');
    const texts = (await rows.allTextContents()).map((t) => t.replace(/\s+/g, ' '));
    expect(texts).toEqual([expect.stringMatching(/^Packet identifier\d+\d+$/), 'Payload21.521.7']);
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'packet-compare.png') });
    await comparison.getByRole('button', { name: /^Unpin/ }).click();
    await expect(comparison.count()).resolves.toBe(0);
  });

  it('lists flows in the Flows tab with each step timed, keepalive and counters, and shows a flow packet in Packets', async () => {
    await page.getByRole('tab', { name: 'Flows' }).click();
    const list = page.getByRole('list', { name: 'Flow list' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(5);
    const texts = await list.getByRole('listitem').allTextContents();
    expect(texts.filter((t) => /^QoS 1↑id \d+PUBLISH → [\d.]+ (ms|s) → PUBACKcomplete/.test(t))).toHaveLength(2);
    expect(texts.filter((t) => /^QoS 1↓id \d+PUBLISH → [\d.]+ (ms|s) → PUBACKcomplete/.test(t))).toHaveLength(2);
    expect(texts.filter((t) => /^SUBSCRIBE↑id \d+SUBSCRIBE → [\d.]+ (ms|s) → SUBACKcomplete/.test(t))).toHaveLength(1);
    await page.getByLabel('Flow state').selectOption('open');
    await expect.poll(() => list.getByRole('listitem').count()).toBe(0);
    await page.getByLabel('Flow state').selectOption('all');

    const keepalive = page.getByRole('table', { name: 'Keepalive per session' });
    await expect(keepalive.locator('tbody tr').first().textContent()).resolves.toMatch(/CONNECT #1.*45 s/);
    const byType = page.getByRole('table', { name: 'Packets by type' });
    await expect(byType.getByRole('row', { name: /^PUBLISH client → broker 2 / }).count()).resolves.toBe(1);
    await expect(byType.getByRole('row', { name: /^PUBACK broker → client 2 / }).count()).resolves.toBe(1);
    const rtts = page.getByRole('table', { name: 'Round-trip times' });
    await expect(rtts.getByRole('row', { name: /^PUBLISH → PUBACK client → broker 2 / }).count()).resolves.toBe(1);
    await expect(page.getByRole('table', { name: 'Reason codes' }).getByRole('row', { name: /SUBACK broker → client 0x01 Granted QoS 1 1/ }).count()).resolves.toBe(1);
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'flows.png'), fullPage: true });

    // From a flow to its PUBLISH in the Packets tab.
    const first = list.getByRole('listitem').filter({ hasText: 'QoS 1↑' }).first();
    const target = await first.getByRole('button', { name: /^Show packet #\d+ in Packets$/ }).getAttribute('aria-label');
    await first.getByRole('button', { name: /^Show packet/ }).click();
    await expect(page.getByRole('tab', { name: 'Packets' }).getAttribute('aria-selected')).resolves.toBe('true');
    const seq = /#(\d+)/.exec(target!)![1];
    await expect.poll(() => page.getByRole('listbox', { name: 'Packets' }).getAttribute('aria-activedescendant')).toMatch(new RegExp(`-${seq}$`));
  });

  it('brings a flow packet far down the list into view from the Flows tab', async () => {
    // Enough packets that the list draws only some of them (a screenful and the overscan).
    const publisher = await connectAsync(`mqtt://127.0.0.1:${desk.mosquitto.port}`, { clientId: 'reader-e2e-flood' });
    await Promise.all(Array.from({ length: 300 }, (_, i) => publisher.publishAsync('read/many', String(i), { qos: 1 })));
    await publisher.endAsync();
    await page.getByRole('tab', { name: 'Flows' }).click();
    const flows = page.getByRole('list', { name: 'Flow list' });
    await expect.poll(() => page.getByLabel('Flow count').textContent()).toMatch(/^305 flows/);
    await flows.evaluate((el) => (el.scrollTop = el.scrollHeight));
    // The newest flows are drawn once the list has taken the scroll.
    const show = flows.getByRole('listitem').filter({ hasText: 'QoS 1↓' }).last().getByRole('button', { name: /^Show packet/ });
    const seqOf = async () => Number(/#(\d+)/.exec((await show.getAttribute('aria-label')) ?? '')?.[1] ?? 0);
    await expect.poll(seqOf).toBeGreaterThan(500);
    const seq = await seqOf();
    await show.click();
    // The Packets tab opens at the top of its list; the packet is brought into view and selected.
    const timeline = page.getByRole('listbox', { name: 'Packets' });
    const row = timeline.locator(`[id$="-${seq}"][aria-selected="true"]`);
    await expect.poll(() => row.count()).toBe(1);
    const [list, box] = await Promise.all([timeline.boundingBox(), row.boundingBox()]);
    expect(box!.y).toBeGreaterThanOrEqual(list!.y);
    expect(box!.y + box!.height).toBeLessThanOrEqual(list!.y + list!.height);
  });
});
