/**
 * The decoded payloads of a messages.batch frame (wire-messages.ts), read back: first the
 * compact Sparkplug records (sparkplug/compact.ts) of the messages flagged as having one,
 * in order, then one JSON array of the other decoded payloads, in order (see wire-batches.ts).
 * Compact records are read only when a message's decoded payload is asked for
 * ({@link readCompactDecoded}): reading a fleet's whole batch when its frame arrived took
 * the page's WebSocket handler 79 ms in one task, before the ingest budget applies (#17).
 */

import type { DecodedPayload } from './decoded';
import { readCompactSparkplug } from './sparkplug/compact';
import { utf8Decode } from './utf8';

/** Where a frame's decoded payloads are, as decodeMessages has added them up. */
export interface DecodedRegion {
  frame: Uint8Array;
  count: number;
  flags: Uint8Array;
  /** The flag bit of a compact record. */
  compactFlag: number;
  decodedLengths: Uint32Array;
  /** Where the region starts in `frame`. */
  at: number;
  /** Bytes of the compact records. */
  compactBytes: number;
  /** Bytes of the region: the compact records, the JSON elements and the array's brackets and commas. */
  bytes: number;
  /** Messages with a JSON decoded payload. */
  jsonCount: number;
}

/**
 * Each message's JSON decoded payload (by index; undefined when no message has one; compact
 * records are left in the frame, see {@link readCompactDecoded}) and where each message's
 * decoded bytes start in the frame.
 * @throws Error when the JSON array is malformed.
 */
export function readDecodedRegion(region: DecodedRegion): { decoded: (DecodedPayload | undefined)[] | undefined; starts: Uint32Array } {
  const { frame, count, flags, compactFlag, decodedLengths, at, compactBytes, bytes, jsonCount } = region;
  const jsonAt = at + compactBytes;
  const json = jsonCount > 0 ? jsonColumn(frame.subarray(jsonAt, at + bytes), jsonCount) : undefined;
  const starts = new Uint32Array(count);
  if (!json && compactBytes === 0) return { decoded: undefined, starts };
  const decoded = json ? new Array<DecodedPayload | undefined>(count) : undefined;
  for (let i = 0, compactStart = at, jsonStart = jsonAt + 1, next = 0; i < count; i++) {
    const length = decodedLengths[i]!;
    if (length === 0) continue;
    if (flags[i]! & compactFlag) {
      starts[i] = compactStart;
      compactStart += length;
    } else {
      starts[i] = jsonStart;
      decoded![i] = json![next++];
      jsonStart += length + 1;
    }
  }
  return { decoded, starts };
}

/**
 * A message's compact decoded record (`bytes[start, end)`), read back. A malformed one (a
 * bug between backend and page: the frame's lengths were checked when it was read) becomes
 * a decoded payload carrying the error, so the message, its raw payload and the messages
 * after it are still taken in and shown (marked "not decoded", the reason in its detail).
 */
export function readCompactDecoded(bytes: Uint8Array, start: number, end: number): DecodedPayload {
  try {
    return readCompactSparkplug(bytes, start, end);
  } catch (error) {
    return { kind: 'sparkplug', type: 'Sparkplug B', error: { message: `Malformed messages.batch frame: ${(error as Error).message}` } };
  }
}

/** The JSON decoded payloads: one JSON array, decoded and parsed in one call each. */
function jsonColumn(bytes: Uint8Array, count: number): DecodedPayload[] {
  let values: unknown;
  try {
    values = JSON.parse(utf8Decode(bytes));
  } catch (error) {
    throw new Error(`Malformed messages.batch frame: its decoded payloads are not a JSON array (${(error as Error).message})`);
  }
  if (!Array.isArray(values) || values.length !== count) {
    throw new Error(`Malformed messages.batch frame: ${count} messages have a decoded payload, its decoded column holds ${Array.isArray(values) ? values.length : 'no array'}`);
  }
  return values as DecodedPayload[];
}
