/**
 * Decoded values made fit for JSON: what binary decoders return (bytes, big integers, maps,
 * dates, class instances) as plain data the UI can show and exports can write.
 */

import { toHex } from './payload';

/** Bytes as `<N bytes: hex …>`, big integers as strings, maps as objects, dates as ISO text. */
export function jsonable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes: ${toHex(value.subarray(0, 64))}${value.byteLength > 64 ? ' …' : ''}>`;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), jsonable(v)]));
  if (Array.isArray(value)) return value.map(jsonable);
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]));
  return value;
}
