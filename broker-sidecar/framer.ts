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
    const head = this.headBytes(5);
    let value = 0;
    let multiplier = 1;
    let headerLength = 0;
    for (let i = 0; i < 4; i++) {
      const byte = head[1 + i];
      if (byte === undefined) return NEED_MORE;
      value += (byte & 0x7f) * multiplier;
      multiplier *= 128;
      if ((byte & 0x80) === 0) {
        headerLength = 2 + i;
        break;
      }
    }
    // A fifth length byte cannot exist: the Remaining Length is at most 4 bytes (§2.2.3, [MQTT-1.5.5-1] in 5.0).
    if (headerLength === 0) return { kind: 'malformed', reason: 'remaining length longer than 4 bytes' };
    const total = headerLength + value;
    if (value > MAX_REMAINING_LENGTH) return { kind: 'malformed', reason: `remaining length ${value} is above the protocol maximum` };
    if (total > this.maxPacketBytes) return { kind: 'too-large', reason: `packet of ${total} bytes exceeds the ${this.maxPacketBytes} byte limit` };
    if (this.buffered < total) return NEED_MORE;
    return { kind: 'frame', bytes: this.take(total) };
  }

  /** The first `n` buffered bytes (or fewer), merging small leading chunks. */
  private headBytes(n: number): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= n || this.chunks.length === 1) return first;
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!;
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, n);
      this.chunks = all.length > n ? [all.subarray(n)] : [];
    }
    this.buffered -= n;
    return out;
  }
}
