/**
 * Versions of the files the app writes (profiles, secrets, collections, settings): each
 * carries `version`; an older file is migrated step by step, a newer one is refused rather
 * than overwritten, and fields this version does not know are carried through untouched.
 * Pure, so the backend and the CLI (the same stores) share every rule.
 */

/** One store's format: its name for messages, its current version and the steps up to it. */
export interface StoreFormat {
  /** For messages, e.g. "profiles". */
  name: string;
  current: number;
  /** `steps[n]` turns a version-n document into version n+1. */
  steps: Record<number, (data: Record<string, unknown>) => Record<string, unknown>>;
  /** The version of a document without a `version` field (files from before versions). */
  unversioned?: number;
}

/** A document brought to the current version. */
export interface Upgraded {
  data: Record<string, unknown>;
  /** The version the document had. */
  from: number;
}

/** Why a document cannot be read by this version. */
export class StoreVersionError extends Error {
  constructor(
    message: string,
    readonly kind: 'too-new' | 'invalid',
  ) {
    super(message);
  }
}

/**
 * Brings a parsed document to the format's current version.
 * @throws StoreVersionError 'too-new' for a newer file, 'invalid' for no readable version.
 */
export function upgradeDocument(format: StoreFormat, parsed: unknown): Upgraded {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    if (format.unversioned === undefined) throw new StoreVersionError(`expected a JSON object with "version": ${format.current}`, 'invalid');
  }
  const document = (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : { value: parsed }) as Record<string, unknown>;
  const raw = document.version;
  const from = raw === undefined && format.unversioned !== undefined ? format.unversioned : raw;
  if (typeof from !== 'number' || !Number.isInteger(from) || from < 0) {
    throw new StoreVersionError(`"version" must be a whole number (found ${JSON.stringify(raw)})`, 'invalid');
  }
  if (from > format.current) {
    throw new StoreVersionError(
      `it was written by a newer MQTT Desk (${format.name} file version ${from}; this version reads up to ${format.current}). It was left unchanged: update MQTT Desk to use it`,
      'too-new',
    );
  }
  let data = document;
  for (let v = from; v < format.current; v++) {
    const step = format.steps[v];
    if (!step) throw new StoreVersionError(`no way from ${format.name} file version ${v} to ${v + 1}`, 'invalid');
    data = { ...step(data), version: v + 1 };
  }
  return { data, from };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What a raw entry holds that its checked form dropped (fields of a newer or other
 * version), nested objects included; undefined when nothing was dropped.
 */
export function unknownFields(raw: unknown, known: unknown): Json | undefined {
  if (!isObject(raw) || !isObject(known)) return undefined;
  const out: Json = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(key in known)) out[key] = value;
    else if (isObject(value) && isObject(known[key])) {
      const nested = unknownFields(value, known[key]);
      if (nested) out[key] = nested;
    } else if (Array.isArray(value) && Array.isArray(known[key])) {
      // Lists of entries (a collection's requests): their unknown fields, by id.
      const byId: Json = {};
      for (const item of value) {
        const id = isObject(item) ? item.id : undefined;
        const match = typeof id === 'string' ? (known[key] as unknown[]).find((k) => isObject(k) && k.id === id) : undefined;
        const nested = match ? unknownFields(item, match) : undefined;
        if (nested) byId[id as string] = nested;
      }
      if (Object.keys(byId).length) out[key] = { [ITEMS]: byId };
    }
  }
  return Object.keys(out).length ? out : undefined;
}

/** Marks the unknown fields of a list's entries (by id) inside {@link unknownFields}' result. */
const ITEMS = '\u0000items';

/** Puts unknown fields back under a checked entry; the entry's own values win. */
export function withUnknownFields<T>(entry: T, extra: Json | undefined): T {
  if (!extra || !isObject(entry)) return entry;
  const out: Json = { ...entry };
  for (const [key, value] of Object.entries(extra)) {
    if (!(key in entry)) out[key] = value;
    else if (isObject(value) && Array.isArray(entry[key]) && isObject(value[ITEMS])) {
      const byId = value[ITEMS];
      out[key] = (entry[key] as unknown[]).map((item) => (isObject(item) && typeof item.id === 'string' && isObject(byId[item.id]) ? withUnknownFields(item, byId[item.id] as Json) : item));
    } else if (isObject(value) && isObject(entry[key])) out[key] = withUnknownFields(entry[key], value);
  }
  return out as T;
}
