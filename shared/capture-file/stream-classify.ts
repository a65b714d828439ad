/**
 * Telling whether a TCP connection in a capture speaks MQTT, from its first bytes: a
 * CONNECT, or for a connection the capture joined late, bytes that frame as plausible MQTT
 * packets; and which side is the client. Pure byte checks, apart from the stream decoder.
 */

import type { Endpoint } from './tcp-streams';

/** Bytes a connection may send before we give up telling whether it speaks MQTT. */
export const CLASSIFY_LIMIT = 64 * 1024;

/** Bytes a side holds while its connection is classified. */
type Held = ReadonlyArray<{ bytes: Uint8Array }>;

/** Whether the bytes begin with the ASCII text. */
export function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** The bytes as Latin-1 text (HTTP headers), in slices so no call spreads too many arguments. */
export function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 4096) out += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return out;
}

/** The chunks joined, cut at `max` bytes. */
export function concat(chunks: Uint8Array[], max: number): Uint8Array {
  const out = new Uint8Array(Math.min(max, chunks.reduce((n, c) => n + c.length, 0)));
  let at = 0;
  for (const chunk of chunks) {
    if (at >= out.length) break;
    const part = chunk.subarray(0, out.length - at);
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** A CONNECT: type 1 with zero flags, then the protocol name MQTT or MQIsdp [MQTT-3.1.2-1]. */
export function isConnect(head: Uint8Array): boolean {
  if (head[0] !== 0x10) return false;
  let at = 1;
  while (at < 5 && at < head.length && (head[at]! & 0x80) !== 0) at++;
  at++;
  const name = (text: string) => head[at] === 0 && head[at + 1] === text.length && startsWith(head.subarray(at + 2), text);
  return name('MQTT') || name('MQIsdp');
}

/** Fixed-header flags each type must carry [MQTT-2.1.3-1]; PUBLISH's vary. */
const FLAGS = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];
/** The smallest remaining length of each type. */
const MIN_LENGTH = [0, 10, 2, 2, 2, 2, 2, 2, 5, 3, 5, 2, 0, 0, 0, 0];

/** How many whole plausible MQTT packets the held bytes start with, or false when they are not MQTT. */
export function plausibleFrames(held: Held): number | false {
  const bytes = concat(
    held.map((h) => h.bytes),
    CLASSIFY_LIMIT,
  );
  let at = 0;
  let count = 0;
  while (at + 2 <= bytes.length && count < 8) {
    const type = bytes[at]! >> 4;
    const flags = bytes[at]! & 0x0f;
    if (type === 0 || (FLAGS[type] !== -1 && flags !== FLAGS[type] && !(flags === 0x0a && FLAGS[type] === 2)) || (type === 3 && (flags & 6) === 6)) return false;
    let length = 0;
    let multiplier = 1;
    let i = at + 1;
    for (; i < at + 5 && i < bytes.length; i++) {
      length += (bytes[i]! & 0x7f) * multiplier;
      multiplier *= 128;
      if ((bytes[i]! & 0x80) === 0) break;
    }
    if (i >= bytes.length) break;
    if (i === at + 5 || length < MIN_LENGTH[type]!) return false;
    const end = i + 1 + length;
    if (end > bytes.length) break;
    at = end;
    count++;
  }
  return count;
}

/** Which side is the client of a connection joined late: the one sending SUBSCRIBE, PINGREQ…, else the higher port. */
export function guessClient(held: readonly [Held, Held], endpoints: readonly [Endpoint, Endpoint]): 0 | 1 {
  const clientOnly = new Set([1, 8, 10, 12]);
  const serverOnly = new Set([2, 9, 11, 13]);
  for (const side of [0, 1] as const) {
    for (const chunk of held[side]) {
      const type = chunk.bytes[0]! >> 4;
      if (clientOnly.has(type)) return side;
      if (serverOnly.has(type)) return side === 0 ? 1 : 0;
    }
  }
  const port = (e: Endpoint) => Number(e.slice(e.lastIndexOf(':') + 1));
  return port(endpoints[0]) > port(endpoints[1]) ? 0 : 1;
}
