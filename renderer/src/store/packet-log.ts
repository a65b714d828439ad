/**
 * Captured packets in the page: one capped, flat packet store per connection outside React
 * state (the store keeps a revision; records are made only for the packets asked for), and
 * packet summaries decoded lazily for the rows on screen, kept while their record is.
 * Packets of an opened capture file live here too, one log per MQTT connection in the file.
 */

import { PACKET_CAPTURE_LIMITS, type PacketBatch, type PacketRecord } from '../../../shared/contract';
import { annotatePacket, type MqttProtocolVersion, type PacketAnatomy } from '../../../shared/packet-anatomy';
import { bodyStart } from '../../../shared/packet-analysis/packet-facts';
import { topicAliasOf, TopicAliases } from '../../../shared/packet-analysis/topic-aliases';
import { summarizePacket, type AliasedTopic, type PacketSummary } from '../../../shared/packet-summary';
import { PacketStore } from '../../../shared/packet-store';
import type { PacketColumnsBatch } from '../../../shared/wire-packets';
import type { RingBufferLimits } from '../../../shared/ring-buffer';

/** Caps per connection in the page: the backend's, so the page can hold all it captured. */
export const PACKET_LOG_LIMITS: RingBufferLimits = PACKET_CAPTURE_LIMITS;

/** One connection's captured packets. */
export interface ConnectionPackets {
  buffer: PacketStore;
  protocolVersion: MqttProtocolVersion;
  /** Bumped whenever packets are removed or put in front, so derived state (analysis) starts over. */
  generation: number;
}

const logs = new Map<string, ConnectionPackets>();

/** The packet log of a connection, created empty on first use. */
export function packetsFor(connectionId: string): ConnectionPackets {
  let log = logs.get(connectionId);
  if (!log) {
    log = { buffer: new PacketStore(PACKET_LOG_LIMITS), protocolVersion: 4, generation: 0 };
    logs.set(connectionId, log);
  }
  return log;
}

/** Appends a batch from the backend; packets the log already holds are skipped. */
export function appendPackets(batch: Pick<PacketBatch, 'connectionId' | 'protocolVersion' | 'packets'>): void {
  const log = packetsFor(batch.connectionId);
  log.protocolVersion = batch.protocolVersion;
  const last = log.buffer.seqAt(log.buffer.length - 1) ?? -Infinity;
  for (const packet of batch.packets) if (packet.seq > last) log.buffer.push(packet);
}

/**
 * Appends the first `end` packets of a page fetched from the backend, straight from its
 * columns (no record per packet); packets the log already holds are skipped.
 */
export function appendPacketColumns(page: PacketColumnsBatch, end = page.columns.count): void {
  const log = packetsFor(page.connectionId);
  log.protocolVersion = page.protocolVersion;
  const last = log.buffer.seqAt(log.buffer.length - 1) ?? -Infinity;
  const { seqs } = page.columns;
  let from = 0;
  while (from < end && seqs[from]! <= last) from++;
  log.buffer.pushColumns(page.columns, from, end);
}

/** The sequence number of the oldest packet the page holds for a connection. */
export function oldestSeq(connectionId: string): number | undefined {
  return packetsFor(connectionId).buffer.seqAt(0);
}

/**
 * Puts packets older than the page's oldest in front of it (fetched from the backend when
 * the page opened after the capture began). Packets the page already holds are skipped, so
 * batches that streamed in during the fetch are not doubled.
 */
export function prependPackets(connectionId: string, older: readonly PacketRecord[], protocolVersion: MqttProtocolVersion): void {
  const log = packetsFor(connectionId);
  log.protocolVersion = protocolVersion;
  const oldest = log.buffer.seqAt(0) ?? Infinity;
  const missing = older.filter((p) => p.seq < oldest);
  if (missing.length === 0) return;
  const held = log.buffer;
  log.buffer = new PacketStore(PACKET_LOG_LIMITS);
  for (const packet of missing) log.buffer.push(packet);
  for (let i = 0; i < held.length; i++) log.buffer.push(held.peek(i)!);
  log.generation++;
}

/** Empties a connection's packet log. */
export function clearPackets(connectionId: string): void {
  const log = packetsFor(connectionId);
  log.buffer.clear();
  log.generation++;
}

/** Forgets a log entirely (a closed capture file). */
export function dropPackets(connectionId: string): void {
  logs.delete(connectionId);
}

const TYPE_NAMES = ['Reserved', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'] as const;

/** The packet type from the first byte: cheap, for filters over every packet. */
export function packetTypeName(packet: PacketRecord): (typeof TYPE_NAMES)[number] {
  return TYPE_NAMES[(packet.bytes[0] ?? 0) >> 4]!;
}

/** The type of the packet at a position in a store, without a record: for filters over every packet. */
export function packetTypeNameAt(store: PacketStore, position: number): (typeof TYPE_NAMES)[number] {
  return TYPE_NAMES[store.firstByteAt(position) >> 4]!;
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

const summaries = new WeakMap<PacketRecord, PacketSummary>();
const aliases = new Map<string, { index: TopicAliases; generation: number }>();

/** The topic a 5.0 PUBLISH without a topic name stands for, learned from the log up to it. */
function aliasedTopic(connectionId: string, packet: PacketRecord, alias: number): AliasedTopic | undefined {
  const log = packetsFor(connectionId);
  let entry = aliases.get(connectionId);
  if (!entry || entry.generation !== log.generation) aliases.set(connectionId, (entry = { index: new TopicAliases(), generation: log.generation }));
  // Learn from every packet before this one not yet seen (once per log, however many rows ask).
  const first = log.buffer.seqAt(0) ?? 0;
  for (let i = Math.max(0, entry.index.lastSeq + 1 - first); i < log.buffer.length; i++) {
    // Records not cached: this pass must not push the rows on screen out of the store's cache.
    const earlier = log.buffer.peek(i)!;
    if (earlier.seq >= packet.seq) break;
    entry.index.add(earlier);
  }
  return entry.index.resolve(packet.direction, alias, packet.seq);
}

/** What the Topic Alias of an alias-only 5.0 PUBLISH stands for: the topic, or undefined when not set earlier in the log. */
export interface TopicFromAlias {
  alias: number;
  resolved: AliasedTopic | undefined;
}

/**
 * For a 5.0 PUBLISH with an empty topic name and a Topic Alias, the topic the alias stood
 * for in that direction when it was sent, learned from the packets before it in the log;
 * undefined for any other packet.
 */
export function topicFromAlias(packet: PacketRecord, version: MqttProtocolVersion, connectionId: string): TopicFromAlias | undefined {
  if (version !== 5 || packet.bytes[0]! >> 4 !== 3) return undefined;
  const body = bodyStart(packet.bytes);
  if (body <= 0 || packet.bytes[body] !== 0 || packet.bytes[body + 1] !== 0) return undefined;
  const alias = topicAliasOf(packet.bytes);
  return alias === 0 ? undefined : { alias, resolved: aliasedTopic(connectionId, packet, alias) };
}

/**
 * A packet's row text (Wireshark's Info, then the rest), decoded once and kept while the
 * packet is. A 5.0 PUBLISH that names its topic only by alias shows the topic the alias stood for.
 */
export function summaryOf(packet: PacketRecord, version: MqttProtocolVersion, connectionId: string): PacketSummary {
  let summary = summaries.get(packet);
  if (!summary) {
    summary = summarizePacket(anatomyOf(packet, version), packet.bytes, topicFromAlias(packet, version, connectionId)?.resolved);
    summaries.set(packet, summary);
  }
  return summary;
}

/** The packets a timeline shows, by position. */
export interface PacketRows {
  readonly length: number;
  at(index: number): PacketRecord | undefined;
}

/**
 * The packets of a log that pass a filter, kept up to date incrementally: each batch
 * examines only the packets that arrived since the last update, so a filter over a million
 * packets costs per new packet, not per packet held. Rows are sequence numbers, looked up
 * by index in the ring (sequence numbers there are contiguous).
 */
export class FilteredPackets implements PacketRows {
  private seqs: number[] = [];
  /** Index of the first entry of `seqs` still held by the log. */
  private start = 0;
  /** Highest sequence number examined. */
  private scannedTo = 0;
  /** Oldest sequence number held at the last update: older ones appearing means a refill. */
  private oldest = Infinity;

  constructor(
    private readonly log: ConnectionPackets,
    /** Whether the packet at a position of the store passes (column reads, no record made). */
    private readonly test: (store: PacketStore, position: number) => boolean,
  ) {}

  /** Catches up with the log; call once per revision. */
  update(): this {
    const buffer = this.log.buffer;
    const first = buffer.seqAt(0);
    if (first === undefined || first < this.oldest || first > this.scannedTo + 1) this.reset();
    if (first === undefined) return this;
    this.oldest = first;
    while (this.start < this.seqs.length && this.seqs[this.start]! < first) this.start++;
    // Compact now and then rather than shifting on every eviction.
    if (this.start > 4096 && this.start * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.start);
      this.start = 0;
    }
    for (let i = Math.max(0, this.scannedTo + 1 - first); i < buffer.length; i++) {
      const seq = buffer.seqAt(i)!;
      if (this.test(buffer, i)) this.seqs.push(seq);
      this.scannedTo = seq;
    }
    return this;
  }

  /** Number of matching packets held. */
  get length(): number {
    return this.seqs.length - this.start;
  }

  /** The matching packet at a position, 0 being the oldest. */
  at(index: number): PacketRecord | undefined {
    const seq = this.seqs[this.start + index];
    return seq === undefined ? undefined : this.log.buffer.atSeq(seq);
  }

  private reset(): void {
    this.seqs = [];
    this.start = 0;
    this.scannedTo = 0;
    this.oldest = Infinity;
  }
}
