/**
 * Splits an MQTT byte stream into whole control packets. Sockets hand over bytes in chunks
 * that ignore packet boundaries (a chunk may hold half a packet or several), so the packet
 * inspector and the capture writer need the fixed header's Remaining Length to know where
 * each packet ends. Section numbers refer to MQTT 5.0 (OASIS); 3.1 and 3.1.1 frame the same.
 */

/** The largest value a Variable Byte Integer can carry (4 bytes of 7 bits) [MQTT-1.5.5]. */
export const MAX_VARIABLE_BYTE_INTEGER = 268_435_455;

/** The result of reading a Variable Byte Integer such as the Remaining Length. */
export type VariableByteIntegerRead =
  /** `length` is how many bytes the integer itself took (1 to 4). */
  | { status: 'ok'; value: number; length: number }
  /** The bytes end before the integer does: wait for more. */
  | { status: 'incomplete' }
  /** A fifth byte would be needed: no MQTT packet can be framed from here on. */
  | { status: 'malformed'; reason: string };

/**
 * Reads a Variable Byte Integer at `offset` (for the Remaining Length, offset 1, right after
 * the packet type byte) [MQTT-1.5.5]. Never reads past `end`.
 */
export function readVariableByteInteger(bytes: Uint8Array, offset: number, end = bytes.length): VariableByteIntegerRead {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    const at = offset + i;
    if (at >= end) return { status: 'incomplete' };
    const byte = bytes[at]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) return { status: 'ok', value, length: i + 1 };
    multiplier *= 128;
  }
  return { status: 'malformed', reason: 'a variable byte integer has a continuation bit on its 4th byte' };
}

/**
 * Reads the Remaining Length of the packet starting at `packetStart` (its type byte). The
 * returned `length` counts the Remaining Length bytes only, so the whole packet spans
 * `1 + length + value` bytes.
 */
export function readRemainingLength(bytes: Uint8Array, packetStart = 0): VariableByteIntegerRead {
  return readVariableByteInteger(bytes, packetStart + 1);
}

/** Why a framer stopped. `streamOffset` counts bytes from the start of the stream. */
export interface FramingError {
  kind: 'malformed-remaining-length' | 'packet-too-large';
  message: string;
  /** Where the offending packet starts in the whole stream. */
  streamOffset: number;
}

/** Options for {@link PacketFramer}. */
export interface PacketFramerOptions {
  /**
   * Refuse packets whose total size (fixed header included) exceeds this, instead of
   * buffering up to the protocol's 256 MB; the framer then stops with `packet-too-large`.
   */
  maxPacketSize?: number;
}

/** Size of the blocks small frames are copied into (see `PacketFramer.copyOut`). */
const SLAB_BYTES = 64 * 1024;
/** Frames above this get a buffer of their own, so one big packet never pins a slab. */
const SLAB_MAX_FRAME = SLAB_BYTES / 16;

/**
 * Incremental framer: feed it chunks as they come off the socket, get back every packet
 * they complete. Each frame is a copy holding exactly one packet, fixed header included.
 * A malformed Remaining Length leaves no way to find the next packet boundary, so the
 * framer stops for good: `error` says why and every later push returns nothing.
 */
export class PacketFramer {
  private buffer = new Uint8Array(0);
  private head = 0;
  private tail = 0;
  private consumed = 0;
  private failure: FramingError | undefined;
  private readonly maxPacketSize: number;
  private slab = new Uint8Array(0);
  private slabUsed = 0;
  /** Size of the frame at the head once its header is read and it is still incomplete. */
  private expected = 0;

  /** Creates a framer for one direction of one connection. */
  constructor(options: PacketFramerOptions = {}) {
    this.maxPacketSize = options.maxPacketSize ?? Number.POSITIVE_INFINITY;
  }

  /**
   * Once the framer has stopped: the bytes it had not framed, from the offending packet's
   * first byte to the end of the chunk that stopped it (for a consumer that hands the
   * stream on to another parser and must not lose them).
   */
  rest: Uint8Array | undefined;

  /** Why the framer stopped, or undefined while it works. */
  get error(): FramingError | undefined {
    return this.failure;
  }

  /** Bytes received but not yet part of a complete frame. */
  get buffered(): number {
    return this.tail - this.head;
  }

  /** Bytes handed out in frames so far: the stream offset of the next frame. */
  get framedBytes(): number {
    return this.consumed;
  }

  /**
   * Adds a chunk and returns the frames it completes, in stream order. Frames completed
   * before a malformed header in the same chunk are still returned.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    this.each(chunk, (frame) => frames.push(frame));
    return frames;
  }

  /**
   * As {@link push}, handing each frame to `onFrame` as it is cut instead of collecting them;
   * the chunk is `chunk[from, to)`. When nothing is pending, frames are cut straight from the
   * chunk: only a trailing partial packet is buffered. (Reading a million-packet capture
   * file, this is the hot path.)
   */
  each(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void, from = 0, to = chunk.length): void {
    if (this.failure) return;
    const direct = this.tail === this.head;
    if (!direct) this.append(from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to));
    const data = direct ? chunk : this.buffer;
    let start = direct ? from : this.head;
    const end = direct ? to : this.tail;
    while (end - start >= 2) {
      // The Remaining Length, read in place [MQTT-1.5.5]: no view or result object per packet.
      let value = 0;
      let multiplier = 1;
      let length = 0;
      for (let i = 0; i < 4; i++) {
        const at = start + 1 + i;
        if (at >= end) break;
        const byte = data[at]!;
        value += (byte & 0x7f) * multiplier;
        if ((byte & 0x80) === 0) {
          length = i + 1;
          break;
        }
        multiplier *= 128;
        if (i === 3) length = -1;
      }
      if (length === -1) {
        this.rest = data.subarray(start, end);
        this.fail('malformed-remaining-length', 'Malformed remaining length: a variable byte integer has a continuation bit on its 4th byte');
        return;
      }
      if (length === 0) break;
      const size = 1 + length + value;
      if (size > this.maxPacketSize) {
        this.rest = data.subarray(start, end);
        this.fail('packet-too-large', `Packet of ${size} bytes exceeds the limit of ${this.maxPacketSize} bytes`);
        return;
      }
      if (end - start < size) {
        this.expected = size;
        break;
      }
      this.expected = 0;
      if (!direct && size > SLAB_MAX_FRAME && start === 0 && end === size && data.length <= size + size / 4) {
        // A large frame that is all the buffer holds (a 256 MB PUBLISH that came in chunks)
        // is handed out as it is, not copied; the next bytes go to a fresh buffer.
        this.buffer = new Uint8Array(0);
        this.tail = 0;
        this.consumed += size;
        onFrame(data.subarray(0, size));
        return;
      }
      onFrame(this.copyOut(data, start, size));
      start += size;
      this.consumed += size;
    }
    if (direct) {
      if (start < end) this.append(chunk.subarray(start, end));
    } else if (start === this.tail) {
      // Nothing pending: start over at the front so the buffer does not creep forward.
      this.head = 0;
      this.tail = 0;
    } else this.head = start;
  }

  /**
   * Copies a frame out of `data`. Small frames are packed into shared 64 KiB slabs: V8
   * spends about 150 bytes on every ArrayBuffer of its own, more than a typical MQTT
   * packet, and a capture of a million packets is mostly small ones. Frames are kept and
   * dropped oldest first, so slabs are released in order too.
   */
  private copyOut(data: Uint8Array, start: number, size: number): Uint8Array {
    if (size > SLAB_MAX_FRAME) return data.slice(start, start + size);
    if (this.slabUsed + size > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const at = this.slabUsed;
    const slab = this.slab;
    // A byte loop beats set() with a subarray for the small packets that are most of a capture.
    if (size <= 64) for (let i = 0; i < size; i++) slab[at + i] = data[start + i]!;
    else slab.set(data.subarray(start, start + size), at);
    this.slabUsed += size;
    return slab.subarray(at, at + size);
  }

  private fail(kind: FramingError['kind'], message: string): void {
    this.failure = { kind, message, streamOffset: this.consumed };
    this.buffer = new Uint8Array(0);
    this.head = 0;
    this.tail = 0;
  }

  private append(chunk: Uint8Array): void {
    const pending = this.tail - this.head;
    if (this.tail + chunk.length > this.buffer.length) {
      // Grow geometrically so a large packet arriving in small chunks costs amortised O(n).
      // Once a 64th of a frame whose size is known has arrived, grow to that size at once:
      // a 256 MB PUBLISH is copied once more, not twenty times, and a header that only claims
      // a size costs at most 64 times what actually came.
      const needed = pending + chunk.length;
      const size = this.expected > needed && this.expected <= needed * 64 ? this.expected : Math.max(needed, this.buffer.length * 2, 256);
      const next = needed > this.buffer.length ? new Uint8Array(size) : this.buffer;
      next.set(this.buffer.subarray(this.head, this.tail), 0);
      this.buffer = next;
      this.head = 0;
      this.tail = pending;
    }
    this.buffer.set(chunk, this.tail);
    this.tail += chunk.length;
  }
}
