/**
 * JSON that carries byte arrays: every Uint8Array (Node Buffers too) becomes
 * `{"$bytes": "<base64>"}` and comes back as a Uint8Array. Used by the text carrier of the
 * contract (shared/rpc.ts) and for the rare MQTT 5 properties inside binary batch frames.
 */

import { base64Decode, base64Encode } from './base64';

const BYTES_TAG = '$bytes';

/** JSON.stringify with byte arrays as tagged base64. */
export function stringifyWithBytes(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, item: unknown) {
    // `this[key]` is the value before toJSON, so Node Buffers are caught as bytes too.
    const raw = this[key];
    if (raw instanceof Uint8Array) return { [BYTES_TAG]: base64Encode(raw) };
    return item;
  });
}

/**
 * Parses what {@link stringifyWithBytes} wrote.
 * @throws SyntaxError when the text is not JSON.
 */
export function parseWithBytes(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) => {
    if (typeof value === 'object' && value !== null && BYTES_TAG in value) {
      const tagged = (value as Record<string, unknown>)[BYTES_TAG];
      if (typeof tagged === 'string' && Object.keys(value).length === 1) return base64Decode(tagged);
    }
    return value;
  });
}
