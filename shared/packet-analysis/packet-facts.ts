/**
 * The few facts flow and keepalive analysis needs from a packet, read straight from its
 * bytes without building a field tree: at a million packets, the tree would cost more than
 * the whole analysis. Packets that are rare (CONNECT, CONNACK, DISCONNECT, AUTH) go through
 * the full decoder instead, which knows their properties.
 */

import { annotatePacket, type MqttProtocolVersion, type PacketAnatomy } from '../packet-anatomy';
import { CONNACK_RETURN_CODES, PACKET_TYPES, reasonCodeName, subackReturnCodeName, type PacketTypeName } from '../packet-anatomy/tables';
import { fieldAtPath } from '../packet-summary';

/** Type numbers, for switch statements on the first byte. */
export const T = { CONNECT: 1, CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, SUBSCRIBE: 8, SUBACK: 9, UNSUBSCRIBE: 10, UNSUBACK: 11, PINGREQ: 12, PINGRESP: 13, DISCONNECT: 14, AUTH: 15 } as const;

/** Where the variable header starts (after the fixed header), or -1 when the frame is cut short. */
export function bodyStart(bytes: Uint8Array): number {
  for (let i = 1; i < 5 && i < bytes.length; i++) if ((bytes[i]! & 0x80) === 0) return i + 1;
  return -1;
}

/** The packet identifier of a packet that has one, or -1 (QoS 0 PUBLISH, PINGREQ, a cut frame…). */
export function packetIdOf(bytes: Uint8Array, type: number): number {
  const body = bodyStart(bytes);
  if (body < 0) return -1;
  let at = body;
  if (type === T.PUBLISH) {
    if (((bytes[0]! >> 1) & 3) === 0) return -1;
    at += 2 + ((bytes[body]! << 8) | bytes[body + 1]!);
  } else if (type < T.PUBACK || type > T.UNSUBACK) return -1;
  return at + 2 <= bytes.length ? (bytes[at]! << 8) | bytes[at + 1]! : -1;
}

/**
 * The reason code of a 5.0 PUBACK, PUBREC, PUBREL or PUBCOMP (0 when omitted, which means
 * Success [MQTT 3.4.2.1]); always 0 before 5.0, where these packets carry none.
 */
export function ackReasonOf(bytes: Uint8Array, version: MqttProtocolVersion): number {
  if (version < 5) return 0;
  const body = bodyStart(bytes);
  return body > 0 && body + 2 < bytes.length ? bytes[body + 2]! : 0;
}

/** Reads a Variable Byte Integer at `at`: [value, length] or undefined when cut. */
function varint(bytes: Uint8Array, at: number): [number, number] | undefined {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4 && at + i < bytes.length; i++) {
    value += (bytes[at + i]! & 0x7f) * multiplier;
    if ((bytes[at + i]! & 0x80) === 0) return [value, i + 1];
    multiplier *= 128;
  }
  return undefined;
}

/** The return or reason codes of a SUBACK (or a 5.0 UNSUBACK), one per filter. */
export function subackCodesOf(bytes: Uint8Array, version: MqttProtocolVersion): number[] {
  const body = bodyStart(bytes);
  if (body < 0) return [];
  let at = body + 2;
  if (version === 5) {
    const length = varint(bytes, at);
    if (!length) return [];
    at += length[1] + length[0];
  }
  return Array.from(bytes.subarray(Math.min(at, bytes.length)));
}

/** A code's name in the packet it came in, as the inspector shows it. */
export function codeName(code: number, type: PacketTypeName, version: MqttProtocolVersion): string {
  if (version < 5) {
    if (type === 'CONNACK') return CONNACK_RETURN_CODES[code] ?? `Unknown return code ${code}`;
    if (type === 'SUBACK') return code <= 2 ? `Granted QoS ${code}` : (subackReturnCodeName(code) ?? `Unknown return code ${code}`);
  }
  return reasonCodeName(code, type) ?? `Unknown reason code 0x${code.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** The packet type's name from the first byte, or undefined for the reserved type 0. */
export function typeNameOf(bytes: Uint8Array): PacketTypeName | undefined {
  return PACKET_TYPES[(bytes[0] ?? 0) >> 4];
}

/** What a CONNECT says about the session: its version, keepalive and clean flag. */
export interface ConnectFacts {
  version: MqttProtocolVersion;
  keepalive: number;
  clean: boolean;
}

/** Reads a CONNECT through the full decoder (it is one packet per session). */
export function connectFacts(bytes: Uint8Array): ConnectFacts | undefined {
  const anatomy = annotatePacket(bytes, 4);
  const keepalive = fieldAtPath(anatomy.fields, 'Variable header', 'Keep alive')?.value;
  if (anatomy.type !== 'CONNECT' || typeof keepalive !== 'number') return undefined;
  const flags = (name: string) => fieldAtPath(anatomy.fields, 'Variable header', 'Connect flags', name)?.value;
  return { version: anatomy.protocolVersion, keepalive, clean: flags('Clean start') === true || flags('Clean session') === true };
}

/** A 5.0 property's numeric value in a decoded packet's variable header. */
export function numericProperty(anatomy: PacketAnatomy, name: string): number | undefined {
  const value = fieldAtPath(anatomy.fields, 'Variable header', 'Properties')?.children?.find((c) => c.name === name)?.value;
  return typeof value === 'number' ? value : undefined;
}
