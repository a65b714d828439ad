/**
 * The messages.batch frame (see wire-batches.ts for the layout): encoded by the backend,
 * read by the page as columns ({@link BatchColumns}), records made only when asked for.
 */

import type { MessageBatch, MessageProperties, MessageRecord } from './contract';
import type { DecodedPayload } from './decoded';
import { parseWithBytes, stringifyWithBytes } from './json-bytes';
import { CompactWriter, writeCompactSparkplug } from './sparkplug/compact';
import { TopicInterner } from './topic-intern';
import { utf8Decode, utf8Encode, utf8EncodeInto } from './utf8';
import { readCompactDecoded, readDecodedRegion } from './wire-decoded';
import { FRAME_KIND, FRAME_VERSION, needBytes } from './wire-frame';

const MESSAGE_HEADER = 32;
/** Bytes of the per-message columns: seq, time, payloadSize, topic, payload, properties, decoded. */
const MESSAGE_COLUMN_BYTES = 8 + 8 + 4 + 4 + 4 + 4 + 4;

/**
 * Where every field of a record goes in a frame. Adding a field to a record type fails to
 * compile here until the codec carries it, so nothing is dropped on the wire unnoticed.
 */
export const MESSAGE_FIELDS = {
  seq: 'f64 column',
  time: 'f64 column',
  payloadSize: 'u32 column',
  topic: 'topic table',
  payload: 'payload blob',
  properties: 'JSON blob',
  direction: 'flags bit 0',
  qos: 'flags bits 1-2',
  retain: 'flags bit 3',
  dup: 'flags bit 4',
  decoded: 'compact Sparkplug record (flags bit 5) or JSON blob',
} as const satisfies Record<keyof MessageRecord, string>;
/** See {@link MESSAGE_FIELDS}. */
export const MESSAGE_BATCH_FIELDS = { connectionId: 'header', messages: 'columns', dropped: 'header', evicted: 'header', replaced: 'u32 column when options bit 0' } as const satisfies Record<keyof MessageBatch, string>;
const OUT = 1;
const RETAIN = 8;
/** Options bit of a messages.batch frame: a replaced column follows the topic lengths. */
const REPLACED_COLUMN = 1;
const DUP = 16;
/** Flag bit: the message's decoded payload is a compact Sparkplug record (sparkplug/compact.ts), not JSON text. */
const COMPACT = 32;
/** Where encodeMessageBatch writes compact records, reused from batch to batch. */
const compactWriter = new CompactWriter();

const align = (n: number, to: number) => Math.ceil(n / to) * to;
const OPEN_BRACKET = 0x5b;
const COMMA = 0x2c;
const CLOSE_BRACKET = 0x5d;

/** Encodes a message batch as one frame. */
export function encodeMessageBatch(batch: MessageBatch): Uint8Array {
  const { messages } = batch;
  const count = messages.length;
  const topicIndex = new Map<string, number>();
  const topics: string[] = [];
  const indexes = new Uint32Array(count);
  let payloadBytes = 0;
  let topicBound = 0;
  let properties: (Uint8Array | undefined)[] | undefined;
  let propertyBytes = 0;
  let decoded: (Uint8Array | undefined)[] | undefined;
  let decodedBytes = 0;
  // A message's compact record ends at compactEnds[i] (0: none; it starts where the previous one ended).
  let compactEnds: Uint32Array | undefined;
  compactWriter.reset();
  for (let i = 0; i < count; i++) {
    const message = messages[i]!;
    let index = topicIndex.get(message.topic);
    if (index === undefined) {
      index = topics.length;
      topicIndex.set(message.topic, index);
      topics.push(message.topic);
      topicBound += message.topic.length * 3;
    }
    indexes[i] = index;
    payloadBytes += message.payload.byteLength;
    if (message.properties) {
      const json = utf8Encode(stringifyWithBytes(message.properties));
      (properties ??= new Array<Uint8Array | undefined>(count))[i] = json;
      propertyBytes += json.byteLength;
    }
    if (message.decoded) {
      // The common Sparkplug message as a compact record: no JSON text to write here or to parse in the page.
      if (writeCompactSparkplug(compactWriter, message.decoded)) {
        (compactEnds ??= new Uint32Array(count))[i] = compactWriter.length;
        continue;
      }
      // JSON-able by contract (shared/decoded.ts): no byte arrays, so no replacer.
      const json = utf8Encode(JSON.stringify(message.decoded));
      (decoded ??= new Array<Uint8Array | undefined>(count))[i] = json;
      decodedBytes += json.byteLength + 1; // and its '[' or ','
    }
  }
  const id = utf8Encode(batch.connectionId);
  const columns = MESSAGE_HEADER + count * MESSAGE_COLUMN_BYTES;
  const topicLengths = align(columns + count, 4);
  const replacedAt = topicLengths + topics.length * 4;
  const blobs = replacedAt + (batch.replaced ? count * 4 : 0);
  const bound = blobs + id.byteLength + payloadBytes + propertyBytes + compactWriter.length + decodedBytes + (decoded ? 1 : 0) + topicBound;
  const frame = new Uint8Array(bound);
  const view = new DataView(frame.buffer);
  frame[0] = FRAME_KIND.messages;
  frame[1] = FRAME_VERSION;
  if (batch.replaced) {
    view.setUint16(2, REPLACED_COLUMN, true);
    const replaced = new Uint32Array(frame.buffer, replacedAt, count);
    for (let i = 0; i < count; i++) replaced[i] = batch.replaced[i] ?? 0;
  }
  view.setUint32(4, count, true);
  view.setFloat64(8, batch.dropped, true);
  view.setFloat64(16, batch.evicted, true);
  view.setUint32(24, id.byteLength, true);
  view.setUint32(28, topics.length, true);
  const seqs = new Float64Array(frame.buffer, MESSAGE_HEADER, count);
  const times = new Float64Array(frame.buffer, MESSAGE_HEADER + count * 8, count);
  const sizes = new Uint32Array(frame.buffer, MESSAGE_HEADER + count * 16, count);
  const topicColumn = new Uint32Array(frame.buffer, MESSAGE_HEADER + count * 20, count);
  const payloadLengths = new Uint32Array(frame.buffer, MESSAGE_HEADER + count * 24, count);
  const propertyLengths = new Uint32Array(frame.buffer, MESSAGE_HEADER + count * 28, count);
  const decodedLengths = new Uint32Array(frame.buffer, MESSAGE_HEADER + count * 32, count);
  const flags = new Uint8Array(frame.buffer, columns, count);
  topicColumn.set(indexes);
  let at = blobs;
  frame.set(id, at);
  at += id.byteLength;
  for (let i = 0; i < count; i++) {
    const message = messages[i]!;
    seqs[i] = message.seq;
    times[i] = message.time;
    sizes[i] = message.payloadSize;
    payloadLengths[i] = message.payload.byteLength;
    flags[i] = (message.direction === 'out' ? OUT : 0) | (message.qos << 1) | (message.retain ? RETAIN : 0) | (message.dup ? DUP : 0) | (compactEnds?.[i] ? COMPACT : 0);
    frame.set(message.payload, at);
    at += message.payload.byteLength;
  }
  if (properties) {
    for (let i = 0; i < count; i++) {
      const json = properties[i];
      if (!json) continue;
      propertyLengths[i] = json.byteLength;
      frame.set(json, at);
      at += json.byteLength;
    }
  }
  if (compactEnds) {
    // The compact records, in message order, then the JSON array of the others.
    frame.set(compactWriter.bytes.subarray(0, compactWriter.length), at);
    at += compactWriter.length;
    for (let i = 0, start = 0; i < count; i++) {
      const recordEnd = compactEnds[i]!;
      if (recordEnd === 0) continue;
      decodedLengths[i] = recordEnd - start;
      start = recordEnd;
    }
  }
  if (decoded) {
    let separator = OPEN_BRACKET;
    for (let i = 0; i < count; i++) {
      const json = decoded[i];
      if (!json) continue;
      frame[at++] = separator;
      separator = COMMA;
      decodedLengths[i] = json.byteLength;
      frame.set(json, at);
      at += json.byteLength;
    }
    frame[at++] = CLOSE_BRACKET;
  }
  const topicBytes = new Uint32Array(frame.buffer, topicLengths, topics.length);
  for (let t = 0; t < topics.length; t++) {
    const written = utf8EncodeInto(topics[t]!, frame.subarray(at));
    topicBytes[t] = written;
    at += written;
  }
  return frame.subarray(0, at);
}


/**
 * Reads a messages.batch frame (kind and version checked by the caller; `frame` starts on a
 * multiple of 8).
 * @throws Error naming what is wrong when the columns do not add up.
 */
export function decodeMessages(frame: Uint8Array): MessageBatch {
  needBytes(frame, MESSAGE_HEADER, 'messages.batch');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = view.getUint32(4, true);
  const idLength = view.getUint32(24, true);
  const topicCount = view.getUint32(28, true);
  const columns = MESSAGE_HEADER + count * MESSAGE_COLUMN_BYTES;
  const topicLengths = align(columns + count, 4);
  const hasReplaced = (view.getUint16(2, true) & REPLACED_COLUMN) !== 0;
  const replacedAt = topicLengths + topicCount * 4;
  const blobs = replacedAt + (hasReplaced ? count * 4 : 0);
  needBytes(frame, blobs + idLength, 'messages.batch');
  const base = frame.byteOffset;
  const topicIds = new Uint32Array(frame.buffer, base + MESSAGE_HEADER + count * 20, count);
  const payloadLengths = new Uint32Array(frame.buffer, base + MESSAGE_HEADER + count * 24, count);
  const propertyLengths = new Uint32Array(frame.buffer, base + MESSAGE_HEADER + count * 28, count);
  const decodedLengths = new Uint32Array(frame.buffer, base + MESSAGE_HEADER + count * 32, count);
  const flags = frame.subarray(columns, columns + count);
  const topicBytes = new Uint32Array(frame.buffer, base + topicLengths, topicCount);
  let payloadTotal = 0;
  let propertyTotal = 0;
  let decodedTotal = 0;
  let decodedCount = 0;
  let compactTotal = 0;
  for (let i = 0; i < count; i++) {
    payloadTotal += payloadLengths[i]!;
    propertyTotal += propertyLengths[i]!;
    decodedTotal += decodedLengths[i]!;
    if (flags[i]! & COMPACT) {
      if (decodedLengths[i] === 0) throw new Error(`Malformed messages.batch frame: message ${i} is marked as having a compact decoded payload of 0 bytes`);
      compactTotal += decodedLengths[i]!;
    } else if (decodedLengths[i]! > 0) decodedCount++;
    if (topicIds[i]! >= topicCount) throw new Error(`Malformed messages.batch frame: message ${i} names topic ${topicIds[i]} of ${topicCount}`);
    if (((flags[i]! >> 1) & 3) === 3) throw new Error(`Malformed messages.batch frame: message ${i} has QoS 3`);
  }
  // The array's brackets and commas: one byte per element, one for the closing bracket.
  if (decodedCount > 0) decodedTotal += decodedCount + 1;
  let topicTotal = 0;
  for (let t = 0; t < topicCount; t++) topicTotal += topicBytes[t]!;
  const expected = blobs + idLength + payloadTotal + propertyTotal + decodedTotal + topicTotal;
  if (frame.byteLength !== expected) throw new Error(`Malformed messages.batch frame: its columns add up to ${expected} bytes, the frame has ${frame.byteLength}`);

  const connectionId = utf8Decode(frame.subarray(blobs, blobs + idLength));
  const payloadAt = blobs + idLength;
  const payloadStarts = new Uint32Array(count);
  for (let i = 0, start = payloadAt; i < count; i++) {
    payloadStarts[i] = start;
    start += payloadLengths[i]!;
  }
  let propertyAt = payloadAt + payloadTotal;
  const decodedAt = propertyAt + propertyTotal;
  let topicAt = decodedAt + decodedTotal;
  let properties: (MessageProperties | undefined)[] | undefined;
  if (propertyTotal > 0) {
    properties = new Array<MessageProperties | undefined>(count);
    for (let i = 0; i < count; i++) {
      const length = propertyLengths[i]!;
      if (length === 0) continue;
      properties[i] = parseWithBytes(utf8Decode(frame.subarray(propertyAt, propertyAt + length))) as MessageProperties;
      propertyAt += length;
    }
  }
  const { decoded, starts: decodedStarts } = readDecodedRegion({ frame, count, flags, compactFlag: COMPACT, decodedLengths, at: decodedAt, compactBytes: compactTotal, bytes: decodedTotal, jsonCount: decodedCount });
  const topics = new Array<string>(topicCount);
  for (let t = 0; t < topicCount; t++) {
    const length = topicBytes[t]!;
    topics[t] = topicString(frame, topicAt, topicAt + length);
    topicAt += length;
  }
  const replaced = hasReplaced ? new Uint32Array(frame.buffer, base + replacedAt, count) : undefined;
  const columnsOf: BatchColumns = {
    frame,
    count,
    seqs: new Float64Array(frame.buffer, base + MESSAGE_HEADER, count),
    times: new Float64Array(frame.buffer, base + MESSAGE_HEADER + count * 8, count),
    payloadSizes: new Uint32Array(frame.buffer, base + MESSAGE_HEADER + count * 16, count),
    topicIds,
    topics,
    flags,
    payloadStarts,
    payloadLengths,
    properties,
    decoded,
    decodedStarts,
    decodedLengths,
    replaced,
  };
  let messages: MessageRecord[] | undefined;
  const batch: MessageBatch = {
    connectionId,
    // Records only when asked for: the page reads the columns (batchColumnsOf).
    get messages() {
      return (messages ??= batchRecords(columnsOf));
    },
    set messages(value) {
      messages = value;
    },
    dropped: view.getFloat64(8, true),
    evicted: view.getFloat64(16, true),
  };
  if (replaced) batch.replaced = Array.from(replaced);
  batchColumns.set(batch, columnsOf);
  return batch;
}

/** The records of a batch's columns (payloads are views of the frame). */
function batchRecords(columns: BatchColumns): MessageRecord[] {
  const { frame, count, seqs, times, payloadSizes, topicIds, topics, flags, payloadStarts, payloadLengths, properties } = columns;
  const messages = new Array<MessageRecord>(count);
  for (let i = 0; i < count; i++) {
    const f = flags[i]!;
    const start = payloadStarts[i]!;
    const message: MessageRecord = {
      seq: seqs[i]!,
      direction: f & OUT ? 'out' : 'in',
      topic: topics[topicIds[i]!]!,
      payload: frame.subarray(start, start + payloadLengths[i]!),
      qos: ((f >> 1) & 3) as 0 | 1 | 2,
      retain: (f & RETAIN) !== 0,
      dup: (f & DUP) !== 0,
      time: times[i]!,
      payloadSize: payloadSizes[i]!,
    };
    const props = properties?.[i];
    if (props) message.properties = props;
    const value = decodedAt(columns, i);
    if (value) message.decoded = value;
    messages[i] = message;
  }
  return messages;
}

/**
 * A messages.batch frame as columns, the way the page's stores take it in (no record per
 * message): views of the frame for the numbers and flags, offsets into the frame for the
 * payloads (`frame[payloadStarts[i] … + payloadLengths[i]]`) and each decoded payload's bytes
 * (`frame[decodedStarts[i] … + decodedLengths[i]]`, length 0 for none: a compact Sparkplug
 * record when flag {@link BATCH_FLAG}.compact is set, else JSON text), the JSON values in
 * `decoded` (by message index; any decoded payload through {@link decodedAt}), one string
 * per topic. Flags: {@link BATCH_FLAG}, QoS in bits 1-2.
 */
export interface BatchColumns {
  frame: Uint8Array;
  count: number;
  seqs: Float64Array;
  times: Float64Array;
  payloadSizes: Uint32Array;
  /** Each message's topic, as an index into `topics`. */
  topicIds: Uint32Array;
  topics: string[];
  flags: Uint8Array;
  payloadStarts: Uint32Array;
  payloadLengths: Uint32Array;
  /** Sparse; undefined when no message of the batch has properties. */
  properties: (MessageProperties | undefined)[] | undefined;
  /**
   * Each message's JSON decoded payload, by index (undefined for none and for a compact
   * record); undefined when no message has one. Read a message's decoded payload, whichever
   * kind, with {@link decodedAt}.
   */
  decoded: (DecodedPayload | undefined)[] | undefined;
  decodedStarts: Uint32Array;
  decodedLengths: Uint32Array;
  /** Messages each one stands for besides itself (the backend held the newest for a page behind); undefined for none. */
  replaced: Uint32Array | undefined;
}

/**
 * Message `index`'s decoded payload, or undefined: its JSON value, or its compact record
 * read from the frame now (a new object on each call: read it once). Compact records are
 * read this way, message by message, so a batch's Sparkplug payloads are decoded within the
 * page's ingest budget rather than all at once when its frame arrives (#17).
 */
export function decodedAt(columns: BatchColumns, index: number): DecodedPayload | undefined {
  if (columns.flags[index]! & COMPACT) {
    const start = columns.decodedStarts[index]!;
    return readCompactDecoded(columns.frame, start, start + columns.decodedLengths[index]!);
  }
  return columns.decoded?.[index];
}

/** Flag bits of {@link BatchColumns.flags} (QoS is bits 1-2). */
export const BATCH_FLAG = { out: OUT, retain: RETAIN, dup: DUP, compact: COMPACT } as const;

const batchColumns = new WeakMap<MessageBatch, BatchColumns>();

/**
 * A batch as columns: the columns {@link decodeFrame} read it from or, for a batch that did
 * not come from a frame, those of its frame (encoded and read once: one code path).
 */
export function batchColumnsOf(batch: MessageBatch): BatchColumns {
  return batchColumns.get(batch) ?? batchColumns.get(decodeMessages(encodeMessageBatch(batch)))!;
}

/**
 * One string per distinct topic across batches: a fleet's batches name the same topics over
 * and over, and a TextDecoder call per topic per batch cost the page 1.3 µs each (12 % of
 * its script at 10,000 topics). Printable ASCII topics are hashed in place and looked up;
 * anything else is decoded.
 */
const topicStrings = new TopicInterner();

function topicString(frame: Uint8Array, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    const b = frame[i]!;
    if (b < 0x20 || b > 0x7e) return utf8Decode(frame.subarray(start, end));
  }
  return topicStrings.topic(frame, start, end);
}
