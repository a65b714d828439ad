/**
 * The one shape of a payload decoding error, for every decoder (Sparkplug, Protobuf, Avro,
 * JSON, MessagePack, CBOR) and every place that shows one (message detail, message list,
 * CLI `--format`, exports): what went wrong and the byte offset into the payload where it
 * did. Offsets are bytes, never characters: JSON's character positions are converted.
 */

import { jsonErrorLocation, jsonProblem } from './json-location';
import { utf8Decode, utf8DecodeStrict, utf8Encode } from './utf8';

/**
 * A decoder's error: its message and the byte offset (0-based) where decoding stopped: the
 * first byte of the item that is wrong or cut short. Left out only when the payload was not
 * read at all (too large, or its schema does not compile).
 */
export interface DecodeError {
  message: string;
  offset?: number;
}

/** What decoders throw: the reason and the byte offset; `message` says both, for plain error output. */
export class DecodeFailure extends Error {
  override name = 'DecodeFailure';
  constructor(
    /** What went wrong, without the offset. */
    readonly reason: string,
    /** Byte offset into the payload where decoding stopped. */
    readonly offset?: number,
  ) {
    super(decodeErrorText({ message: reason, ...(offset === undefined ? {} : { offset }) }));
  }
}

/** A caught error as a {@link DecodeError} (a DecodeFailure keeps its offset). */
export function toDecodeError(error: unknown): DecodeError {
  if (error instanceof DecodeFailure) return error.offset === undefined ? { message: error.reason } : { message: error.reason, offset: error.offset };
  return { message: error instanceof Error ? error.message : String(error) };
}

/** A decode error as one line: `message (at byte N)`. */
export function decodeErrorText(error: DecodeError): string {
  return error.offset === undefined ? error.message : `${error.message} (at byte ${error.offset})`;
}

/** The byte offset of the first byte that is not part of valid UTF-8, or undefined when all of it is. */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  if (utf8DecodeStrict(bytes) !== undefined) return undefined;
  // The lenient decoder puts U+FFFD where a bad sequence was; the first one that was not a
  // real U+FFFD (EF BF BD) in the bytes marks the offset.
  const text = utf8Decode(bytes);
  let from = 0;
  let bytesBefore = 0;
  for (let at = text.indexOf('\uFFFD'); at >= 0; at = text.indexOf('\uFFFD', at + 1)) {
    bytesBefore += utf8Encode(text.slice(from, at)).byteLength;
    from = at + 1;
    if (bytes[bytesBefore] === 0xef && bytes[bytesBefore + 1] === 0xbf && bytes[bytesBefore + 2] === 0xbd) bytesBefore += 3;
    else return bytesBefore;
  }
  return bytes.byteLength;
}

/**
 * Parses a JSON payload.
 * @throws DecodeFailure "Not JSON: …" with the byte offset of the first byte that is not
 * UTF-8, or of the character JSON.parse stopped at (UTF-8 bytes before it, not characters).
 */
export function decodeJsonBytes(bytes: Uint8Array): unknown {
  const text = utf8DecodeStrict(bytes);
  if (text === undefined) throw new DecodeFailure('Not JSON: the payload is not UTF-8 text', firstInvalidUtf8(bytes));
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = jsonErrorLocation(text, error as Error);
    // V8 says "at position N" in UTF-16 units; the offset is in bytes.
    const reason = `Not JSON: ${jsonProblem(error as Error)}`;
    throw new DecodeFailure(reason, where ? utf8Encode(text.slice(0, where.position)).byteLength : undefined);
  }
}
