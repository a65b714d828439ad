/**
 * A capped message log stored in columns instead of objects: typed arrays for the numbers
 * and flags, topics interned to ids, payload bytes and a decoded payload's bytes (JSON text or a compact Sparkplug record) read
 * from blocks: the batch frame they came in (wire-batches.ts `batchColumnsOf`; no copy), let
 * go frame by frame as the oldest messages leave. At a flood the page held 100,000 `MessageRecord` objects, each with its payload
 * view and decoded object tree, and spent 16 % of its time in garbage collection, with
 * major collections of 200 to 500 ms; columns hold the same messages in a few dozen
 * objects. Records are made on demand for what is read (rows on screen, the selected
 * message), and a decoded payload is parsed only when a record's `decoded` is read.
 *
 * Caps work as in {@link RingBuffer}: by items and by bytes (payload, decoded JSON and the
 * column slots), evicting the oldest first, counting what was evicted.
 */

import type { DecodedPayload } from './decoded';
import type { MessageProperties, MessageRecord } from './contract';
import type { RingBufferLimits } from './ring-buffer';
import { readCompactDecoded } from './wire-decoded';
import { utf8Decode, utf8Encode } from './utf8';
import { BATCH_FLAG, type BatchColumns } from './wire-messages';

/** Slots the columns start with; they double up to `maxItems` as they fill. */
const INITIAL_CAPACITY = 1024;
/** What a message costs beyond its payload and decoded JSON: its slot in every column, and its share of its frame's columns and topic table. */
export const SLOT_BYTES = 128;
/** Records kept made (rows on screen re-render only when their record changes). */
const RECORD_CACHE = 4096;

const OUT = 1;
const RETAIN = 8;
const DUP = 16;
const EMPTY = new Uint8Array(0);

/** Called for each message the caps push out, oldest first (not on `clear`). */
export type EvictListener = (seq: number, topic: string, direction: 'in' | 'out') => void;

/** Oldest-first columnar message storage, capped in items and bytes. */
export class MessageColumns {
  /** How many messages were evicted to stay within the caps, since creation or `clear()`. */
  evicted = 0;
  /** Bumped by every `clear()`. */
  clears = 0;
  private capacity = 0;
  private head = 0;
  private count = 0;
  private byteTotal = 0;
  private seqs = new Float64Array(0);
  private times = new Float64Array(0);
  private payloadSizes = new Float64Array(0);
  private topicIds = new Uint32Array(0);
  private flags = new Uint8Array(0);
  private blockIds = new Uint32Array(0);
  private payloadOffsets = new Uint32Array(0);
  private decodedOffsets = new Uint32Array(0);
  private payloadLengths = new Uint32Array(0);
  private decodedLengths = new Uint32Array(0);
  /** Sparse: most messages have no properties, and a hole costs nothing. */
  private properties: (MessageProperties | undefined)[] = [];
  private topics: string[] = [];
  private topicIndex = new Map<string, number>();
  /** Blocks still holding a held message's bytes; `blocks[0]` has id `firstBlock`. */
  private blocks: Uint8Array[] = [];
  private firstBlock = 0;
  /** The batch whose frame is the newest block. */
  private source: BatchColumns | undefined;
  /** The batch `batchTopicIds` maps (its topic index → the log's topic id). */
  private topicsOf: BatchColumns | undefined;
  private batchTopicIds: number[] = [];
  /** Made records by serial (evicted + position): a message's serial never changes. */
  private records = new Map<number, MessageRecord>();

  constructor(
    private readonly limits: RingBufferLimits,
    private readonly onEvict?: EvictListener,
  ) {
    if (!(limits.maxItems >= 1)) throw new Error('maxItems must be at least 1');
    this.allocate(Math.min(limits.maxItems, INITIAL_CAPACITY));
  }

  /** Number of messages held. */
  get length(): number {
    return this.count;
  }

  /** Bytes held: payloads, decoded JSON and column slots. */
  get bytes(): number {
    return this.byteTotal;
  }

  /**
   * Appends a message of a batch frame (its index in the batch), evicting the oldest as
   * needed; one larger than maxBytes is kept alone. The frame becomes a block and the message
   * points into it, a decoded payload as its bytes there: no copy (one copy per batch
   * cost more than the rest of the log together), and no record.
   */
  pushFrom(batch: BatchColumns, index: number): void {
    const payloadLength = batch.payloadLengths[index]!;
    const decodedLength = batch.decodedLengths[index]!;
    const slot = this.reserve(payloadLength + decodedLength);
    if (batch !== this.source) {
      this.source = batch;
      this.blocks.push(batch.frame);
    }
    if (batch !== this.topicsOf) {
      // The batch's topics as the log's ids, once per batch rather than a lookup per message.
      this.topicsOf = batch;
      this.batchTopicIds = batch.topics.map((topic) => this.intern(topic));
    }
    this.payloadOffsets[slot] = batch.payloadStarts[index]!;
    this.decodedOffsets[slot] = batch.decodedStarts[index]!;
    this.fill(slot, batch.seqs[index]!, batch.times[index]!, batch.payloadSizes[index]!, this.batchTopicIds[batch.topicIds[index]!]!, batch.flags[index]!, payloadLength, decodedLength, batch.properties?.[index]);
  }

  /**
   * Appends a message given as a record: it gets a block of its own, its decoded payload
   * written as JSON. The record is left as it is.
   */
  push(message: MessageRecord): void {
    const payloadLength = message.payload.byteLength;
    const decodedJson = message.decoded ? utf8Encode(JSON.stringify(message.decoded)) : undefined;
    const decodedLength = decodedJson?.byteLength ?? 0;
    const slot = this.reserve(payloadLength + decodedLength);
    if (payloadLength + decodedLength > 0) {
      this.source = undefined;
      const block = new Uint8Array(payloadLength + decodedLength);
      block.set(message.payload);
      if (decodedJson) block.set(decodedJson, payloadLength);
      this.blocks.push(block);
      this.payloadOffsets[slot] = 0;
      this.decodedOffsets[slot] = payloadLength;
    }
    const flags = (message.direction === 'out' ? OUT : 0) | (message.qos << 1) | (message.retain ? RETAIN : 0) | (message.dup ? DUP : 0);
    this.fill(slot, message.seq, message.time, message.payloadSize, this.intern(message.topic), flags, payloadLength, decodedLength, message.properties);
  }

  /** Evicts what the caps need for a message of `bytes` (payload and decoded JSON) and returns its slot. */
  private reserve(bytes: number): number {
    const size = bytes + SLOT_BYTES;
    while (this.count > 0 && (this.count >= this.limits.maxItems || this.byteTotal + size > this.limits.maxBytes)) this.shift();
    if (this.count === this.capacity) this.grow();
    return (this.head + this.count) % this.capacity;
  }

  private fill(slot: number, seq: number, time: number, payloadSize: number, topicId: number, flags: number, payloadLength: number, decodedLength: number, properties: MessageProperties | undefined): void {
    // The newest block (or, with none held, the id the next one gets): ids never decrease along the log.
    this.blockIds[slot] = this.firstBlock + Math.max(0, this.blocks.length - 1);
    this.seqs[slot] = seq;
    this.times[slot] = time;
    this.payloadSizes[slot] = payloadSize;
    this.topicIds[slot] = topicId;
    this.flags[slot] = flags;
    this.payloadLengths[slot] = payloadLength;
    this.decodedLengths[slot] = decodedLength;
    if (properties) this.properties[slot] = properties;
    else if (this.properties[slot] !== undefined) this.properties[slot] = undefined;
    this.count++;
    this.byteTotal += payloadLength + decodedLength + SLOT_BYTES;
  }

  /**
   * The message at a position (0 the oldest held) as a record: the same object while it
   * stays among the recently read. Its payload is a view of the log's block.
   */
  at(position: number): MessageRecord | undefined {
    if (position < 0 || position >= this.count) return undefined;
    const serial = this.evicted + position;
    let record = this.records.get(serial);
    if (!record) {
      if (this.records.size >= RECORD_CACHE) this.records.clear();
      record = this.read(position)!;
      this.records.set(serial, record);
    }
    return record;
  }

  /** A new record of the message at a position, not remembered (for scans over many). */
  read(position: number): MessageRecord | undefined {
    if (position < 0 || position >= this.count) return undefined;
    const slot = this.slot(position);
    const f = this.flags[slot]!;
    const payloadLength = this.payloadLengths[slot]!;
    const decodedLength = this.decodedLengths[slot]!;
    const block = payloadLength + decodedLength > 0 ? this.blocks[this.blockIds[slot]! - this.firstBlock]! : EMPTY;
    const start = this.payloadOffsets[slot]!;
    const record: MessageRecord = {
      seq: this.seqs[slot]!,
      direction: f & OUT ? 'out' : 'in',
      topic: this.topics[this.topicIds[slot]!]!,
      payload: block.subarray(start, start + payloadLength),
      qos: ((f >> 1) & 3) as 0 | 1 | 2,
      retain: (f & RETAIN) !== 0,
      dup: (f & DUP) !== 0,
      time: this.times[slot]!,
      payloadSize: this.payloadSizes[slot]!,
    };
    const properties = this.properties[slot];
    if (properties) record.properties = properties;
    if (decodedLength > 0) {
      const at = this.decodedOffsets[slot]!;
      const compact = (f & BATCH_FLAG.compact) !== 0;
      let parsed: DecodedPayload | undefined;
      // Read when first asked for: a row off screen never pays for it.
      const decode = () => (compact ? readCompactDecoded(block, at, at + decodedLength) : (JSON.parse(utf8Decode(block.subarray(at, at + decodedLength))) as DecodedPayload));
      Object.defineProperty(record, 'decoded', { enumerable: true, configurable: true, get: () => (parsed ??= decode()) });
    }
    return record;
  }

  /** Sequence number of the message at a position. */
  seqAt(position: number): number {
    return this.seqs[this.slot(position)]!;
  }

  /** Topic of the message at a position (the log's own copy of the string). */
  topicAt(position: number): string {
    return this.topics[this.topicIds[this.slot(position)]!]!;
  }

  /** The id the log gave a topic (the same for every message on it), or -1 when it holds none. */
  topicId(topic: string): number {
    return this.topicIndex.get(topic) ?? -1;
  }

  /** Topic id of the message at a position (see {@link topicId}). */
  topicIdAt(position: number): number {
    return this.topicIds[this.slot(position)]!;
  }

  /** Direction of the message at a position. */
  directionAt(position: number): 'in' | 'out' {
    return this.flags[this.slot(position)]! & OUT ? 'out' : 'in';
  }

  /** Removes everything and resets the eviction count. */
  clear(): void {
    this.allocate(Math.min(this.limits.maxItems, INITIAL_CAPACITY));
    this.head = 0;
    this.count = 0;
    this.byteTotal = 0;
    this.evicted = 0;
    this.clears++;
    this.topics = [];
    this.topicIndex = new Map();
    this.blocks = [];
    this.firstBlock = 0;
    this.source = undefined;
    this.topicsOf = undefined;
    this.records = new Map();
  }

  /** Copies the held messages out as records, oldest first. */
  toArray(): MessageRecord[] {
    const out: MessageRecord[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.read(i)!);
    return out;
  }

  private slot(position: number): number {
    return (this.head + position) % this.capacity;
  }

  private intern(topic: string): number {
    let id = this.topicIndex.get(topic);
    if (id === undefined) {
      id = this.topics.length;
      this.topics.push(topic);
      this.topicIndex.set(topic, id);
    }
    return id;
  }

  private allocate(capacity: number): void {
    this.capacity = capacity;
    this.seqs = new Float64Array(capacity);
    this.times = new Float64Array(capacity);
    this.payloadSizes = new Float64Array(capacity);
    this.topicIds = new Uint32Array(capacity);
    this.flags = new Uint8Array(capacity);
    this.blockIds = new Uint32Array(capacity);
    this.payloadOffsets = new Uint32Array(capacity);
    this.decodedOffsets = new Uint32Array(capacity);
    this.payloadLengths = new Uint32Array(capacity);
    this.decodedLengths = new Uint32Array(capacity);
    this.properties = [];
  }

  /** Doubles the columns (up to maxItems), laying the messages out from slot 0. */
  private grow(): void {
    const old = { capacity: this.capacity, head: this.head, seqs: this.seqs, times: this.times, payloadSizes: this.payloadSizes, topicIds: this.topicIds, flags: this.flags, blockIds: this.blockIds, payloadOffsets: this.payloadOffsets, decodedOffsets: this.decodedOffsets, payloadLengths: this.payloadLengths, decodedLengths: this.decodedLengths, properties: this.properties };
    this.allocate(Math.min(this.limits.maxItems, old.capacity * 2));
    // The held run is at most two pieces: head … end, then 0 … the rest.
    const firstPiece = Math.min(this.count, old.capacity - old.head);
    const copy = <A extends Float64Array | Uint32Array | Uint8Array>(to: A, from: A) => {
      to.set(from.subarray(old.head, old.head + firstPiece), 0);
      to.set(from.subarray(0, this.count - firstPiece), firstPiece);
    };
    copy(this.seqs, old.seqs);
    copy(this.times, old.times);
    copy(this.payloadSizes, old.payloadSizes);
    copy(this.topicIds, old.topicIds);
    copy(this.flags, old.flags);
    copy(this.blockIds, old.blockIds);
    copy(this.payloadOffsets, old.payloadOffsets);
    copy(this.decodedOffsets, old.decodedOffsets);
    copy(this.payloadLengths, old.payloadLengths);
    copy(this.decodedLengths, old.decodedLengths);
    for (let i = 0; i < this.count; i++) {
      const properties = old.properties[(old.head + i) % old.capacity];
      if (properties) this.properties[i] = properties;
    }
    this.head = 0;
  }

  private shift(): void {
    const slot = this.head;
    this.byteTotal -= this.payloadLengths[slot]! + this.decodedLengths[slot]! + SLOT_BYTES;
    if (this.onEvict) this.onEvict(this.seqs[slot]!, this.topics[this.topicIds[slot]!]!, this.flags[slot]! & OUT ? 'out' : 'in');
    if (this.properties[slot] !== undefined) this.properties[slot] = undefined;
    this.records.delete(this.evicted);
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.evicted++;
    // Blocks wholly before the oldest held message are let go (ids never decrease along the log).
    const keepFrom = this.count > 0 ? this.blockIds[this.head]! : this.firstBlock + this.blocks.length;
    while (this.firstBlock < keepFrom && this.blocks.length > 0) {
      this.blocks.shift();
      this.firstBlock++;
    }
    // The batch being taken in is a block again if its block went (its messages were all evicted).
    if (this.blocks.length === 0) this.source = undefined;
  }
}
