/**
 * Hand decoders for the packets a busy broker reads most: PUBLISHes with a printable ASCII
 * topic and no properties (their layout read by shared/packet-rules/simple-publish.ts, which
 * the desk's inbound fast path uses too), and plain acknowledgements (PUBACK, PUBREC, PUBREL, PUBCOMP with
 * only a packet identifier). mqtt-packet's parser handles every packet, but walks a
 * BufferList and a state machine with a debug call per step; on the broker bench's QoS 0
 * 1→1 row it was a quarter of the broker's time. These read the same fields from the whole
 * frame the Framer cut, in one pass, and take a frame only when it is valid in full: every
 * rule of the validator (shared/packet-rules) that applies to these shapes holds for what
 * they return. Anything else — properties, a topic with a byte outside 0x20–0x7E or a
 * wildcard, an empty topic, DUP on QoS 0, packet identifier 0, reserved bits, a length that
 * does not add up — returns undefined and goes through the validator and mqtt-packet.
 * test/broker-sidecar/fast-decode.test.ts checks every case field for field against
 * mqtt-packet, and that each frame it takes is one the validator accepts.
 */

import type { Packet } from 'mqtt-packet';
import { emptyPublishLayout, readSimplePublish } from '../shared/packet-rules/simple-publish';
import { CLIENT_REASON_CODES } from '../shared/packet-rules/tables';
import type { ProtocolVersion } from './types';

const PUBLISH = 3;
/** The PUBLISH reader's scratch layout (decoding is synchronous). */
const LAYOUT = emptyPublishLayout();
const ACK_COMMANDS = { 4: 'puback', 5: 'pubrec', 6: 'pubrel', 7: 'pubcomp' } as const;
const ACK_NAMES = { 4: 'PUBACK', 5: 'PUBREC', 6: 'PUBREL', 7: 'PUBCOMP' } as const;
/** The fixed-header flags each ack must carry (PUBREL 0b0010) [MQTT-2.2.2-1]. */
const ACK_FLAGS = { 4: 0, 5: 0, 6: 2, 7: 0 } as const;

/**
 * The packet in a whole frame, decoded by hand when it is one of the simple shapes above;
 * undefined means "use mqtt-packet" (never "invalid").
 */
export function fastDecode(frame: Buffer, version: ProtocolVersion): Packet | undefined {
  const first = frame[0]!;
  const type = first >> 4;
  if (type === PUBLISH) return decodePublish(frame, version);
  if (type >= 4 && type <= 7) return decodeAck(frame, first, type as 4 | 5 | 6 | 7, version);
  return undefined;
}

function decodePublish(frame: Buffer, version: ProtocolVersion): Packet | undefined {
  const layout = LAYOUT;
  if (!readSimplePublish(frame, version, layout)) return undefined;
  const packet: Packet = {
    cmd: 'publish',
    retain: layout.retain,
    qos: layout.qos,
    dup: layout.dup,
    length: frame.length - (layout.topicStart - 2),
    topic: frame.toString('latin1', layout.topicStart, layout.topicEnd),
    payload: frame.subarray(layout.payloadStart),
  };
  if (layout.qos > 0) packet.messageId = layout.packetId;
  return packet;
}

function decodeAck(frame: Buffer, first: number, type: 4 | 5 | 6 | 7, version: ProtocolVersion): Packet | undefined {
  // Type, flags, a non-zero packet identifier and, in 5.0, maybe a Reason Code a client may
  // send there and an empty property list (as paho writes them); properties go the slow way.
  const length = frame.length - 2;
  if ((first & 0x0f) !== ACK_FLAGS[type] || frame[1] !== length || (frame[2] === 0 && frame[3] === 0)) return undefined;
  let reasonCode = 0;
  if (length !== 2) {
    if (version !== 5 || length > 4 || (length === 4 && frame[5] !== 0)) return undefined;
    reasonCode = frame[4]!;
    if (!CLIENT_REASON_CODES[ACK_NAMES[type]]!.codes.has(reasonCode)) return undefined; // the validator names the rule
  }
  const packet = {
    cmd: ACK_COMMANDS[type],
    retain: false,
    qos: (first >> 1) & 3,
    dup: false,
    length,
    topic: null,
    payload: null,
    messageId: frame.readUInt16BE(2),
  } as unknown as Packet;
  // mqtt-packet fills in an omitted 5.0 Reason Code as Success (5.0 §3.4.2.1).
  if (version === 5) (packet as { reasonCode?: number }).reasonCode = reasonCode;
  return packet;
}
