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
  /** Numbered per client, 1, 2, 3…: the inspector finds a packet by its number in a contiguous run. */
  seq: number;
  time: number;
  direction: 'in' | 'out';
  /** The client ID, or the connection's address for packets before (or without) one. */
  client: string;
  bytes: Buffer;
}

/** Default caps: 200,000 packets or 64 MiB, all clients together. */
export const CLIENT_CAPTURE_LIMITS: RingBufferLimits = { maxItems: 200_000, maxBytes: 64 * 1024 * 1024 };

/** Clients whose numbering and protocol level are remembered; beyond this the longest quiet is forgotten. */
const MAX_CLIENTS = 10_000;

/** What the capture remembers of one client. */
interface ClientState {
  /** The last sequence number given to one of its packets. */
  seq: number;
  protocolVersion: ProtocolVersion;
  /** The last sequence number the user cleared. */
  clearedThrough: number;
}

/** The key a tapped packet is filed under: its client ID, else the connection's address. */
export function captureKey(event: Pick<TapEvent, 'clientId' | 'remoteAddress'>): string {
  return event.clientId === '' ? event.remoteAddress : event.clientId;
}

/** The packets of every client, newest kept. */
export class ClientCapture {
  private readonly ring: RingBuffer<Captured>;
  /** Per client, in order of last activity (the oldest first, for forgetting). */
  private readonly clients = new Map<string, ClientState>();
  private readonly off: () => void;

  constructor(tap: PacketTap, limits: RingBufferLimits = CLIENT_CAPTURE_LIMITS) {
    this.ring = new RingBuffer(limits, (c) => c.bytes.length + 120);
    this.off = tap.on((event) => this.take(event));
  }

  /** Stops capturing. */
  close(): void {
    this.off();
  }

  /** Up to `limit` packets of one client after its sequence number `afterSeq`, oldest first. */
  page(client: string, afterSeq: number, limit: number): BrokerPacketsPage {
    const state = this.clients.get(client);
    const from = Math.max(afterSeq, state?.clearedThrough ?? 0);
    const packets: BrokerPacketsPage['packets'] = [];
    let more = false;
    // Packets of all clients share the ring: a walk over it, a few milliseconds at its cap.
    for (let i = 0; i < this.ring.length; i++) {
      const c = this.ring.at(i)!;
      if (c.client !== client || c.seq <= from) continue;
      if (packets.length === limit) {
        more = true;
        break;
      }
      packets.push({ seq: c.seq, time: c.time, direction: c.direction, hex: c.bytes.toString('hex') });
    }
    return { packets, protocolVersion: state?.protocolVersion ?? 4, evicted: this.ring.evicted, more };
  }

  /** Forgets what was captured of one client so far. */
  clear(client: string): number {
    const before = this.page(client, 0, Number.MAX_SAFE_INTEGER).packets.length;
    const state = this.clients.get(client);
    if (state) state.clearedThrough = state.seq;
    return before;
  }

  private take(event: TapEvent): void {
    const client = captureKey(event);
    let state = this.clients.get(client);
    if (state) this.clients.delete(client); // re-inserted below: the map stays in order of activity
    else state = { seq: 0, protocolVersion: event.protocolVersion, clearedThrough: 0 };
    state.protocolVersion = event.protocolVersion;
    this.clients.set(client, state);
    if (this.clients.size > MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
    // A copy: the frame is a view into the socket's chunk (or the writer's slab).
    this.ring.push({ seq: ++state.seq, time: event.time, direction: event.direction === 'in' ? 'out' : 'in', client, bytes: Buffer.from(event.bytes) });
  }
}
