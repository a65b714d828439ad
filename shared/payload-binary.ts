/**
 * MessagePack and CBOR views of a payload (and JSON typed by the user turned into them), on
 * the well-kept decoders @msgpack/msgpack and cborg. Kept apart from payload.ts because
 * only the UI needs them: the backend bundles stay free of these packages.
 */

import { decode as decodeMsgpack, encode as encodeMsgpack } from '@msgpack/msgpack';
import { decode as decodeCbor, encode as encodeCbor } from 'cborg';
import { jsonable } from './jsonable';

/** The binary structured formats. */
export type BinaryFormat = 'msgpack' | 'cbor';

/**
 * Decodes MessagePack or CBOR and renders it as indented JSON.
 * @throws Error saying the bytes are not that format.
 */
export function formatBinary(bytes: Uint8Array, format: BinaryFormat): string {
  try {
    const value = format === 'msgpack' ? decodeMsgpack(bytes, { useBigInt64: true }) : decodeCbor(bytes, { useMaps: true });
    return JSON.stringify(jsonable(value), null, 2);
  } catch (error) {
    throw new Error(`Not ${format === 'msgpack' ? 'MessagePack' : 'CBOR'}: ${(error as Error).message}`);
  }
}

/**
 * Encodes JSON text as MessagePack or CBOR, for publishing.
 * @throws Error when the text is not JSON.
 */
export function encodeBinary(jsonText: string, format: BinaryFormat): Uint8Array {
  let value: unknown;
  try {
    value = JSON.parse(jsonText);
  } catch (error) {
    throw new Error(`Payload is not valid JSON: ${(error as Error).message}`);
  }
  return format === 'msgpack' ? encodeMsgpack(value) : encodeCbor(value);
}

/** Whether the bytes decode cleanly as the format (for auto-detection). */
export function looksLike(bytes: Uint8Array, format: BinaryFormat): boolean {
  if (bytes.byteLength === 0) return false;
  try {
    formatBinary(bytes, format);
    return true;
  } catch {
    return false;
  }
}
