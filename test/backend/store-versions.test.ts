/**
 * Every store the app writes, loaded from files written by each earlier version (the
 * shapes in git history: the first profiles.json with passwords in it, the one with every
 * connection option, the one after secrets moved out, window-state.json before settings):
 * migrated to the current version with a byte-identical backup, no field lost; a file from
 * a newer version refused with a clear message and never overwritten.
 */

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROFILES_FORMAT, ProfileStore } from '../../backend/profile-store';
import { SettingsStore } from '../../backend/settings-store';
import { DeskError } from '../../shared/errors';

const FIXTURES = path.resolve('test/fixtures/stores');
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-versions-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function place(fixture: string, as: string): string {
  const file = path.join(dir, as);
  copyFileSync(path.join(FIXTURES, fixture), file);
  return file;
}
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('profiles.json and secrets.json from earlier versions', () => {
  it.each([
    ['the first one (passwords in profiles.json, no TLS, will or MQTT 5 sections)', 'profiles-v1-first.json', { name: 'Local', username: 'alice', password: 'kept-in-the-file', tls: { ca: '' }, will: { enabled: false } }],
    ['the one with every connection option (passwords still in the file)', 'profiles-v1-options.json', { name: 'Plant TLS', group: 'Plant', password: 'pw-in-file', mqttVersion: '5.0', will: { topic: 'plant/desk/status', userProperties: [{ key: 'site', value: 'north' }] }, mqtt5: { sessionExpiryInterval: 3600 } }],
  ])('%s: migrated, secrets moved out, the original kept byte for byte', async (_name, fixture, expected) => {
    const file = place(fixture, 'profiles.json');
    const original = readFileSync(file);
    const [profile] = await new ProfileStore(dir).list();
    expect(profile).toMatchObject(expected);
    const migrated = read(file);
    expect(migrated.version).toBe(PROFILES_FORMAT.current);
    expect(JSON.stringify(migrated)).not.toContain(expected.password);
    expect(read(path.join(dir, 'secrets.json')).secrets[profile!.id]).toMatchObject({ password: expected.password });
    expect(readFileSync(path.join(dir, 'profiles.v1.backup.json'))).toEqual(original);
    // Read again: the same profile, no second migration.
    expect(await new ProfileStore(dir).list()).toEqual([profile]);
    expect(readdirSync(dir).filter((f) => f.includes('backup'))).toEqual(['profiles.v1.backup.json']);
  });

  it('the one after secrets moved out, with its secrets.json: migrated, the password found', async () => {
    place('profiles-v1-secrets.json', 'profiles.json');
    place('secrets-v1.json', 'secrets.json');
    const [profile] = await new ProfileStore(dir).list();
    expect(profile).toMatchObject({ name: 'Cloud', protocol: 'wss', password: 'from-the-secrets-file' });
    expect(read(path.join(dir, 'profiles.json')).version).toBe(2);
    expect(read(path.join(dir, 'secrets.json')).version).toBe(1);
  });

  it('keeps fields it does not know, in the file and in every profile, through saves', async () => {
    const file = path.join(dir, 'profiles.json');
    const base = read(path.join(FIXTURES, 'profiles-v1-secrets.json')).profiles[0];
    writeFileSync(file, JSON.stringify({ version: 2, workspace: { layout: 'wide' }, profiles: [{ ...base, color: '#f80', tls: { ...base.tls, ocsp: true } }] }));
    const store = new ProfileStore(dir);
    const [profile] = await store.list();
    await store.save({ ...profile, name: 'Cloud (renamed)' });
    await store.save({ name: 'Second', protocol: 'mqtt', host: 'h', port: 1 });
    const saved = read(file);
    expect(saved.workspace).toEqual({ layout: 'wide' });
    expect(saved.profiles[0]).toMatchObject({ name: 'Cloud (renamed)', color: '#f80', tls: { ocsp: true, rejectUnauthorized: true } });
    expect(saved.profiles[1].color).toBeUndefined();
  });

  it('refuses a profiles.json from a newer version, names the versions, and never writes over it', async () => {
    const file = path.join(dir, 'profiles.json');
    const newer = JSON.stringify({ version: 3, profiles: [], comesFrom: 'the future' });
    writeFileSync(file, newer);
    const store = new ProfileStore(dir);
    const error = (await store.list().catch((e: unknown) => e)) as DeskError;
    expect(error.code).toBe('STORE_TOO_NEW');
    expect(error.message).toBe(`${file}: it was written by a newer MQTT Desk (profiles file version 3; this version reads up to 2). It was left unchanged: update MQTT Desk to use it`);
    await expect(store.save({ name: 'X', protocol: 'mqtt', host: 'h', port: 1 })).rejects.toMatchObject({ code: 'STORE_TOO_NEW' });
    expect(readFileSync(file, 'utf8')).toBe(newer);
    expect(readdirSync(dir)).toEqual(['profiles.json']);
  });

  it('refuses a secrets.json from a newer version without touching either file', async () => {
    place('profiles-v1-secrets.json', 'profiles.json');
    const secrets = JSON.stringify({ version: 2, secrets: {}, vault: 'keychain' });
    writeFileSync(path.join(dir, 'secrets.json'), secrets);
    await expect(new ProfileStore(dir).list()).rejects.toMatchObject({ code: 'STORE_TOO_NEW', message: expect.stringContaining('secrets file version 2') });
    expect(readFileSync(path.join(dir, 'secrets.json'), 'utf8')).toBe(secrets);
  });
});

describe('settings.json', () => {
  it('takes over window-state.json (from before versions) and keeps it as a backup', async () => {
    const legacy = place('window-state-v0.json', 'window-state.json');
    const original = readFileSync(legacy);
    const store = new SettingsStore(dir);
    await expect(store.read()).resolves.toEqual({ settings: { window: { x: 120, y: 80, width: 1100, height: 760, maximized: false } } });
    expect(read(path.join(dir, 'settings.json'))).toEqual({ version: 1, window: { x: 120, y: 80, width: 1100, height: 760, maximized: false } });
    expect(readFileSync(path.join(dir, 'window-state.v0.backup.json'))).toEqual(original);
    expect(readdirSync(dir).sort()).toEqual(['settings.json', 'window-state.v0.backup.json']);
  });

  it('keeps unknown settings through an update, and writes nothing over a newer file', async () => {
    const file = path.join(dir, 'settings.json');
    writeFileSync(file, JSON.stringify({ version: 1, window: { width: 900 }, fontSize: 14 }));
    await new SettingsStore(dir).update({ window: { width: 1000 } });
    expect(read(file)).toEqual({ version: 1, window: { width: 1000 }, fontSize: 14 });
    const newer = JSON.stringify({ version: 2, layout: {} });
    writeFileSync(file, newer);
    const store = new SettingsStore(dir);
    await expect(store.read()).resolves.toMatchObject({ settings: {}, problem: expect.stringContaining('settings file version 2') });
    await store.update({ window: { width: 1 } });
    expect(readFileSync(file, 'utf8')).toBe(newer);
  });
});
