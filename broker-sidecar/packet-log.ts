/**
 * Mosquitto-style one-line descriptions of tapped packets, for the CLI's -v output:
 * "Received PUBLISH from c1 (d0, q1, r0, m3, 'a/b', ... (5 bytes))".
 */

import type { TapEvent } from './tap';

/** Describes a tapped packet in mosquitto's wording. */
export function describePacket(event: TapEvent): string {
  const { packet } = event;
  const who = event.clientId === '' ? '<unknown>' : event.clientId;
  if (!packet) return `Received a packet from ${who} that breaks ${event.violation ?? 'the protocol'} (${event.bytes.length} bytes)`;
  const head = event.direction === 'in' ? `Received ${packet.cmd.toUpperCase()} from ${who}` : `Sending ${packet.cmd.toUpperCase()} to ${who}`;
  switch (packet.cmd) {
    case 'publish': {
      const size = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
      return `${head} (d${packet.dup ? 1 : 0}, q${packet.qos}, r${packet.retain ? 1 : 0}, m${packet.messageId ?? 0}, '${packet.topic}', ... (${size} bytes))`;
    }
    case 'connack':
      return `${head} (${packet.sessionPresent ? 1 : 0}, ${packet.reasonCode ?? packet.returnCode ?? 0})`;
    case 'subscribe':
      return `${head}: ${packet.subscriptions.map((s) => `${s.topic} (QoS ${s.qos})`).join(', ')}`;
    case 'unsubscribe':
      return `${head}: ${packet.unsubscriptions.join(', ')}`;
    case 'disconnect':
      return packet.reasonCode === undefined ? head : `${head} (reason ${packet.reasonCode})`;
    case 'puback':
    case 'pubrec':
    case 'pubrel':
    case 'pubcomp':
      return `${head} (Mid: ${packet.messageId ?? 0}${packet.reasonCode ? `, RC:${packet.reasonCode}` : ''})`;
    default:
      return head;
  }
}
