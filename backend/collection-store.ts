/**
 * Saved publish collections in collections.json (versioned like every store: see
 * shared/store-version.ts). Writes are atomic and serialised; an unreadable file is moved
 * aside unchanged, a newer one is refused untouched, unknown fields survive every write.
 * The desk's backend and `mqtt-desk pub --collection` read the same file.
 */

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { checkCollection, type Collection } from '../shared/collections';
import { DeskError } from '../shared/errors';
import { unknownFields, withUnknownFields, type StoreFormat } from '../shared/store-version';
import { writeFileAtomic } from './atomic-file';
import { loadVersioned, moveAside } from './versioned-file';

/**
 * collections.json versions: 1 is the first; 2 adds request payloads in the `sparkplug` and
 * `schema` formats, which a version 1 desk would refuse as invalid, so it must see a newer
 * file (and leave it alone) rather than a broken one. Nothing else changed: 1 → 2 keeps all.
 */
export const COLLECTIONS_FORMAT: StoreFormat = { name: 'collections', current: 2, steps: { 1: (data) => data } };

/** Gives every request without an id one (imports and the publish panel's new requests). */
function withIds(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return input;
  const c = input as { id?: unknown; requests?: unknown };
  return {
    ...c,
    id: typeof c.id === 'string' && c.id ? c.id : randomUUID(),
    ...(Array.isArray(c.requests) ? { requests: c.requests.map((r) => (typeof r === 'object' && r !== null && !(r as { id?: unknown }).id ? { ...r, id: randomUUID() } : r)) } : {}),
  };
}

/** Reads and writes collections.json. */
export class CollectionStore {
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly extras = new Map<string, Record<string, unknown>>();
  private fileExtras: Record<string, unknown> = {};

  constructor(configDir: string) {
    this.file = path.join(configDir, 'collections.json');
  }

  /** Every collection, in saved order. */
  list(): Promise<Collection[]> {
    return this.serial(() => this.read());
  }

  /** Finds a collection by name or id. @throws DeskError NOT_FOUND */
  async find(nameOrId: string): Promise<Collection> {
    const all = await this.list();
    const found = all.find((c) => c.name === nameOrId) ?? all.find((c) => c.id === nameOrId);
    if (!found) throw new DeskError('NOT_FOUND', `No collection named ${nameOrId}${all.length ? ` (there are: ${all.map((c) => c.name).join(', ')})` : ''}`);
    return found;
  }

  /**
   * Validates and saves a collection (a new one without an id).
   * @throws DeskError INVALID_ARGUMENTS with a message per field.
   */
  save(input: unknown): Promise<Collection> {
    const check = checkCollection(withIds(input));
    if (!check.ok) {
      const [field, message] = Object.entries(check.fields)[0]!;
      return Promise.reject(new DeskError('INVALID_ARGUMENTS', `Collection is not valid: ${field}: ${message}`, check.fields));
    }
    return this.serial(async () => {
      const all = await this.read();
      const index = all.findIndex((c) => c.id === check.collection.id);
      if (index >= 0) all[index] = check.collection;
      else all.push(check.collection);
      await this.write(all);
      return check.collection;
    });
  }

  /**
   * Adds collections (from an import) as new ones with fresh ids, all in one write, or
   * none when one does not check out.
   * @throws DeskError INVALID_ARGUMENTS naming the collection and field.
   */
  async addAll(collections: readonly unknown[]): Promise<Collection[]> {
    const added = collections.map((c) => {
      const check = checkCollection(withIds({ ...(c as object), id: '' }));
      if (check.ok) return check.collection;
      const [field, message] = Object.entries(check.fields)[0]!;
      throw new DeskError('INVALID_ARGUMENTS', `Collection ${String((c as { name?: unknown }).name)} is not valid: ${field}: ${message}`, check.fields);
    });
    if (added.length === 0) return [];
    return this.serial(async () => {
      await this.write([...(await this.read()), ...added]);
      return added;
    });
  }

  /** Deletes a collection; reports whether it existed. */
  delete(id: string): Promise<{ deleted: boolean }> {
    return this.serial(async () => {
      const all = await this.read();
      const rest = all.filter((c) => c.id !== id);
      if (rest.length === all.length) return { deleted: false };
      await this.write(rest);
      return { deleted: true };
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<Collection[]> {
    let loaded;
    try {
      loaded = await loadVersioned(this.file, COLLECTIONS_FORMAT);
    } catch (error) {
      if (error instanceof DeskError && error.code === 'STORE_CORRUPT') throw await moveAside(this.file, error.message);
      throw error;
    }
    this.extras.clear();
    this.fileExtras = {};
    if (!loaded) return [];
    const { version: _v, collections: entries, ...rest } = loaded.data;
    if (!Array.isArray(entries)) throw await moveAside(this.file, `${this.file}: expected {"version": ${COLLECTIONS_FORMAT.current}, "collections": [...]}`);
    this.fileExtras = rest;
    const out: Collection[] = [];
    for (const [index, entry] of entries.entries()) {
      const check = checkCollection(entry);
      if (!check.ok) {
        const problem = Object.entries(check.fields).map(([f, m]) => `${f}: ${m}`).join('; ');
        throw await moveAside(this.file, `${this.file}: collection #${index + 1} is not valid (${problem})`);
      }
      const extra = unknownFields(entry, check.collection);
      if (extra) this.extras.set(check.collection.id, extra);
      out.push(check.collection);
    }
    return out;
  }

  private async write(collections: Collection[]): Promise<void> {
    const body = { ...this.fileExtras, version: COLLECTIONS_FORMAT.current, collections: collections.map((c) => withUnknownFields(c, this.extras.get(c.id))) };
    await writeFileAtomic(this.file, JSON.stringify(body, null, 2) + '\n', 0o600);
  }
}
