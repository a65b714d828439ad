/**
 * Bytes as text to copy out of the inspector: hex as a dump shows it, the bytes decoded as
 * UTF-8 text, or source code for a C or JavaScript byte array (as Wireshark's "Copy as C
 * Arrays"), sixteen bytes to a line.
 */

import { utf8Decode } from './utf8';

/** The ways bytes can be copied. */
export type ByteFormat = 'hex' | 'text' | 'c' | 'js';

/** Human names of the formats, for buttons and messages. */
export const BYTE_FORMAT_NAMES: Readonly<Record<ByteFormat, string>> = { hex: 'hex', text: 'text', c: 'C array', js: 'JS array' };

const PER_LINE = 16;

function lines(bytes: Uint8Array, format: (b: number) => string, separator: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += PER_LINE) out.push(Array.from(bytes.subarray(i, i + PER_LINE), format).join(separator));
  return out;
}

const hex2 = (b: number) => b.toString(16).padStart(2, '0');
const c = (b: number) => `0x${hex2(b)}`;

/** Formats `bytes`; `name` is the variable a C array declares (a C identifier). */
export function formatBytes(bytes: Uint8Array, format: ByteFormat, name = 'packet'): string {
  switch (format) {
    case 'hex':
      return lines(bytes, hex2, ' ').join('\n');
    case 'text':
      return utf8Decode(bytes);
    case 'c': {
      const body = lines(bytes, c, ', ');
      return `unsigned char ${name}[${bytes.length}] = {${body.length ? `\n  ${body.join(',\n  ')}\n` : ''}};`;
    }
    case 'js': {
      const body = lines(bytes, c, ', ');
      return `new Uint8Array([${body.length ? `\n  ${body.join(',\n  ')}\n` : ''}])`;
    }
  }
}

/** How the ASCII column of a hex dump shows a byte: printable ASCII as itself, anything else as a dot. */
export function asciiCell(byte: number): string {
  return byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '.';
}
