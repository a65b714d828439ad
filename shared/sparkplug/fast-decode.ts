/**
 * The common Sparkplug payload read straight from the protobuf wire format: a Payload of
 * timestamp, seq, uuid, body and metrics whose fields are scalars (name, alias, timestamp,
 * datatype, the three flags, and an int, long, float, double, boolean or string value).
 * That is every NDATA/DDATA an edge node sends at fleet rates, and most births. protobufjs
 * (codec.ts) builds a Message object per metric with a Long per 64-bit field, which
 * readMetric then turns into the same plain objects this builds directly: it cost the
 * backend more than a third of its time per Sparkplug message (#17).
 *
 * Anything else gives up and returns undefined, and codec.ts decodes the payload with
 * protobufjs as before, so the output (values, key order) and every error with its byte
 * offset stay those of the full decoder: metadata, properties, bytes, data sets,
 * templates, extensions, unknown fields, a wire type other than the field's, a value
 * past the end of its message, 64-bit values beyond 2^53 (protobufjs gives a decimal
 * string), 32-bit fields in more than five bytes, text that is not valid UTF-8.
 */

import type { SparkplugMetric } from '../decoded';
import { toHex } from '../payload';
import { utf8DecodeStrict } from '../utf8';
import type { SparkplugPayload } from './codec';
import { SPARKPLUG_DATATYPES } from './schema';

/** The DataType name of a metric's `datatype` number (protobufjs gives 0 when it is absent). */
export function datatypeName(code: unknown): string {
  return typeof code === 'number' ? (SPARKPLUG_DATATYPES[code] ?? `DataType ${code}`) : 'Unknown';
}

/** Where the reader is; -1 after anything the fast path does not take. */
const EMPTY = new Uint8Array(0);
const EMPTY_VIEW: DataView<ArrayBufferLike> = new DataView(EMPTY.buffer);
let buf: Uint8Array = EMPTY;
let pos = 0;
let view = EMPTY_VIEW;

/** A varint as protobufjs' uint32() reads it, or -1 (longer than five bytes, or past `end`). */
function uint32(end: number): number {
  if (pos >= end) return -1;
  let byte = buf[pos++]!;
  // One byte is the usual case (lengths, datatypes, flags).
  if (byte < 0x80) return byte;
  let value = byte & 0x7f;
  let scale = 0x80;
  for (let i = 1; i < 4; i++) {
    if (pos >= end) return -1;
    byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
  if (pos >= end) return -1;
  byte = buf[pos++]!;
  // A fifth byte above 15 carries bits beyond 32, which protobufjs drops: left to it.
  if (byte > 15) return -1;
  return value + byte * scale;
}

/** A varint as an unsigned 64-bit number when it is below 2^53, or -1 (bigger, longer than eight bytes, or past `end`). */
function uint64(end: number): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8; i++) {
    if (pos >= end) return -1;
    const byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value <= Number.MAX_SAFE_INTEGER ? value : -1;
    scale *= 0x80;
  }
  return -1;
}

/** The text of a length-delimited field, or undefined (past `end`, or not valid UTF-8). */
function text(end: number): string | undefined {
  const length = uint32(end);
  if (length < 0 || pos + length > end) return undefined;
  const start = pos;
  pos += length;
  let ascii = '';
  for (let i = start; i < pos; i++) {
    const byte = buf[i]!;
    if (byte >= 0x80) return utf8DecodeStrict(buf.subarray(start, pos));
    ascii += String.fromCharCode(byte);
  }
  return ascii;
}

const VALUE_NONE = 0;
const VALUE_INT = 1;
const VALUE_LONG = 2;
const VALUE_FLOAT = 3;
const VALUE_DOUBLE = 4;
const VALUE_BOOLEAN = 5;
const VALUE_STRING = 6;

/** The value of the metric being read: the value fields are a oneof, so the last one on the wire wins, as in protobufjs. */
let valueKind = VALUE_NONE;
let value: unknown = null;

function take(kind: number, v: unknown): void {
  valueKind = kind;
  value = v;
}

/** One Metric in [pos, end), or undefined. Keys in readMetric's order (codec.ts), so the JSON is the same. */
function metric(end: number): SparkplugMetric | undefined {
  let name: string | undefined;
  let alias = -1;
  let timestamp = -1;
  let datatype = 0;
  let historical = false;
  let transient = false;
  let isNull = false;
  valueKind = VALUE_NONE;
  value = null;
  while (pos < end) {
    const tag = buf[pos++]!;
    switch (tag) {
      case 0x0a: {
        name = text(end);
        if (name === undefined) return undefined;
        break;
      }
      case 0x10:
        if ((alias = uint64(end)) < 0) return undefined;
        break;
      case 0x18:
        if ((timestamp = uint64(end)) < 0) return undefined;
        break;
      case 0x20:
        if ((datatype = uint32(end)) < 0) return undefined;
        break;
      case 0x28:
      case 0x30:
      case 0x38: {
        const flag = uint32(end);
        if (flag < 0) return undefined;
        if (tag === 0x28) historical = flag !== 0;
        else if (tag === 0x30) transient = flag !== 0;
        else isNull = flag !== 0;
        break;
      }
      case 0x50: {
        const n = uint32(end);
        if (n < 0) return undefined;
        take(VALUE_INT, n);
        break;
      }
      case 0x58: {
        const n = uint64(end);
        if (n < 0) return undefined;
        take(VALUE_LONG, n);
        break;
      }
      case 0x65:
        if (pos + 4 > end) return undefined;
        take(VALUE_FLOAT, view.getFloat32(pos, true));
        pos += 4;
        break;
      case 0x69:
        if (pos + 8 > end) return undefined;
        take(VALUE_DOUBLE, view.getFloat64(pos, true));
        pos += 8;
        break;
      case 0x70: {
        const flag = uint32(end);
        if (flag < 0) return undefined;
        take(VALUE_BOOLEAN, flag !== 0);
        break;
      }
      case 0x7a: {
        const s = text(end);
        if (s === undefined) return undefined;
        take(VALUE_STRING, s);
        break;
      }
      default:
        return undefined;
    }
  }
  if (pos !== end) return undefined;
  const type = datatypeName(datatype);
  // Int8/16/32 travel as uint32 two's complement (3.0, 6.4.16); codec.ts readValue does the same.
  if (valueKind === VALUE_INT) value = type.startsWith('Int') ? (value as number) | 0 : (value as number) >>> 0;
  const out: SparkplugMetric = { name: name ?? '', datatype: type, value: isNull ? null : value };
  value = null;
  if (alias >= 0) out.alias = alias;
  if (timestamp >= 0) out.timestamp = timestamp;
  if (isNull) out.isNull = true;
  if (historical) out.isHistorical = true;
  if (transient) out.isTransient = true;
  return out;
}

/** The payload decoded the way codec.ts decodes it, or undefined when it is not of the common shape (see above). */
export function decodeSparkplugFast(bytes: Uint8Array): SparkplugPayload | undefined {
  buf = bytes;
  pos = 0;
  view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    return payload(bytes.length);
  } finally {
    // Do not keep the last payload (a view into a captured frame) alive.
    buf = EMPTY;
    view = EMPTY_VIEW;
  }
}

function payload(end: number): SparkplugPayload | undefined {
  const metrics: SparkplugMetric[] = [];
  let timestamp = -1;
  let seq = -1;
  let uuid: string | undefined;
  let body: string | undefined;
  while (pos < end) {
    const tag = buf[pos++]!;
    switch (tag) {
      case 0x08:
        if ((timestamp = uint64(end)) < 0) return undefined;
        break;
      case 0x12: {
        const length = uint32(end);
        if (length < 0 || pos + length > end) return undefined;
        const m = metric(pos + length);
        if (!m) return undefined;
        metrics.push(m);
        break;
      }
      case 0x18:
        if ((seq = uint64(end)) < 0) return undefined;
        break;
      case 0x22:
        if ((uuid = text(end)) === undefined) return undefined;
        break;
      case 0x2a: {
        const length = uint32(end);
        if (length < 0 || pos + length > end) return undefined;
        body = toHex(buf.subarray(pos, pos + length));
        pos += length;
        break;
      }
      default:
        return undefined;
    }
  }
  const out: SparkplugPayload = { metrics };
  if (timestamp >= 0) out.timestamp = timestamp;
  if (seq >= 0) out.seq = seq;
  if (uuid !== undefined) out.uuid = uuid;
  if (body !== undefined) out.body = body;
  return out;
}
