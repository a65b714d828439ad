/**
 * Checks made on a packet's raw bytes, where mqtt-packet cannot help: it refuses unknown
 * protocol levels with a bare error (so no CONNACK 0x01/0x84 could be sent), and it
 * decodes strings leniently, turning ill-formed UTF-8 into U+FFFD instead of failing.
 */

import { utf8DecodeStrict } from '../shared/utf8';
import type { ProtocolVersion } from './types';

/** What the start of a CONNECT says about the protocol. */
export type ConnectPreamble =
  | { kind: 'ok'; version: ProtocolVersion }
  | { kind: 'unknown-protocol'; name: string }
  | { kind: 'unsupported-level'; level: number }
  | { kind: 'truncated' };

/** Bounds-checked cursor; every read returns undefined past the end. */
class Reader {
  pos: number;
  constructor(
    private readonly buf: Buffer,
    start: number,
  ) {
    this.pos = start;
  }
  byte(): number | undefined {
    return this.pos < this.buf.length ? this.buf[this.pos++] : undefined;
  }
  u16(): number | undefined {
    if (this.pos + 2 > this.buf.length) return undefined;
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }
  varint(): number | undefined {
    let value = 0;
    let mul = 1;
    for (let i = 0; i < 4; i++) {
      const b = this.byte();
      if (b === undefined) return undefined;
      value += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return value;
    }
    return undefined;
  }
  /** A length-prefixed field's bytes. */
  field(): Buffer | undefined {
    const len = this.u16();
    if (len === undefined || this.pos + len > this.buf.length) return undefined;
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  skip(n: number): boolean {
    this.pos += n;
    return this.pos <= this.buf.length;
  }
}

/** Offset of the variable header: after the type byte and the Remaining Length. */
function bodyStart(frame: Buffer): number {
  let i = 1;
  while (i < 5 && (frame[i]! & 0x80) !== 0) i++;
  return i + 1;
}

/** Reads protocol name and level of a CONNECT frame. */
export function inspectConnect(frame: Buffer): ConnectPreamble {
  const r = new Reader(frame, bodyStart(frame));
  const name = r.field();
  const level = r.byte();
  if (name === undefined || level === undefined) return { kind: 'truncated' };
  const text = name.toString('latin1');
  if (text !== 'MQTT' && text !== 'MQIsdp') return { kind: 'unknown-protocol', name: text };
  const plain = level & 0x7f; // bit 7 is the bridge flag mosquitto bridges set
  if (text === 'MQIsdp' && plain === 3) return { kind: 'ok', version: 3 };
  if (text === 'MQTT' && (plain === 4 || plain === 5)) return { kind: 'ok', version: plain };
  return { kind: 'unsupported-level', level: plain };
}

function badUtf8(bytes: Buffer | undefined): boolean {
  return bytes !== undefined && utf8DecodeStrict(bytes) === undefined;
}

/**
 * Names the first UTF-8 string field of the packet that is not well-formed UTF-8
 * [MQTT-1.5.3-1] (3.1.1; 5.0: [MQTT-1.5.4-1]), or undefined. Covers topics, filters, client ID, will topic and user
 * name; truncated packets are left for the codec to reject.
 */
export function findInvalidUtf8(frame: Buffer, version: ProtocolVersion): string | undefined {
  const type = frame[0]! >> 4;
  const r = new Reader(frame, bodyStart(frame));
  switch (type) {
    case 1:
      return checkConnectStrings(r);
    case 3:
      return badUtf8(r.field()) ? 'topic name' : undefined;
    case 8:
    case 10: {
      if (!r.skip(2)) return undefined;
      if (version === 5) {
        const propsLength = r.varint();
        if (propsLength === undefined || !r.skip(propsLength)) return undefined;
      }
      for (let guard = 0; guard < frame.length; guard++) {
        const filter = r.field();
        if (filter === undefined) return undefined;
        if (badUtf8(filter)) return 'topic filter';
        if (type === 8 && r.byte() === undefined) return undefined;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

function checkConnectStrings(r: Reader): string | undefined {
  r.field(); // protocol name, already inspected
  const level = r.byte();
  const flags = r.byte();
  if (level === undefined || flags === undefined || !r.skip(2)) return undefined;
  const v5 = (level & 0x7f) === 5;
  if (v5) {
    const len = r.varint();
    if (len === undefined || !r.skip(len)) return undefined;
  }
  if (badUtf8(r.field())) return 'client identifier';
  if (flags & 0x04) {
    if (v5) {
      const len = r.varint();
      if (len === undefined || !r.skip(len)) return undefined;
    }
    if (badUtf8(r.field())) return 'will topic';
    r.field(); // will payload is binary
  }
  if (flags & 0x80 && badUtf8(r.field())) return 'user name';
  return undefined;
}
