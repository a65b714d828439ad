/**
 * The validator's byte cursor: every read is bounds-checked against the end of the field
 * list it is in (the packet, or a property list), and a read that does not fit throws a
 * Malformed Packet naming the field. Strings are checked as they are read.
 */

import { PACKET_RULES, type PacketTypeRule } from './tables';
import { checkUtf8, UTF8_CONTROL, UTF8_ILL_FORMED, UTF8_NONCHARACTER, UTF8_NULL, UTF8_OK, type Utf8Problem } from './utf8-check';
import { RC, type ProtocolLevel, type RuleRef, type Violation } from './violation';

/** Thrown inside the validator; `validatePacket` turns it into its result. */
export class Refusal {
  constructor(readonly violation: Violation) {}
}

/** Throws a violation. */
export function refuse(rule: RuleRef, message: string, reasonCode: number, returnCode?: number): never {
  throw new Refusal(returnCode === undefined ? { rule, message, reasonCode } : { rule, message, reasonCode, returnCode });
}

/** How the validator treats what the spec leaves to the server. */
export interface ValidationOptions {
  /** Accept control characters and noncharacters in UTF-8 strings (mosquitto never does). Default false. */
  allowControlCharacters?: boolean;
}

/** What kind of string is read, for the rule a bad one breaks. */
export type StringKind = 'string' | 'topic' | 'filter';

/** A bounds-checked reader over one frame. */
export class Cursor {
  pos: number;
  /** Where the current field list ends (the packet, or a property list inside it). */
  end: number;
  /** The packet type row of the frame being read. */
  readonly type: PacketTypeRule;

  constructor(
    readonly bytes: Uint8Array,
    start: number,
    end: number,
    readonly version: ProtocolLevel,
    readonly allowControl: boolean,
  ) {
    this.pos = start;
    this.end = end;
    this.type = PACKET_RULES[bytes[0]! >> 4]!;
  }

  /** Bytes left before `end`. */
  get left(): number {
    return this.end - this.pos;
  }

  /** A Malformed Packet: the field does not fit, or is not what its type must be. */
  malformed(rule: RuleRef, message: string): never {
    return refuse(rule, message, RC.malformed);
  }

  /** The section that defines the current packet type (3.1 and 3.1.1 use §3.N, as 5.0 does). */
  section(): RuleRef {
    return `§3.${this.bytes[0]! >> 4}`;
  }

  private short(what: string, need: number): never {
    // A CONNECT that does not hold its fields breaks "conforms to section 3.1" [MQTT-3.1.4-1].
    return this.malformed(this.type.name === 'CONNECT' ? 'MQTT-3.1.4-1' : this.section(), `${this.type.name} ends inside its ${what} (offset ${this.pos}: ${need} byte${need === 1 ? '' : 's'} needed, ${Math.max(0, this.left)} left)`);
  }

  u8(what: string): number {
    if (this.left < 1) this.short(what, 1);
    return this.bytes[this.pos++]!;
  }

  u16(what: string): number {
    if (this.left < 2) this.short(what, 2);
    const value = (this.bytes[this.pos]! << 8) | this.bytes[this.pos + 1]!;
    this.pos += 2;
    return value;
  }

  u32(what: string): number {
    if (this.left < 4) this.short(what, 4);
    const b = this.bytes;
    const value = b[this.pos]! * 0x1000000 + ((b[this.pos + 1]! << 16) | (b[this.pos + 2]! << 8) | b[this.pos + 3]!);
    this.pos += 4;
    return value;
  }

  /** A Variable Byte Integer: at most 4 bytes, and in 5.0 no longer than needed [MQTT-1.5.5-1]. */
  vbi(what: string): number {
    const at = this.pos;
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 4; i++) {
      const byte = this.u8(what);
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        if (i > 0 && byte === 0 && this.version === 5) this.malformed('MQTT-1.5.5-1', `${what} at offset ${at} uses ${i + 1} bytes for ${value}, more than the minimum`);
        return value;
      }
      multiplier *= 128;
    }
    return this.malformed('§1.5.5', `${what} at offset ${at} continues past 4 bytes`);
  }

  /** A length-prefixed field's bounds, [start, end). */
  prefixed(what: string): number {
    const length = this.u16(`${what} length`);
    if (this.left < length) this.short(what, length);
    const start = this.pos;
    this.pos += length;
    return start;
  }

  /**
   * A UTF-8 Encoded String, checked (3.1.1 §1.5.3, 5.0 §1.5.4); returns its start, so that
   * `pos - start` is its length. Topic names and filters cite [MQTT-4.7.3-2] for U+0000.
   */
  string(what: string, kind: StringKind = 'string'): number {
    const start = this.prefixed(what);
    const problem = checkUtf8(this.bytes, start, this.pos, this.allowControl);
    if (problem !== UTF8_OK) this.badString(problem, what, kind, start - 2);
    return start;
  }

  /** Refuses a string with a problem: malformed in both versions (5.0 §1.5.4; 3.1.1 closes the connection). */
  badString(problem: Utf8Problem, what: string, kind: StringKind, at: number): never {
    const v5 = this.version === 5;
    switch (problem) {
      case UTF8_ILL_FORMED:
        return this.malformed(v5 ? 'MQTT-1.5.4-1' : 'MQTT-1.5.3-1', `${what} at offset ${at} is not well-formed UTF-8`);
      case UTF8_NULL:
        return this.malformed(kind === 'string' ? (v5 ? 'MQTT-1.5.4-2' : 'MQTT-1.5.3-2') : 'MQTT-4.7.3-2', `${what} at offset ${at} contains U+0000`);
      case UTF8_CONTROL:
        return this.malformed(v5 ? '§1.5.4' : '§1.5.3', `${what} at offset ${at} contains a control character (U+0001–U+001F, U+007F–U+009F); the broker option allow_control_characters accepts them`);
      case UTF8_NONCHARACTER:
        return this.malformed(v5 ? '§1.5.4' : '§1.5.3', `${what} at offset ${at} contains a Unicode noncharacter; the broker option allow_control_characters accepts them`);
      default:
        return this.malformed(v5 ? 'MQTT-1.5.4-1' : 'MQTT-1.5.3-1', `${what} at offset ${at} is not a valid string`);
    }
  }

  /** Binary Data: a length-prefixed byte string, any content; returns its start. */
  binary(what: string): number {
    return this.prefixed(what);
  }

  /** Whether the bytes from `start` to the cursor spell `text` (ASCII). */
  spells(start: number, text: string): boolean {
    if (this.pos - start < text.length) return false;
    for (let i = 0; i < text.length; i++) if (this.bytes[start + i] !== text.charCodeAt(i)) return false;
    return true;
  }

  /** Whether the bytes [start, pos) contain one of the given ASCII bytes. */
  contains(start: number, a: number, b: number): boolean {
    for (let i = start; i < this.pos; i++) {
      const c = this.bytes[i];
      if (c === a || c === b) return true;
    }
    return false;
  }
}
