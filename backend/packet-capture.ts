/**
 * The packet tap of one client connection: every MQTT control packet in and out, cut from
 * the transport's own bytes (after TLS decryption, inside WebSocket frames) — never
 * re-encoded — with a timestamp and direction. Packets are kept in a capped ring for the
 * inspector and pcapng export, and handed to a listener for batching to the UI.
 */

import type { Duplex, Writable } from 'node:stream';
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
   * Taps a freshly built transport stream and returns it unchanged. Writes are observed by
   * wrapping `write`. Reads are framed where the stream is piped to its reader (MQTT.js's
   * parser): the reader gets whole frames, cut once, and `takeInbound` may keep a frame
   * from it (the fast path, inbound-publishes.ts); it still sees every byte the framer
   * could not frame, so malformed input reaches it as it came.
   */
  attach<S extends Duplex>(stream: S, takeInbound?: (frame: Uint8Array) => boolean): S {
    const inbound = new PacketFramer();
    const outbound = new PacketFramer();
    const pipe = stream.pipe.bind(stream) as (destination: Writable, options?: { end?: boolean }) => Writable;
    (stream as unknown as { pipe: typeof pipe }).pipe = (destination, options) => {
      const write = destination.write.bind(destination) as (chunk: Uint8Array) => boolean;
      (destination as unknown as { write: (chunk: Uint8Array) => boolean }).write = (chunk) => this.takeIn(inbound, chunk, write, takeInbound);
      return pipe(destination, options);
    };
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

  /**
   * One chunk read from the broker: captured frame by frame, each frame either kept by
   * `keep` or written on to the reader; returns what the reader's write returned (false
   * asks the pipe to pause), true when nothing was written.
   */
  private takeIn(framer: PacketFramer, chunk: Uint8Array, write: (chunk: Uint8Array) => boolean, keep?: (frame: Uint8Array) => boolean): boolean {
    // Once framing has stopped, the reader gets the raw bytes, as it would without the tap.
    if (framer.error) return write(chunk);
    let result = true;
    framer.each(chunk, (bytes) => {
      this.record('in', bytes);
      if (!keep?.(bytes)) result = write(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    });
    const failure = framer.error as FramingError | undefined;
    if (failure) {
      this.framingErrors.push(`From the broker: ${failure.message}`);
      if (framer.rest && framer.rest.length > 0) result = write(Buffer.from(framer.rest));
    }
    return result;
  }

  private record(direction: 'in' | 'out', bytes: Uint8Array): void {
    const packet: PacketRecord = { seq: ++this.seq, time: preciseNow(), direction, bytes };
    this.ring.push(packet);
    this.onPacket(packet);
  }

  private take(framer: PacketFramer, direction: 'in' | 'out', chunk: Uint8Array): void {
    if (framer.error) return;
    const frames = framer.push(chunk);
    for (const bytes of frames) this.record(direction, bytes);
    // Re-read: push() may have stopped the framer (TS keeps the narrowing from above).
    const failure = framer.error as FramingError | undefined;
    if (failure) this.framingErrors.push(`${direction === 'in' ? 'From the broker' : 'To the broker'}: ${failure.message}`);
  }
}
