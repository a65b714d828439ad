/**
 * Decoding of whole frames (the Framer cuts them) with mqtt-packet. One parser per protocol
 * version serves every connection: a parser per connection cost about 1 KiB each (its
 * BufferList is a full stream) and kept the client's CONNECT, password and will included,
 * for the life of the connection. A frame is always complete, so a parser never carries
 * state from one connection's frame to another's; when it might (an error, or bytes left
 * over), its state is reset before anyone else uses it.
 */

import { parser as createParser, type Packet, type Parser } from 'mqtt-packet';
import type { Violation } from '../shared/packet-rules/violation';
import { validatePacket, type ValidationOptions } from '../shared/packet-rules/validate';
import { fastDecode } from './fast-decode';
import { Reason } from './reason-codes';
import type { ProtocolVersion } from './types';

/** What decoding one frame gave: a packet, or why not. */
export type Decoded = { packet: Packet; error?: undefined } | { packet?: undefined; error: Error | undefined };

let lastPacket: Packet | undefined;
let lastError: Error | undefined;

const parsers = new Map<ProtocolVersion, Parser>();

/** The parser settings per version; mqtt-packet only reads them (a CONNECT replaces, never mutates, them). */
const SETTINGS: Readonly<Record<ProtocolVersion, { protocolVersion: ProtocolVersion }>> = { 3: { protocolVersion: 3 }, 4: { protocolVersion: 4 }, 5: { protocolVersion: 5 } };

function parserFor(version: ProtocolVersion): Parser {
  let parser = parsers.get(version);
  if (!parser) {
    parser = createParser({ protocolVersion: version });
    // Emitted synchronously inside parse(), read right after it.
    parser.on('packet', (packet: Packet) => (lastPacket = packet));
    parser.on('error', (error: Error) => (lastError = error));
    parsers.set(version, parser);
  }
  return parser;
}

/** mqtt-packet's parser internals this module resets. */
interface ParserState {
  settings: { protocolVersion: ProtocolVersion };
  _list: { length: number };
  _stateCounter: number;
  /** Read position; `_resetState` leaves it, and the length of the next packet would be read from it. */
  _pos: number;
  _resetState(): void;
}

/** A frame that is no packet: the rule it breaks; `codecGap` when the rule tables let it through and mqtt-packet did not. */
export interface Refused {
  cmd?: undefined;
  violation: Violation;
  codecGap?: string;
}

/**
 * A client's frame as a packet, or the rule it breaks. The common packets by hand, only
 * when valid in full (fast-decode.ts); everything else is checked against the rule tables
 * (shared/packet-rules) before mqtt-packet decodes it. A packet comes back as it is (no
 * wrapper allocated per packet on the read path): tell them apart by `cmd`.
 */
export function decodeInbound(bytes: Buffer, version: ProtocolVersion, options: ValidationOptions): Packet | Refused {
  const fast = fastDecode(bytes, version);
  if (fast) return fast;
  const violation = validatePacket(bytes, version, options);
  if (violation) return { violation };
  const decoded = decodeFrame(bytes, version);
  if (decoded.packet) return decoded.packet;
  // The rule tables must refuse all that mqtt-packet refuses; this is a gap in them.
  return {
    violation: { rule: '§2', message: decoded.error?.message ?? 'undecodable packet', reasonCode: Reason.malformedPacket },
    codecGap: `The codec refused a packet the validator accepted: ${decoded.error?.message ?? 'undecodable'} (${bytes.toString('hex')})`,
  };
}

/** Decodes one complete frame as a packet of the given protocol version. */
export function decodeFrame(frame: Buffer, version: ProtocolVersion): Decoded {
  if (version === 3) frame = as311(frame);
  const parser = parserFor(version);
  const state = parser as unknown as ParserState;
  // Parsing a CONNECT replaces the settings with that packet; set them back each time so
  // the version is ours and no client's CONNECT stays referenced (a shared object: no
  // allocation per frame on the read path).
  state.settings = SETTINGS[version];
  lastPacket = undefined;
  lastError = undefined;
  parser.parse(frame);
  const packet = lastPacket as Packet | undefined;
  const error = lastError as Error | undefined;
  lastPacket = undefined;
  lastError = undefined;
  if (error || !packet || state._list.length > 0 || state._stateCounter !== 0) {
    state._resetState();
    state._pos = 0;
  }
  return packet && !error ? { packet } : { error };
}

/**
 * A 3.1 frame as mqtt-packet accepts it. 3.1 gave every fixed header DUP/QoS/RETAIN bits and
 * did not reserve bit 0 of the Connect Flags, where mqtt-packet applies 3.1.1's rules; the
 * validator (shared/packet-rules) has checked the frame by 3.1's, so those bits are cleared
 * in a copy. Frames that need nothing cleared are returned as they are.
 */
function as311(frame: Buffer): Buffer {
  const type = frame[0]! >> 4;
  if (type === 3) return frame; // PUBLISH: its flags mean the same in both
  const flags = type === 6 || type === 8 || type === 10 ? 0b0010 : 0;
  let copy: Buffer | undefined;
  if ((frame[0]! & 0x0f) !== flags) {
    copy = Buffer.from(frame);
    copy[0] = (type << 4) | flags;
  }
  if (type === 1) {
    let body = 1;
    while (body < 5 && (frame[body]! & 0x80) !== 0) body++;
    body++;
    const flagsAt = body + 2 + frame.readUInt16BE(body) + 1; // protocol name, level, then the Connect Flags
    if (flagsAt < frame.length && (frame[flagsAt]! & 0x01) !== 0) {
      copy ??= Buffer.from(frame);
      copy[flagsAt] = copy[flagsAt]! & 0xfe;
    }
  }
  return copy ?? frame;
}
