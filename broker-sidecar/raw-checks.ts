/**
 * What the broker must decide on raw bytes before the rule tables can judge a packet: the
 * start of a CONNECT (protocol name and level pick the version everything else is read
 * by; mqtt-packet would refuse an unknown level with a bare error, where the spec wants a
 * CONNACK), the first packet of a connection, and streams the framer cannot cut.
 */

import { RC, RETURN_CODE, type Violation } from '../shared/packet-rules/violation';
import type { FrameResult } from './framer';
import type { ProtocolVersion } from './types';

/** A non-CONNECT first packet [MQTT-3.1.0-1]: no CONNACK can answer it, the connection just closes. */
export const FIRST_PACKET_NOT_CONNECT: Violation = { rule: 'MQTT-3.1.0-1', message: 'the first packet is not a CONNECT', reasonCode: RC.protocolError };

/** Offset of the variable header: after the type byte and the Remaining Length. */
function bodyStart(frame: Buffer): number {
  let i = 1;
  while (i < 5 && (frame[i]! & 0x80) !== 0) i++;
  return i + 1;
}

/**
 * Why a CONNECT's protocol name and level cannot be taken, and the version to answer in
 * (a level above 5 comes from a newer client: CONNACK 0x84 in the newest format we know;
 * below, 3.1.1's return code 0x01 [MQTT-3.1.2-2]); undefined when they name 3.1, 3.1.1 or 5.0.
 */
export function connectPreambleViolation(frame: Buffer): { violation: Violation; answerAs: ProtocolVersion } | undefined {
  const at = bodyStart(frame);
  if (at + 2 > frame.length || at + 2 + frame.readUInt16BE(at) >= frame.length) {
    return { violation: { rule: 'MQTT-3.1.4-1', message: 'the CONNECT ends before its Protocol Level', reasonCode: RC.malformed }, answerAs: 4 };
  }
  const nameEnd = at + 2 + frame.readUInt16BE(at);
  const name = frame.toString('latin1', at + 2, nameEnd);
  const level = frame[nameEnd]! & 0x7f; // bit 7 is the bridge flag mosquitto bridges set
  if (name === 'MQIsdp' ? level === 3 : name === 'MQTT' && (level === 4 || level === 5)) return undefined;
  if (name !== 'MQTT' && name !== 'MQIsdp') {
    // Not MQTT at all, or a dialect we do not speak: closing is the spec's answer [MQTT-3.1.2-1].
    return { violation: { rule: 'MQTT-3.1.2-1', message: `unknown protocol name '${name}'`, reasonCode: RC.unsupportedProtocolVersion }, answerAs: 4 };
  }
  const violation: Violation = {
    rule: 'MQTT-3.1.2-2',
    message: `protocol level ${level} with protocol name '${name}' is not supported (3 with MQIsdp, 4 or 5 with MQTT)`,
    reasonCode: RC.unsupportedProtocolVersion,
    returnCode: RETURN_CODE.unacceptableProtocolVersion,
  };
  return { violation, answerAs: level > 5 ? 5 : 4 };
}

/** The framer's refusal as a violation: a Remaining Length that cannot be, or a packet above our Maximum Packet Size. */
export function framingViolation(result: Extract<FrameResult, { kind: 'malformed' | 'too-large' }>, version: ProtocolVersion): Violation {
  if (result.kind === 'malformed') return { rule: version === 5 ? 'MQTT-1.5.5-1' : '§2.2.3', message: result.reason, reasonCode: RC.malformed };
  // A 5.0 client must respect the Maximum Packet Size in CONNACK [MQTT-3.2.2-15]; 3.x has no such rule, only our limit.
  return { rule: version === 5 ? 'MQTT-3.2.2-15' : 'broker limit', message: result.reason, reasonCode: RC.packetTooLarge };
}

/** The Client Identifier a CONNECT frame names, read leniently for the panel; '' when it cannot be read. */
export function connectClientId(frame: Buffer): string {
  let at = bodyStart(frame);
  if (at + 2 > frame.length) return '';
  at += 2 + frame.readUInt16BE(at); // protocol name
  const level = frame[at]! & 0x7f;
  at += 4; // level, flags, keep alive
  if (level === 5) {
    let length = 0;
    let multiplier = 1;
    for (let i = 0; i < 4 && at < frame.length; i++) {
      const byte = frame[at++]!;
      length += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) break;
    }
    at += length;
  }
  if (at + 2 > frame.length) return '';
  const end = at + 2 + frame.readUInt16BE(at);
  return end > frame.length ? '' : frame.toString('utf8', at + 2, end);
}

/** The protocol level of a CONNECT whose preamble was accepted: 3, 4 or 5 (bit 7, a bridge's flag, aside). */
export function protocolLevelOf(frame: Buffer): ProtocolVersion {
  const at = bodyStart(frame);
  return (frame[at + 2 + frame.readUInt16BE(at)]! & 0x7f) as ProtocolVersion;
}

/**
 * The first frame of a connection: the protocol level to speak from now on, or why it is
 * refused and, when known, the version to answer in.
 */
export function checkFirstFrame(frame: Buffer): { version?: ProtocolVersion; violation?: Violation } {
  if (frame[0]! >> 4 !== 1) return { violation: FIRST_PACKET_NOT_CONNECT }; // [MQTT-3.1.0-1]
  const refused = connectPreambleViolation(frame);
  if (refused) return { version: refused.answerAs, violation: refused.violation };
  return { version: protocolLevelOf(frame) };
}
