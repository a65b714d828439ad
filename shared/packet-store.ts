/**
 * A connection's captured packets packed flat: sequence number, time, direction and where
 * the bytes are in typed-array columns (capped in items and in bytes as {@link RingBuffer}
 * is), the bytes copied into shared blocks. A million packets are a few hundred arrays, not
 * two million objects: V8 spends about 150 bytes on every record and every Uint8Array view,
 * and its young-generation collector copied each of them (twice) as pages of packets
 * arrived, most of the cost of taking a million in. Columns come in chunks, added and
 * dropped whole, so growing to a million never copies what is held. Records are made only
 * for the packets asked for (the rows on screen, the selection) and kept in a small cache,
 * so a row asked for twice gets the same record (memoized rows and per-record caches rely
 * on that).
 */

import { PACKET_RECORD_BYTES, type PacketRecord } from './contract';
import type { RingBufferLimits } from './ring-buffer';

/**
 * Size of the first block packet bytes are copied into; each next one is twice the size, up
 * to {@link MAX_BLOCK_BYTES}: a connection of 50 packets pays for 16 KiB, and a million take
 * a few dozen allocations (an ArrayBuffer costs far more to make than to fill).
 */
const FIRST_BLOCK_BYTES = 16 * 1024;
const MAX_BLOCK_BYTES = 1024 * 1024;
/** Packets above this get a block of their own, so one big packet never pins a shared block. */
const BLOCK_MAX_PACKET = 4 * 1024;
/** Packets per chunk of the columns (2 ** CHUNK_SHIFT): a connection that captures 50 packets pays for 4,096. */
const CHUNK_SHIFT = 12;
const CHUNK = 1 << CHUNK_SHIFT;
const CHUNK_MASK = CHUNK - 1;
/** Records kept for the packets asked for last (rows on screen, the selection, a scroll's worth more). */
const RECORD_CACHE = 2048;

interface Block {
  bytes: Uint8Array;
  /** Packets held whose bytes are in this block. */
  live: number;
}

/** The columns of {@link CHUNK} consecutive packets, views of one buffer (one allocation, not nine). */
class Chunk {
  private readonly buffer = new ArrayBuffer(CHUNK * (8 + 8 + 4 * 5 + 1 + 1));
  readonly seqs = new Float64Array(this.buffer, 0, CHUNK);
  readonly times = new Float64Array(this.buffer, CHUNK * 8, CHUNK);
  /** Serial number of the block holding each packet's bytes. */
  readonly blocks = new Uint32Array(this.buffer, CHUNK * 16, CHUNK);
  readonly offsets = new Uint32Array(this.buffer, CHUNK * 20, CHUNK);
  readonly sizes = new Uint32Array(this.buffer, CHUNK * 24, CHUNK);
  /** Length on the wire when only the first bytes are held (0: the bytes are whole). */
  readonly fullLengths = new Uint32Array(this.buffer, CHUNK * 28, CHUNK);
  /** Capture file frame number (0: none). */
  readonly frames = new Uint32Array(this.buffer, CHUNK * 32, CHUNK);
  /** 1: sent by the client ('out'). */
  readonly directions = new Uint8Array(this.buffer, CHUNK * 36, CHUNK);
  /** Each packet's first byte (type and flags), for filters over every packet. */
  readonly firstBytes = new Uint8Array(this.buffer, CHUNK * 37, CHUNK);
}

/** Packets given as columns (a decoded packets frame): packet i's bytes follow packet i-1's in `bytes`. */
export interface PacketColumns {
  count: number;
  seqs: ArrayLike<number>;
  times: ArrayLike<number>;
  lengths: ArrayLike<number>;
  /** 0: the bytes are the whole packet. */
  fullLengths: ArrayLike<number>;
  /** 0: none. */
  frames: ArrayLike<number>;
  /** 1: 'out'. */
  directions: ArrayLike<number>;
  bytes: Uint8Array;
}

/** The columns of one chunk a scan reads straight (typed arrays; slots, not positions, index them). */
export interface ChunkColumns {
  readonly seqs: Float64Array;
  readonly times: Float64Array;
  readonly sizes: Uint32Array;
  /** 1: sent by the client ('out'). */
  readonly directions: Uint8Array;
  readonly firstBytes: Uint8Array;
}

/** A run of consecutive packets in one chunk: slots `[start, end)` of `columns`. */
export interface ChunkRun {
  columns: ChunkColumns;
  start: number;
  end: number;
}

/** Oldest-first packet storage that evicts from the front when either cap would be exceeded. */
export class PacketStore {
  private chunks: Chunk[] = [];
  /** Position of the oldest packet in the first chunk. */
  private head = 0;
  private count = 0;
  private byteTotal = 0;
  private readonly blocks = new Map<number, Block>();
  /** The shared block small packets go to now, its serial number and how much of it is used. */
  private block: Block | undefined;
  private blockSerial = 0;
  private blockUsed = 0;
  /** The last block serial number given out. */
  private serial = 0;
  private readonly records = new Map<number, PacketRecord>();
  /** The block `record` read last (serial numbers are never reused, so it cannot go stale). */
  private lastSerial = 0;
  private lastBlock: Uint8Array = new Uint8Array(0);
  /** How many packets were evicted to stay within the caps, since creation or `clear()`. */
  evicted = 0;

  constructor(private readonly limits: RingBufferLimits) {
    // Indexes (head + position) are then below 2 ** 32: chunk and slot are a shift and a mask.
    if (!(limits.maxItems >= 1 && limits.maxItems <= 2 ** 31)) throw new Error('maxItems must be from 1 to 2 ** 31');
  }

  /** Number of packets held. */
  get length(): number {
    return this.count;
  }

  /** Bytes held, as counted by `packetFootprint` (the backend's measure, so both evict alike). */
  get bytes(): number {
    return this.byteTotal;
  }

  /** Byte blocks held (shared ones and those of big packets): a block goes with the last packet in it. */
  get blockCount(): number {
    return this.blocks.size;
  }

  /** Appends a packet (its bytes are copied), evicting the oldest ones as needed. A packet larger than maxBytes is kept alone. */
  push(packet: PacketRecord): void {
    this.append(packet.bytes, 0, packet.bytes.byteLength, packet.seq, packet.time, packet.direction === 'out' ? 1 : 0, packet.length ?? 0, packet.frame ?? 0);
  }

  /** Appends packets `[from, to)` of a decoded frame's columns, as {@link push} would one by one, without a record each. */
  pushColumns(columns: PacketColumns, from = 0, to = columns.count): void {
    let at = 0;
    for (let i = 0; i < from; i++) at += columns.lengths[i]!;
    for (let i = from; i < to; i++) {
      const size = columns.lengths[i]!;
      this.append(columns.bytes, at, size, columns.seqs[i]!, columns.times[i]!, columns.directions[i]!, columns.fullLengths[i]!, columns.frames[i]!);
      at += size;
    }
  }

  /** The packet at a position, 0 being the oldest held; the same record while it stays in the cache. */
  at(position: number): PacketRecord | undefined {
    if (position < 0 || position >= this.count) return undefined;
    const index = this.head + position;
    const seq = this.chunks[index >>> CHUNK_SHIFT]!.seqs[index & CHUNK_MASK]!;
    let record = this.records.get(seq);
    if (record) {
      // Asked for again: the newest in the cache's order.
      this.records.delete(seq);
    } else {
      record = this.record(index);
      if (this.records.size >= RECORD_CACHE) this.records.delete(this.records.keys().next().value!);
    }
    this.records.set(seq, record);
    return record;
  }

  /**
   * The packet at a position as a new record, not cached: for a pass over every packet (an
   * analysis, a copy) that must not push the rows on screen out of the cache.
   */
  peek(position: number): PacketRecord | undefined {
    return position < 0 || position >= this.count ? undefined : this.record(this.head + position);
  }

  /** The packet with a sequence number (held sequence numbers are contiguous): a direct index, no search. */
  atSeq(seq: number): PacketRecord | undefined {
    const first = this.seqAt(0);
    if (first === undefined) return undefined;
    const position = seq - first;
    return Number.isInteger(position) && this.seqAt(position) === seq ? this.at(position) : undefined;
  }

  /** The sequence number at a position, or undefined. */
  seqAt(position: number): number | undefined {
    if (position < 0 || position >= this.count) return undefined;
    const index = this.head + position;
    return this.chunks[index >>> CHUNK_SHIFT]!.seqs[index & CHUNK_MASK];
  }

  /** The direction of the packet at a position (which must be held), no record made. */
  directionAt(position: number): 'in' | 'out' {
    const index = this.head + position;
    return this.chunks[index >>> CHUNK_SHIFT]!.directions[index & CHUNK_MASK] ? 'out' : 'in';
  }

  /** The time of the packet at a position (which must be held), no record made. */
  timeAt(position: number): number {
    const index = this.head + position;
    return this.chunks[index >>> CHUNK_SHIFT]!.times[index & CHUNK_MASK]!;
  }

  /** The number of bytes held of the packet at a position (which must be held), no record made. */
  sizeAt(position: number): number {
    const index = this.head + position;
    return this.chunks[index >>> CHUNK_SHIFT]!.sizes[index & CHUNK_MASK]!;
  }

  /** The first byte of the packet at a position (which must be held): its type and flags, no record made. */
  firstByteAt(position: number): number {
    const index = this.head + position;
    return this.chunks[index >>> CHUNK_SHIFT]!.firstBytes[index & CHUNK_MASK]!;
  }

  /**
   * The packets from `position` to the end of its chunk (or to `to`) as the chunk's columns
   * and a slot range: a pass over every packet (the Flows analysis) reads typed arrays in a
   * loop instead of calling a getter per field per packet. Slot `start` is `position`;
   * the next run starts at `position + end - start`. Undefined when nothing is held there.
   */
  chunkAt(position: number, to = this.count): ChunkRun | undefined {
    if (position < 0 || position >= Math.min(to, this.count)) return undefined;
    const index = this.head + position;
    const start = index & CHUNK_MASK;
    return { columns: this.chunks[index >>> CHUNK_SHIFT]!, start, end: start + Math.min(CHUNK - start, Math.min(to, this.count) - position) };
  }

  /** Removes everything and resets the eviction count. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.count = 0;
    this.byteTotal = 0;
    this.evicted = 0;
    this.blocks.clear();
    this.block = undefined;
    this.blockUsed = 0;
    this.records.clear();
  }

  private append(source: Uint8Array, from: number, size: number, seq: number, time: number, direction: number, fullLength: number, frame: number): void {
    const footprint = size + PACKET_RECORD_BYTES;
    while (this.count > 0 && (this.count >= this.limits.maxItems || this.byteTotal + footprint > this.limits.maxBytes)) this.shift();
    let block: Block;
    let serial: number;
    let offset = 0;
    if (size > BLOCK_MAX_PACKET) {
      block = { bytes: new Uint8Array(size), live: 0 };
      serial = ++this.serial;
      this.blocks.set(serial, block);
    } else {
      if (!this.block || this.blockUsed + size > this.block.bytes.length) this.startBlock();
      block = this.block!;
      serial = this.blockSerial;
      offset = this.blockUsed;
      this.blockUsed += size;
    }
    const target = block.bytes;
    // A byte loop beats set() with a view for the small packets that are most of a capture.
    if (size <= 64) for (let i = 0; i < size; i++) target[offset + i] = source[from + i]!;
    else target.set(source.subarray(from, from + size), offset);
    block.live++;
    const index = this.head + this.count;
    const c = index >>> CHUNK_SHIFT;
    if (c === this.chunks.length) this.chunks.push(new Chunk());
    const chunk = this.chunks[c]!;
    const i = index & CHUNK_MASK;
    chunk.seqs[i] = seq;
    chunk.times[i] = time;
    chunk.blocks[i] = serial;
    chunk.offsets[i] = offset;
    chunk.sizes[i] = size;
    chunk.fullLengths[i] = fullLength;
    chunk.frames[i] = frame;
    chunk.directions[i] = direction;
    chunk.firstBytes[i] = size > 0 ? source[from]! : 0;
    this.count++;
    this.byteTotal += footprint;
  }

  /** Starts a new shared block; the one before goes once its last packet is evicted (now, if none is held). */
  private startBlock(): void {
    const size = this.block ? Math.min(MAX_BLOCK_BYTES, this.block.bytes.length * 2) : FIRST_BLOCK_BYTES;
    if (this.block && this.block.live === 0) this.blocks.delete(this.blockSerial);
    this.block = { bytes: new Uint8Array(size), live: 0 };
    this.blockSerial = ++this.serial;
    this.blocks.set(this.blockSerial, this.block);
    this.blockUsed = 0;
  }

  private record(index: number): PacketRecord {
    const chunk = this.chunks[index >>> CHUNK_SHIFT]!;
    const i = index & CHUNK_MASK;
    const offset = chunk.offsets[i]!;
    const serial = chunk.blocks[i]!;
    // Consecutive packets share a block: a pass over every packet looks each block up once.
    if (serial !== this.lastSerial) {
      this.lastSerial = serial;
      this.lastBlock = this.blocks.get(serial)!.bytes;
    }
    const bytes = this.lastBlock.subarray(offset, offset + chunk.sizes[i]!);
    const record: PacketRecord = { seq: chunk.seqs[i]!, time: chunk.times[i]!, direction: chunk.directions[i] ? 'out' : 'in', bytes };
    if (chunk.fullLengths[i]) record.length = chunk.fullLengths[i];
    if (chunk.frames[i]) record.frame = chunk.frames[i];
    return record;
  }

  /** Evicts the oldest packet; a chunk goes when its last packet does. */
  private shift(): void {
    const chunk = this.chunks[0]!;
    const i = this.head;
    const serial = chunk.blocks[i]!;
    const block = this.blocks.get(serial)!;
    if (--block.live === 0 && block !== this.block) this.blocks.delete(serial);
    this.records.delete(chunk.seqs[i]!);
    this.byteTotal -= chunk.sizes[i]! + PACKET_RECORD_BYTES;
    this.count--;
    this.evicted++;
    if (++this.head === CHUNK) {
      this.chunks.shift();
      this.head = 0;
    }
  }
}
