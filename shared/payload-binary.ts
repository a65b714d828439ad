/**
 * MessagePack and CBOR views of a payload (and JSON typed by the user turned into them), on
 * the well-kept decoders @msgpack/msgpack and cborg. Kept apart from payload.ts because
 * only the UI needs them: the backend bundles stay free of these packages.
 */

import { decode as decodeMsgpack, Decoder as MsgpackDecoder, encode as encodeMsgpack } from '@msgpack/msgpack';
import { decode as decodeCbor, encode as encodeCbor, Tokenizer as CborTokenizer } from 'cborg';
import { DecodeFailure } from './decode-error';
import { jsonable } from './jsonable';

/** The binary structured formats. */
export type BinaryFormat = 'msgpack' | 'cbor';

/**
 * Decodes MessagePack or CBOR and renders it as indented JSON.
 * @throws DecodeFailure saying the bytes are not that format, with the byte offset where
 * the item that is wrong or cut short starts.
 */
export function formatBinary(bytes: Uint8Array, format: BinaryFormat): string {
  let value: unknown;
  try {
    value = decodeValue(bytes, format);
  } catch {
    throw format === 'msgpack' ? locateMsgpackError(bytes) : locateCborError(bytes);
  }
  return JSON.stringify(jsonable(value), null, 2);
}

/**
 * Where MessagePack decoding fails: decodes again, noting where each item's head byte is
 * (the decoder's position says only how far it read).
 */
function locateMsgpackError(bytes: Uint8Array): DecodeFailure {
  const decoder = new MsgpackDecoder({ useBigInt64: true }) as unknown as { decode(bytes: Uint8Array): unknown; pos: number; readHeadByte(): number };
  const readHeadByte = decoder.readHeadByte;
  let head = 0;
  decoder.readHeadByte = function () {
    head = this.pos;
    return readHeadByte.call(this);
  };
  try {
    decoder.decode(bytes);
  } catch (error) {
    const text = (error as Error).message;
    const extra = /^Extra (\d+) of \d+ byte\(s\) found at buffer\[(\d+)\]/.exec(text);
    if (extra) return new DecodeFailure(`Not MessagePack: ${extra[1]} bytes left over after the value`, Number(extra[2]));
    // A DataView read past the end ("Offset is outside the bounds") or a string/bin/ext longer than what is left.
    if (error instanceof RangeError) return new DecodeFailure(`Not MessagePack: the payload ends inside the item that starts here`, head);
    return new DecodeFailure(`Not MessagePack: ${text}`, head);
  }
  return new DecodeFailure('Not MessagePack', 0);
}

/** Where CBOR decoding fails: cborg's tokenizer knows the position of the item it stopped at. */
function locateCborError(bytes: Uint8Array): DecodeFailure {
  const tokenizer = new CborTokenizer(bytes, { useMaps: true });
  try {
    decodeCbor(bytes, { useMaps: true, tokenizer });
  } catch (error) {
    const text = (error as Error).message.replace(/^CBOR decode error: /, '');
    if (text.startsWith('too many terminals')) return new DecodeFailure(`Not CBOR: ${bytes.byteLength - tokenizer.pos()} bytes left over after the value`, tokenizer.pos());
    return new DecodeFailure(`Not CBOR: ${text}`, tokenizer.pos());
  }
  return new DecodeFailure('Not CBOR', 0);
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

function decodeValue(bytes: Uint8Array, format: BinaryFormat): unknown {
  return format === 'msgpack' ? decodeMsgpack(bytes, { useBigInt64: true }) : decodeCbor(bytes, { useMaps: true });
}

/** Whether the bytes decode cleanly as the format (for auto-detection; no second pass to find where they do not). */
export function looksLike(bytes: Uint8Array, format: BinaryFormat): boolean {
  if (bytes.byteLength === 0) return false;
  try {
    decodeValue(bytes, format);
    return true;
  } catch {
    return false;
  }
}
