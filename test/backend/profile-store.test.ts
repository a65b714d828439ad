import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../backend/profile-store';
import { DeskError } from '../../shared/errors';

let dir: string;
let store: ProfileStore;
const input = { name: 'Local', protocol: 'mqtt', host: '127.0.0.1', port: 1883 };

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-store-'));
  store = new ProfileStore(path.join(dir, 'nested'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('ProfileStore', () => {
  it('starts empty when no file exists', async () => {
    await expect(store.list()).resolves.toEqual([]);
  });

  it('saves, lists, updates and deletes profiles in a JSON file only the owner can read', async () => {
    const saved = await store.save(input);
    expect(saved.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(saved.keepalive).toBe(60);
    await store.save({ ...saved, name: 'Renamed' });
    const second = await store.save({ ...input, name: 'Other' });
    expect((await store.list()).map((p) => p.name)).toEqual(['Renamed', 'Other']);

    const file = JSON.parse(readFileSync(store.file, 'utf8'));
    expect(file.version).toBe(1);
    expect(file.profiles).toHaveLength(2);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);

    await expect(store.delete(second.id)).resolves.toEqual({ deleted: true });
    await expect(store.delete(second.id)).resolves.toEqual({ deleted: false });
    expect((await store.list()).map((p) => p.name)).toEqual(['Renamed']);
  });

  it('keeps every save when many run at once', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save({ ...input, name: `P${i}` })));
    expect(await store.list()).toHaveLength(20);
  });

  it('refuses an invalid profile with a message per field and writes nothing', async () => {
    const error = await store.save({ ...input, port: 0, host: '' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeskError);
    expect((error as DeskError).code).toBe('INVALID_PROFILE');
    expect((error as DeskError).fields).toEqual({ port: 'Port must be between 1 and 65535', host: 'Host is required' });
    await expect(store.list()).resolves.toEqual([]);
  });

  it('reports a corrupt file with its line and column and never overwrites it', async () => {
    await store.save(input);
    const broken = '{\n  "version": 1,\n  "profiles": [\n    { oops }\n  ]\n}\n';
    writeFileSync(store.file, broken);
    const error = (await store.list().catch((e: unknown) => e)) as DeskError;
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain(`${store.file}:4:7`);
    await expect(store.save({ ...input, name: 'New' })).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    expect(readFileSync(store.file, 'utf8')).toBe(broken);
  });

  it('reports a profile entry that does not validate, naming it', async () => {
    mkdirSync(path.dirname(store.file), { recursive: true });
    writeFileSync(store.file, JSON.stringify({ version: 1, profiles: [{ id: 'a', ...input, port: 'x' }] }));
    await expect(store.list()).rejects.toThrow(/profile #1 is not valid \(port: Port must be a number\)/);
  });
});

describe('backend profiles.save', () => {
  it('refuses an mqtts profile whose CA file does not exist, naming the field', async () => {
    const { createBackend } = await import('../../backend/backend');
    const backend = createBackend({ configDir: dir });
    const result = await backend.dispatch('profiles.save', { profile: { ...input, protocol: 'mqtts', tls: { ca: '/missing/ca.pem' } } });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_PROFILE', fields: { 'tls.ca': 'CA file not found: /missing/ca.pem' } } });
    await expect(backend.dispatch('profiles.list', {})).resolves.toEqual({ ok: true, value: [] });
    // The same path on a plain mqtt profile is not checked: TLS settings are unused there.
    await expect(backend.dispatch('profiles.save', { profile: { ...input, tls: { ca: '/missing/ca.pem' } } })).resolves.toMatchObject({ ok: true });
  });
});
