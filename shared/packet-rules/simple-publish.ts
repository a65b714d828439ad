/**
 * The layout of a PUBLISH of the simple shape that floods are made of — a printable ASCII
 * topic, no properties — read from one whole frame in one pass, without allocating. The
 * broker's fast decoder (broker-sidecar/fast-decode.ts) and the desk's inbound fast path
 * (backend/inbound-publishes.ts) both take a frame only when this says it is of that shape
 * and valid in full; anything else — properties, a topic with a byte outside 0x20–0x7E or
 * a wildcard, an empty topic, DUP on QoS 0, QoS 3, Packet Identifier 0, a Remaining Length
 * not in its fewest bytes or not adding up — returns false and goes the general way
 * (the validator and mqtt-packet in the broker, MQTT.js in the desk).
 */

import { bodyStart, minimalLength } from './fixed-header';

const PUBLISH = 3;

/** Where the fields of a simple PUBLISH lie in its frame; filled in by {@link readSimplePublish}. */
export interface PublishLayout {
  qos: 0 | 1 | 2;
  retain: boolean;
  dup: boolean;
  /** The topic is `frame[topicStart, topicEnd)`, printable ASCII. */
  topicStart: number;
  topicEnd: number;
  /** The Packet Identifier (QoS 1 and 2), else 0. */
  packetId: number;
  /** The payload is `frame[payloadStart, frame.length)`. */
  payloadStart: number;
}

/** A layout to fill in (one per reader: the reads are synchronous). */
export function emptyPublishLayout(): PublishLayout {
  return { qos: 0, retain: false, dup: false, topicStart: 0, topicEnd: 0, packetId: 0, payloadStart: 0 };
}

/**
 * Whether `frame` (one whole packet, fixed header included) is a simple PUBLISH valid in
 * full for protocol level `version` (3, 4 or 5); if so, its layout is written into `into`.
 */
export function readSimplePublish(frame: Uint8Array, version: number, into: PublishLayout): boolean {
  const first = frame[0]!;
  if (first >> 4 !== PUBLISH) return false;
  const qos = (first >> 1) & 3;
  // QoS 3 [MQTT-3.3.1-4] and DUP on QoS 0 [MQTT-3.3.1-2] are the validator's to name.
  if (qos === 3 || (qos === 0 && (first & 0x08) !== 0)) return false;
  const body = bodyStart(frame);
  if (body < 0 || !minimalLength(frame, body) || body + 2 > frame.length) return false;
  const topicStart = body + 2;
  const topicEnd = topicStart + ((frame[body]! << 8) | frame[body + 1]!);
  let at = topicEnd + (qos > 0 ? 2 : 0);
  if (at > frame.length || topicEnd === topicStart) return false; // cut short, or empty [MQTT-4.7.3-1]
  // Printable ASCII without wildcards: anything else (UTF-8 [MQTT-1.5.4-1], U+0000 [MQTT-4.7.3-2],
  // control characters, '+' and '#' [MQTT-3.3.2-2]) is for the general path to judge and name.
  for (let i = topicStart; i < topicEnd; i++) {
    const byte = frame[i]!;
    if (byte < 0x20 || byte > 0x7e || byte === 0x23 || byte === 0x2b) return false;
  }
  const packetId = qos > 0 ? (frame[topicEnd]! << 8) | frame[topicEnd + 1]! : 0;
  if (qos > 0 && packetId === 0) return false; // Packet Identifier 0 [MQTT-2.2.1-3]
  if (version === 5) {
    if (at >= frame.length || frame[at] !== 0) return false; // properties: the general path reads them
    at++;
  }
  into.qos = qos as 0 | 1 | 2;
  into.retain = (first & 1) !== 0;
  into.dup = (first & 8) !== 0;
  into.topicStart = topicStart;
  into.topicEnd = topicEnd;
  into.packetId = packetId;
  into.payloadStart = at;
  return true;
}
