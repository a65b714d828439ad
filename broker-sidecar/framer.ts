/**
 * Cuts the inbound byte stream into whole MQTT packets before mqtt-packet sees them. This
 * gives the packet tap exact raw bytes, lets the broker inspect a CONNECT before the codec
 * rejects unknown protocol levels, and rejects oversize packets before buffering them.
 */

/** Next step of the framer: a whole packet, nothing yet, or a stream that cannot be framed. */
export type FrameResult =
  | { kind: 'frame'; bytes: Buffer }
  | { kind: 'need-more' }
  | { kind: 'malformed'; reason: string }
  /** Well-formed so far but above our Maximum Packet Size: 5.0 answers 0x95, not 0x81. */
  | { kind: 'too-large'; reason: string };

const NEED_MORE: FrameResult = { kind: 'need-more' };
const MAX_REMAINING_LENGTH = 268_435_455; // 4 bytes of variable byte integer

/** Accumulates chunks and yields complete packets in order. */
export class Framer {
  private chunks: Buffer[] = [];
  /** Read position in chunks[0]: frames are cut from a chunk in place, without re-slicing the rest each time. */
  private offset = 0;
  private buffered = 0;

  /** @param maxPacketBytes packets larger than this (header included) are malformed for us */
  constructor(private readonly maxPacketBytes: number) {}

  /** Adds bytes read from the socket. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Takes the next complete packet off the buffer. */
  next(): FrameResult {
    if (this.buffered < 2) return NEED_MORE;
    // The fixed header (at most 5 bytes) in one buffer: merge when it straddles chunks.
    if (this.chunks[0]!.length - this.offset < 5 && this.chunks.length > 1) this.merge();
    const head = this.chunks[0]!;
    const at = this.offset;
    let value = 0;
    let multiplier = 1;
    let headerLength = 0;
    for (let i = 1; i < 5; i++) {
      if (at + i >= head.length) return NEED_MORE;
      const byte = head[at + i]!;
      value += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) {
        headerLength = 1 + i;
        break;
      }
    }
    // A fifth length byte cannot exist: the Remaining Length is at most 4 bytes (§2.2.3, [MQTT-1.5.5-1] in 5.0).
    if (headerLength === 0) return { kind: 'malformed', reason: 'remaining length longer than 4 bytes' };
    const total = headerLength + value;
    if (value > MAX_REMAINING_LENGTH) return { kind: 'malformed', reason: `remaining length ${value} is above the protocol maximum` };
    if (total > this.maxPacketBytes) return { kind: 'too-large', reason: `packet of ${total} bytes exceeds the ${this.maxPacketBytes} byte limit` };
    if (this.buffered < total) return NEED_MORE;
    if (head.length - at < total) this.merge();
    const first = this.chunks[0]!;
    const bytes = first.subarray(this.offset, this.offset + total);
    this.offset += total;
    this.buffered -= total;
    if (this.offset === first.length) {
      this.chunks.shift();
      this.offset = 0;
    }
    return { kind: 'frame', bytes };
  }

  /** Up to `max` of the bytes not yet framed, for reporting a stream that cannot be framed. */
  peek(max: number): Buffer {
    if (this.buffered === 0) return Buffer.alloc(0);
    if (this.chunks.length > 1) this.merge();
    return this.chunks[0]!.subarray(this.offset, this.offset + max);
  }

  /** Joins everything buffered into one chunk. */
  private merge(): void {
    const rest = this.chunks[0]!.subarray(this.offset);
    this.chunks = [Buffer.concat([rest, ...this.chunks.slice(1)])];
    this.offset = 0;
  }
}
