/**
 * `mqtt-desk pub --collection NAME [--env NAME]`: runs a saved publish collection in order,
 * each request after its delay, on one connection made from the flags or the `--profile`.
 * Requests are expanded by shared/collections.ts, as the desk's "Send" buttons do; every
 * one is resolved (and Sparkplug B or schema JSON encoded) before connecting, so a request
 * that does not expand or encode sends nothing.
 */

import { randomUUID } from 'node:crypto';
import type { IPublishPacket } from 'mqtt';
import { encodeResolved, resolveRequest, variablesFor, type ResolvedRequest } from '../../shared/collections';
import { PayloadDecoder } from '../../shared/payload-decoder';
import type { SchemaMapping } from '../../shared/schema-mapping';
import type { MosquittoConfig } from '../../shared/mosquitto/config';
import { CollectionStore } from '../collection-store';
import { resolveConfigDir } from '../config-dir';
import type { CliIo } from './cli-io';
import type { ConnectPlan } from './connect-plan';
import { runPub, type CollectionPublish } from './pub-command';

/**
 * The collection's requests ready to publish, or the error line for stderr. Sparkplug B
 * and schema payloads are encoded by the desk's PayloadDecoder with the `--profile`'s schemas.
 */
export async function loadCollection(config: MosquittoConfig, env: NodeJS.ProcessEnv, schemas: readonly SchemaMapping[] = []): Promise<{ requests: CollectionPublish[] } | { error: string }> {
  try {
    const collection = await new CollectionStore(resolveConfigDir(env)).find(config.desk.collection!);
    const variables = variablesFor(collection, config.desk.env);
    const decoder = new PayloadDecoder(schemas);
    const requests: CollectionPublish[] = [];
    for (const [index, request] of collection.requests.entries()) {
      const expanded = resolveRequest(request, { counter: index + 1, now: Date.now, uuid: randomUUID, random: Math.random, variables });
      const resolved = await encodeResolved(request.name, expanded, (topic, json, as) => decoder.encode(topic, json, as).payload);
      requests.push({ name: request.name, delayMs: request.delayMs, ...resolved, properties: mqttJsProperties(resolved.properties) });
    }
    return { requests };
  } catch (error) {
    return { error: `Error: ${(error as Error).message}.\n` };
  }
}

/** Runs the collection; resolves to the exit code (as mosquitto_pub's). */
export async function runCollection(config: MosquittoConfig, plan: ConnectPlan, io: CliIo, schemas: readonly SchemaMapping[] = []): Promise<number> {
  const loaded = await loadCollection(config, io.env, schemas);
  if ('error' in loaded) {
    io.stderr(loaded.error);
    return 1;
  }
  return runPub(config, plan, { kind: 'requests', requests: loaded.requests }, io);
}

/** A resolved request's MQTT 5 properties in MQTT.js's shape. */
function mqttJsProperties(properties: ResolvedRequest['properties']): IPublishPacket['properties'] {
  if (!properties) return undefined;
  const { correlationData, userProperties, ...rest } = properties;
  const out: NonNullable<IPublishPacket['properties']> = { ...rest };
  if (correlationData) out.correlationData = Buffer.from(correlationData);
  if (userProperties) {
    const record: Record<string, string[]> = {};
    for (const { key, value } of userProperties) (record[key] ??= []).push(value);
    out.userProperties = record;
  }
  return out;
}
