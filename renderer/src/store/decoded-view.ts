/**
 * The plug-in points between decoding and the views: what a message shows as its value in
 * the message list and topic tree, and which numbers it adds to the topic's chart and its
 * row's sparkline. Decoded payloads (Sparkplug B, schemas) come first; plain payloads keep
 * their text/JSON handling. A decoder for another format plugs in here and the list, the
 * tree, its sparklines and the topic chart follow.
 *
 * `messageNumbers` runs for every received message (its numbers are history that must not
 * be missed), so it must stay cheap for payloads it does not understand; `messagePreview`
 * runs only for rows on screen, at most once a frame per changed row.
 */

import type { MessageRecord } from '../../../shared/contract';
import { decodedNumbers, decodedPreview, type DecodedPayload } from '../../../shared/decoded';
import { detectPayloadFormat, formatPayload } from '../../../shared/payload';
import { utf8DecodeStrict } from '../../../shared/utf8';
import { NumberFields, readFlatJsonNumbers } from './json-numbers';

/** Payload bytes looked at for a one-line preview. */
const PREVIEW_BYTES = 512;
/** Payloads larger than this are not parsed for numbers (their preview may be cut anyway). */
const MAX_PARSED_BYTES = 64 * 1024;

/** The one-line value of a message: decoded when it was, else text (hex for binary). */
export function messagePreview(message: MessageRecord, maxBytes = PREVIEW_BYTES): string {
  if (message.decoded) return decodedPreview(message.decoded);
  const head = message.payload.subarray(0, maxBytes);
  const format = detectPayloadFormat(message.payload);
  // Previews stay on one line: JSON compact, hex for binary.
  return formatPayload(head, format === 'hex' ? 'hex' : 'text');
}

/** The numbers a message adds to its topic's chart: decoded metrics or fields, else numbers in the text. */
export function messageNumbers(message: MessageRecord): Array<[string, number]> {
  return payloadNumbers(message.payload, message.decoded);
}

/** {@link messageNumbers} of a payload and its decoded form, if any. */
export function payloadNumbers(payload: Uint8Array, decoded: DecodedPayload | undefined): Array<[string, number]> {
  return decoded ? decodedNumbers(decoded) : numericFields(payload);
}

/**
 * {@link payloadNumbers} into `out` (cleared first), for the payload at `start`–`end` of
 * `bytes`, read in place: what the ingest calls per message, with no array per message or per
 * number and no view of the payload for the common flat JSON object.
 */
export function payloadNumbersInto(bytes: Uint8Array, start: number, end: number, decoded: DecodedPayload | undefined, out: NumberFields): void {
  out.clear();
  if (decoded) {
    for (const [name, value] of decodedNumbers(decoded)) out.push(name, value);
    return;
  }
  const size = end - start;
  if (size === 0 || size > MAX_PARSED_BYTES) return;
  // Cheap refusals first: only a digit, a sign, a dot or '{' (after spaces) can start one.
  let first = start;
  while (first < end && (bytes[first] === 0x20 || bytes[first] === 0x0a || bytes[first] === 0x0d || bytes[first] === 0x09)) first++;
  if (first === end) return;
  const lead = bytes[first]!;
  const numeric = (lead >= 0x30 && lead <= 0x39) || lead === 0x2d || lead === 0x2b || lead === 0x2e;
  if (!numeric && lead !== 0x7b) return;
  // The common flat object straight from its bytes; anything else parsed below.
  if (!numeric && readFlatJsonNumbers(bytes, first, end, out)) return;
  out.clear();
  for (const [name, value] of slowNumbers(bytes.subarray(start, end), numeric)) out.push(name, value);
}

/**
 * The numbers in a payload worth charting: the payload itself when it is a number, else the
 * numeric top-level fields of a JSON object.
 */
export function numericFields(payload: Uint8Array): Array<[string, number]> {
  const out = new NumberFields();
  payloadNumbersInto(payload, 0, payload.byteLength, undefined, out);
  return out.toArray();
}

/** Numbers of a payload that starts like a number (`numeric`) or an object, by decoding and parsing it. */
function slowNumbers(payload: Uint8Array, numeric: boolean): Array<[string, number]> {
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
