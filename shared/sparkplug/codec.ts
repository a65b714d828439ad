/**
 * Sparkplug B payloads to JSON-able values and back, through protobufjs with the Tahu
 * descriptor (schema.ts). Values follow Sparkplug 3.0 section 6.4.16: which value field
 * carries which DataType, arrays packed little-endian in `bytes_value`. Decoding is lenient
 * where Tahu's own encoders differ (UInt32 in `long_value`): the field present wins.
 */

import Long from 'long';
import protobuf from 'protobufjs';
import type { SparkplugMetric } from '../decoded';
import { fromHex, toHex } from '../payload';
import { decodeMessage } from '../schema-codecs/proto-reader';
import { SPARKPLUG_DATATYPES, SPARKPLUG_DESCRIPTOR } from './schema';
import { datatypeName, decodeSparkplugFast } from './fast-decode';
import { ArrayValueError, decodeArray, encodeArray, isArrayType } from './arrays';
import { DecodeFailure } from '../decode-error';

const root = protobuf.Root.fromJSON(SPARKPLUG_DESCRIPTOR);
const Payload = root.lookupType('org.eclipse.tahu.protobuf.Payload');

/** A decoded Sparkplug payload; metric names are as sent (aliases not yet resolved). */
export interface SparkplugPayload {
  timestamp?: number;
  seq?: number;
  uuid?: string;
  body?: string;
  metrics: SparkplugMetric[];
}

type Message = Record<string, unknown>;
const has = (m: Message, key: string) => Object.prototype.hasOwnProperty.call(m, key);

/**
 * Decodes Sparkplug B bytes.
 * @throws DecodeFailure (message and byte offset) when the bytes are not a Sparkplug payload.
 */
export function decodeSparkplug(bytes: Uint8Array): SparkplugPayload {
  // The common shape without protobufjs; anything else (and every error) the full way.
  const fast = decodeSparkplugFast(bytes);
  if (fast) return fast;
  return decodeFull(bytes);
}

/** Decodes with protobufjs: every field, and errors with their byte offsets. Exported for the tests that pin the fast path to it. */
export function decodeFull(bytes: Uint8Array): SparkplugPayload {
  const message = decodeMessage(Payload, bytes) as unknown as Message;
  let metrics: SparkplugMetric[];
  try {
    metrics = ((message.metrics as Message[] | undefined) ?? []).map(readMetric);
  } catch (error) {
    if (!(error instanceof ArrayValueError)) throw error;
    // The value's bytes are a view into the payload (protobufjs slices with subarray).
    const base = error.within.buffer === bytes.buffer ? error.within.byteOffset - bytes.byteOffset : undefined;
    throw new DecodeFailure(`Not a Payload: ${error.message}`, base === undefined ? undefined : base + error.at);
  }
  const out: SparkplugPayload = { metrics };
  if (has(message, 'timestamp')) out.timestamp = longToNumber(message.timestamp, false) as number;
  if (has(message, 'seq')) out.seq = longToNumber(message.seq, false) as number;
  if (has(message, 'uuid')) out.uuid = message.uuid as string;
  if (has(message, 'body')) out.body = toHex(message.body as Uint8Array);
  return out;
}

/** 64-bit protobuf integers as numbers, or decimal strings beyond 2^53. */
function longToNumber(value: unknown, signed: boolean): number | string {
  if (typeof value === 'number') return value;
  const long = Long.fromValue(value as Long);
  const fixed = signed ? long.toSigned() : long.toUnsigned();
  const n = fixed.toNumber();
  return Number.isSafeInteger(n) ? n : fixed.toString();
}

function readMetric(m: Message): SparkplugMetric {
  const datatype = datatypeName(m.datatype);
  const metric: SparkplugMetric = { name: has(m, 'name') ? (m.name as string) : '', datatype, value: readValue(m, datatype) };
  if (has(m, 'alias')) metric.alias = longToNumber(m.alias, false) as number;
  if (has(m, 'timestamp')) metric.timestamp = longToNumber(m.timestamp, false) as number;
  if (m.is_null === true) metric.isNull = true;
  if (m.is_historical === true) metric.isHistorical = true;
  if (m.is_transient === true) metric.isTransient = true;
  if (has(m, 'properties')) metric.properties = readPropertySet(m.properties as Message);
  if (has(m, 'metadata')) {
    const meta = m.metadata as Message;
    metric.metadata = Object.fromEntries(Object.keys(meta).map((key) => [key, jsonScalar(meta[key])]));
  }
  return metric;
}

/** A value from whichever value field is present, typed by the datatype. */
function readValue(m: Message, datatype: string): unknown {
  if (m.is_null === true) return null;
  if (has(m, 'int_value')) {
    const n = m.int_value as number;
    // Int8/16/32 travel as uint32 two's complement (3.0, 6.4.16).
    return datatype.startsWith('Int') ? n | 0 : n >>> 0;
  }
  if (has(m, 'long_value')) return longToNumber(m.long_value, datatype === 'Int64' || datatype === 'Int32' || datatype === 'Int16' || datatype === 'Int8');
  if (has(m, 'float_value')) return m.float_value;
  if (has(m, 'double_value')) return m.double_value;
  if (has(m, 'boolean_value')) return m.boolean_value;
  if (has(m, 'string_value')) return m.string_value;
  if (has(m, 'bytes_value')) {
    const bytes = m.bytes_value as Uint8Array;
    return isArrayType(datatype) ? decodeArray(datatype, bytes) : toHex(bytes);
  }
  if (has(m, 'dataset_value')) return readDataSet(m.dataset_value as Message);
  if (has(m, 'template_value')) return readTemplate(m.template_value as Message);
  if (has(m, 'propertyset_value')) return readPropertySet(m.propertyset_value as Message);
  if (has(m, 'propertysets_value')) return ((m.propertysets_value as Message).propertyset as Message[] | undefined ?? []).map(readPropertySet);
  return null;
}

function readDataSet(d: Message): unknown {
  const types = ((d.types as number[] | undefined) ?? []).map(datatypeName);
  return {
    columns: (d.columns as string[] | undefined) ?? [],
    types,
    rows: ((d.rows as Message[] | undefined) ?? []).map((row) => ((row.elements as Message[] | undefined) ?? []).map((cell, i) => readValue(cell, types[i] ?? 'Unknown'))),
  };
}

function readTemplate(t: Message): unknown {
  const out: Record<string, unknown> = {};
  if (has(t, 'version')) out.version = t.version;
  if (has(t, 'template_ref')) out.templateRef = t.template_ref;
  if (has(t, 'is_definition')) out.isDefinition = t.is_definition;
  const parameters = (t.parameters as Message[] | undefined) ?? [];
  if (parameters.length > 0) {
    out.parameters = parameters.map((p) => {
      const type = datatypeName(p.type);
      return { name: p.name ?? '', type, value: readValue(p, type) };
    });
  }
  out.metrics = ((t.metrics as Message[] | undefined) ?? []).map(readMetric);
  return out;
}

function readPropertySet(set: Message): Record<string, unknown> {
  const keys = (set.keys as string[] | undefined) ?? [];
  const values = (set.values as Message[] | undefined) ?? [];
  const out: Record<string, unknown> = {};
  keys.forEach((key, i) => {
    const v = values[i];
    out[key] = v ? readValue(v, datatypeName(v.type)) : null;
  });
  return out;
}

function jsonScalar(value: unknown): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (typeof value === 'object' && value !== null) return longToNumber(value, false);
  return value;
}

// ---------------------------------------------------------------------------------------
// Encoding: the JSON form users type in the publish editor.

/** What the publish editor accepts for a metric. `type` (or `datatype`) names the DataType. */
export interface MetricInput {
  name?: string;
  alias?: number;
  type?: string;
  datatype?: string;
  value?: unknown;
  timestamp?: number;
  isNull?: boolean;
  isHistorical?: boolean;
  isTransient?: boolean;
  properties?: Record<string, { type: string; value: unknown }>;
}

/** What the publish editor accepts for a payload. */
export interface PayloadInput {
  timestamp?: number;
  seq?: number;
  uuid?: string;
  metrics?: MetricInput[];
}

/** A problem with the JSON form, naming where it is (`metrics[1].value`). */
export class SparkplugInputError extends Error {
  override name = 'SparkplugInputError';
}

const INT_RANGES: Record<string, [number, number]> = {
  Int8: [-128, 127],
  Int16: [-32768, 32767],
  Int32: [-2147483648, 2147483647],
  UInt8: [0, 255],
  UInt16: [0, 65535],
  UInt32: [0, 4294967295],
};

/**
 * Encodes the JSON form of a payload as Sparkplug B bytes. `timestamp` defaults to `now`.
 * @throws SparkplugInputError naming the field that cannot be encoded.
 */
export function encodeSparkplug(input: PayloadInput, now: number = Date.now()): Uint8Array {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SparkplugInputError('The payload must be a JSON object such as {"metrics": [{"name": "Temperature", "type": "Double", "value": 21.5}]}');
  if (input.metrics !== undefined && !Array.isArray(input.metrics)) throw new SparkplugInputError('metrics must be a list');
  const message: Message = { timestamp: toLong(input.timestamp ?? now, 'timestamp', false) };
  if (input.seq !== undefined) message.seq = toLong(input.seq, 'seq', false);
  if (input.uuid !== undefined) message.uuid = String(input.uuid);
  message.metrics = (input.metrics ?? []).map((metric, i) => writeMetric(metric, `metrics[${i}]`));
  return Payload.encode(Payload.fromObject(message)).finish();
}

function writeMetric(input: MetricInput, at: string): Message {
  if (typeof input !== 'object' || input === null) throw new SparkplugInputError(`${at} must be an object`);
  const typeName = input.type ?? input.datatype;
  const code = SPARKPLUG_DATATYPES.indexOf(typeName as (typeof SPARKPLUG_DATATYPES)[number]);
  if (code < 1) throw new SparkplugInputError(`${at}.type must be a Sparkplug DataType (Int32, Double, Boolean, String, …), got ${JSON.stringify(typeName)}`);
  const m: Message = { datatype: code };
  if (input.name !== undefined) m.name = String(input.name);
  if (input.alias !== undefined) m.alias = toLong(input.alias, `${at}.alias`, false);
  if (input.name === undefined && input.alias === undefined) throw new SparkplugInputError(`${at} needs a name or an alias`);
  if (input.timestamp !== undefined) m.timestamp = toLong(input.timestamp, `${at}.timestamp`, false);
  if (input.isHistorical) m.is_historical = true;
  if (input.isTransient) m.is_transient = true;
  if (input.isNull || input.value === null || input.value === undefined) m.is_null = true;
  else writeValue(m, typeName!, input.value, `${at}.value`);
  if (input.properties !== undefined) m.properties = writePropertySet(input.properties, `${at}.properties`);
  return m;
}

/** Puts a value in the value field its DataType uses (3.0, 6.4.16). */
function writeValue(target: Message, type: string, value: unknown, at: string): void {
  const range = INT_RANGES[type];
  if (range) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < range[0] || value > range[1]) {
      throw new SparkplugInputError(`${at}: ${type} needs a whole number from ${range[0]} to ${range[1]}, got ${JSON.stringify(value)}`);
    }
    target.int_value = value >>> 0;
    return;
  }
  switch (type) {
    case 'Int64':
    case 'UInt64':
    case 'DateTime':
      target.long_value = toLong(value, at, type === 'Int64');
      return;
    case 'Float':
    case 'Double':
      if (typeof value !== 'number') throw new SparkplugInputError(`${at}: ${type} needs a number, got ${JSON.stringify(value)}`);
      target[type === 'Float' ? 'float_value' : 'double_value'] = value;
      return;
    case 'Boolean':
      if (typeof value !== 'boolean') throw new SparkplugInputError(`${at}: Boolean needs true or false, got ${JSON.stringify(value)}`);
      target.boolean_value = value;
      return;
    case 'String':
    case 'Text':
    case 'UUID':
      if (typeof value !== 'string') throw new SparkplugInputError(`${at}: ${type} needs a string, got ${JSON.stringify(value)}`);
      target.string_value = value;
      return;
    case 'Bytes':
    case 'File':
      if (typeof value !== 'string') throw new SparkplugInputError(`${at}: ${type} needs hex bytes as a string, e.g. "01 02 ff"`);
      try {
        target.bytes_value = fromHex(value);
      } catch (error) {
        throw new SparkplugInputError(`${at}: ${(error as Error).message}`);
      }
      return;
    case 'DataSet':
      target.dataset_value = writeDataSet(value, at);
      return;
    case 'Template':
      target.template_value = writeTemplate(value, at);
      return;
    case 'PropertySet':
      target.propertyset_value = writePropertySet(value, at);
      return;
    case 'PropertySetList':
      if (!Array.isArray(value)) throw new SparkplugInputError(`${at}: PropertySetList needs a list of property sets`);
      target.propertysets_value = { propertyset: value.map((set, i) => writePropertySet(set, `${at}[${i}]`)) };
      return;
    default:
      if (isArrayType(type)) {
        if (!Array.isArray(value)) throw new SparkplugInputError(`${at}: ${type} needs a list`);
        target.bytes_value = encodeArray(type, value, at);
        return;
      }
      throw new SparkplugInputError(`${at}: cannot encode a value of type ${type}`);
  }
}

function writeDataSet(value: unknown, at: string): Message {
  const d = value as { columns?: unknown; types?: unknown; rows?: unknown };
  if (typeof d !== 'object' || d === null || !Array.isArray(d.columns) || !Array.isArray(d.types) || !Array.isArray(d.rows)) {
    throw new SparkplugInputError(`${at}: DataSet needs {"columns": [...], "types": [...], "rows": [[...]]}`);
  }
  const types = d.types as string[];
  if (types.length !== d.columns.length) throw new SparkplugInputError(`${at}: DataSet has ${d.columns.length} columns but ${types.length} types`);
  return {
    num_of_columns: d.columns.length,
    columns: d.columns.map(String),
    types: types.map((t, i) => {
      const code = SPARKPLUG_DATATYPES.indexOf(t as (typeof SPARKPLUG_DATATYPES)[number]);
      if (code < 1) throw new SparkplugInputError(`${at}.types[${i}] is not a Sparkplug DataType: ${JSON.stringify(t)}`);
      return code;
    }),
    rows: (d.rows as unknown[]).map((row, r) => {
      if (!Array.isArray(row) || row.length !== types.length) throw new SparkplugInputError(`${at}.rows[${r}] must be a list of ${types.length} values`);
      return {
        elements: row.map((cell, c) => {
          const element: Message = {};
          writeValue(element, types[c]!, cell, `${at}.rows[${r}][${c}]`);
          return element;
        }),
      };
    }),
  };
}

function writeTemplate(value: unknown, at: string): Message {
  const t = value as { version?: string; templateRef?: string; isDefinition?: boolean; metrics?: MetricInput[]; parameters?: Array<{ name: string; type: string; value: unknown }> };
  if (typeof t !== 'object' || t === null) throw new SparkplugInputError(`${at}: Template needs an object with "metrics"`);
  const out: Message = { metrics: (t.metrics ?? []).map((m, i) => writeMetric(m, `${at}.metrics[${i}]`)) };
  if (t.version !== undefined) out.version = t.version;
  if (t.templateRef !== undefined) out.template_ref = t.templateRef;
  if (t.isDefinition !== undefined) out.is_definition = t.isDefinition;
  if (t.parameters) {
    out.parameters = t.parameters.map((p, i) => {
      const param: Message = { name: p.name, type: SPARKPLUG_DATATYPES.indexOf(p.type as (typeof SPARKPLUG_DATATYPES)[number]) };
      writeValue(param, p.type, p.value, `${at}.parameters[${i}].value`);
      return param;
    });
  }
  return out;
}

function writePropertySet(value: unknown, at: string): Message {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SparkplugInputError(`${at} must be an object of {"type": ..., "value": ...} entries`);
  const keys: string[] = [];
  const values: Message[] = [];
  for (const [key, entry] of Object.entries(value as Record<string, { type?: string; value?: unknown }>)) {
    const type = entry?.type;
    const code = SPARKPLUG_DATATYPES.indexOf(type as (typeof SPARKPLUG_DATATYPES)[number]);
    if (code < 1) throw new SparkplugInputError(`${at}.${key}.type must be a Sparkplug DataType`);
    const v: Message = { type: code };
    if (entry.value === null || entry.value === undefined) v.is_null = true;
    else writeValue(v, type!, entry.value, `${at}.${key}.value`);
    keys.push(key);
    values.push(v);
  }
  return { keys, values };
}

/** A 64-bit value from a number or a decimal string. */
function toLong(value: unknown, at: string, signed: boolean): Long {
  const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : typeof value === 'string' && /^-?\d+$/.test(value) ? value : undefined;
  if (text === undefined) throw new SparkplugInputError(`${at} needs a whole number, got ${JSON.stringify(value)}`);
  if (!signed && text.startsWith('-')) throw new SparkplugInputError(`${at} must not be negative`);
  return Long.fromString(text, !signed);
}
