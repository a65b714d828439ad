/**
 * Byte builders for the conformance tables: every frame is written out field by field from
 * the specs' layouts (3.1 §3, 3.1.1 §3, 5.0 §3), never through a codec, so a case says
 * exactly which bytes go on the wire. Frames are kept as hex in the cases.
 */

/** A protocol level: 3 = 3.1, 4 = 3.1.1, 5 = 5.0. */
export type Version = 3 | 4 | 5;

/** Bytes from numbers, Buffers or strings (UTF-8). */
export function bytes(...parts: Array<number | number[] | Buffer | string>): Buffer {
  return Buffer.concat(parts.map((p) => (typeof p === 'number' ? Buffer.from([p]) : typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.isBuffer(p) ? p : Buffer.from(p))));
}

export function u16(n: number): Buffer {
  return Buffer.from([n >> 8, n & 0xff]);
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

/** A Variable Byte Integer in the fewest bytes. */
export function vbi(n: number): Buffer {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return Buffer.from(out);
}

/** A length-prefixed field: a string (UTF-8) or raw bytes (to write ill-formed UTF-8). */
export function str(value: string | Buffer): Buffer {
  const b = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return Buffer.concat([u16(b.length), b]);
}

/** A whole packet: the first byte, a minimal Remaining Length, the body. */
export function packet(first: number, ...body: Buffer[]): Buffer {
  const b = Buffer.concat(body);
  return Buffer.concat([Buffer.from([first]), vbi(b.length), b]);
}

/** A 5.0 property list from property entries. */
export function props(...entries: Buffer[]): Buffer {
  const b = Buffer.concat(entries);
  return Buffer.concat([vbi(b.length), b]);
}

/** One property of each encoding (5.0 §2.2.2.2). */
export const prop = {
  byte: (id: number, v: number) => bytes(id, v),
  u16: (id: number, v: number) => bytes(id, u16(v)),
  u32: (id: number, v: number) => bytes(id, u32(v)),
  vbi: (id: number, v: number) => bytes(id, vbi(v)),
  str: (id: number, v: string | Buffer) => bytes(id, str(v)),
  bin: (id: number, v: Buffer) => bytes(id, str(v)),
  pair: (id: number, k: string | Buffer, v: string | Buffer) => bytes(id, str(k), str(v)),
};

/** Every 5.0 property with a valid value, by identifier (the value a client may send where the property is allowed). */
export const SAMPLE_PROPERTY: Readonly<Record<number, Buffer>> = {
  0x01: prop.byte(0x01, 0),
  0x02: prop.u32(0x02, 60),
  0x03: prop.str(0x03, 'text/plain'),
  0x08: prop.str(0x08, 'reply/here'),
  0x09: prop.bin(0x09, Buffer.from([1, 2])),
  0x0b: prop.vbi(0x0b, 7),
  0x11: prop.u32(0x11, 0),
  0x12: prop.str(0x12, 'assigned'),
  0x13: prop.u16(0x13, 30),
  0x15: prop.str(0x15, 'SCRAM'),
  0x16: prop.bin(0x16, Buffer.from([9])),
  0x17: prop.byte(0x17, 1),
  0x18: prop.u32(0x18, 0),
  0x19: prop.byte(0x19, 0),
  0x1a: prop.str(0x1a, 'info'),
  0x1c: prop.str(0x1c, 'other:1883'),
  0x1f: prop.str(0x1f, 'why'),
  0x21: prop.u16(0x21, 10),
  0x22: prop.u16(0x22, 2),
  0x23: prop.u16(0x23, 1),
  0x24: prop.byte(0x24, 1),
  0x25: prop.byte(0x25, 1),
  0x26: prop.pair(0x26, 'k', 'v'),
  0x27: prop.u32(0x27, 100_000),
  0x28: prop.byte(0x28, 1),
  0x29: prop.byte(0x29, 1),
  0x2a: prop.byte(0x2a, 1),
};

/** Every 5.0 property identifier. */
export const PROPERTY_IDS = Object.keys(SAMPLE_PROPERTY).map(Number);

/** What a CONNECT carries; anything left out is the plain default. */
export interface ConnectFields {
  clientId: string | Buffer;
  /** Connect Flags as sent; by default computed from the fields (clean session/start set). */
  flags?: number;
  clean?: boolean;
  keepalive?: number;
  /** 5.0 CONNECT properties, as a whole property list. */
  properties?: Buffer;
  will?: { topic: string | Buffer; payload: Buffer; qos?: number; retain?: boolean; properties?: Buffer };
  username?: string | Buffer;
  password?: Buffer;
  /** Protocol name and level as sent (defaults: the version's). */
  name?: string;
  level?: number;
  /** Bytes appended after the last field. */
  extra?: Buffer;
}

/** A CONNECT of a version, field by field (3.1.1 §3.1, 5.0 §3.1; 3.1 names itself MQIsdp). */
export function connect(version: Version, f: ConnectFields): Buffer {
  const name = f.name ?? (version === 3 ? 'MQIsdp' : 'MQTT');
  const level = f.level ?? version;
  let flags = f.flags;
  if (flags === undefined) {
    flags = f.clean === false ? 0 : 0x02;
    if (f.will) flags |= 0x04 | ((f.will.qos ?? 0) << 3) | (f.will.retain ? 0x20 : 0);
    if (f.username !== undefined) flags |= 0x80;
    if (f.password !== undefined) flags |= 0x40;
  }
  const v5 = version === 5;
  const parts: Buffer[] = [str(name), Buffer.from([level, flags]), u16(f.keepalive ?? 60)];
  if (v5) parts.push(f.properties ?? props());
  parts.push(str(f.clientId));
  if (f.will) {
    if (v5) parts.push(f.will.properties ?? props());
    parts.push(str(f.will.topic), str(f.will.payload));
  }
  if (f.username !== undefined) parts.push(str(f.username));
  if (f.password !== undefined) parts.push(str(f.password));
  if (f.extra) parts.push(f.extra);
  return packet(0x10, ...parts);
}

/** What a PUBLISH carries. */
export interface PublishFields {
  topic: string | Buffer;
  qos?: number;
  dup?: boolean;
  retain?: boolean;
  id?: number;
  /** 5.0 properties as a whole list (default: none, a zero length). */
  properties?: Buffer;
  payload?: Buffer | string;
  /** The whole first byte, overriding type and flags. */
  first?: number;
}

/** A PUBLISH, field by field (§3.3). */
export function publish(version: Version, f: PublishFields): Buffer {
  const qos = f.qos ?? 0;
  const first = f.first ?? (0x30 | (f.dup ? 0x08 : 0) | (qos << 1) | (f.retain ? 1 : 0));
  const parts = [str(f.topic)];
  if (qos > 0 || f.id !== undefined) parts.push(u16(f.id ?? 1));
  if (version === 5) parts.push(f.properties ?? props());
  parts.push(typeof f.payload === 'string' ? Buffer.from(f.payload) : (f.payload ?? Buffer.alloc(0)));
  return packet(first, ...parts);
}

/** A SUBSCRIBE with (filter, options byte) entries (§3.8). */
export function subscribe(version: Version, id: number, entries: Array<[string | Buffer, number]>, properties?: Buffer, first = 0x82): Buffer {
  const parts = [u16(id)];
  if (version === 5) parts.push(properties ?? props());
  for (const [filter, options] of entries) parts.push(str(filter), Buffer.from([options]));
  return packet(first, ...parts);
}

/** An UNSUBSCRIBE (§3.10). */
export function unsubscribe(version: Version, id: number, filters: Array<string | Buffer>, properties?: Buffer, first = 0xa2): Buffer {
  const parts = [u16(id)];
  if (version === 5) parts.push(properties ?? props());
  for (const filter of filters) parts.push(str(filter));
  return packet(first, ...parts);
}

/** SUBACK as the broker sends it: one code per filter. */
export function suback(version: Version, id: number, codes: number[]): Buffer {
  return packet(0x90, u16(id), ...(version === 5 ? [props()] : []), Buffer.from(codes));
}

/** UNSUBACK as the broker sends it (3.x: no payload; 5.0: one code per filter). */
export function unsuback(version: Version, id: number, codes: number[]): Buffer {
  return version === 5 ? packet(0xb0, u16(id), props(), Buffer.from(codes)) : packet(0xb0, u16(id));
}

/** An ack of type 4..7 in the 2-byte form, or with a 5.0 reason code and an empty property list (as the broker writes it). */
export function ack(type: 4 | 5 | 6 | 7, id: number, reasonCode?: number): Buffer {
  const first = (type << 4) | (type === 6 ? 0b0010 : 0);
  return reasonCode === undefined ? packet(first, u16(id)) : packet(first, u16(id), Buffer.from([reasonCode, 0]));
}

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const PINGRESP = Buffer.from([0xd0, 0x00]);
export const DISCONNECT = Buffer.from([0xe0, 0x00]);

/** The 3.x CONNACK with a return code. */
export function connack3(returnCode: number, sessionPresent = false): Buffer {
  return Buffer.from([0x20, 0x02, sessionPresent ? 1 : 0, returnCode]);
}

/** The hex of a buffer, as cases store frames. */
export function hex(b: Buffer): string {
  return b.toString('hex');
}

/** UTF-8 bytes of one code point, written out even where JavaScript strings cannot hold it (surrogates). */
export function codePoint(cp: number): Buffer {
  if (cp < 0x80) return Buffer.from([cp]);
  if (cp < 0x800) return Buffer.from([0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)]);
  if (cp < 0x10000) return Buffer.from([0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]);
  return Buffer.from([0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]);
}

/** Ill-formed UTF-8, each with what is wrong with it (RFC 3629 §3, §4). */
export const ILL_FORMED_UTF8: ReadonlyArray<[string, Buffer]> = [
  ['a lone continuation byte', Buffer.from([0x61, 0x80])],
  ['a two-byte sequence cut short', Buffer.from([0x61, 0xc3])],
  ['a three-byte sequence cut short', Buffer.from([0xe2, 0x82])],
  ['the overlong two-byte NUL C0 80', Buffer.from([0xc0, 0x80])],
  ["the overlong '/' C0 AF", Buffer.from([0xc0, 0xaf])],
  ["the overlong three-byte '/' E0 80 AF", Buffer.from([0xe0, 0x80, 0xaf])],
  ['a high surrogate U+D800', codePoint(0xd800)],
  ['a low surrogate U+DFFF', codePoint(0xdfff)],
  ['a code point above U+10FFFF', Buffer.from([0xf4, 0x90, 0x80, 0x80])],
  ['the byte FF', Buffer.from([0x61, 0xff])],
  ['the byte FE', Buffer.from([0xfe])],
  ['a four-byte lead F5', Buffer.from([0xf5, 0x80, 0x80, 0x80])],
];

/** Every control character 3.1.1 §1.5.3 and 5.0 §1.5.4 say a sender SHOULD NOT use. */
export const CONTROL_CHARACTERS: readonly number[] = [...Array.from({ length: 0x1f }, (_, i) => i + 1), ...Array.from({ length: 0x21 }, (_, i) => 0x7f + i)];

/** Noncharacters, one of each kind. */
export const NONCHARACTERS: readonly number[] = [0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x1fffe, 0x10ffff];
