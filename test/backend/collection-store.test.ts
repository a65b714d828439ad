/**
 * collections.json: saving and deleting, imports all or nothing, the version 1 file read as
 * it was written, fields of newer versions kept, a newer file refused untouched, a broken
 * one moved aside.
 */

import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CollectionStore } from '../../backend/collection-store';
import type { DeskError } from '../../shared/errors';

let dir: string;
let store: CollectionStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-collections-'));
  store = new CollectionStore(dir);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('CollectionStore', () => {
  it('saves a new collection with ids for it and its requests, updates and deletes it', async () => {
    const saved = await store.save({ name: 'Lab', requests: [{ name: 'Ping', topic: 'lab/ping' }] });
    expect(saved.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(saved.requests[0]).toMatchObject({ name: 'Ping', qos: 0, payloadFormat: 'text', delayMs: 0, id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    await store.save({ ...saved, name: 'Lab 2' });
    expect((await store.list()).map((c) => c.name)).toEqual(['Lab 2']);
    expect(JSON.parse(readFileSync(store.file, 'utf8')).version).toBe(2);
    await expect(store.delete(saved.id)).resolves.toEqual({ deleted: true });
    await expect(store.list()).resolves.toEqual([]);
  });

  it('refuses an invalid collection with a message per field and writes nothing', async () => {
    await expect(store.save({ name: 'X', requests: [{ name: 'R', topic: '' }] })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', fields: { 'requests.0.topic': 'Topic is required' } });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('imports all or nothing', async () => {
    await expect(store.addAll([{ name: 'Good', requests: [] }, { name: 'Bad', requests: [{ name: 'r', topic: '' }] }])).rejects.toMatchObject({ message: 'Collection Bad is not valid: requests.0.topic: Topic is required' });
    await expect(store.list()).resolves.toEqual([]);
    expect((await store.addAll([{ name: 'Good', requests: [{ name: 'r', topic: 't' }] }])).map((c) => c.name)).toEqual(['Good']);
  });

  it('reads the version 1 file, migrated to 2 with the original kept byte for byte, and keeps unknown fields through a save', async () => {
    copyFileSync(path.resolve('test/fixtures/stores/collections-v1.json'), store.file);
    const raw = JSON.parse(readFileSync(store.file, 'utf8'));
    raw.collections[0].color = 'teal';
    raw.collections[0].requests[0].note = 'from a newer desk';
    writeFileSync(store.file, JSON.stringify(raw));
    const original = readFileSync(store.file);
    const [c] = await store.list();
    expect(readFileSync(path.join(dir, 'collections.v1.backup.json'))).toEqual(original);
    expect(c).toMatchObject({ name: 'Plant commands', environments: [{ name: 'staging', values: { site: 'test' } }], requests: [{ topic: '{{site}}/fan/set' }] });
    await store.save({ ...c, name: 'Plant' });
    const after = JSON.parse(readFileSync(store.file, 'utf8'));
    expect(after.version).toBe(2);
    expect(after.collections[0]).toMatchObject({ name: 'Plant', color: 'teal', requests: [{ note: 'from a newer desk' }] });
  });

  it('keeps Sparkplug B and schema payloads (version 2), refusing another format by name', async () => {
    const saved = await store.save({
      name: 'Plant',
      requests: [
        { name: 'Rebirth', topic: 'spBv1.0/G/NCMD/E', payloadFormat: 'sparkplug', payload: '{"metrics": [{"name": "Node Control/Rebirth", "type": "Boolean", "value": true}]}' },
        { name: 'Reading', topic: 'pb/lab', payloadFormat: 'schema', payload: '{"sensor": "s1"}' },
      ],
    });
    expect(saved.requests.map((r) => r.payloadFormat)).toEqual(['sparkplug', 'schema']);
    expect((await new CollectionStore(dir).list())[0]!.requests.map((r) => r.payloadFormat)).toEqual(['sparkplug', 'schema']);
    await expect(store.save({ name: 'X', requests: [{ name: 'r', topic: 't', payloadFormat: 'avro' }] })).rejects.toMatchObject({
      fields: { 'requests.0.payloadFormat': 'Format must be one of text, json, hex, base64, msgpack, cbor, sparkplug, schema' },
    });
  });

  it('refuses a file from a newer version and never writes over it', async () => {
    const newer = JSON.stringify({ version: 3, collections: [] });
    writeFileSync(store.file, newer);
    await expect(store.list()).rejects.toMatchObject({ code: 'STORE_TOO_NEW' });
    await expect(store.save({ name: 'X' })).rejects.toMatchObject({ code: 'STORE_TOO_NEW' });
    expect(readFileSync(store.file, 'utf8')).toBe(newer);
  });

  it('moves a broken file aside, naming its line and column, and goes on', async () => {
    writeFileSync(store.file, '{\n  "version": 1,\n  "collections": [ oops ]\n}');
    const error = (await store.list().catch((e: unknown) => e)) as DeskError;
    expect(error.message).toMatch(/collections\.json:3:20: [\s\S]*moved to .*collections\.corrupt-.*\.json, unchanged/);
    await expect(store.list()).resolves.toEqual([]);
  });
});
