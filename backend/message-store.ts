/**
 * Every message of a connection, newest kept, capped in count and bytes (defaults 100,000
 * messages / 256 MB). The UI gets previews in batches; the full payload, exports and
 * anything scrolled back to come from here. Evictions are counted, never silent.
 */

import type { MessageRecord } from '../shared/contract';
import { base64Encode } from '../shared/base64';
import { decodedJson } from '../shared/decoded';
import { atSeq, RingBuffer, type RingBufferLimits } from '../shared/ring-buffer';
import { utf8DecodeStrict } from '../shared/utf8';

/** Default caps per connection. */
export const DEFAULT_MESSAGE_LIMITS: RingBufferLimits = { maxItems: 100_000, maxBytes: 256 * 1024 * 1024 };

/** Environment variables that change the caps (count, and megabytes). */
export const MESSAGE_LIMIT_ENV = { items: 'MQTT_DESK_MAX_MESSAGES', megabytes: 'MQTT_DESK_MAX_MESSAGE_MB' } as const;

/**
 * The caps in force: the defaults, or whole numbers from the environment.
 * @throws Error naming the variable when its value is not a positive whole number.
 */
export function messageLimitsFrom(env: Record<string, string | undefined>): RingBufferLimits {
  const read = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive whole number, got "${raw}"`);
    return value;
  };
  return {
    maxItems: read(MESSAGE_LIMIT_ENV.items, DEFAULT_MESSAGE_LIMITS.maxItems),
    maxBytes: read(MESSAGE_LIMIT_ENV.megabytes, DEFAULT_MESSAGE_LIMITS.maxBytes / 1024 / 1024) * 1024 * 1024,
  };
}

/** Payload bytes sent to the UI with each message; the rest is fetched on request. */
export const PREVIEW_BYTES = 4096;

/** Payloads larger than this cross to the UI without their decoded value (messages.get has it). */
export const DECODED_PREVIEW_BYTES = 64 * 1024;

/** Approximate memory held by one record; a decoded value is counted as about three times its payload. */
function sizeOf(message: MessageRecord): number {
  return message.payload.byteLength * (message.decoded ? 4 : 1) + message.topic.length * 2 + 128;
}

/** A decoded value too large to send with every batch stays behind; the type, error and flags go. */
function previewDecoded(message: MessageRecord): MessageRecord['decoded'] {
  const decoded = message.decoded;
  if (!decoded || message.payload.byteLength <= DECODED_PREVIEW_BYTES) return decoded;
  const { value: _value, sparkplug, ...rest } = decoded;
  return { ...rest, ...(sparkplug ? { sparkplug: { ...sparkplug, metrics: [] } } : {}), partial: true };
}

/** One connection's stored messages. */
export class MessageStore {
  private readonly buffer: RingBuffer<MessageRecord>;

  constructor(limits: RingBufferLimits = DEFAULT_MESSAGE_LIMITS) {
    this.buffer = new RingBuffer(limits, sizeOf);
  }

  /** Messages evicted by the caps so far. */
  get evicted(): number {
    return this.buffer.evicted;
  }

  /** Messages held. */
  get length(): number {
    return this.buffer.length;
  }

  /** Stores a message and returns what the UI gets: the same record with at most PREVIEW_BYTES of payload. */
  add(message: MessageRecord): MessageRecord {
    this.buffer.push(message);
    if (message.payload.byteLength <= PREVIEW_BYTES) return message;
    const decoded = previewDecoded(message);
    return { ...message, payload: message.payload.subarray(0, PREVIEW_BYTES), ...(decoded ? { decoded } : {}) };
  }

  /** The full message with this sequence number, if still held. */
  get(seq: number): MessageRecord | undefined {
    return atSeq(this.buffer, seq);
  }

  /** Every held message, oldest first. */
  all(): MessageRecord[] {
    return this.buffer.toArray();
  }

  /** Forgets everything (the eviction count restarts too). */
  clear(): void {
    this.buffer.clear();
  }
}

/** One message in an export: payload as UTF-8 text where it is, base64 otherwise. */
interface ExportedMessage {
  seq: number;
  time: string;
  direction: 'in' | 'out';
  topic: string;
  qos: number;
  retain: boolean;
  dup: boolean;
  payloadSize: number;
  payloadEncoding: 'utf8' | 'base64';
  payload: string;
  properties?: unknown;
  /** The type the payload was decoded as (Sparkplug B, or the schema mapped to the topic). */
  decodedAs?: string;
  /** The decoded value, the decoder's error, the JSON Schema verdict and Sparkplug flags. */
  decoded?: unknown;
}

/** What an export says of a decoded payload: the value (Sparkplug metrics by name), or the error. */
function exportedDecoded(decoded: NonNullable<MessageRecord['decoded']>): unknown {
  if (decoded.error) return { error: decoded.error };
  const value = decoded.sparkplug ? JSON.parse(decodedJson(decoded)) : decoded.value;
  return {
    value,
    ...(decoded.validation ? { validation: decoded.validation } : {}),
    ...(decoded.warnings ? { warnings: decoded.warnings } : {}),
  };
}

function exported(message: MessageRecord): ExportedMessage {
  const text = utf8DecodeStrict(message.payload);
  const properties = message.properties
    ? { ...message.properties, ...(message.properties.correlationData ? { correlationData: base64Encode(message.properties.correlationData) } : {}) }
    : undefined;
  return {
    seq: message.seq,
    time: new Date(message.time).toISOString(),
    direction: message.direction,
    topic: message.topic,
    qos: message.qos,
    retain: message.retain,
    dup: message.dup,
    payloadSize: message.payloadSize,
    payloadEncoding: text === undefined ? 'base64' : 'utf8',
    payload: text ?? base64Encode(message.payload),
    ...(properties ? { properties } : {}),
    ...(message.decoded ? { decodedAs: message.decoded.type, decoded: exportedDecoded(message.decoded) } : {}),
  };
}

/** Messages as a JSON document. */
export function messagesToJson(messages: readonly MessageRecord[]): string {
  return JSON.stringify(messages.map(exported), null, 2) + '\n';
}

const CSV_COLUMNS = ['seq', 'time', 'direction', 'topic', 'qos', 'retain', 'dup', 'payloadSize', 'payloadEncoding', 'payload', 'properties', 'decodedAs', 'decoded'] as const;

/** Messages as CSV (RFC 4180: quoted fields, CRLF line ends). */
export function messagesToCsv(messages: readonly MessageRecord[]): string {
  const quote = (value: unknown) => {
    const text = value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = messages.map((message) => {
    const row = exported(message);
    return CSV_COLUMNS.map((column) => quote(row[column])).join(',');
  });
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
