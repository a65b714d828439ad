/**
 * Everything the Flows view shows about one connection, kept up to date packet by packet:
 * acknowledgement flows, keepalive per session, and counters (packets and bytes by type,
 * round trips, reason codes). Packets are fed once each, in order, so a connection that
 * keeps capturing costs per new packet; `reset` starts over (after the capture is cleared).
 */

import type { PacketRecord } from '../contract';
import type { ChunkColumns } from '../packet-store';
import { annotatePacket, type MqttProtocolVersion } from '../packet-anatomy';
import { fieldAtPath } from '../packet-summary';
import { ConnectionStats } from './connection-stats';
import { FlowTable } from './flows';
import { KeepaliveTracker } from './keepalive';
import { PACKET_TYPES } from '../packet-anatomy/tables';
import { ackReasonOf, codeName, connectFacts, numericProperty, subackCodesOf, T } from './packet-facts';

export { FlowTable, STEP_TYPES, type Flow, type FlowKind, type FlowStatus } from './flows';
export type { KeepaliveDrop, KeepaliveSession, Ping } from './keepalive';
export type { ReasonCount, RttRow, TypeCount } from './connection-stats';

/** Flows, keepalive and counters of one connection. */
export class PacketAnalysis {
  readonly stats = new ConnectionStats();
  readonly flows = new FlowTable((t) => this.stats.rtt(t.step, t.direction, t.ms));
  readonly keepalive = new KeepaliveTracker((ms) => this.stats.rtt('PINGREQ → PINGRESP', 'out', ms));
  /** Sequence number of the last packet analysed (0 before the first). */
  lastSeq = 0;
  /** Time of the last packet analysed. */
  lastTime = 0;
  private connectTime: number | undefined;

  /** `version` is what the connection speaks until a CONNECT says otherwise. */
  constructor(private version: MqttProtocolVersion) {
    this.flows.session(version, false);
  }

  /** Analyses the next packet. */
  add(packet: PacketRecord): void {
    const { bytes, direction, seq, time } = packet;
    this.lastSeq = seq;
    this.lastTime = time;
    const type = (bytes[0] ?? 0) >> 4;
    if (type === 0) return;
    this.stats.packet(type, direction, bytes.length);
    switch (type) {
      case T.CONNECT: {
        const facts = direction === 'out' ? connectFacts(bytes) : undefined;
        if (!facts) break;
        this.version = facts.version;
        this.connectTime = time;
        this.flows.session(facts.version, facts.clean);
        this.keepalive.connect(seq, time, facts.keepalive);
        return;
      }
      case T.CONNACK:
      case T.DISCONNECT:
      case T.AUTH:
        this.rare(packet, type);
        break;
      case T.PUBACK:
      case T.PUBREC:
      case T.PUBREL:
      case T.PUBCOMP:
        if (this.version === 5) this.reason(type, direction, ackReasonOf(bytes, 5));
        break;
      case T.SUBACK:
      case T.UNSUBACK:
        if (type === T.SUBACK || this.version === 5) for (const code of subackCodesOf(bytes, this.version)) this.reason(type, direction, code);
        break;
    }
    this.flows.add(bytes, type, direction, seq, time);
    this.keepalive.packet(type, direction, seq, time);
  }

  /**
   * Analyses the next packet from its first byte and size alone, when that is all the
   * analysis reads of it: a QoS 0 PUBLISH (most of a flood) opens no flow [MQTT-4.3.1].
   * False, with nothing done, for any other packet: give it to {@link add}. A store of
   * packets in columns makes no record for those.
   */
  addHeader(firstByte: number, size: number, direction: 'in' | 'out', seq: number, time: number): boolean {
    if (firstByte >> 4 !== T.PUBLISH || (firstByte & 0x06) !== 0) return false;
    this.lastSeq = seq;
    this.lastTime = time;
    this.stats.packet(T.PUBLISH, direction, size);
    this.keepalive.packet(T.PUBLISH, direction, seq, time);
    return true;
  }

  /**
   * Analyses packets `[start, end)` of a store's columns as {@link addHeader} would one by
   * one, a run of QoS 0 PUBLISHes from the broker at a time: they touch only the counters
   * (no flow, and the keepalive counts what the client sends), so a run is counted in one
   * go. Stops at the first packet that needs its bytes and returns its slot (`end` when
   * all were taken): give that one to {@link add}, then go on after it.
   */
  addColumns(columns: ChunkColumns, start: number, end: number): number {
    const { firstBytes, sizes, directions, seqs, times } = columns;
    let i = start;
    while (i < end) {
      const first = firstBytes[i]!;
      if (first >> 4 !== T.PUBLISH || (first & 0x06) !== 0) return i;
      if (directions[i] === 1) {
        this.addHeader(first, sizes[i]!, 'out', seqs[i]!, times[i]!);
        i++;
        continue;
      }
      // A run of QoS 0 PUBLISHes received: one add to the counters for all of them.
      let bytes = 0;
      const from = i;
      for (; i < end; i++) {
        const next = firstBytes[i]!;
        if (next >> 4 !== T.PUBLISH || (next & 0x06) !== 0 || directions[i] !== 0) break;
        bytes += sizes[i]!;
      }
      this.stats.packetRun(T.PUBLISH, 'in', i - from, bytes);
      this.lastSeq = seqs[i - 1]!;
      this.lastTime = times[i - 1]!;
    }
    return end;
  }

  /** CONNACK, DISCONNECT and AUTH: decoded in full for their reason codes and properties. */
  private rare(packet: PacketRecord, type: number): void {
    const anatomy = annotatePacket(packet.bytes, this.version);
    const code = fieldAtPath(anatomy.fields, 'Variable header', 'Reason code') ?? fieldAtPath(anatomy.fields, 'Variable header', 'Return code');
    const value = code ? packet.bytes[code.start]! : 0;
    // An omitted DISCONNECT or AUTH reason means 0x00 [MQTT 3.14.2.1, 3.15.2.1].
    if (code || this.version === 5) this.reason(type, packet.direction, value);
    if (type === T.CONNACK) {
      if (this.connectTime !== undefined) this.stats.rtt('CONNECT → CONNACK', 'out', packet.time - this.connectTime);
      this.connectTime = undefined;
      const serverKeepAlive = numericProperty(anatomy, 'Server Keep Alive');
      if (serverKeepAlive !== undefined) this.keepalive.serverKeepAlive(serverKeepAlive);
    }
  }

  private reason(type: number, direction: 'in' | 'out', code: number): void {
    const name = PACKET_TYPES[type]!;
    this.stats.reason(name, direction, code, codeName(code, name, this.version));
  }
}
