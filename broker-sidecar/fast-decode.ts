/**
 * Hand decoders for the packets a busy broker reads most: PUBLISHes with an ASCII topic and
 * no properties, and plain acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP with only a
 * packet identifier). mqtt-packet's parser handles every packet, but walks a BufferList and
 * a state machine with a debug call per step; on the broker bench's QoS 0 1→1 row it was a
 * quarter of the broker's time. These read the same fields from the whole frame the Framer
 * cut, in one pass. Anything else — properties, a non-ASCII topic (whose UTF-8 must be
 * checked strictly), reserved bits, a length that does not add up — returns undefined and
 * goes through raw-checks.ts and mqtt-packet as before. test/broker-sidecar/fast-decode.test.ts
 * checks every case field for field against mqtt-packet.
 */

import type { Packet } from 'mqtt-packet';
import type { ProtocolVersion } from './types';

const PUBLISH = 3;
const ACK_COMMANDS = { 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp' } as const;
/** The fixed-header flags each ack must carry (PUBREL 0b0010) [MQTT-2.2.2-1]. */
const ACK_FLAGS = { 4: 0, 5: 0, 6: 2, 7: 0 } as const;

/**
 * The packet in a whole frame, decoded by hand when it is one of the simple shapes above;
 * undefined means "use mqtt-packet" (never "invalid").
 */
export function fastDecode(frame: Buffer, version: ProtocolVersion): Packet | undefined {
  const first = frame[0]!;
  const type = first >> 4;
  if (type === PUBLISH) return decodePublish(frame, first, version);
  if (type >= 4 && type <= 7) return decodeAck(frame, first, type as 4 | 5 | 6 | 7, version);
  return undefined;
}

/** Offset of the variable header when the Remaining Length matches the frame; else -1. */
function bodyStart(frame: Buffer): number {
  let length = 0;
  let multiplier = 1;
  for (let i = 1; i < 5 && i < frame.length; i++) {
    const byte = frame[i]!;
    length += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) return i + 1 + length === frame.length ? i + 1 : -1;
  }
  return -1;
}

function decodePublish(frame: Buffer, first: number, version: ProtocolVersion): Packet | undefined {
  const qos = (first >> 1) & 3;
  if (qos === 3) return undefined; // mqtt-packet's error names it
  const body = bodyStart(frame);
  if (body < 0 || body + 2 > frame.length) return undefined;
  const topicStart = body + 2;
  const topicEnd = topicStart + frame.readUInt16BE(body);
  let at = topicEnd + (qos > 0 ? 2 : 0);
  if (at > frame.length) return undefined;
  // ASCII only: any byte ≥ 0x80 needs the strict UTF-8 check of the slow path [MQTT-1.5.4-1].
  for (let i = topicStart; i < topicEnd; i++) if (frame[i]! >= 0x80) return undefined;
  if (version === 5) {
    if (at >= frame.length || frame[at] !== 0) return undefined; // properties: mqtt-packet reads them
    at++;
  }
  const packet: Packet = {
    cmd: 'publish',
    retain: (first & 1) !== 0,
    qos: qos as 0 | 1 | 2,
    dup: (first & 8) !== 0,
    length: frame.length - body,
    topic: frame.toString('latin1', topicStart, topicEnd),
    payload: frame.subarray(at),
  };
  if (qos > 0) packet.messageId = frame.readUInt16BE(topicEnd);
  return packet;
}

function decodeAck(frame: Buffer, first: number, type: 4 | 5 | 6 | 7, version: ProtocolVersion): Packet | undefined {
  // Exactly type, flags, length 2 and the packet identifier; reason codes and properties go the slow way.
  if ((first & 0x0f) !== ACK_FLAGS[type] || frame.length !== 4 || frame[1] !== 2) return undefined;
  const packet = {
    cmd: ACK_COMMANDS[type],
    retain: false,
    qos: (first >> 1) & 3,
    dup: false,
    length: 2,
    topic: null,
    payload: null,
    messageId: frame.readUInt16BE(2),
  } as unknown as Packet;
  // mqtt-packet fills in the omitted 5.0 Reason Code as Success (5.0 §3.4.2.1).
  if (version === 5) (packet as { reasonCode?: number }).reasonCode = 0;
  return packet;
}
