/**
 * Following a packet from the timeline to its highlighted bytes, in Chromium, against a
 * real mosquitto: the CONNECT and the PUBLISH of a session, decoded fields beside the hex
 * dump, field → bytes and byte → field, filters, keyboard movement, the pcapng download, and
 * the capture fetched again after a page reload.
 */

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, subscribeInPage, type Desk } from '../helpers/desk';

describe('packet inspector', () => {
  let desk: Desk;
  let page: Page;

  beforeAll(async () => {
    desk = await openDesk({ profile: { name: 'Inspect me', mqttVersion: '5.0', clientId: 'inspector-e2e' } });
    page = desk.page;
  });
  afterAll(() => desk?.close());

  it('shows every packet and follows one from the timeline to its highlighted bytes', async () => {
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
    await subscribeInPage(page, 'demo/#');
    const publish = page.getByRole('region', { name: 'Publish' });
    await publish.getByLabel('Topic', { exact: true }).fill('demo/room1');
    await publish.getByLabel('Payload', { exact: true }).fill('{"t":21.5}');
    await publish.getByRole('button', { name: 'Publish', exact: true }).click();
    await page.getByRole('list', { name: 'Messages' }).getByRole('listitem').filter({ has: page.getByLabel('received') }).waitFor();

    await page.getByRole('tab', { name: 'Packets' }).click();
    const timeline = page.getByRole('listbox', { name: 'Packets' });
    await timeline.getByRole('option').filter({ hasText: 'CONNACK' }).waitFor();
    const rows = await timeline.getByRole('option').allTextContents();
    expect(rows.map((r) => /(CONNECT|CONNACK|SUBSCRIBE|SUBACK|PUBLISH)/.exec(r)?.[1])).toEqual(['CONNECT', 'CONNACK', 'SUBSCRIBE', 'SUBACK', 'PUBLISH', 'PUBLISH']);

    // Follow the outgoing PUBLISH: its topic field lights up exactly its bytes.
    await timeline.getByRole('option').filter({ hasText: 'PUBLISH' }).filter({ has: page.getByLabel('sent') }).click();
    const tree = page.getByRole('tree', { name: 'Packet fields' });
    await tree.getByRole('button', { name: /Topic name: demo\/room1/ }).click();
    const dump = page.getByRole('grid', { name: 'Hex dump' });
    const bytes = await dump.locator('.hex-byte[aria-selected="true"]').allTextContents();
    // 2-byte length (00 0a) then "demo/room1", lit in the hex and the ASCII halves alike.
    expect(bytes).toEqual(['00', '0a', ...Buffer.from('demo/room1').toString('hex').match(/../g)!]);
    expect((await dump.locator('.ascii-byte[aria-selected="true"]').allTextContents()).join('')).toBe('..demo/room1');
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'packet-inspector.png') });

    // And back: clicking a payload byte selects the payload field.
    const lastByte = page.getByRole('grid', { name: 'Hex dump' }).getByRole('gridcell').last();
    await lastByte.click();
    await expect(tree.locator('[aria-selected="true"] > button').first().textContent()).resolves.toMatch(/Payload/);
    await expect(lastByte.getAttribute('aria-selected')).resolves.toBe('true');
  });

  it('filters by type and direction', async () => {
    await page.getByLabel('Packet type').selectOption('PUBLISH');
    await page.getByLabel('Direction').selectOption('in');
    const rows = await page.getByRole('listbox', { name: 'Packets' }).getByRole('option').allTextContents();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/PUBLISH/);
    await page.getByLabel('Packet type').selectOption('all');
    await page.getByLabel('Direction').selectOption('all');
  });

  it('moves through the timeline with the keyboard', async () => {
    const timeline = page.getByRole('listbox', { name: 'Packets' });
    const selectedType = async () => /(CONNECT|CONNACK|SUBSCRIBE|SUBACK|PUBLISH)/.exec((await timeline.locator('[aria-selected="true"]').textContent()) ?? '')?.[1];
    await timeline.focus();
    await page.keyboard.press('Home');
    await expect.poll(selectedType).toBe('CONNECT');
    await page.keyboard.press('ArrowDown');
    await expect.poll(selectedType).toBe('CONNACK');
    await page.keyboard.press('End');
    await expect.poll(selectedType).toBe('PUBLISH');
    await page.keyboard.press('ArrowUp');
    await expect.poll(selectedType).toBe('PUBLISH');
    await page.keyboard.press('ArrowUp');
    await expect.poll(selectedType).toBe('SUBACK');
    // The list points assistive technology at the selected row.
    const active = await timeline.getAttribute('aria-activedescendant');
    await expect(timeline.locator('[aria-selected="true"]').getAttribute('id')).resolves.toBe(active);
  });

  it('downloads the capture as pcapng that tshark reads as MQTT', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export pcapng' }).click()]);
    const file = path.join(desk.app.configDir, 'capture.pcapng');
    await download.saveAs(file);
    const types = execFileSync('tshark', ['-r', file, '-Y', 'mqtt', '-T', 'fields', '-e', 'mqtt.msgtype'], { encoding: 'utf8', timeout: 30_000 });
    expect(types.trim().split(/\s+/).flatMap((t) => t.split(','))).toEqual(expect.arrayContaining(['1', '2', '8', '9', '3']));
  });

  it('shows the packets captured before the page was reloaded', async () => {
    const before = await page.getByLabel('Packet count').textContent();
    expect(before).toMatch(/^(\d+) of \1 packets$/);
    await page.reload();
    await page.getByRole('button', { name: /Inspect me/ }).click();
    await page.getByRole('tab', { name: 'Packets' }).click();
    // Fetched from the backend page by page; the connection is still up, so PINGs may add to it.
    const count = Number(/^(\d+)/.exec(before!)![1]);
    await expect.poll(async () => Number(/^(\d+) of/.exec((await page.getByLabel('Packet count').textContent()) ?? '')?.[1] ?? 0)).toBeGreaterThanOrEqual(count);
    const first = await page.getByRole('listbox', { name: 'Packets' }).getByRole('option').first().textContent();
    expect(first).toMatch(/CONNECT/);
  });
});
