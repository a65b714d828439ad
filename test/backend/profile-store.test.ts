import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../backend/profile-store';
import type { SecretCipher } from '../../backend/secret-store';
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
    expect(file.version).toBe(2);
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

  it('reports a corrupt file with its line and column, moves it aside unchanged, and goes on', async () => {
    await store.save(input);
    const broken = '{\n  "version": 1,\n  "profiles": [\n    { oops }\n  ]\n}\n';
    writeFileSync(store.file, broken);
    const error = (await store.list().catch((e: unknown) => e)) as DeskError;
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain(`${store.file}:4:7`);
    const aside = /moved to (\S+), unchanged/.exec(error.message)![1]!;
    expect(readFileSync(aside, 'utf8')).toBe(broken);
    await expect(store.list()).resolves.toEqual([]);
    await store.save({ ...input, name: 'New' });
    expect((await store.list()).map((p) => p.name)).toEqual(['New']);
    expect(readFileSync(aside, 'utf8')).toBe(broken);
  });

  it('reports a profile entry that does not validate, naming it', async () => {
    mkdirSync(path.dirname(store.file), { recursive: true });
    writeFileSync(store.file, JSON.stringify({ version: 1, profiles: [{ id: 'a', ...input, port: 'x' }] }));
    await expect(store.list()).rejects.toThrow(/profile #1 is not valid \(port: Port must be a number\)\. The file was moved to/);
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

  it('refuses a TLS key log file in a folder that does not exist, naming the field, and creates nothing', async () => {
    const { createBackend } = await import('../../backend/backend');
    const backend = createBackend({ configDir: dir });
    const keylogFile = path.join(dir, 'no-such-folder', 'keys.log');
    const result = await backend.dispatch('profiles.save', { profile: { ...input, protocol: 'mqtts', tls: { keylogFile } } });
    expect(result).toMatchObject({ ok: false, error: { fields: { 'tls.keylogFile': `TLS key log folder does not exist: ${path.dirname(keylogFile)}` } } });
    const ok = await backend.dispatch('profiles.save', { profile: { ...input, protocol: 'mqtts', tls: { keylogFile: path.join(dir, 'keys.log') } } });
    expect(ok).toMatchObject({ ok: true });
    expect(existsSync(path.join(dir, 'keys.log'))).toBe(false);
  });
});

describe('secrets', () => {
  const secretInput = { ...input, protocol: 'mqtts', username: 'alice', password: 'pa55word', tls: { passphrase: 'key-pass' } };
  /** A reversible stand-in for the OS keyring, marking what it sealed. */
  const rot: SecretCipher = {
    kind: 'test-rot',
    seal: (plain) => `rot:${[...plain].reverse().join('')}`,
    open: (sealed) => [...sealed.slice(4)].reverse().join(''),
  };

  it('keeps passwords and passphrases out of profiles.json, in an owner-only secrets file', async () => {
    const saved = await store.save(secretInput);
    const profilesText = readFileSync(store.file, 'utf8');
    expect(profilesText).not.toContain('pa55word');
    expect(profilesText).not.toContain('key-pass');
    const secretsFile = path.join(path.dirname(store.file), 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(secretsFile, 'utf8')).secrets[saved.id]).toEqual({ cipher: 'owner-only-file', password: 'pa55word', passphrase: 'key-pass' });
    const [loaded] = await new ProfileStore(path.dirname(store.file)).list();
    expect(loaded).toMatchObject({ username: 'alice', password: 'pa55word', tls: { passphrase: 'key-pass' } });
  });

  it('seals secrets with the injected cipher', async () => {
    const sealed = new ProfileStore(path.dirname(store.file), { cipher: rot });
    const saved = await sealed.save(secretInput);
    const secretsText = readFileSync(path.join(path.dirname(store.file), 'secrets.json'), 'utf8');
    expect(secretsText).not.toContain('pa55word');
    expect(JSON.parse(secretsText).secrets[saved.id].password).toBe('rot:drow55ap');
    await expect(sealed.get(saved.id)).resolves.toMatchObject({ password: 'pa55word' });
  });

  it('never overwrites secrets sealed by a cipher it cannot open (desktop keyring read in browser mode)', async () => {
    const desktop = new ProfileStore(path.dirname(store.file), { cipher: rot });
    const saved = await desktop.save(secretInput);
    const browser = new ProfileStore(path.dirname(store.file));
    const seen = await browser.get(saved.id);
    expect(seen.password).toBe('');
    await browser.save({ ...seen, name: 'Renamed in browser mode' });
    await expect(desktop.get(saved.id)).resolves.toMatchObject({ name: 'Renamed in browser mode', password: 'pa55word' });
  });

  it('drops the secrets of a deleted profile', async () => {
    const saved = await store.save(secretInput);
    await store.delete(saved.id);
    expect(readFileSync(path.join(path.dirname(store.file), 'secrets.json'), 'utf8')).not.toContain('pa55word');
  });

  it('reports a corrupt secrets file and leaves it alone', async () => {
    await store.save(secretInput);
    const secretsFile = path.join(path.dirname(store.file), 'secrets.json');
    writeFileSync(secretsFile, '{ nope');
    await expect(store.list()).rejects.toMatchObject({ code: 'STORE_CORRUPT', message: expect.stringContaining(secretsFile) });
    await expect(store.save({ ...input, name: 'x' })).rejects.toMatchObject({ code: 'STORE_CORRUPT' });
    expect(readFileSync(secretsFile, 'utf8')).toBe('{ nope');
  });
});
