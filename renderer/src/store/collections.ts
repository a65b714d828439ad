/**
 * Saved publish collections in the page: the list from the backend (collections.json), saving
 * a publish into one, and sending a request or a whole collection on a live connection.
 * Requests are expanded by shared/collections.ts, the same code `mqtt-desk pub --collection`
 * runs, so the desk and the CLI put the same bytes on the wire.
 */

import { create } from 'zustand';
import { DeskError } from '../../../shared/errors';
import { encodeResolved, resolveRequest, variablesFor, type Collection, type CollectionRequest, type ResolvedRequest } from '../../../shared/collections';
import { describeError, showToast } from './app-store';
import { backend } from './backend-api';
import { encodePayload, publish } from './connection-actions';
import { saveFile } from './files';

/** The collections as the backend last listed them, in its order. */
export const useCollections = create<{ collections: Collection[] }>(() => ({ collections: [] }));

/** Reloads the list from the backend. */
export async function loadCollections(): Promise<void> {
  try {
    useCollections.setState({ collections: await backend().call('collections.list', {}) });
  } catch (error) {
    showToast(describeError(error));
  }
}

/** A request as the publish panel hands it over: everything but its id. */
export type RequestDraft = Omit<CollectionRequest, 'id'>;

/**
 * Adds a request to the collection with that name, creating the collection when there is
 * none; a request of the same name in it is replaced (saving again updates it).
 * @returns field → message when the backend refused it (`name`, `requests.0.topic`, …).
 */
export async function saveToCollection(collectionName: string, request: RequestDraft): Promise<Record<string, string> | undefined> {
  const name = collectionName.trim();
  const existing = useCollections.getState().collections.find((c) => c.name === name);
  const base = existing ?? { id: crypto.randomUUID(), name, variables: {}, environments: [], requests: [] };
  const old = base.requests.find((r) => r.name === request.name.trim());
  const saved = { ...request, id: old?.id ?? crypto.randomUUID() };
  const requests = old ? base.requests.map((r) => (r === old ? saved : r)) : [...base.requests, saved];
  return saveCollection({ ...base, requests });
}

/** Removes one request from its collection. */
export async function deleteRequest(collection: Collection, requestId: string): Promise<void> {
  await saveCollection({ ...collection, requests: collection.requests.filter((r) => r.id !== requestId) });
}

/** Saves a whole collection (after an edit); field → message when refused (`environments.0.name`, …). */
export async function saveCollection(collection: Collection): Promise<Record<string, string> | undefined> {
  try {
    await backend().call('collections.save', { collection });
    await loadCollections();
    return undefined;
  } catch (error) {
    if (error instanceof DeskError && error.fields && Object.keys(error.fields).length) return error.fields;
    return { _: describeError(error) };
  }
}

/** Deletes a collection. */
export async function deleteCollection(id: string): Promise<void> {
  try {
    await backend().call('collections.delete', { id });
  } catch (error) {
    showToast(describeError(error));
  }
  await loadCollections();
}

/** Reads a collections export; the reason when the file is refused (nothing is added then). */
export async function importCollections(text: string): Promise<string | undefined> {
  try {
    const { imported } = await backend().call('collections.import', { json: text });
    await loadCollections();
    showToast(`Imported ${imported.length} collection${imported.length === 1 ? '' : 's'}`, 'info');
    return undefined;
  } catch (error) {
    return describeError(error);
  }
}

/** Downloads every collection (or the chosen ones) as one JSON export. */
export async function exportCollections(ids?: string[]): Promise<void> {
  try {
    const { json } = await backend().call('collections.export', ids ? { ids } : {});
    saveFile(json, 'application/json', 'mqtt-desk-collections.json');
  } catch (error) {
    showToast(describeError(error));
  }
}

/**
 * Reads `name=value` lines (blank lines skipped; the value is everything after the first `=`).
 * @returns the values, or the problem naming the line.
 */
export function parseVariableLines(text: string): Record<string, string> | string {
  const values: Record<string, string> = {};
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const at = line.indexOf('=');
    if (at < 1) return `Line ${index + 1}: expected name=value`;
    values[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return values;
}

/** Expands requests (all before any is sent); the first one's error is returned instead. */
function resolveAll(collection: Collection, requests: readonly CollectionRequest[], environment: string | undefined): ResolvedRequest[] | string {
  try {
    const variables = variablesFor(collection, environment);
    return requests.map((request, index) => resolveRequest(request, { counter: index + 1, now: Date.now, uuid: () => crypto.randomUUID(), random: Math.random, variables }));
  } catch (error) {
    return (error as Error).message;
  }
}

/** Options for {@link runRequests}. */
export interface RunOptions {
  connectionId: string;
  connected: boolean;
  environment: string | undefined;
  /** Wait each request's delay first (a whole-collection run); a single Send does not. */
  delays: boolean;
  /** Called with the request about to be sent. */
  onProgress?: (request: CollectionRequest) => void;
  /** Stops the run before the next request when it returns true. */
  cancelled?: () => boolean;
}

/**
 * Sends requests in order on the connection. Every request is expanded before the first is
 * sent, so a variable with no value sends nothing at all.
 * @returns the reason it stopped (for next to the control), or undefined when all went out.
 */
export async function runRequests(collection: Collection, requests: readonly CollectionRequest[], options: RunOptions): Promise<string | undefined> {
  if (!options.connected) return 'Not connected: connect first to send';
  const expanded = resolveAll(collection, requests, options.environment);
  if (typeof expanded === 'string') return expanded;
  // Sparkplug B and schema JSON is encoded by the connection in the backend, all before the first send.
  const resolved: ResolvedRequest[] = [];
  for (const [index, request] of requests.entries()) {
    try {
      resolved.push(await encodeResolved(request.name, expanded[index]!, async (topic, json, as) => {
        const encoded = await encodePayload(options.connectionId, topic, json, as);
        if ('error' in encoded) throw new Error(encoded.error);
        return encoded.payload;
      }));
    } catch (error) {
      return (error as Error).message;
    }
  }
  for (const [index, request] of requests.entries()) {
    if (options.delays && request.delayMs > 0) await new Promise((r) => setTimeout(r, request.delayMs));
    if (options.cancelled?.()) return 'Stopped';
    options.onProgress?.(request);
    const refused = await publish(options.connectionId, resolved[index]!);
    if (refused) return `${request.name}: ${Object.values(refused)[0] ?? 'refused'}`;
  }
  return undefined;
}
