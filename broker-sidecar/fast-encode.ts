/**
 * Hand encoders for the two packets a busy broker writes most: acknowledgements without
 * properties, and PUBLISHes without properties. mqtt-packet's `generate` handles every
 * packet but measures and allocates field by field; these write the same bytes in one
 * allocation. Anything else (properties, 5.0 reason codes) returns undefined and goes to
 * mqtt-packet. test/broker-sidecar/fast-encode.test.ts checks every case byte for byte
 * against mqtt-packet.
 */

import type { Packet } from 'mqtt-packet';
import type { ProtocolVersion } from './types';

/** Fixed header first byte of each ack; PUBREL carries the reserved flags 0b0010 [MQTT-3.6.1-1]. */
const ACK_HEADER = { puback: 0x40, pubrec: 0x50, pubrel: 0x62, pubcomp: 0x70 } as const;

/**
 * The wire bytes of a packet when it is a plain ack or a property-less PUBLISH, else
 * undefined. A plain 5.0 ack uses the 2-byte form (Reason Code 0x00 and no properties may be
 * omitted, 5.0 §3.4.2.1), as mosquitto sends it.
 */
export function fastEncode(packet: Packet, version: ProtocolVersion): Buffer | undefined {
  switch (packet.cmd) {
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp': {
      if ((packet.reasonCode ?? 0) !== 0 || hasProperties(packet.properties)) return undefined;
      const id = packet.messageId ?? 0;
      const out = Buffer.allocUnsafe(4);
      out[0] = ACK_HEADER[packet.cmd];
      out[1] = 2;
      out[2] = id >> 8;
      out[3] = id & 0xff;
      return out;
    }
    case 'publish':
      return hasProperties(packet.properties) ? undefined : encodePublish(packet, version);
    default:
      return undefined;
  }
}

function hasProperties(properties: object | undefined): boolean {
  if (properties === undefined) return false;
  for (const _key in properties) return true;
  return false;
}

function encodePublish(packet: Extract<Packet, { cmd: 'publish' }>, version: ProtocolVersion): Buffer | undefined {
  const qos = packet.qos ?? 0;
  // Invalid input is mqtt-packet's to reject, with its own error.
  if (qos > 2 || (qos > 0 && packet.messageId === undefined) || typeof packet.topic !== 'string') return undefined;
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  const topicLength = Buffer.byteLength(packet.topic);
  if (topicLength > 0xffff) return undefined;
  // Topic, packet identifier (QoS > 0), the 5.0 Property Length (0), then the payload.
  const remaining = 2 + topicLength + (qos > 0 ? 2 : 0) + (version === 5 ? 1 : 0) + payload.length;
  if (remaining > 268_435_455) return undefined;
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  out[0] = 0x30 | (packet.dup ? 8 : 0) | (qos << 1) | (packet.retain ? 1 : 0);
  let at = 1;
  let left = remaining;
  do {
    let digit = left % 128;
    left = Math.floor(left / 128);
    if (left > 0) digit |= 0x80;
    out[at++] = digit;
  } while (left > 0);
  out[at++] = topicLength >> 8;
  out[at++] = topicLength & 0xff;
  at += out.write(packet.topic, at, 'utf8');
  if (qos > 0) {
    const id = packet.messageId ?? 0;
    out[at++] = id >> 8;
    out[at++] = id & 0xff;
  }
  if (version === 5) out[at++] = 0;
  out.set(payload, at);
  return out;
}
