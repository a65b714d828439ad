/**
 * Saved publish collections: named publishes (topic, QoS, retain, payload and its format,
 * MQTT 5 properties, a delay before each when the collection runs) with variables
 * (`{{deviceId}}`) whose values come from the chosen environment. The schema checks what the
 * desk saves and imports; `resolveRequest` turns a request into what goes on the wire, the
 * same way in the desk and in `mqtt-desk pub --collection`.
 */

import { z } from 'zod';
import { issuesToFields } from './profile';
import { encodePayloadText, PUBLISH_FORMATS, type PublishFormat } from './payload-encode';
import type { EncodeAs } from './payload-decoder';
import { parseJsonInput } from './schema-codecs/codec';
import { BUILT_IN_PLACEHOLDERS, expandTemplate, VARIABLE_NAME, type TemplateContext } from './payload-template';
import { checkTopicName } from './topic';
import { utf8Decode, utf8Encode } from './utf8';

/**
 * Every format a saved request's payload can have: the publish formats, and JSON encoded
 * by the connection as Sparkplug B or as the schema mapped to the topic (`sparkplug`,
 * `schema`; collections file version 2).
 */
export const COLLECTION_FORMATS = [...PUBLISH_FORMATS, 'sparkplug', 'schema'] as const;
/** One of {@link COLLECTION_FORMATS}. */
export type CollectionFormat = PublishFormat | EncodeAs;

/** Whether a request's payload is JSON for the connection's encoder rather than bytes shared/ can make. */
export function encodedByConnection(format: CollectionFormat): format is EncodeAs {
  return format === 'sparkplug' || format === 'schema';
}

const qos = z.union([z.literal(0), z.literal(1), z.literal(2)], { error: 'QoS must be 0, 1 or 2' });
const values = z.record(z.string(), z.string()).default({});

/** Why a variable name cannot be used, or undefined. */
function variableNameProblem(name: string): string | undefined {
  if (!VARIABLE_NAME.test(name)) return 'A variable name is letters, digits, _ or -, starting with a letter or _';
  if ((BUILT_IN_PLACEHOLDERS as readonly string[]).includes(name)) return 'That name is a built-in placeholder';
  return undefined;
}

/** One saved publish. */
export const collectionRequestSchema = z.object({
  id: z.string().min(1).max(64),
  name: z.string().trim().min(1, 'Name is required').max(200, 'Name is longer than 200 characters'),
  /** May hold variables: devices/{{deviceId}}/cmd. */
  topic: z.string().min(1, 'Topic is required'),
  qos: qos.default(0),
  retain: z.boolean().default(false),
  payload: z.string().default(''),
  payloadFormat: z.enum(COLLECTION_FORMATS, { error: `Format must be one of ${COLLECTION_FORMATS.join(', ')}` }).default('text'),
  /** MQTT 5 properties; text ones may hold variables too. */
  properties: z
    .object({
      contentType: z.string().optional(),
      responseTopic: z.string().optional(),
      correlationData: z.string().optional(),
      messageExpiryInterval: z.number().int().min(0).max(4294967295).optional(),
      payloadFormatIndicator: z.boolean().optional(),
      userProperties: z.array(z.object({ key: z.string().min(1), value: z.string() })).optional(),
    })
    .default({}),
  /** Wait before this request when the whole collection runs, in milliseconds. */
  delayMs: z.number().int().min(0, 'Delay must be 0 or more').max(3600000, 'Delay must be at most an hour').default(0),
});

/** A named set of variable values. */
export const environmentSchema = z.object({
  name: z.string().trim().min(1, 'Environment name is required').max(200),
  values,
});

/** A collection: its requests in order, default variable values and environments. */
export const collectionSchema = z
  .object({
    id: z.string().min(1).max(64),
    name: z.string().trim().min(1, 'Name is required').max(200, 'Name is longer than 200 characters'),
    variables: values,
    environments: z.array(environmentSchema).default([]),
    requests: z.array(collectionRequestSchema).default([]),
  })
  .superRefine((collection, ctx) => {
    const checkNames = (names: Record<string, string>, path: Array<string | number>) => {
      for (const name of Object.keys(names)) {
        const problem = variableNameProblem(name);
        if (problem) ctx.addIssue({ code: 'custom', path: [...path, name], message: problem });
      }
    };
    checkNames(collection.variables, ['variables']);
    collection.environments.forEach((env, i) => checkNames(env.values, ['environments', i, 'values']));
    const seen = new Set<string>();
    collection.environments.forEach((env, i) => {
      if (seen.has(env.name)) ctx.addIssue({ code: 'custom', path: ['environments', i, 'name'], message: `There is already an environment named ${env.name}` });
      seen.add(env.name);
    });
  });

/** A saved collection, defaults filled in. */
export type Collection = z.output<typeof collectionSchema>;
/** One request of a collection. */
export type CollectionRequest = z.output<typeof collectionRequestSchema>;

/** The result of checking a collection: the normalised one, or a message per field. */
export type CollectionCheck = { ok: true; collection: Collection } | { ok: false; fields: Record<string, string> };

/** Validates a collection, mapping every problem to its field path. */
export function checkCollection(input: unknown): CollectionCheck {
  const result = collectionSchema.safeParse(input);
  return result.success ? { ok: true, collection: result.data } : { ok: false, fields: issuesToFields(result.error.issues) };
}

/** The variable values in force: the collection's defaults, then the environment's. */
export function variablesFor(collection: Collection, environment?: string): Record<string, string> {
  if (environment === undefined) return { ...collection.variables };
  const env = collection.environments.find((e) => e.name === environment);
  if (!env) throw new Error(`No environment named ${environment} in ${collection.name} (it has ${collection.environments.map((e) => e.name).join(', ') || 'none'})`);
  return { ...collection.variables, ...env.values };
}

/** A request with its variables expanded, ready to publish (once `encodeAs` is done). */
export interface ResolvedRequest {
  topic: string;
  /** The bytes to send; with `encodeAs`, the expanded JSON text the connection still has to encode. */
  payload: Uint8Array;
  /** Sparkplug B or schema payloads: encode `payload` (JSON) with the connection's encoder before sending. */
  encodeAs?: EncodeAs;
  qos: 0 | 1 | 2;
  retain: boolean;
  properties?: {
    contentType?: string;
    responseTopic?: string;
    correlationData?: Uint8Array;
    messageExpiryInterval?: number;
    payloadFormatIndicator?: boolean;
    userProperties?: Array<{ key: string; value: string }>;
  };
}

/**
 * Expands a request's templates with the variables (and the built-in placeholders), checks
 * the topic, and encodes the payload in its format; Sparkplug B and schema payloads are
 * checked as JSON and left to the connection's encoder (`encodeAs`: it holds the schemas
 * and runs where protobufjs may compile code), see {@link encodeResolved}.
 * @throws Error naming the field (`topic: …`, `payload: …`) and what is wrong.
 */
export function resolveRequest(request: CollectionRequest, context: TemplateContext): ResolvedRequest {
  const expand = (field: string, text: string) => {
    try {
      return expandTemplate(text, context);
    } catch (error) {
      throw new Error(`${request.name}: ${field}: ${(error as Error).message}`);
    }
  };
  const topic = expand('topic', request.topic);
  const check = checkTopicName(topic);
  if (!check.ok) throw new Error(`${request.name}: topic: ${check.reason}`);
  let payload: Uint8Array;
  try {
    const text = expand('payload', request.payload);
    if (encodedByConnection(request.payloadFormat)) parseJsonInput(text);
    payload = encodedByConnection(request.payloadFormat) ? utf8Encode(text) : encodePayloadText(text, request.payloadFormat);
  } catch (error) {
    throw new Error(`${request.name}: payload: ${(error as Error).message.replace(`${request.name}: payload: `, '')}`);
  }
  const p = request.properties;
  const properties: NonNullable<ResolvedRequest['properties']> = {};
  if (p.contentType) properties.contentType = expand('content type', p.contentType);
  if (p.responseTopic) properties.responseTopic = expand('response topic', p.responseTopic);
  if (p.correlationData) properties.correlationData = utf8Encode(expand('correlation data', p.correlationData));
  if (p.messageExpiryInterval !== undefined) properties.messageExpiryInterval = p.messageExpiryInterval;
  if (p.payloadFormatIndicator) properties.payloadFormatIndicator = true;
  if (p.userProperties?.length) properties.userProperties = p.userProperties.map((u) => ({ key: expand('user property', u.key), value: expand('user property', u.value) }));
  return {
    topic,
    payload,
    ...(encodedByConnection(request.payloadFormat) ? { encodeAs: request.payloadFormat } : {}),
    qos: request.qos,
    retain: request.retain,
    ...(Object.keys(properties).length ? { properties } : {}),
  };
}

/**
 * A resolved request with its Sparkplug B or schema payload encoded by `encode` (the
 * connection's PayloadDecoder, or the backend's `payloads.encode`); others as they are.
 * @throws Error "name: payload: reason" when the JSON does not fit.
 */
export async function encodeResolved(name: string, resolved: ResolvedRequest, encode: (topic: string, json: string, as: EncodeAs) => Uint8Array | Promise<Uint8Array>): Promise<ResolvedRequest> {
  if (!resolved.encodeAs) return resolved;
  const { encodeAs, ...rest } = resolved;
  try {
    return { ...rest, payload: await encode(resolved.topic, utf8Decode(resolved.payload), encodeAs) };
  } catch (error) {
    throw new Error(`${name}: payload: ${(error as Error).message}`);
  }
}

/** The top level of a collections export. */
export interface CollectionsExport {
  format: 'mqtt-desk-collections';
  /** 2 when a request has a Sparkplug B or schema payload (which version 1 readers refuse), else 1. */
  version: 1 | 2;
  exportedAt: string;
  collections: Collection[];
}

/** Builds the export document. */
export function exportCollections(collections: readonly Collection[], now: Date): CollectionsExport {
  const needs2 = collections.some((c) => c.requests.some((r) => encodedByConnection(r.payloadFormat)));
  return { format: 'mqtt-desk-collections', version: needs2 ? 2 : 1, exportedAt: now.toISOString(), collections: [...collections] };
}

/**
 * Reads a collections export. All or nothing: any collection that does not check out
 * refuses the whole file, naming it and its field.
 * @throws Error with the reason.
 */
export function parseCollectionsImport(text: string): Collection[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`The file is not JSON: ${(error as Error).message}`);
  }
  const doc = data as Partial<CollectionsExport> | null;
  if (typeof doc !== 'object' || doc === null || doc.format !== 'mqtt-desk-collections') throw new Error('Not a collections export: expected {"format": "mqtt-desk-collections", ...}');
  if (typeof doc.version !== 'number' || doc.version > 2) throw new Error(`Collections export version ${String(doc.version)} is newer than this MQTT Desk reads (2)`);
  if (!Array.isArray(doc.collections)) throw new Error('The collections export has no "collections" list');
  return doc.collections.map((entry, index) => {
    const check = checkCollection(entry);
    if (check.ok) return check.collection;
    const name = typeof (entry as { name?: unknown })?.name === 'string' ? (entry as { name: string }).name : `#${index + 1}`;
    const [field, message] = Object.entries(check.fields)[0]!;
    throw new Error(`Collection ${name} is not valid: ${field}: ${message}`);
  });
}
