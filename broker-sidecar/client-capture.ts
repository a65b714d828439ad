/**
 * Every packet between the broker and its clients, kept per client for the app's broker
 * panel: its timeline of a client is the packet inspector the connections use, fed from
 * the broker's tap. On only when the broker runs as the app's sidecar (the tap costs the
 * hot path a little); capped in packets and bytes over all clients, oldest evicted first.
 * Directions are the client's: 'out' is what the client sent, as in a connection's own capture.
 */

import type { BrokerPacketsPage } from '../shared/broker-control';
import { RingBuffer, type RingBufferLimits } from '../shared/ring-buffer';
import type { PacketTap, TapEvent } from './tap';
import type { ProtocolVersion } from './types';

/** One captured packet. */
interface Captured {
  seq: number;
  time: number;
  direction: 'in' | 'out';
  /** The client ID, or the connection's address for packets before (or without) one. */
  client: string;
  bytes: Buffer;
}

/** Default caps: 200,000 packets or 64 MiB, all clients together. */
export const CLIENT_CAPTURE_LIMITS: RingBufferLimits = { maxItems: 200_000, maxBytes: 64 * 1024 * 1024 };

/** Clients whose protocol level is remembered; beyond this the oldest is forgotten. */
const MAX_CLIENTS = 10_000;

/** The key a tapped packet is filed under: its client ID, else the connection's address. */
export function captureKey(event: Pick<TapEvent, 'clientId' | 'remoteAddress'>): string {
  return event.clientId === '' ? event.remoteAddress : event.clientId;
}

/** The packets of every client, newest kept. */
export class ClientCapture {
  private readonly ring: RingBuffer<Captured>;
  private seq = 0;
  private readonly versions = new Map<string, ProtocolVersion>();
  /** Per client, the last sequence number the user cleared. */
  private readonly clearedThrough = new Map<string, number>();
  private readonly off: () => void;

  constructor(tap: PacketTap, limits: RingBufferLimits = CLIENT_CAPTURE_LIMITS) {
    this.ring = new RingBuffer(limits, (c) => c.bytes.length + 120);
    this.off = tap.on((event) => this.take(event));
  }

  /** Stops capturing. */
  close(): void {
    this.off();
  }

  /** Up to `limit` packets of one client after `afterSeq`, oldest first. */
  page(client: string, afterSeq: number, limit: number): BrokerPacketsPage {
    const first = this.ring.at(0)?.seq ?? this.seq + 1;
    const from = Math.max(afterSeq, this.clearedThrough.get(client) ?? 0);
    const packets: BrokerPacketsPage['packets'] = [];
    let more = false;
    // Sequence numbers in the ring are contiguous: the start is an index, not a search.
    for (let i = Math.max(0, from + 1 - first); i < this.ring.length; i++) {
      const c = this.ring.at(i)!;
      if (c.client !== client) continue;
      if (packets.length === limit) {
        more = true;
        break;
      }
      packets.push({ seq: c.seq, time: c.time, direction: c.direction, hex: c.bytes.toString('hex') });
    }
    return { packets, protocolVersion: this.versions.get(client) ?? 4, evicted: this.ring.evicted, more };
  }

  /** Forgets what was captured of one client so far. */
  clear(client: string): number {
    const before = this.page(client, 0, Number.MAX_SAFE_INTEGER).packets.length;
    this.clearedThrough.set(client, this.seq);
    return before;
  }

  private take(event: TapEvent): void {
    const client = captureKey(event);
    // A copy: the frame is a view into the socket's chunk (or the writer's slab).
    this.ring.push({ seq: ++this.seq, time: event.time, direction: event.direction === 'in' ? 'out' : 'in', client, bytes: Buffer.from(event.bytes) });
    if (this.versions.get(client) !== event.protocolVersion) {
      this.versions.delete(client);
      this.versions.set(client, event.protocolVersion);
      if (this.versions.size > MAX_CLIENTS) this.versions.delete(this.versions.keys().next().value!);
    }
  }
}
