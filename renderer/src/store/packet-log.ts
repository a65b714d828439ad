/**
 * Captured packets in the page: one capped ring per connection outside React state (the
 * store keeps a revision), and packet summaries decoded lazily for the rows on screen.
 */

import type { PacketBatch, PacketRecord } from '../../../shared/contract';
import { annotatePacket, type FieldNode, type MqttProtocolVersion, type PacketAnatomy } from '../../../shared/packet-anatomy';
import { RingBuffer, type RingBufferLimits } from '../../../shared/ring-buffer';

/** Caps per connection in the page. */
export const PACKET_LOG_LIMITS: RingBufferLimits = { maxItems: 200_000, maxBytes: 128 * 1024 * 1024 };

/** One connection's captured packets. */
export interface ConnectionPackets {
  buffer: RingBuffer<PacketRecord>;
  protocolVersion: MqttProtocolVersion;
}

const logs = new Map<string, ConnectionPackets>();

/** The packet log of a connection, created empty on first use. */
export function packetsFor(connectionId: string): ConnectionPackets {
  let log = logs.get(connectionId);
  if (!log) {
    log = { buffer: new RingBuffer(PACKET_LOG_LIMITS, (p) => p.bytes.byteLength + 64), protocolVersion: 4 };
    logs.set(connectionId, log);
  }
  return log;
}

/** Appends a batch from the backend. */
export function appendPackets(batch: PacketBatch): void {
  const log = packetsFor(batch.connectionId);
  log.protocolVersion = batch.protocolVersion;
  for (const packet of batch.packets) log.buffer.push(packet);
}

/** Replaces a connection's packets with what the backend holds (inspector opened late). */
export function replacePackets(batch: PacketBatch): void {
  const log = packetsFor(batch.connectionId);
  log.buffer.clear();
  appendPackets(batch);
}

/** Empties a connection's packet log. */
export function clearPackets(connectionId: string): void {
  packetsFor(connectionId).buffer.clear();
}

const TYPE_NAMES = ['Reserved', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'] as const;

/** The packet type from the first byte: cheap, for filters over every packet. */
export function packetTypeName(packet: PacketRecord): (typeof TYPE_NAMES)[number] {
  return TYPE_NAMES[(packet.bytes[0] ?? 0) >> 4]!;
}

/** Every packet type name, for the type filter. */
export const PACKET_TYPE_NAMES = TYPE_NAMES.slice(1);

const anatomies = new WeakMap<PacketRecord, PacketAnatomy>();

/** The decoded field tree of a packet, decoded once and kept while the packet is. */
export function anatomyOf(packet: PacketRecord, version: MqttProtocolVersion): PacketAnatomy {
  let anatomy = anatomies.get(packet);
  if (!anatomy) {
    anatomy = annotatePacket(packet.bytes, version);
    anatomies.set(packet, anatomy);
  }
  return anatomy;
}

/** The first field with one of these names, depth first. */
export function findField(fields: readonly FieldNode[], names: readonly string[]): FieldNode | undefined {
  for (const field of fields) {
    if (names.includes(field.name)) return field;
    const inner = field.children ? findField(field.children, names) : undefined;
    if (inner) return inner;
  }
  return undefined;
}
