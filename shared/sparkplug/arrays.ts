/**
 * Sparkplug 3.0 array DataTypes (section 6.4.17), carried packed little-endian in a
 * metric's `bytes_value`: fixed-width numbers back to back, BooleanArray as a 4-byte count
 * then bits (most significant first), StringArray as NUL-terminated UTF-8 strings.
 */

import { utf8Decode, utf8Encode } from '../utf8';

const WIDTH: Record<string, number> = {
  Int8Array: 1, UInt8Array: 1, Int16Array: 2, UInt16Array: 2, Int32Array: 4, UInt32Array: 4,
  Int64Array: 8, UInt64Array: 8, FloatArray: 4, DoubleArray: 8, DateTimeArray: 8,
};

/** Whether a DataType name is one of the array types. */
export function isArrayType(datatype: string): boolean {
  return datatype in WIDTH || datatype === 'BooleanArray' || datatype === 'StringArray';
}

/** An array value that does not decode, at a byte offset into the value's bytes. */
export class ArrayValueError extends Error {
  override name = 'ArrayValueError';
  constructor(
    message: string,
    /** The value's bytes: a view into the payload, so the caller can make `at` an offset into it. */
    readonly within: Uint8Array,
    readonly at: number,
  ) {
    super(message);
  }
}

/**
 * Reads an array value; 64-bit entries beyond 2^53 become decimal strings.
 * @throws ArrayValueError when the bytes are not a whole number of entries (or fewer than a BooleanArray's count).
 */
export function decodeArray(datatype: string, bytes: Uint8Array): unknown[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (datatype === 'StringArray') {
    const text = utf8Decode(bytes);
    const parts = text.split('\u0000');
    if (parts.at(-1) === '') parts.pop();
    return parts;
  }
  if (datatype === 'BooleanArray') {
    if (bytes.byteLength === 0) return [];
    if (bytes.byteLength < 4) throw new ArrayValueError(`a BooleanArray starts with a 4-byte count, but its value has ${bytes.byteLength} bytes`, bytes, 0);
    const count = view.getUint32(0, true);
    const needed = 4 + Math.ceil(count / 8);
    if (needed > bytes.byteLength) throw new ArrayValueError(`a BooleanArray of ${count} entries needs ${needed} bytes, its value has ${bytes.byteLength}`, bytes, bytes.byteLength);
    return Array.from({ length: count }, (_, i) => (bytes[4 + (i >> 3)]! & (0x80 >> (i & 7))) !== 0);
  }
  const width = WIDTH[datatype]!;
  // Entries are whole: bytes left over would be dropped without a word.
  if (bytes.byteLength % width !== 0) throw new ArrayValueError(`a ${datatype} value of ${bytes.byteLength} bytes is not a whole number of ${width}-byte entries`, bytes, bytes.byteLength - (bytes.byteLength % width));
  const out: unknown[] = [];
  for (let at = 0; at + width <= bytes.byteLength; at += width) out.push(readOne(view, datatype, at));
  return out;
}

function readOne(view: DataView, datatype: string, at: number): unknown {
  switch (datatype) {
    case 'Int8Array': return view.getInt8(at);
    case 'UInt8Array': return view.getUint8(at);
    case 'Int16Array': return view.getInt16(at, true);
    case 'UInt16Array': return view.getUint16(at, true);
    case 'Int32Array': return view.getInt32(at, true);
    case 'UInt32Array': return view.getUint32(at, true);
    case 'FloatArray': return view.getFloat32(at, true);
    case 'DoubleArray': return view.getFloat64(at, true);
    case 'UInt64Array': return safe(view.getBigUint64(at, true));
    default: return safe(view.getBigInt64(at, true)); // Int64Array, DateTimeArray
  }
}

function safe(n: bigint): number | string {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
}

/**
 * Packs a list for an array DataType.
 * @throws Error naming the entry (`at[i]`) that does not fit.
 */
export function encodeArray(datatype: string, values: unknown[], at: string): Uint8Array {
  if (datatype === 'StringArray') {
    return utf8Encode(values.map((v, i) => {
      if (typeof v !== 'string' || v.includes('\u0000')) throw new Error(`${at}[${i}] must be a string without NUL`);
      return `${v}\u0000`;
    }).join(''));
  }
  if (datatype === 'BooleanArray') {
    const out = new Uint8Array(4 + Math.ceil(values.length / 8));
    new DataView(out.buffer).setUint32(0, values.length, true);
    values.forEach((v, i) => {
      if (typeof v !== 'boolean') throw new Error(`${at}[${i}] must be true or false`);
      if (v) out[4 + (i >> 3)]! |= 0x80 >> (i & 7);
    });
    return out;
  }
  const width = WIDTH[datatype]!;
  const out = new Uint8Array(values.length * width);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    const pos = i * width;
    const big = width === 8 && datatype !== 'DoubleArray';
    if (big ? !(typeof v === 'number' && Number.isInteger(v)) && !(typeof v === 'string' && /^-?\d+$/.test(v)) : typeof v !== 'number') {
      throw new Error(`${at}[${i}] must be a number`);
    }
    switch (datatype) {
      case 'Int8Array': view.setInt8(pos, v as number); break;
      case 'UInt8Array': view.setUint8(pos, v as number); break;
      case 'Int16Array': view.setInt16(pos, v as number, true); break;
      case 'UInt16Array': view.setUint16(pos, v as number, true); break;
      case 'Int32Array': view.setInt32(pos, v as number, true); break;
      case 'UInt32Array': view.setUint32(pos, v as number, true); break;
      case 'FloatArray': view.setFloat32(pos, v as number, true); break;
      case 'DoubleArray': view.setFloat64(pos, v as number, true); break;
      case 'UInt64Array': view.setBigUint64(pos, BigInt(v as number | string), true); break;
      default: view.setBigInt64(pos, BigInt(v as number | string), true);
    }
  });
  return out;
}
