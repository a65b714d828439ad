/**
 * What the topic tree shows of a message: the numbers it charts (and draws as a sparkline)
 * and the one-line value of a row. This is the one seam between payload formats and the
 * tree: a decoder for another format (Sparkplug B, Protobuf, ...) plugs in here and the
 * tree, its sparklines and the topic chart follow.
 *
 * `topicNumbers` runs for every received message (its numbers are history that must not be
 * missed), so it must stay cheap for payloads it does not understand; `topicValue` runs only
 * for rows on screen, at most once a frame per changed row.
 */

import type { MessageRecord } from '../../../shared/contract';
import { formatPayload } from '../../../shared/payload';
import { utf8DecodeStrict } from '../../../shared/utf8';

/** Payloads larger than this are not parsed for numbers (their preview may be cut anyway). */
const MAX_PARSED_BYTES = 64 * 1024;
/** Bytes of the payload a row's value is made from. */
const VALUE_BYTES = 80;

/** The numbers of a message worth charting, as [series name, value]. */
export function topicNumbers(message: MessageRecord): Array<[string, number]> {
  return numericFields(message.payload);
}

/** The one-line value a tree row shows for the last message on its topic. */
export function topicValue(message: MessageRecord): string {
  return formatPayload(message.payload.subarray(0, VALUE_BYTES), 'text');
}

/**
 * The numbers in a payload worth charting: the payload itself when it is a number, else the
 * numeric top-level fields of a JSON object.
 */
export function numericFields(payload: Uint8Array): Array<[string, number]> {
  if (payload.byteLength === 0 || payload.byteLength > MAX_PARSED_BYTES) return [];
  // Cheap refusals first: only a digit, a sign, a dot or '{' (after spaces) can start one.
  let first = 0;
  while (first < payload.byteLength && (payload[first] === 0x20 || payload[first] === 0x0a || payload[first] === 0x0d || payload[first] === 0x09)) first++;
  const lead = payload[first];
  if (lead === undefined) return [];
  const numeric = (lead >= 0x30 && lead <= 0x39) || lead === 0x2d || lead === 0x2b || lead === 0x2e;
  if (!numeric && lead !== 0x7b) return [];
  const text = utf8DecodeStrict(payload)?.trim();
  if (!text) return [];
  if (numeric) {
    const bare = Number(text);
    return Number.isFinite(bare) && /^-?[\d.eE+-]+$/.test(text) ? [['value', bare]] : [];
  }
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    const out: Array<[string, number]> = [];
    for (const key in value) {
      const field = (value as Record<string, unknown>)[key];
      if (typeof field === 'number' && Number.isFinite(field)) out.push([key, field]);
    }
    return out;
  } catch {
    return [];
  }
}
