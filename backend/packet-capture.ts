/**
 * The packet tap of one client connection: every MQTT control packet in and out, cut from
 * the transport's own bytes (after TLS decryption, inside WebSocket frames) — never
 * re-encoded — with a timestamp and direction. Packets are kept in a capped ring for the
 * inspector and pcapng export, and handed to a listener for batching to the UI.
 */

import type { Duplex } from 'node:stream';
import { PACKET_CAPTURE_LIMITS, packetFootprint, type PacketRecord } from '../shared/contract';
import { PacketFramer, type FramingError } from '../shared/packet-frames';
import { RingBuffer, type RingBufferLimits } from '../shared/ring-buffer';

/** Default caps per connection (shared with the page, which holds the same packets). */
export const DEFAULT_CAPTURE_LIMITS: RingBufferLimits = PACKET_CAPTURE_LIMITS;

/** Milliseconds since the epoch with sub-millisecond precision, for packet timing. */
function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Captures the packets of every stream attached to it (one per reconnect). */
export class PacketCapture {
  private readonly ring: RingBuffer<PacketRecord>;
  private seq = 0;
  /** Framing problems seen (a malformed stream stops framing until the next connection). */
  framingErrors: string[] = [];

  constructor(
    private readonly onPacket: (packet: PacketRecord) => void,
    limits: RingBufferLimits = DEFAULT_CAPTURE_LIMITS,
  ) {
    this.ring = new RingBuffer(limits, packetFootprint);
  }

  /** Packets evicted by the caps so far. */
  get evicted(): number {
    return this.ring.evicted;
  }

  /**
   * Taps a freshly built transport stream and returns it unchanged: reads are observed on
   * 'data' (alongside MQTT.js's own pipe), writes by wrapping `write`.
   */
  attach<S extends Duplex>(stream: S): S {
    const inbound = new PacketFramer();
    const outbound = new PacketFramer();
    stream.on('data', (chunk: Buffer) => this.take(inbound, 'in', chunk));
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    (stream as unknown as { write: (...args: unknown[]) => boolean }).write = (chunk: unknown, ...rest: unknown[]) => {
      // mqtt-packet writes Buffers, and strings for some fields; both are wire bytes.
      const encoding = typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8';
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : (chunk as Uint8Array);
      this.take(outbound, 'out', bytes);
      return write(chunk, ...rest);
    };
    return stream;
  }

  /** Every held packet, oldest first. */
  all(): PacketRecord[] {
    return this.ring.toArray();
  }

  /** Number of packets held. */
  get length(): number {
    return this.ring.length;
  }

  /** Up to `limit` held packets with a sequence number above `afterSeq`, oldest first; `more` if some were left. */
  page(afterSeq: number, limit: number): { packets: PacketRecord[]; more: boolean } {
    const first = this.ring.at(0)?.seq;
    if (first === undefined) return { packets: [], more: false };
    // Sequence numbers in the ring are contiguous, so the start is an index, not a search.
    const start = Math.max(0, afterSeq + 1 - first);
    const end = Math.min(this.ring.length, start + limit);
    const packets: PacketRecord[] = [];
    for (let i = start; i < end; i++) packets.push(this.ring.at(i)!);
    return { packets, more: end < this.ring.length };
  }

  /** Forgets every packet. */
  clear(): void {
    this.ring.clear();
  }

  private take(framer: PacketFramer, direction: 'in' | 'out', chunk: Uint8Array): void {
    if (framer.error) return;
    const frames = framer.push(chunk);
    for (const bytes of frames) {
      const packet: PacketRecord = { seq: ++this.seq, time: preciseNow(), direction, bytes };
      this.ring.push(packet);
      this.onPacket(packet);
    }
    // Re-read: push() may have stopped the framer (TS keeps the narrowing from above).
    const failure = framer.error as FramingError | undefined;
    if (failure) this.framingErrors.push(`${direction === 'in' ? 'From the broker' : 'To the broker'}: ${failure.message}`);
  }
}
