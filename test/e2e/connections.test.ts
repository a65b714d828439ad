/**
 * Managing connections in Chromium: groups in the sidebar, duplicating a profile, the
 * unsaved-changes guard, and the reconnect countdown when a real mosquitto restarts.
 */

import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callerFor } from '../helpers/backend-call';
import { ARTIFACT_DIR } from '../helpers/browser';
import { openDesk, type Desk } from '../helpers/desk';

describe('connections', () => {
  let desk: Desk;
  let page: Page;

  beforeAll(async () => {
    desk = await openDesk({ profile: { name: 'Plant A', group: 'Lab', autoReconnect: true, reconnectPeriod: 3000 } });
    for (const profile of [
      { name: 'Plant B', group: 'Lab' },
      { name: 'Cloud', group: '' },
    ]) {
      await desk.app.backend.dispatch('profiles.save', { profile: { protocol: 'mqtt', host: '127.0.0.1', port: desk.mosquitto.port, ...profile } });
    }
    page = desk.page;
    await page.reload();
  });
  afterAll(() => desk?.close());

  const sidebar = () => page.getByRole('navigation', { name: 'Connections' });

  it('groups connections under their group name', async () => {
    await sidebar().getByRole('list', { name: 'Connections in Lab' }).getByRole('button', { name: /Plant B/ }).waitFor();
    expect(await sidebar().getByRole('list', { name: 'Connections in Lab' }).getByRole('listitem').count()).toBe(2);
    await expect(sidebar().getByRole('list', { name: 'Saved connections' }).textContent()).resolves.toContain('Cloud');
  });

  it('duplicates a connection into a new one', async () => {
    await sidebar().getByRole('button', { name: /Cloud/ }).click();
    await page.getByRole('button', { name: 'Duplicate' }).click();
    const form = page.getByRole('form', { name: 'Connection profile' });
    await expect(form.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Cloud (copy)');
    await form.getByRole('button', { name: 'Save' }).click();
    await sidebar().getByRole('button', { name: /Cloud \(copy\)/ }).waitFor();
    const listed = await callerFor(desk.app.backend)('profiles.list');
    expect(listed.map((p) => p.name).sort()).toEqual(['Cloud', 'Cloud (copy)', 'Plant A', 'Plant B']);
  });

  it('asks before discarding unsaved edits', async () => {
    await sidebar().getByRole('button', { name: /Plant B/ }).click();
    await page.getByRole('button', { name: 'Edit' }).click();
    const form = page.getByRole('form', { name: 'Connection profile' });
    await form.getByLabel('Name', { exact: true }).fill('Plant B renamed');
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await sidebar().getByRole('button', { name: /Cloud \(copy\)/ }).click();
    expect(dialogs).toEqual(['Discard the unsaved changes to this connection?']);
    await expect(form.getByLabel('Name', { exact: true }).inputValue()).resolves.toBe('Plant B renamed');
    page.once('dialog', (dialog) => void dialog.accept());
    await sidebar().getByRole('button', { name: /Cloud \(copy\)/ }).click();
    await expect(form.count()).resolves.toBe(0);
  });

  it('counts down to the next reconnect attempt when the broker goes away, then reconnects', async () => {
    await sidebar().getByRole('button', { name: /Plant A/ }).click();
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    const status = page.getByRole('status', { name: 'Connection status' });
    await status.filter({ hasText: 'connected' }).waitFor();
    await desk.mosquitto.restart();
    await status.filter({ hasText: /reconnecting in [1-3] s/ }).waitFor();
    await page.screenshot({ path: path.join(ARTIFACT_DIR, 'reconnect-countdown.png') });
    await status.filter({ hasText: /^connected$/ }).waitFor({ timeout: 15_000 });
  });
});
