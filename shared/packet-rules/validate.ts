/**
 * The complete check of one packet a client sent, on its bytes, before anything acts on
 * it: the fixed header against the packet table, then every field of the packet's version
 * (3.1, 3.1.1 or 5.0) in order, properties and strings included, and nothing left over.
 * It answers with the first rule broken (see violation.ts), or undefined for a packet a
 * server must accept. What depends on the connection (the first packet must be CONNECT,
 * Topic Alias ranges, quotas, unknown packet identifiers) is the broker's to check.
 *
 * Works on a Uint8Array holding exactly one frame (fixed header included), no Node, no DOM:
 * the broker runs it on every packet its fast decoders do not take, and the app's packet
 * inspector can run it on captured packets.
 */

import { checkConnect } from './connect';
import { Cursor, refuse, Refusal, type ValidationOptions } from './cursor';
import { bodyStart, minimalLength } from './fixed-header';
import { checkProperties } from './properties';
import { CLIENT_REASON_CODES, PACKET_RULES, ruleFor } from './tables';
import { RC, type ProtocolLevel, type Violation } from './violation';

export type { ValidationOptions } from './cursor';

/**
 * The first rule `frame` breaks as a packet from a client speaking `version`, or undefined.
 * A CONNECT is read by the level it carries when the caller passes that level as `version`.
 */
export function validatePacket(frame: Uint8Array, version: ProtocolLevel, options: ValidationOptions = {}): Violation | undefined {
  try {
    check(frame, version, options.allowControlCharacters === true);
    return undefined;
  } catch (error) {
    if (error instanceof Refusal) return error.violation;
    throw error;
  }
}

function check(frame: Uint8Array, version: ProtocolLevel, allowControl: boolean): void {
  if (frame.length < 2) refuse('§2.1.1', `a packet of ${frame.length} byte${frame.length === 1 ? '' : 's'} has no fixed header`, RC.malformed);
  const first = frame[0]!;
  const typeNumber = first >> 4;
  const row = PACKET_RULES[typeNumber];
  if (!row) refuse(version === 5 ? '§2.1.2' : '§2.2.1', 'packet type 0 is reserved', RC.malformed);
  if (version < row.since) refuse(version === 5 ? '§2.1.2' : '§2.2.1', `packet type ${typeNumber} is reserved before MQTT 5.0`, RC.malformed);
  const body = checkedBodyStart(frame, version);
  const r = new Cursor(frame, body, frame.length, version, allowControl);
  if (!row.fromClient) refuse(version === 5 ? '§2.1.2' : '§2.2.1', `${row.name} is sent by servers only`, RC.protocolError);
  checkFlags(r, first & 0x0f);
  switch (row.name) {
    case 'CONNECT':
      checkConnect(r);
      break;
    case 'PUBLISH':
      checkPublish(r, first);
      break;
    case 'PUBACK':
    case 'PUBREC':
    case 'PUBREL':
    case 'PUBCOMP':
      checkAck(r);
      break;
    case 'SUBSCRIBE':
      checkSubscribe(r);
      break;
    case 'UNSUBSCRIBE':
      checkUnsubscribe(r);
      break;
    case 'PINGREQ':
      break;
    case 'DISCONNECT':
      if (version === 5 && r.left > 0) checkReasonAndProperties(r);
      break;
    case 'AUTH':
      checkAuth(r);
      break;
    default:
      break; // server-only types were refused above
  }
  if (r.left > 0) r.malformed(row.name === 'CONNECT' ? 'MQTT-3.1.4-1' : r.section(), `${r.left} byte${r.left === 1 ? '' : 's'} after the end of ${row.name} (offset ${r.pos})`);
}

/** Where the variable header starts; the Remaining Length must describe the frame exactly (the framer cut it so). */
function checkedBodyStart(frame: Uint8Array, version: ProtocolLevel): number {
  const body = bodyStart(frame);
  if (body < 0) refuse(version === 5 ? '§2.1.4' : '§2.2.3', 'the Remaining Length does not describe the packet', RC.malformed);
  if (version === 5 && !minimalLength(frame, body)) refuse('MQTT-1.5.5-1', `the Remaining Length uses ${body - 1} bytes, more than the minimum`, RC.malformed);
  return body;
}

/** The fixed header's flag nibble against the table (3.1: only the QoS of PUBREL, SUBSCRIBE, UNSUBSCRIBE). */
function checkFlags(r: Cursor, flags: number): void {
  const row = r.type;
  if (row.flags === undefined) return; // PUBLISH: its flags are fields, checked with the packet
  if (r.version === 3) {
    if (row.qosIn31 !== undefined && ((flags >> 1) & 3) !== row.qosIn31) {
      refuse(r.section(), `${row.name} must be sent with QoS ${row.qosIn31} in MQTT 3.1 (flags ${bits(flags)})`, RC.malformed);
    }
    return;
  }
  if (flags !== row.flags) refuse(ruleFor(row.flagsRule, r.version), `${row.name} flags are ${bits(flags)}, must be ${bits(row.flags)}`, RC.malformed);
}

function bits(flags: number): string {
  return flags.toString(2).padStart(4, '0');
}

function checkPublish(r: Cursor, first: number): void {
  const qos = (first >> 1) & 3;
  if (qos === 3) r.malformed('MQTT-3.3.1-4', 'PUBLISH has both QoS bits set');
  if (qos === 0 && (first & 0x08) !== 0) r.malformed('MQTT-3.3.1-2', 'PUBLISH with QoS 0 has the DUP flag set');
  const v5 = r.version === 5;
  const topicAt = r.pos;
  const start = r.string('Topic Name', 'topic');
  const empty = r.pos === start;
  if (empty && !v5) refuse('MQTT-4.7.3-1', 'the Topic Name is empty', RC.protocolError);
  if (r.contains(start, 0x2b, 0x23)) refuse('MQTT-3.3.2-2', `the Topic Name at offset ${topicAt} contains a wildcard (+ or #)`, RC.protocolError);
  if (qos > 0) packetIdentifier(r, v5 ? 'MQTT-2.2.1-3' : 'MQTT-2.3.1-1');
  if (v5) {
    const properties = checkProperties(r, 'PUBLISH');
    // An empty topic stands for the one a Topic Alias was set to (§3.3.2.3.4).
    if (empty && !properties.topicAlias) refuse('§3.3.2.1', 'the Topic Name is empty and there is no Topic Alias', RC.protocolError);
  }
  r.pos = r.end; // the payload: any bytes (Payload Format Indicator 1 is answered by the broker, with 0x99)
}

function packetIdentifier(r: Cursor, rule: string): number {
  const at = r.pos;
  const id = r.u16('Packet Identifier');
  if (id === 0) refuse(rule, `${r.type.name} has Packet Identifier 0 (offset ${at})`, RC.protocolError);
  return id;
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP: a Packet Identifier; in 5.0 maybe a Reason Code and properties (§3.4.2). */
function checkAck(r: Cursor): void {
  // An acknowledgement answers a PUBLISH or PUBREL, whose identifier is never 0.
  packetIdentifier(r, r.version === 5 ? 'MQTT-2.2.1-5' : 'MQTT-2.3.1-6');
  if (r.version === 5 && r.left > 0) checkReasonAndProperties(r);
}

/** A 5.0 Reason Code a client may send in this packet, then properties when any bytes are left. */
function checkReasonAndProperties(r: Cursor): void {
  const name = r.type.name;
  const at = r.pos;
  const code = r.u8('Reason Code');
  const allowed = CLIENT_REASON_CODES[name]!;
  if (!allowed.codes.has(code)) refuse(allowed.rule, `${name} from a client cannot carry Reason Code 0x${code.toString(16).padStart(2, '0')} (offset ${at})`, RC.protocolError);
  if (r.left > 0) checkProperties(r, name);
}

function checkSubscribe(r: Cursor): void {
  const v5 = r.version === 5;
  packetIdentifier(r, v5 ? 'MQTT-2.2.1-3' : 'MQTT-2.3.1-1');
  if (v5) checkProperties(r, 'SUBSCRIBE');
  if (r.left === 0) refuse(v5 ? 'MQTT-3.8.3-2' : 'MQTT-3.8.3-3', 'SUBSCRIBE has no Topic Filter', RC.protocolError);
  while (r.left > 0) {
    const filterAt = r.pos;
    const start = r.string('Topic Filter', 'filter');
    const at = r.pos;
    const options = r.u8('Subscription Options');
    if (!v5) {
      // The upper six bits are reserved (3.1 says "reserved for future use" too).
      if (options > 2) r.malformed('MQTT-3.8.3-4', `the Requested QoS byte of the filter at offset ${filterAt} is 0x${options.toString(16).padStart(2, '0')}`);
      continue;
    }
    const qos = options & 3;
    if (options & 0xc0) r.malformed('MQTT-3.8.3-5', `reserved bits of the Subscription Options at offset ${at} are set`);
    if (qos === 3) refuse('§3.8.3.1', `the Subscription Options at offset ${at} ask for QoS 3`, RC.protocolError);
    if (((options >> 4) & 3) === 3) refuse('§3.8.3.1', `the Subscription Options at offset ${at} ask for Retain Handling 3`, RC.protocolError);
    if (options & 0x04 && r.spells(start, '$share/')) refuse('MQTT-3.8.3-4', `No Local is set on the shared subscription at offset ${filterAt}`, RC.protocolError);
  }
}

function checkUnsubscribe(r: Cursor): void {
  const v5 = r.version === 5;
  packetIdentifier(r, v5 ? 'MQTT-2.2.1-3' : 'MQTT-2.3.1-1');
  if (v5) checkProperties(r, 'UNSUBSCRIBE');
  if (r.left === 0) refuse('MQTT-3.10.3-2', 'UNSUBSCRIBE has no Topic Filter', RC.protocolError);
  while (r.left > 0) r.string('Topic Filter', 'filter');
}

function checkAuth(r: Cursor): void {
  // No Reason Code means Success (§3.15.2.1), which only a server sends.
  if (r.left === 0) refuse('MQTT-3.15.2-1', 'AUTH from a client without a Reason Code means Success, which only a server sends', RC.protocolError);
  const at = r.pos;
  const code = r.u8('Reason Code');
  if (!CLIENT_REASON_CODES.AUTH!.codes.has(code)) refuse('MQTT-3.15.2-1', `AUTH from a client cannot carry Reason Code 0x${code.toString(16).padStart(2, '0')} (offset ${at})`, RC.protocolError);
  if (r.left === 0) return;
  const properties = checkProperties(r, 'AUTH');
  if (properties.authenticationData && !properties.authenticationMethod) refuse('§3.15.2.2.3', 'AUTH carries Authentication Data without an Authentication Method', RC.protocolError);
}
