/**
 * A byte cursor that records every value it reads as a field of the inspector's tree. Reads
 * happen inside nested groups; a failed read throws {@link DecodeError}, and groups that are
 * open at that moment are closed where their last complete child ended, so the caller keeps
 * every field decoded so far and the ranges still nest.
 */

import { readVariableByteInteger } from '../packet-frames';
import { utf8Decode, utf8DecodeStrict } from '../utf8';

/** One decoded field and the bytes it came from. */
export interface FieldNode {
  name: string;
  value: string | number | boolean | null;
  /** First byte of the field, as an offset into the frame. */
  start: number;
  /** One past the last byte (exclusive); equal to `start` for an empty field. */
  end: number;
  /** Sub-fields, in byte order, within [start, end). */
  children?: FieldNode[];
  /** Wireshark's display filter field for the same bytes (e.g. `mqtt.topic`), when it has one. */
  filter?: string;
}

/** Why decoding stopped: a truncated or malformed field at `offset`. */
export class DecodeError extends Error {
  /** Creates the error; the message should already name the offset. */
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** Formats a byte as the spec writes it, e.g. 0x8F. */
export function hexByte(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Space-separated lowercase hex of at most `max` bytes, with '…' when cut short. */
export function hexBytes(bytes: Uint8Array, max = 64): string {
  const shown = Array.from(bytes.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return bytes.length > max ? `${shown} …` : shown;
}

/**
 * A short, one-line preview of application data: the text itself when it is valid UTF-8
 * without control characters (line breaks shown as ↵, tabs as spaces), otherwise hex. Long
 * data is cut at `maxChars` characters (or a third of that in bytes, for hex) and ends with
 * '…'. Only the start of long data is examined, so previewing a huge payload stays cheap;
 * the inspector shows the bytes themselves next to it.
 */
export function previewPayload(bytes: Uint8Array, maxChars = 64): string {
  // A UTF-8 character has at most 4 bytes; anything past that budget is never shown.
  const budget = maxChars * 4;
  const head = bytes.length > budget ? bytes.subarray(0, budget) : bytes;
  let text = utf8DecodeStrict(head);
  // The cut may split the last character: drop up to 3 bytes of it before calling it binary.
  for (let drop = 1; text === undefined && head !== bytes && drop <= 3; drop++) text = utf8DecodeStrict(head.subarray(0, head.length - drop));
  if (text !== undefined && !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text)) {
    const chars = Array.from(text);
    const oneLine = (s: string) => s.replace(/\r\n|\n|\r/g, '↵').replace(/\t/g, ' ');
    return chars.length > maxChars || head !== bytes ? `${oneLine(chars.slice(0, maxChars).join(''))}…` : oneLine(text);
  }
  return `hex: ${hexBytes(bytes, Math.max(1, Math.floor(maxChars / 3)))}`;
}

interface OpenGroup {
  node: FieldNode;
  children: FieldNode[];
}

/** The cursor plus the tree it builds. Offsets are always frame offsets. */
export class FieldReader {
  /** Top-level fields. */
  readonly fields: FieldNode[] = [];
  /** Non-fatal findings (reserved bits set, codes out of place); decoding went on. */
  readonly problems: string[] = [];
  pos: number;
  private limit: number;
  private limitName: string;
  private readonly open: OpenGroup[] = [];
  /**
   * Where the frame was cut short of its Remaining Length, if it was: running into this
   * offset means "truncated", while running into a limit before it means "malformed".
   * Until the fixed header is read, the frame's end counts as a cut.
   */
  cutAt: number | undefined;

  /** Reads `bytes` from `start`, never past `limit`, which is called `limitName` in errors. */
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    limit: number,
    limitName: string,
  ) {
    this.pos = start;
    this.limit = limit;
    this.limitName = limitName;
    this.cutAt = bytes.length;
  }

  /** Bytes left before the current limit. */
  get remaining(): number {
    return this.limit - this.pos;
  }

  /** The current limit: the end of the packet, or of the property list being read. */
  get end(): number {
    return this.limit;
  }

  /** Records a non-fatal problem found at `offset`. */
  problem(message: string, offset: number): void {
    this.problems.push(`${message} (offset ${offset})`);
  }

  /** Adds a finished field to the innermost open group (or the top level). */
  add(node: FieldNode): FieldNode {
    const parent = this.open[this.open.length - 1];
    (parent ? parent.children : this.fields).push(node);
    return node;
  }

  /** Adds a field spanning [start, end) without moving the cursor. */
  leaf(name: string, value: FieldNode['value'], start: number, end: number): FieldNode {
    return this.add({ name, value, start, end });
  }

  /**
   * Runs `read` inside a new group starting at the cursor. The group ends where its last
   * child ends; if `read` throws, a group with no children is dropped and the error goes on.
   */
  group<T>(name: string, value: FieldNode['value'], read: (node: FieldNode) => T): T {
    const node: FieldNode = { name, value, start: this.pos, end: this.pos };
    const entry: OpenGroup = { node, children: [] };
    this.add(node);
    this.open.push(entry);
    let ok = false;
    try {
      const result = read(node);
      ok = true;
      return result;
    } finally {
      this.open.pop();
      const last = entry.children[entry.children.length - 1];
      node.end = ok ? Math.max(this.pos, node.start) : (last?.end ?? node.start);
      if (entry.children.length > 0) node.children = entry.children;
      else if (!ok) this.removeLast(node);
    }
  }

  /**
   * Reads with the limit lowered to `end` (e.g. a property list), restoring it after.
   * `what` names the length that set `end`, for the error when `end` is past the limit.
   */
  within<T>(end: number, limitName: string, what: string, read: () => T): T {
    const saved = { limit: this.limit, name: this.limitName };
    if (end > this.limit) {
      throw new DecodeError(`${this.truncated(end - this.pos)}${what} runs to offset ${end}, past the ${this.limitName} at offset ${this.limit}`, this.pos);
    }
    this.limit = end;
    this.limitName = limitName;
    try {
      return read();
    } finally {
      this.limit = saved.limit;
      this.limitName = saved.name;
    }
  }

  /** Claims `n` bytes at the cursor and returns their start, or throws when they are not there. */
  take(n: number, what: string): number {
    if (n > this.remaining) {
      throw new DecodeError(
        `${this.truncated(n)}${what} at offset ${this.pos} needs ${n} byte${n === 1 ? '' : 's'}, but only ${this.remaining} remain before the ${this.limitName}`,
        this.pos,
      );
    }
    const start = this.pos;
    this.pos += n;
    return start;
  }

  /** Reads one byte as a field named `name`. */
  u8(name: string, display: (v: number) => FieldNode['value'] = (v) => v): { value: number; node: FieldNode } {
    const at = this.take(1, name);
    const value = this.bytes[at]!;
    return { value, node: this.leaf(name, display(value), at, at + 1) };
  }

  /** Reads a big-endian two-byte integer as a field named `name`. */
  u16(name: string): { value: number; node: FieldNode } {
    const at = this.take(2, name);
    const value = (this.bytes[at]! << 8) | this.bytes[at + 1]!;
    return { value, node: this.leaf(name, value, at, at + 2) };
  }

  /** Reads a big-endian four-byte integer as a field named `name`. */
  u32(name: string): { value: number; node: FieldNode } {
    const at = this.take(4, name);
    const b = this.bytes;
    const value = b[at]! * 0x1000000 + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
    return { value, node: this.leaf(name, value, at, at + 4) };
  }

  /** Reads a Variable Byte Integer [MQTT-1.5.5] as a field named `name`. */
  varint(name: string): { value: number; node: FieldNode } {
    const at = this.pos;
    const read = readVariableByteInteger(this.bytes, at, this.limit);
    if (read.status === 'malformed') throw new DecodeError(`${name} at offset ${at} is malformed: ${read.reason}`, at);
    if (read.status === 'incomplete') {
      throw new DecodeError(`${this.truncated(5)}${name} at offset ${at} is cut off by the ${this.limitName} at offset ${this.limit}`, at);
    }
    this.pos += read.length;
    if (read.length > 1 && this.bytes[at + read.length - 1] === 0) {
      this.problem(`${name} is not encoded in the fewest bytes [MQTT-1.5.5-1]`, at);
    }
    return { value: read.value, node: this.leaf(name, read.value, at, at + read.length) };
  }

  /**
   * Reads two-byte-length-prefixed data as a group `name` with children 'Length' and 'Value';
   * `show` turns the bytes into the value shown on both the group and the Value child.
   */
  prefixed(name: string, show: (data: Uint8Array, start: number) => FieldNode['value']): { data: Uint8Array; node: FieldNode } {
    let data: Uint8Array = new Uint8Array(0);
    let shown: FieldNode['value'] = null;
    const node = this.group(name, null, (g) => {
      const lengthAt = this.take(2, `${name} length`);
      const length = (this.bytes[lengthAt]! << 8) | this.bytes[lengthAt + 1]!;
      this.leaf('Length', length, lengthAt, lengthAt + 2);
      const at = this.take(length, name);
      data = this.bytes.subarray(at, at + length);
      shown = show(data, at);
      this.leaf('Value', shown, at, at + length);
      return g;
    });
    node.value = shown;
    return { data, node };
  }

  /** Reads a UTF-8 Encoded String [MQTT-1.5.4]; invalid UTF-8 or U+0000 is a problem, not fatal. */
  utf8(name: string): { value: string; node: FieldNode } {
    let text = '';
    const { node } = this.prefixed(name, (data, start) => {
      const strict = utf8DecodeStrict(data);
      if (strict === undefined) this.problem(`${name} is not valid UTF-8 [MQTT-1.5.4-1]`, start);
      text = strict ?? utf8Decode(data);
      if (text.includes('\u0000')) this.problem(`${name} contains U+0000 [MQTT-1.5.4-2]`, start);
      return text;
    });
    return { value: text, node };
  }

  /** Reads Binary Data [MQTT-1.5.6], shown as hex. */
  binary(name: string): { data: Uint8Array; node: FieldNode } {
    return this.prefixed(name, (data) => hexBytes(data));
  }

  /** 'Truncated: ' when reading `n` more bytes would run into the cut, not into a limit before it. */
  private truncated(n: number): string {
    return this.cutAt !== undefined && this.pos + n > this.cutAt && this.limit >= this.cutAt ? 'Truncated: ' : '';
  }

  private removeLast(node: FieldNode): void {
    const parent = this.open[this.open.length - 1];
    const list = parent ? parent.children : this.fields;
    const i = list.lastIndexOf(node);
    if (i >= 0) list.splice(i, 1);
  }
}
