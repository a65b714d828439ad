/**
 * What a payload decoded to, as it travels with a message from the backend (which decodes:
 * the codecs compile code at run time, which the page's Content-Security-Policy forbids)
 * to the message list, detail, topic tree, charts, exports and the Sparkplug view. Also the
 * few pure functions that turn it into text and numbers, so every view shows it one way.
 */

import { decodeErrorText, type DecodeError } from './decode-error';

/** Which decoder produced a {@link DecodedPayload}. */
export type DecoderKind = 'sparkplug' | 'protobuf' | 'avro' | 'json-schema';

export type { DecodeError } from './decode-error';

/** One Sparkplug B metric with its alias resolved (from the latest birth certificate). */
export interface SparkplugMetric {
  /** The metric name; `alias N` when no birth named it. */
  name: string;
  alias?: number;
  /** DataType name from the Sparkplug 3.0 enum, e.g. `Int32`, `DataSet`. */
  datatype: string;
  /** JSON-able value: numbers (64-bit as strings beyond 2^53), text, booleans, null, bytes as hex, data sets, templates. */
  value: unknown;
  timestamp?: number;
  isNull?: boolean;
  isHistorical?: boolean;
  isTransient?: boolean;
  properties?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** A Sparkplug B message: where it came from (the topic) and what it says. */
export interface SparkplugInfo {
  group: string;
  /** NBIRTH, NDEATH, NDATA, NCMD, DBIRTH, DDEATH, DDATA, DCMD or STATE. */
  messageType: string;
  edgeNode: string;
  device?: string;
  /** STATE messages: the host application id. */
  host?: string;
  /** STATE messages: online as the host says. */
  online?: boolean;
  timestamp?: number;
  seq?: number;
  bdSeq?: number;
  uuid?: string;
  metrics: SparkplugMetric[];
}

/** A JSON Schema verdict on a JSON payload. */
export interface SchemaValidation {
  valid: boolean;
  /** JSON Pointer of the failing value ('' is the whole document). */
  path?: string;
  message?: string;
}

/** What a payload decoded to. Only JSON-able data: it crosses IPC and the WebSocket. */
export interface DecodedPayload {
  kind: DecoderKind;
  /** The type it was decoded as: `Sparkplug B NDATA`, a protobuf message type, an Avro name, a schema file. */
  type: string;
  /** The decoded value (absent after an error, or when left out for size; see `partial`). */
  value?: unknown;
  error?: DecodeError;
  validation?: SchemaValidation;
  /** Problems worth flagging that did not stop decoding (Sparkplug seq gaps, bdSeq mismatches). */
  warnings?: string[];
  sparkplug?: SparkplugInfo;
  /** The value was left out of a preview record because it is large; `messages.get` has it. */
  partial?: true;
}

/** A metric value as one line of text: `name = value`. */
export function metricLine(metric: SparkplugMetric): string {
  return `${metric.name} = ${valueText(metric.isNull ? null : metric.value)}`;
}

/** A decoded value as compact text: strings bare, everything else as JSON. */
export function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value) ?? String(value);
}

/** One line for lists and trees: metrics for Sparkplug, compact JSON otherwise, or the error. */
export function decodedPreview(decoded: DecodedPayload, maxLength = 300): string {
  let text: string;
  if (decoded.error) text = `${decoded.type}: ${decodeErrorText(decoded.error)}`;
  else if (decoded.sparkplug?.messageType === 'STATE') text = decoded.sparkplug.online ? 'online' : 'offline';
  else if (decoded.sparkplug) text = decoded.sparkplug.metrics.map(metricLine).join(', ');
  else text = valueText(decoded.value);
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}

/** The decoded value as indented JSON, for the detail view and exports. */
export function decodedJson(decoded: DecodedPayload): string {
  if (decoded.sparkplug) {
    const { group: _g, edgeNode: _e, device: _d, messageType: _m, host: _h, ...payload } = decoded.sparkplug;
    return JSON.stringify(payload, null, 2);
  }
  return JSON.stringify(decoded.value, null, 2) ?? '';
}

/**
 * The numbers worth charting: numeric Sparkplug metrics by name, or the numeric top-level
 * fields of a decoded object (or the value itself, as "value", when it is a number).
 */
export function decodedNumbers(decoded: DecodedPayload): Array<[string, number]> {
  if (decoded.error) return [];
  if (decoded.sparkplug) {
    const out: Array<[string, number]> = [];
    for (const metric of decoded.sparkplug.metrics) {
      const n = toNumber(metric.value);
      if (n !== undefined && !metric.isNull && metric.datatype !== 'DateTime') out.push([metric.name, n]);
    }
    return out;
  }
  const value = decoded.value;
  const bare = toNumber(value);
  if (bare !== undefined) return [['value', bare]];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const out: Array<[string, number]> = [];
  for (const [key, field] of Object.entries(value)) {
    const n = toNumber(field);
    if (n !== undefined) out.push([key, n]);
  }
  return out;
}

/** Numbers, and 64-bit integers carried as decimal strings. */
function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^-?\d{1,20}$/.test(value)) return Number(value);
  return undefined;
}
