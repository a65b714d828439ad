/**
 * A connection's captured packets packed flat: sequence number, time, direction and where
 * the bytes are in typed-array columns (a ring, capped in items and in bytes as
 * {@link RingBuffer} is), the bytes copied into shared blocks. A million packets are a
 * few dozen arrays, not two million objects: V8 spends about 150 bytes on every record and
 * every Uint8Array view, and the young-generation collector copied each of them (twice) as
 * pages of packets arrived, most of the cost of taking a million in. Records are made only
 * for the packets asked for (the rows on screen, the selected packet) and kept in a small
 * cache, so a row asked for twice gets the same record (memoized rows and per-record
 * caches rely on that).
 */

import { packetFootprint, type PacketRecord } from './contract';
import type { RingBufferLimits } from './ring-buffer';

/** Size of the blocks packet bytes are copied into. */
const BLOCK_BYTES = 256 * 1024;
/** Packets above this get a block of their own, so one big packet never pins a shared block. */
const BLOCK_MAX_PACKET = BLOCK_BYTES / 16;
/** Slots the columns start with; they double up to the item cap as they fill. */
const INITIAL_CAPACITY = 1024;
/** Records kept for the packets asked for last (rows on screen, the selection, a scroll's worth more). */
const RECORD_CACHE = 2048;

interface Block {
  bytes: Uint8Array;
  /** Packets held whose bytes are in this block. */
  live: number;
}

/** Oldest-first packet storage that evicts from the front when either cap would be exceeded. */
export class PacketStore {
  private capacity: number;
  private head = 0;
  private count = 0;
  private byteTotal = 0;
  private seqs!: Float64Array;
  private times!: Float64Array;
  /** Serial number of the block holding each packet's bytes. */
  private blockOf!: Float64Array;
  private offsets!: Uint32Array;
  private sizes!: Uint32Array;
  /** What each packet counts against the byte cap. */
  private footprints!: Float64Array;
  /** Length on the wire when only the first bytes are held (0: the bytes are whole). */
  private fullLengths!: Uint32Array;
  /** Capture file frame number (0: none). */
  private frames!: Uint32Array;
  /** 1: sent by the client ('out'). */
  private directions!: Uint8Array;
  /** Each packet's first byte (type and flags), for filters over every packet. */
  private firstBytes!: Uint8Array;
  private readonly blocks = new Map<number, Block>();
  /** The shared block small packets go to now, its serial number and how much of it is used. */
  private block: Block | undefined;
  private blockSerial = 0;
  private blockUsed = 0;
  /** The last block serial number given out. */
  private serial = 0;
  private readonly records = new Map<number, PacketRecord>();
  /** How many packets were evicted to stay within the caps, since creation or `clear()`. */
  evicted = 0;

  constructor(private readonly limits: RingBufferLimits) {
    if (!(limits.maxItems >= 1)) throw new Error('maxItems must be at least 1');
    this.capacity = Math.min(limits.maxItems, INITIAL_CAPACITY);
    this.allocate(this.capacity);
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
    const size = packet.bytes.byteLength;
    const footprint = packetFootprint(packet);
    while (this.count > 0 && (this.count >= this.limits.maxItems || this.byteTotal + footprint > this.limits.maxBytes)) this.shift();
    if (this.count === this.capacity) this.grow();
    const slot = (this.head + this.count) % this.capacity;
    let block: Block;
    let serial: number;
    let offset = 0;
    if (size > BLOCK_MAX_PACKET) {
      block = { bytes: new Uint8Array(size), live: 0 };
      serial = ++this.serial;
      this.blocks.set(serial, block);
    } else {
      if (!this.block || this.blockUsed + size > BLOCK_BYTES) this.startBlock();
      block = this.block!;
      serial = this.blockSerial;
      offset = this.blockUsed;
      this.blockUsed += size;
    }
    const bytes = packet.bytes;
    const target = block.bytes;
    // A byte loop beats set() with a view for the small packets that are most of a capture.
    if (size <= 64) for (let i = 0; i < size; i++) target[offset + i] = bytes[i]!;
    else target.set(bytes, offset);
    block.live++;
    this.blockOf[slot] = serial;
    this.offsets[slot] = offset;
    this.sizes[slot] = size;
    this.footprints[slot] = footprint;
    this.seqs[slot] = packet.seq;
    this.times[slot] = packet.time;
    this.fullLengths[slot] = packet.length ?? 0;
    this.frames[slot] = packet.frame ?? 0;
    this.directions[slot] = packet.direction === 'out' ? 1 : 0;
    this.firstBytes[slot] = size > 0 ? bytes[0]! : 0;
    this.count++;
    this.byteTotal += footprint;
  }

  /** The packet at a position, 0 being the oldest held; the same record while it stays in the cache. */
  at(position: number): PacketRecord | undefined {
    if (position < 0 || position >= this.count) return undefined;
    const slot = (this.head + position) % this.capacity;
    const seq = this.seqs[slot]!;
    let record = this.records.get(seq);
    if (record) {
      // Asked for again: the newest in the cache's order.
      this.records.delete(seq);
    } else {
      record = this.record(slot);
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
    if (position < 0 || position >= this.count) return undefined;
    return this.record((this.head + position) % this.capacity);
  }

  /** The packet with a sequence number (held sequence numbers are contiguous): a direct index, no search. */
  atSeq(seq: number): PacketRecord | undefined {
    if (this.count === 0) return undefined;
    const position = seq - this.seqs[this.head]!;
    return Number.isInteger(position) && this.seqAt(position) === seq ? this.at(position) : undefined;
  }

  /** The sequence number at a position, or undefined. */
  seqAt(position: number): number | undefined {
    return position < 0 || position >= this.count ? undefined : this.seqs[(this.head + position) % this.capacity];
  }

  /** The direction of the packet at a position (which must be held), no record made. */
  directionAt(position: number): 'in' | 'out' {
    return this.directions[(this.head + position) % this.capacity] ? 'out' : 'in';
  }

  /** The first byte of the packet at a position (which must be held): its type and flags, no record made. */
  firstByteAt(position: number): number {
    return this.firstBytes[(this.head + position) % this.capacity]!;
  }

  /** Removes everything and resets the eviction count. */
  clear(): void {
    this.capacity = Math.min(this.limits.maxItems, INITIAL_CAPACITY);
    this.allocate(this.capacity);
    this.head = 0;
    this.count = 0;
    this.byteTotal = 0;
    this.evicted = 0;
    this.blocks.clear();
    this.block = undefined;
    this.blockUsed = 0;
    this.records.clear();
  }

  /** Starts a new shared block; the one before goes once its last packet is evicted (now, if none is held). */
  private startBlock(): void {
    if (this.block && this.block.live === 0) this.blocks.delete(this.blockSerial);
    this.block = { bytes: new Uint8Array(BLOCK_BYTES), live: 0 };
    this.blockSerial = ++this.serial;
    this.blocks.set(this.blockSerial, this.block);
    this.blockUsed = 0;
  }

  private record(slot: number): PacketRecord {
    const offset = this.offsets[slot]!;
    const bytes = this.blocks.get(this.blockOf[slot]!)!.bytes.subarray(offset, offset + this.sizes[slot]!);
    const record: PacketRecord = { seq: this.seqs[slot]!, time: this.times[slot]!, direction: this.directions[slot] ? 'out' : 'in', bytes };
    if (this.fullLengths[slot]) record.length = this.fullLengths[slot];
    if (this.frames[slot]) record.frame = this.frames[slot];
    return record;
  }

  private allocate(capacity: number): void {
    this.seqs = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.blockOf = new Float64Array(capacity);
    this.offsets = new Uint32Array(capacity);
    this.sizes = new Uint32Array(capacity);
    this.footprints = new Float64Array(capacity);
    this.fullLengths = new Uint32Array(capacity);
    this.frames = new Uint32Array(capacity);
    this.directions = new Uint8Array(capacity);
    this.firstBytes = new Uint8Array(capacity);
  }

  /** Doubles the columns (up to maxItems), laying the packets out from slot 0. */
  private grow(): void {
    const old = [this.seqs, this.times, this.blockOf, this.offsets, this.sizes, this.footprints, this.fullLengths, this.frames, this.directions, this.firstBytes] as const;
    const capacity = Math.min(this.limits.maxItems, this.capacity * 2);
    this.allocate(capacity);
    const next = [this.seqs, this.times, this.blockOf, this.offsets, this.sizes, this.footprints, this.fullLengths, this.frames, this.directions, this.firstBytes] as const;
    // Two copies per column: the ring from head to its end, then its start up to head.
    const tail = Math.min(this.count, this.capacity - this.head);
    for (let c = 0; c < old.length; c++) {
      const from = old[c]!;
      const to = next[c]!;
      (to as Float64Array).set((from as Float64Array).subarray(this.head, this.head + tail), 0);
      (to as Float64Array).set((from as Float64Array).subarray(0, this.count - tail), tail);
    }
    this.capacity = capacity;
    this.head = 0;
  }

  private shift(): void {
    const slot = this.head;
    const serial = this.blockOf[slot]!;
    const block = this.blocks.get(serial)!;
    if (--block.live === 0 && block !== this.block) this.blocks.delete(serial);
    this.records.delete(this.seqs[slot]!);
    this.byteTotal -= this.footprints[slot]!;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.evicted++;
  }
}
