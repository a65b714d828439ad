/**
 * A decoded Sparkplug message as a compact binary record instead of JSON text, for the
 * messages.batch frame (wire-messages.ts). At 20,000 Sparkplug messages a second the
 * backend spent a third of its busy time writing each decoded payload as JSON text and the
 * page a third of its script decoding and parsing that text again (#17): here names
 * and strings are length-prefixed UTF-8, numbers are f64, and the page reads them back
 * with strings interned (a fleet repeats the same metric names), without text to scan.
 *
 * Only the shape the tracker (tracker.ts) gives the common payload is taken: metrics with
 * a number, boolean, string or null value and the scalar fields, every key in the order
 * the tracker and the decoders write it, so the record decodes to an object whose JSON is
 * the same text as before. Anything else (STATE, errors, data sets, templates, properties,
 * metadata, 64-bit values carried as strings beyond 2^53, NaN and infinities, which JSON
 * writes as null) is refused and goes as JSON, as it did.
 *
 * Layout (little-endian, no alignment): u8 {@link COMPACT_MAGIC}; u8 info flags (1 device,
 * 2 timestamp, 4 seq, 8 uuid, 16 bdSeq, 32 warnings); strings group, messageType, edgeNode,
 * [device]; [f64 timestamp]; [f64 seq]; [string uuid]; [f64 bdSeq]; [varint count, then
 * each warning as a string]; varint metric count, then per metric: u8 metric flags
 * ({@link METRIC}), u8 value tag ({@link VALUE}), strings name and datatype, [f64 alias],
 * [f64 timestamp], the value (f64 for a number, a string for text, nothing otherwise). A
 * string is a varint byte length and its UTF-8 bytes.
 */

import type { DecodedPayload, SparkplugInfo, SparkplugMetric } from '../decoded';
import { TopicInterner } from '../topic-intern';
import { utf8Decode, utf8Encode } from '../utf8';

/** First byte of a record (and its version). */
export const COMPACT_MAGIC = 0xc1;

const INFO = { device: 1, timestamp: 2, seq: 4, uuid: 8, bdSeq: 16, warnings: 32 } as const;
/** Metric flag bits: which optional fields are present, and the booleans' values. */
const METRIC = { alias: 1, timestamp: 2, isNull: 4, isHistorical: 8, isTransient: 16, isNullTrue: 32, isHistoricalTrue: 64, isTransientTrue: 128 } as const;
/** Value tags. */
const VALUE = { null: 0, number: 1, false: 2, true: 3, string: 4 } as const;

/** Key ranks: keys must come in increasing rank, so the decoded object's key order (and JSON) is the original's. */
const PAYLOAD_RANK: Record<string, number> = { kind: 0, type: 1, sparkplug: 2, warnings: 3 };
const INFO_RANK: Record<string, number> = { group: 0, messageType: 1, edgeNode: 2, device: 3, timestamp: 4, seq: 5, uuid: 6, metrics: 7, bdSeq: 8 };
const METRIC_RANK: Record<string, number> = { name: 0, datatype: 1, value: 2, alias: 3, timestamp: 4, isNull: 5, isHistorical: 6, isTransient: 7 };

/** A growable byte buffer that records are written into back to back. */
export class CompactWriter {
  bytes = new Uint8Array(16 * 1024);
  length = 0;
  private view = new DataView(this.bytes.buffer);

  /** Forgets what was written (the buffer is kept). */
  reset(): void {
    this.length = 0;
  }

  room(n: number): void {
    if (this.length + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + n) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, this.length));
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer);
  }

  u8(value: number): void {
    this.room(1);
    this.bytes[this.length++] = value;
  }

  f64(value: number): void {
    this.room(8);
    this.view.setFloat64(this.length, value, true);
    this.length += 8;
  }

  varint(value: number): void {
    this.room(5);
    while (value >= 0x80) {
      this.bytes[this.length++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.bytes[this.length++] = value;
  }

  string(text: string): void {
    const n = text.length;
    // ASCII (names, groups, nodes) straight in; anything else through the encoder.
    this.room(n + 5);
    let ascii = true;
    for (let i = 0; i < n; i++) {
      if (text.charCodeAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      const bytes = utf8Encode(text);
      this.varint(bytes.byteLength);
      this.room(bytes.byteLength);
      this.bytes.set(bytes, this.length);
      this.length += bytes.byteLength;
      return;
    }
    this.varint(n);
    for (let i = 0; i < n; i++) this.bytes[this.length++] = text.charCodeAt(i);
  }
}

/**
 * Writes a decoded payload as a compact record at the writer's end.
 * @returns false, with nothing written, when it is not of the shape taken (see above).
 */
export function writeCompactSparkplug(writer: CompactWriter, decoded: DecodedPayload): boolean {
  const start = writer.length;
  if (tryWrite(writer, decoded)) return true;
  writer.length = start;
  return false;
}

function inOrder(value: object, ranks: Record<string, number>): boolean {
  let last = -1;
  for (const key in value) {
    const rank = ranks[key];
    if (rank === undefined || rank <= last) return false;
    last = rank;
  }
  return true;
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function tryWrite(w: CompactWriter, decoded: DecodedPayload): boolean {
  const info = decoded.sparkplug;
  if (decoded.kind !== 'sparkplug' || !info || !inOrder(decoded, PAYLOAD_RANK) || !inOrder(info, INFO_RANK)) return false;
  if (typeof info.group !== 'string' || typeof info.messageType !== 'string' || typeof info.edgeNode !== 'string' || !Array.isArray(info.metrics)) return false;
  if (decoded.type !== `Sparkplug B ${info.messageType}`) return false;
  if (info.device !== undefined && typeof info.device !== 'string') return false;
  if (info.uuid !== undefined && typeof info.uuid !== 'string') return false;
  if ((info.timestamp !== undefined && !isNumber(info.timestamp)) || (info.seq !== undefined && !isNumber(info.seq)) || (info.bdSeq !== undefined && !isNumber(info.bdSeq))) return false;
  const warnings = decoded.warnings;
  if (warnings !== undefined && (!Array.isArray(warnings) || warnings.some((warning) => typeof warning !== 'string'))) return false;
  let flags = 0;
  if (info.device !== undefined) flags |= INFO.device;
  if (info.timestamp !== undefined) flags |= INFO.timestamp;
  if (info.seq !== undefined) flags |= INFO.seq;
  if (info.uuid !== undefined) flags |= INFO.uuid;
  if (info.bdSeq !== undefined) flags |= INFO.bdSeq;
  if (warnings !== undefined) flags |= INFO.warnings;
  w.u8(COMPACT_MAGIC);
  w.u8(flags);
  w.string(info.group);
  w.string(info.messageType);
  w.string(info.edgeNode);
  if (info.device !== undefined) w.string(info.device);
  if (info.timestamp !== undefined) w.f64(info.timestamp);
  if (info.seq !== undefined) w.f64(info.seq);
  if (info.uuid !== undefined) w.string(info.uuid);
  if (info.bdSeq !== undefined) w.f64(info.bdSeq);
  if (warnings !== undefined) {
    w.varint(warnings.length);
    for (const warning of warnings) w.string(warning);
  }
  w.varint(info.metrics.length);
  for (const metric of info.metrics) if (!writeMetric(w, metric)) return false;
  return true;
}

function writeMetric(w: CompactWriter, metric: SparkplugMetric): boolean {
  if (typeof metric !== 'object' || metric === null || !inOrder(metric, METRIC_RANK)) return false;
  if (typeof metric.name !== 'string' || typeof metric.datatype !== 'string' || !('value' in metric)) return false;
  if ((metric.alias !== undefined && !isNumber(metric.alias)) || (metric.timestamp !== undefined && !isNumber(metric.timestamp))) return false;
  const value = metric.value;
  let tag: number;
  if (value === null) tag = VALUE.null;
  else if (isNumber(value)) tag = VALUE.number;
  else if (value === false) tag = VALUE.false;
  else if (value === true) tag = VALUE.true;
  else if (typeof value === 'string') tag = VALUE.string;
  else return false;
  let flags = 0;
  if (metric.alias !== undefined) flags |= METRIC.alias;
  if (metric.timestamp !== undefined) flags |= METRIC.timestamp;
  for (const [key, present, isTrue] of BOOLEAN_FIELDS) {
    const field = metric[key];
    if (field === undefined) continue;
    if (typeof field !== 'boolean') return false;
    flags |= present | (field ? isTrue : 0);
  }
  w.u8(flags);
  w.u8(tag);
  w.string(metric.name);
  w.string(metric.datatype);
  if (metric.alias !== undefined) w.f64(metric.alias);
  if (metric.timestamp !== undefined) w.f64(metric.timestamp);
  if (tag === VALUE.number) w.f64(value as number);
  else if (tag === VALUE.string) w.string(value as string);
  return true;
}

const BOOLEAN_FIELDS = [
  ['isNull', METRIC.isNull, METRIC.isNullTrue],
  ['isHistorical', METRIC.isHistorical, METRIC.isHistoricalTrue],
  ['isTransient', METRIC.isTransient, METRIC.isTransientTrue],
] as const;

/**
 * Strings read back from records: metric names, groups and edge nodes repeat at every
 * message, so printable ASCII is looked up instead of decoded (bounded, see topic-intern.ts).
 */
const strings = new TopicInterner();

/** The reader's place; module-level so a record is read without allocating a reader. */
let buf: Uint8Array = new Uint8Array(0);
let view = new DataView(buf.buffer);
let pos = 0;
let end = 0;
let recordStart = 0;

function fail(what: string): never {
  throw new Error(`Malformed compact Sparkplug record: ${what} at byte ${pos - recordStart}`);
}

function need(n: number, what: string): void {
  if (pos + n > end) fail(`${what} runs past its end (${end - recordStart} bytes)`);
}

function readU8(what: string): number {
  need(1, what);
  return buf[pos++]!;
}

function readF64(what: string): number {
  need(8, what);
  const value = view.getFloat64(pos, true);
  pos += 8;
  return value;
}

function readVarint(what: string): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    const byte = readU8(what);
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
  return fail(`${what}: a length longer than five bytes`);
}

/** Longer strings (text values, not names) are decoded rather than interned: they seldom repeat. */
const INTERNED_BYTES = 64;

function readString(what: string): string {
  const length = readVarint(what);
  need(length, what);
  const start = pos;
  pos += length;
  if (length > INTERNED_BYTES) return utf8Decode(buf.subarray(start, pos));
  for (let i = start; i < pos; i++) {
    const b = buf[i]!;
    if (b < 0x20 || b > 0x7e) return utf8Decode(buf.subarray(start, pos));
  }
  return strings.topic(buf, start, pos);
}

/**
 * Reads the record in `bytes[start, finish)` back into the decoded payload it was written
 * from (keys in the same order).
 * @throws Error naming the byte where the record is malformed.
 */
export function readCompactSparkplug(bytes: Uint8Array, start: number, finish: number): DecodedPayload {
  if (bytes.buffer !== buf.buffer || bytes.byteOffset !== buf.byteOffset || bytes.byteLength !== buf.byteLength) view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  buf = bytes;
  pos = start;
  end = finish;
  recordStart = start;
  if (finish > bytes.byteLength || start > finish) fail(`a record of ${finish - start} bytes from byte ${start} of ${bytes.byteLength}`);
  const magic = readU8('the header');
  if (magic !== COMPACT_MAGIC) {
    pos--;
    fail(`starts with 0x${magic.toString(16)}, not 0x${COMPACT_MAGIC.toString(16)}`);
  }
  const flags = readU8('the header');
  if (flags > 63) {
    pos--;
    fail(`unknown info flags 0x${flags.toString(16)}`);
  }
  const group = readString('the group');
  const messageType = readString('the message type');
  const info = { group, messageType, edgeNode: readString('the edge node') } as SparkplugInfo;
  if (flags & INFO.device) info.device = readString('the device');
  if (flags & INFO.timestamp) info.timestamp = readF64('the timestamp');
  if (flags & INFO.seq) info.seq = readF64('seq');
  if (flags & INFO.uuid) info.uuid = readString('the uuid');
  const bdSeq = flags & INFO.bdSeq ? readF64('bdSeq') : undefined;
  let warnings: string[] | undefined;
  if (flags & INFO.warnings) {
    const count = readVarint('the warning count');
    warnings = [];
    for (let i = 0; i < count; i++) warnings.push(readString('a warning'));
  }
  const count = readVarint('the metric count');
  // Each metric takes at least four bytes: a bound before allocating.
  if (count * 4 > end - pos) fail(`${count} metrics in ${end - pos} bytes`);
  const metrics = new Array<SparkplugMetric>(count);
  for (let i = 0; i < count; i++) metrics[i] = readMetric(i);
  if (pos !== end) fail(`${end - pos} bytes left after the metrics`);
  info.metrics = metrics;
  if (bdSeq !== undefined) info.bdSeq = bdSeq;
  const decoded: DecodedPayload = { kind: 'sparkplug', type: `Sparkplug B ${messageType}`, sparkplug: info };
  if (warnings) decoded.warnings = warnings;
  return decoded;
}

function readMetric(i: number): SparkplugMetric {
  const flags = readU8(`metric ${i}`);
  const tag = readU8(`metric ${i}`);
  if (tag > VALUE.string) {
    pos--;
    fail(`metric ${i} has value tag ${tag}`);
  }
  const name = readString(`the name of metric ${i}`);
  const datatype = readString(`the datatype of metric ${i}`);
  const alias = flags & METRIC.alias ? readF64(`the alias of metric ${i}`) : undefined;
  const timestamp = flags & METRIC.timestamp ? readF64(`the timestamp of metric ${i}`) : undefined;
  let value: unknown = null;
  if (tag === VALUE.number) value = readF64(`the value of metric ${i}`);
  else if (tag === VALUE.string) value = readString(`the value of metric ${i}`);
  else if (tag !== VALUE.null) value = tag === VALUE.true;
  const metric: SparkplugMetric = { name, datatype, value };
  if (alias !== undefined) metric.alias = alias;
  if (timestamp !== undefined) metric.timestamp = timestamp;
  if (flags & METRIC.isNull) metric.isNull = (flags & METRIC.isNullTrue) !== 0;
  if (flags & METRIC.isHistorical) metric.isHistorical = (flags & METRIC.isHistoricalTrue) !== 0;
  if (flags & METRIC.isTransient) metric.isTransient = (flags & METRIC.isTransientTrue) !== 0;
  return metric;
}
