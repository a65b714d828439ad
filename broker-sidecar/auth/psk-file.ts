/**
 * mosquitto's psk_file: one `identity:key` line per TLS-PSK client, the key in hexadecimal
 * without "0x" (Debian's pskfile.example: `id:deadbeef`). Bad lines are refused with
 * FILE:LINE, like the other mosquitto files.
 */

import { readFile } from 'node:fs/promises';
import { IssueList, sourceLines } from '../config/config-error';

/** Parses psk_file text into the key of each identity. Throws ConfigError. */
export function parsePskFile(text: string, file: string): Map<string, Buffer> {
  const issues = new IssueList(file);
  const keys = new Map<string, Buffer>();
  for (const { line, raw } of sourceLines(text)) {
    const entry = raw.trim();
    const colon = entry.indexOf(':');
    const identity = colon < 0 ? '' : entry.slice(0, colon).trim();
    const hex = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (identity === '' || hex === '') {
      issues.add(line, 'expected identity:key');
      continue;
    }
    if (!/^[0-9a-fA-F]+$/.test(hex)) {
      issues.add(line, `the key of "${identity}" is not hexadecimal`);
      continue;
    }
    if (keys.has(identity)) {
      issues.add(line, `identity "${identity}" is listed twice`);
      continue;
    }
    // An odd number of digits reads as if a leading 0 were there, as OpenSSL's BN_hex2bn does for mosquitto.
    keys.set(identity, Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, 'hex'));
  }
  issues.throwIfAny();
  return keys;
}

/** Reads and parses a psk_file. Throws ConfigError (or the read error). */
export async function loadPskFile(file: string): Promise<Map<string, Buffer>> {
  return parsePskFile(await readFile(file, 'utf8'), file);
}
