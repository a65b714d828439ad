/**
 * mosquitto_sub's `-F` format strings: the check made when the flag is read (with its
 * messages), and the format cut into pieces once, so printing a message walks a list
 * instead of re-reading the string. Both work on the UTF-8 bytes, as mosquitto does.
 */

import { utf8Encode } from '../utf8';

/** The `%` codes mosquitto_sub knows. */
const PERCENT_CODES = new Set('%ACDEFIlmPpqRSrtjJUxX');
/** The `\` escapes and the byte each stands for. */
export const ESCAPES: Record<string, number> = { '\\': 0x5c, '0': 0x00, a: 0x07, e: 0x1b, n: 0x0a, r: 0x0d, t: 0x09, v: 0x0b };

const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;

/**
 * check_format: undefined when mosquitto accepts the format, else the exact error line.
 */
export function checkFormat(format: string): string | undefined {
  const s = utf8Encode(format);
  const len = s.length;
  const incomplete = 'Error: Incomplete format specifier.\n';
  for (let i = 0; i < len; i++) {
    if (s[i] === 0x25 /* % */) {
      if (i === len - 1) return incomplete;
      if (s[i + 1] === 0x30 || s[i + 1] === 0x2d) {
        i++;
        if (i === len - 1) return incomplete;
      }
      while (isDigit(s[i + 1])) {
        i++;
        if (i === len - 1) return incomplete;
      }
      if (s[i + 1] === 0x2e /* . */) {
        i++;
        if (i === len - 1) return incomplete;
        while (isDigit(s[i + 1])) {
          i++;
          if (i === len - 1) return incomplete;
        }
      }
      const code = String.fromCharCode(s[i + 1]!);
      if (!PERCENT_CODES.has(code)) return `Error: Invalid format specifier '${charOf(s, i + 1)}'.\n`;
      i++;
    } else if (s[i] === 0x40 /* @ */) {
      if (i === len - 1) return incomplete;
      i++;
    } else if (s[i] === 0x5c /* \ */) {
      if (i === len - 1) return 'Error: Incomplete escape specifier.\n';
      if (!(String.fromCharCode(s[i + 1]!) in ESCAPES)) return `Error: Invalid escape specifier '${charOf(s, i + 1)}'.\n`;
      i++;
    }
  }
  return undefined;
}

/** The character printed by C's %c for one byte (a lone byte of a multi-byte character is shown as is). */
function charOf(bytes: Uint8Array, index: number): string {
  return String.fromCharCode(bytes[index]!);
}

/** One piece of a format: literal bytes, a `%` field, an `@` time field or a `\` escape. */
export type FormatPiece =
  | { kind: 'text'; bytes: Uint8Array }
  | { kind: 'percent'; code: string; align: '-' | ''; pad: ' ' | '0'; width: number; precision: number }
  | { kind: 'time'; code: string }
  | { kind: 'escape'; byte: number };

/** Cuts a checked format into pieces, reading it exactly as mosquitto_sub's printer does. */
export function parseFormat(format: string): FormatPiece[] {
  const s = utf8Encode(format);
  const len = s.length;
  const pieces: FormatPiece[] = [];
  let textStart = 0;
  const flush = (end: number) => {
    if (end > textStart) pieces.push({ kind: 'text', bytes: s.slice(textStart, end) });
  };
  for (let i = 0; i < len; i++) {
    const c = s[i];
    if (c !== 0x25 && c !== 0x40 && c !== 0x5c) continue;
    flush(i);
    if (c === 0x25) {
      let align: '-' | '' = '';
      let pad: ' ' | '0' = ' ';
      let width = 0;
      let precision = -1;
      if (i < len - 1) {
        i++;
        if (s[i] === 0x2d) {
          align = '-';
          if (i < len - 1) i++;
        }
        if (s[i] === 0x30) {
          pad = '0';
          if (i < len - 1) i++;
        }
        while (i < len - 1 && isDigit(s[i])) width = width * 10 + (s[i++]! - 0x30);
        if (s[i] === 0x2e && i < len - 1) {
          i++;
          precision = 0;
          while (i < len - 1 && isDigit(s[i])) precision = precision * 10 + (s[i++]! - 0x30);
        }
        if (i < len) pieces.push({ kind: 'percent', code: String.fromCharCode(s[i]!), align, pad, width, precision });
      }
    } else if (c === 0x40) {
      if (i < len - 1) {
        i++;
        pieces.push(s[i] === 0x40 ? { kind: 'text', bytes: s.slice(i, i + 1) } : { kind: 'time', code: String.fromCharCode(s[i]!) });
      }
    } else if (i < len - 1) {
      i++;
      const byte = ESCAPES[String.fromCharCode(s[i]!)];
      if (byte !== undefined) pieces.push({ kind: 'escape', byte });
    }
    textStart = i + 1;
  }
  flush(len);
  return pieces;
}
