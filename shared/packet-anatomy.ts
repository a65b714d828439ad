/**
 * Decodes one MQTT control packet into a tree of named fields, each tied to the bytes it
 * came from, for the packet inspector (decoded fields beside the raw bytes; selecting a
 * field highlights its bytes). Covers all 15 packet types of MQTT 3.1 (MQIsdp), 3.1.1 and
 * 5.0. It never throws: on truncated or malformed input it returns what it decoded so far,
 * the undecoded rest as one field, and `error` saying what is wrong and where. Section and
 * rule numbers refer to MQTT 5.0 (OASIS) unless they say 3.1.1.
 *
 * Shape of the tree: top-level fields tile the frame exactly ('Fixed header', 'Variable
 * header', 'Payload', and when needed 'Unexpected bytes', 'Trailing bytes' or 'Undecoded
 * bytes'). Children lie within their parent in byte order; only bit fields of one byte
 * (flags) share their byte with their siblings.
 */

import { DecodeError, FieldReader, hexByte, previewPayload, type FieldNode } from './packet-anatomy/field-reader';
import { readProperties } from './packet-anatomy/properties';
import { tagWiresharkFields } from './packet-anatomy/wireshark-fields';
import {
  anyReasonCodeName,
  CONNACK_RETURN_CODES,
  PACKET_TYPES,
  reasonCodeName,
  subackReturnCodeName,
  type PacketTypeName,
} from './packet-anatomy/tables';

export type { FieldNode } from './packet-anatomy/field-reader';
export type { PacketTypeName, PropertyInfo } from './packet-anatomy/tables';
export { hexBytes, previewPayload } from './packet-anatomy/field-reader';
export { PROPERTIES, reasonCodeName } from './packet-anatomy/tables';

/** An MQTT protocol version as the protocol level byte gives it: 3 = 3.1, 4 = 3.1.1, 5 = 5.0. */
export type MqttProtocolVersion = 3 | 4 | 5;

/** The inspector's view of one packet. */
export interface PacketAnatomy {
  /** The packet type, or null when the frame is empty or has the reserved type 0. */
  type: PacketTypeName | null;
  /** The version the packet was decoded as: a CONNECT's own protocol level, otherwise the caller's. */
  protocolVersion: MqttProtocolVersion;
  fields: FieldNode[];
  /** What is wrong with the packet, with byte offsets; absent for a well-formed packet. */
  error?: string;
}

/** Shown instead of a password, so the inspector never puts one on screen. */
export const MASKED_PASSWORD = '••••••••';

interface Header {
  type: PacketTypeName;
  flags: number;
  version: MqttProtocolVersion;
}

/**
 * Decodes `frame` (exactly one packet, fixed header included, e.g. from PacketFramer) as
 * MQTT `protocolVersion`. A CONNECT is decoded by its own protocol level instead, since it
 * is the packet that sets the version.
 */
export function annotatePacket(frame: Uint8Array, protocolVersion: MqttProtocolVersion): PacketAnatomy {
  const r = new FieldReader(frame, 0, frame.length, 'end of the frame');
  const result: PacketAnatomy = { type: null, protocolVersion, fields: r.fields };
  let fatal: string | undefined;
  let declaredEnd: number | undefined;
  let shortBy = '';
  try {
    const { type, flags, bodyStart, remainingLength } = readFixedHeader(r, protocolVersion, (t) => (result.type = t));
    declaredEnd = bodyStart + remainingLength;
    const header: Header = { type, flags, version: protocolVersion };
    shortBy = `the remaining length of ${remainingLength} needs ${declaredEnd} bytes, but the frame has ${frame.length}`;
    const end = Math.min(declaredEnd, frame.length);
    r.cutAt = frame.length < declaredEnd ? frame.length : undefined;
    const limitName = end === declaredEnd ? `end of the packet (remaining length ${remainingLength})` : 'end of the frame';
    r.within(end, limitName, 'The packet', () => {
      result.protocolVersion = readBody(r, header);
      if (r.remaining > 0) {
        r.problem(`${r.remaining} unexpected byte${r.remaining === 1 ? '' : 's'} at the end of ${type}`, r.pos);
        const at = r.take(r.remaining, 'Unexpected bytes');
        r.leaf('Unexpected bytes', previewPayload(frame.subarray(at, end)), at, end);
      }
    });
  } catch (error) {
    fatal = error instanceof DecodeError ? error.message : `Internal error while decoding: ${String(error)}`;
  }
  const covered = r.fields[r.fields.length - 1]?.end ?? 0;
  if (covered < frame.length) {
    const rest = frame.subarray(covered);
    if (fatal !== undefined || declaredEnd === undefined) {
      // No preview: the cut may fall inside a password, which must never be shown as text.
      r.leaf('Undecoded bytes', `${rest.length} byte${rest.length === 1 ? '' : 's'}`, covered, frame.length);
    } else {
      r.problem(`${rest.length} byte${rest.length === 1 ? '' : 's'} after the end of the packet`, covered);
      r.leaf('Trailing bytes', previewPayload(rest), covered, frame.length);
    }
  }
  // A truncated packet whose decoding still went through (the cut fell in a payload) says so here.
  if (fatal === undefined && declaredEnd !== undefined && frame.length < declaredEnd) fatal = `Truncated: ${shortBy}`;
  const messages = fatal === undefined ? r.problems : [fatal, ...r.problems];
  if (messages.length > 0) result.error = messages.join('; ');
  tagWiresharkFields(result.fields, result.type, result.protocolVersion);
  return result;
}

function readFixedHeader(r: FieldReader, version: MqttProtocolVersion, found: (type: PacketTypeName) => void) {
  let type: PacketTypeName | undefined;
  let flags = 0;
  let remainingLength = 0;
  r.group('Fixed header', null, (group) => {
    const at = r.take(1, 'Packet type');
    const byte = r.bytes[at]!;
    const typeNumber = byte >> 4;
    type = PACKET_TYPES[typeNumber];
    flags = byte & 0x0f;
    group.value = type ?? `Reserved (${typeNumber})`;
    r.leaf('Packet type', type ?? `Reserved (${typeNumber})`, at, at + 1);
    if (!type) throw new DecodeError(`Packet type ${typeNumber} at offset ${at} is reserved [MQTT 2.1.2]`, at);
    found(type);
    r.add(flagsField(r, type, flags, version, at));
    remainingLength = r.varint('Remaining length').value;
  });
  if (!type) throw new DecodeError('unreachable: no packet type', 0);
  if (type === 'AUTH' && version < 5) {
    throw new DecodeError(`Packet type 15 at offset 0 is reserved before MQTT 5 (AUTH exists only in 5.0)`, 0);
  }
  if (type === 'PUBLISH' && ((flags >> 1) & 3) === 3) {
    throw new DecodeError('PUBLISH at offset 0 has QoS 3, which is malformed [MQTT-3.3.1-4]', 0);
  }
  return { type, flags, bodyStart: r.pos, remainingLength };
}

function flagsField(r: FieldReader, type: PacketTypeName, flags: number, version: MqttProtocolVersion, at: number): FieldNode {
  const bit = (name: string, value: FieldNode['value']): FieldNode => ({ name, value, start: at, end: at + 1 });
  if (type === 'PUBLISH') {
    const qos = (flags >> 1) & 3;
    const dup = (flags & 8) !== 0;
    if (dup && qos === 0) r.problem('PUBLISH with QoS 0 has DUP set [MQTT-3.3.1-2]', at);
    return { ...bit('Flags', flags), children: [bit('DUP', dup), bit('QoS', qos), bit('RETAIN', (flags & 1) !== 0)] };
  }
  const expected = type === 'PUBREL' || type === 'SUBSCRIBE' || type === 'UNSUBSCRIBE' ? 0b0010 : 0;
  // MQTT 3.1 sent these three with a QoS 1 header that could also carry DUP.
  const tolerated = version === 3 && expected === 0b0010 ? flags === 0b1010 : false;
  if (flags !== expected && !tolerated) {
    r.problem(`${type} flags are ${flags.toString(2).padStart(4, '0')}, must be ${expected.toString(2).padStart(4, '0')} [MQTT-2.1.3-1]`, at);
  }
  if (version === 3 && expected === 0b0010) {
    return { ...bit('Flags', flags), children: [bit('DUP', (flags & 8) !== 0), bit('QoS', (flags >> 1) & 3), bit('Reserved', flags & 1)] };
  }
  return bit('Flags', flags);
}

/** Decodes everything after the fixed header; returns the version the packet was read as. */
function readBody(r: FieldReader, h: Header): MqttProtocolVersion {
  const v5 = h.version === 5;
  switch (h.type) {
    case 'CONNECT':
      return readConnect(r, h.version);
    case 'CONNACK':
      readConnack(r, h.version);
      break;
    case 'PUBLISH':
      readPublish(r, h);
      break;
    case 'PUBACK':
    case 'PUBREC':
    case 'PUBREL':
    case 'PUBCOMP':
      r.group('Variable header', null, () => {
        packetIdentifier(r);
        // MQTT 5 lets the reason code and properties go when they are Success and empty [3.4.2.1].
        if (v5 && r.remaining > 0) reasonCode(r, h.type);
        if (v5 && r.remaining > 0) readProperties(r, h.type);
      });
      break;
    case 'SUBSCRIBE':
      r.group('Variable header', null, () => {
        packetIdentifier(r);
        if (v5) readProperties(r, h.type);
      });
      readSubscriptions(r, h.version);
      break;
    case 'SUBACK':
    case 'UNSUBACK':
      r.group('Variable header', null, () => {
        packetIdentifier(r);
        if (v5) readProperties(r, h.type);
      });
      if (h.type === 'SUBACK' || v5) {
        r.group('Payload', 0, (payload) => {
          while (r.remaining > 0) {
            reasonCode(r, h.type, h.version);
            payload.value = (payload.value as number) + 1;
          }
        });
      }
      break;
    case 'UNSUBSCRIBE':
      r.group('Variable header', null, () => {
        packetIdentifier(r);
        if (v5) readProperties(r, h.type);
      });
      r.group('Payload', 0, (payload) => {
        if (r.remaining === 0) r.problem('UNSUBSCRIBE has no topic filters [MQTT-3.10.3-2]', r.pos);
        while (r.remaining > 0) {
          r.utf8('Topic filter');
          payload.value = (payload.value as number) + 1;
        }
      });
      break;
    case 'PINGREQ':
    case 'PINGRESP':
      break;
    case 'DISCONNECT':
    case 'AUTH':
      // Both may end after the fixed header (reason Success/Normal, no properties) [3.14.2.1, 3.15.2.1].
      if (v5 && r.remaining > 0) {
        r.group('Variable header', null, () => {
          reasonCode(r, h.type);
          if (r.remaining > 0) readProperties(r, h.type);
        });
      }
      break;
  }
  return h.version;
}

function packetIdentifier(r: FieldReader): number {
  const { value, node } = r.u16('Packet identifier');
  if (value === 0) r.problem('Packet identifier must not be 0 [MQTT-2.2.1-3]', node.start);
  return value;
}

/** Reads an MQTT 5 reason code (or a 3.x return code) and names it. */
function reasonCode(r: FieldReader, type: PacketTypeName, version: MqttProtocolVersion = 5): void {
  if (version < 5) {
    const name = type === 'CONNACK' ? CONNACK_RETURN_CODES[r.bytes[r.pos] ?? 0] : subackReturnCodeName(r.bytes[r.pos] ?? 0);
    const { value, node } = r.u8('Return code', (code) => `${name ?? 'Unknown return code'} (${hexByte(code)})`);
    if (!name) r.problem(`${hexByte(value)} is not a ${type} return code`, node.start);
    return;
  }
  const code = r.bytes[r.pos] ?? 0;
  const name = reasonCodeName(code, type);
  const { node } = r.u8('Reason code', () => `${name ?? anyReasonCodeName(code) ?? 'Unknown reason code'} (${hexByte(code)})`);
  if (!name) r.problem(`${hexByte(code)} is not a reason code ${type} can carry [MQTT 2.4]`, node.start);
}

function levelToVersion(level: number): MqttProtocolVersion | undefined {
  // 0x80 is the bridge bit some brokers (mosquitto) set on the level byte.
  const plain = level & 0x7f;
  return plain === 3 || plain === 4 || plain === 5 ? plain : undefined;
}

function readConnect(r: FieldReader, fallback: MqttProtocolVersion): MqttProtocolVersion {
  let version = fallback;
  let flags = 0;
  r.group('Variable header', null, () => {
    const { value: protocolName, node: nameNode } = r.utf8('Protocol name');
    const { value: level, node: levelNode } = r.u8('Protocol level');
    const known = levelToVersion(level);
    if (known === undefined) {
      levelNode.value = `${level} (unknown)`;
      r.problem(`Unknown protocol level ${level}; decoded as MQTT ${fallback === 3 ? '3.1' : fallback === 4 ? '3.1.1' : '5.0'}`, levelNode.start);
    } else {
      version = known;
      levelNode.value = `${level} (MQTT ${known === 3 ? '3.1' : known === 4 ? '3.1.1' : '5.0'}${level & 0x80 ? ', bridge' : ''})`;
    }
    const expectedName = version === 3 ? 'MQIsdp' : 'MQTT';
    if (protocolName !== expectedName) {
      r.problem(`Protocol name is "${protocolName}", expected "${expectedName}" for level ${level}`, nameNode.start);
    }
    const at = r.take(1, 'Connect flags');
    flags = r.bytes[at]!;
    const bit = (name: string, value: FieldNode['value']): FieldNode => ({ name, value, start: at, end: at + 1 });
    const willQos = (flags >> 3) & 3;
    const will = (flags & 0x04) !== 0;
    r.add({
      ...bit('Connect flags', hexByte(flags)),
      children: [
        bit('User name flag', (flags & 0x80) !== 0),
        bit('Password flag', (flags & 0x40) !== 0),
        bit('Will retain', (flags & 0x20) !== 0),
        bit('Will QoS', willQos),
        bit('Will flag', will),
        bit(version === 5 ? 'Clean start' : 'Clean session', (flags & 0x02) !== 0),
        bit('Reserved', flags & 0x01),
      ],
    });
    if (flags & 0x01) r.problem('Connect flags: the reserved bit is set [MQTT-3.1.2-3]', at);
    if (willQos === 3) r.problem('Connect flags: Will QoS 3 is malformed [MQTT-3.1.2-12]', at);
    if (!will && (willQos !== 0 || flags & 0x20)) r.problem('Connect flags: Will QoS/retain set without the will flag [MQTT-3.1.2-11]', at);
    if (version === 4 && flags & 0x40 && !(flags & 0x80)) r.problem('Connect flags: password without user name [MQTT-3.1.2-22]', at);
    r.u16('Keep alive');
    if (version === 5) readProperties(r, 'CONNECT');
  });
  r.group('Payload', null, () => {
    r.utf8('Client identifier');
    if (flags & 0x04) {
      if (version === 5) readProperties(r, 'WILL', 'Will properties');
      r.utf8('Will topic');
      r.prefixed('Will payload', (data) => previewPayload(data));
    }
    if (flags & 0x80) r.utf8('User name');
    if (flags & 0x40) r.prefixed('Password', (data) => (data.length > 0 ? MASKED_PASSWORD : ''));
  });
  return version;
}

function readConnack(r: FieldReader, version: MqttProtocolVersion): void {
  r.group('Variable header', null, () => {
    const at = r.take(1, 'Acknowledge flags');
    const flags = r.bytes[at]!;
    const bit = (name: string, value: FieldNode['value']): FieldNode => ({ name, value, start: at, end: at + 1 });
    // 3.1 had no Session Present: the whole byte was reserved.
    // Bits from the highest, as Wireshark lists them.
    const children = version === 3 ? [bit('Reserved', flags)] : [bit('Reserved', flags >> 1), bit('Session present', (flags & 1) !== 0)];
    r.add({ ...bit('Acknowledge flags', hexByte(flags)), children });
    if ((version === 3 ? flags : flags >> 1) !== 0) r.problem('Acknowledge flags: reserved bits are set [MQTT-3.2.2-1]', at);
    reasonCode(r, 'CONNACK', version);
    if (version === 5) readProperties(r, 'CONNACK');
  });
}

function readPublish(r: FieldReader, h: Header): void {
  const qos = (h.flags >> 1) & 3;
  r.group('Variable header', null, () => {
    const { value: topic, node } = r.utf8('Topic name');
    if (/[+#]/.test(topic)) r.problem('Topic name contains a wildcard [MQTT-3.3.2-2]', node.start);
    if (topic === '' && h.version < 5) r.problem('Topic name is empty [MQTT-4.7.3-1]', node.start);
    if (qos > 0) packetIdentifier(r);
    if (h.version === 5) readProperties(r, 'PUBLISH');
  });
  const at = r.take(r.remaining, 'Payload');
  r.leaf('Payload', previewPayload(r.bytes.subarray(at, r.pos)), at, r.pos);
}

function readSubscriptions(r: FieldReader, version: MqttProtocolVersion): void {
  r.group('Payload', 0, (payload) => {
    if (r.remaining === 0) r.problem('SUBSCRIBE has no subscriptions [MQTT-3.8.3-2]', r.pos);
    while (r.remaining > 0) {
      r.group('Subscription', null, (sub) => {
        sub.value = r.utf8('Topic filter').value;
        const at = r.take(1, 'Subscription options');
        const options = r.bytes[at]!;
        const bit = (name: string, value: FieldNode['value']): FieldNode => ({ name, value, start: at, end: at + 1 });
        const qos = options & 3;
        if (qos === 3) r.problem('Subscription QoS 3 is malformed [MQTT-3.8.3-4]', at);
        if (version < 5) {
          // 3.x has only the requested QoS here; the other bits are reserved.
          r.add({ ...bit('Subscription options', hexByte(options)), children: [bit('QoS', qos), bit('Reserved', options >> 2)] });
          if (options >> 2) r.problem('Subscription options: reserved bits are set [MQTT-3.8.3-4 in 3.1.1]', at);
          return;
        }
        const retainHandling = (options >> 4) & 3;
        r.add({
          ...bit('Subscription options', hexByte(options)),
          children: [
            bit('Reserved', options >> 6),
            bit('Retain Handling', retainHandling),
            bit('Retain As Published', (options & 0x08) !== 0),
            bit('No Local', (options & 0x04) !== 0),
            bit('QoS', qos),
          ],
        });
        if (retainHandling === 3) r.problem('Subscription options: Retain Handling 3 is malformed [MQTT-3.8.3-4]', at);
        if (options >> 6) r.problem('Subscription options: reserved bits are set [MQTT-3.8.3-5]', at);
      });
      payload.value = (payload.value as number) + 1;
    }
  });
}
