/**
 * Payload views: the same bytes shown as text, JSON, hex or base64, and text typed by the
 * user turned back into bytes. MessagePack/CBOR views arrive with the message detail pane.
 */

import { base64Decode, base64Encode } from './base64';
import { utf8Decode, utf8DecodeStrict, utf8Encode } from './utf8';

/** The formats a payload can be shown in or typed in. */
export const PAYLOAD_FORMATS = ['text', 'json', 'hex', 'base64'] as const;
/** One of {@link PAYLOAD_FORMATS}. */
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

/** Renders bytes in a format; JSON that does not parse falls back to text. */
export function formatPayload(bytes: Uint8Array, format: PayloadFormat): string {
  switch (format) {
    case 'text':
      return utf8Decode(bytes);
    case 'json': {
      const text = utf8DecodeStrict(bytes);
      if (text === undefined) return utf8Decode(bytes);
      try {
        return JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        return text;
      }
    }
    case 'hex':
      return toHex(bytes);
    case 'base64':
      return base64Encode(bytes);
    default: {
      const never: never = format;
      throw new Error(`Unknown payload format ${String(never)}`);
    }
  }
}

/**
 * Turns what the user typed into bytes.
 * @throws Error with a message fit for the field when the text is not valid in that format.
 */
export function parsePayload(text: string, format: PayloadFormat): Uint8Array {
  switch (format) {
    case 'text':
      return utf8Encode(text);
    case 'json':
      try {
        JSON.parse(text);
      } catch (error) {
        throw new Error(`Payload is not valid JSON: ${(error as Error).message}`);
      }
      return utf8Encode(text);
    case 'hex':
      return fromHex(text);
    case 'base64':
      return base64Decode(text);
    default: {
      const never: never = format;
      throw new Error(`Unknown payload format ${String(never)}`);
    }
  }
}

/** Guesses the most useful view: JSON when it parses, text when valid UTF-8, hex otherwise. */
export function detectPayloadFormat(bytes: Uint8Array): PayloadFormat {
  const text = utf8DecodeStrict(bytes);
  if (text === undefined) return 'hex';
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      JSON.parse(trimmed);
      return 'json';
    } catch {
      return 'text';
    }
  }
  return 'text';
}

/** Lower-case hex, bytes separated by single spaces. */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += ' ';
    out += bytes[i]!.toString(16).padStart(2, '0');
  }
  return out;
}

/**
 * Parses hex with optional whitespace between bytes.
 * @throws Error when a character is not hex or the digit count is odd.
 */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new Error('Invalid hex: only 0-9, a-f and spaces are allowed');
  if (clean.length % 2 !== 0) throw new Error('Invalid hex: odd number of digits');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
