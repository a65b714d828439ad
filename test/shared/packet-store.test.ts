import { describe, expect, it } from 'vitest';
import { packetFootprint, type PacketRecord } from '../../shared/contract';
import { PacketStore } from '../../shared/packet-store';

/** A packet whose every field derives from its sequence number, so what is read back can be checked exactly. */
function packet(seq: number, size: number): PacketRecord {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (seq * 31 + i) & 0xff;
  if (size > 0) bytes[0] = ((seq % 14) + 1) << 4;
  const record: PacketRecord = { seq, time: 1_700_000_000_000 + seq * 1.5, direction: seq % 3 === 0 ? 'out' : 'in', bytes };
  if (seq % 5 === 0) record.length = size + 1000;
  if (seq % 7 === 0) record.frame = seq * 2;
  return record;
}

/** Everything a store holds, read back through `peek` (no cache). */
function held(store: PacketStore): PacketRecord[] {
  const out: PacketRecord[] = [];
  for (let i = 0; i < store.length; i++) out.push(store.peek(i)!);
  return out;
}

const SMALL = 62;

/** What a plain array evicting by the same caps holds: the reference the store is held to. */
function model(limits: { maxItems: number; maxBytes: number }, sizes: number[]): { seqs: number[]; evicted: number } {
  const kept: Array<{ seq: number; footprint: number }> = [];
  let bytes = 0;
  let evicted = 0;
  sizes.forEach((size, i) => {
    const footprint = size + 320;
    while (kept.length > 0 && (kept.length >= limits.maxItems || bytes + footprint > limits.maxBytes)) {
      bytes -= kept.shift()!.footprint;
      evicted++;
    }
    kept.push({ seq: i + 1, footprint });
    bytes += footprint;
  });
  return { seqs: kept.map((k) => k.seq), evicted };
}

/** 1,100 small packets fill the byte cap and wrap the ring; smaller ones then let it grow while wrapped. */
const WRAPPED = { maxItems: 100_000, maxBytes: 1024 * (SMALL + 320) };
const WRAPPED_SIZES = [...Array.from({ length: 1100 }, () => SMALL), ...Array.from({ length: 600 }, () => 2)];

describe('PacketStore', () => {
  it.each([
    { name: 'small packets, no cap reached', limits: { maxItems: 10, maxBytes: Infinity }, sizes: [2, SMALL, 65, 4], seqs: [1, 2, 3, 4], evicted: 0 },
    { name: 'the item cap evicts the oldest', limits: { maxItems: 3, maxBytes: Infinity }, sizes: [2, 2, 2, 2, 2], seqs: [3, 4, 5], evicted: 2 },
    {
      name: 'the byte cap (packetFootprint) evicts before the item cap',
      limits: { maxItems: 100, maxBytes: 3 * (10 + 320) },
      sizes: [10, 10, 10, 10],
      seqs: [2, 3, 4],
      evicted: 1,
    },
    { name: 'a packet above the byte cap is kept alone', limits: { maxItems: 100, maxBytes: 1000 }, sizes: [10, 5000, 10], seqs: [3], evicted: 2 },
    { name: 'big packets (own blocks) between small ones', limits: { maxItems: 100, maxBytes: Infinity }, sizes: [10, 16_385, 20, 20_000, 30], seqs: [1, 2, 3, 4, 5], evicted: 0 },
    {
      name: 'evicts across column chunks (4,096 packets each)',
      limits: { maxItems: 2500, maxBytes: Infinity },
      sizes: Array.from({ length: 10_000 }, (_, i) => 2 + (i % 90)),
      seqs: Array.from({ length: 2500 }, (_, i) => 7501 + i),
      evicted: 7500,
    },
    { name: 'wraps by bytes, then grows while wrapped', limits: WRAPPED, sizes: WRAPPED_SIZES, ...model(WRAPPED, WRAPPED_SIZES) },
  ])('$name: holds the newest packets with their exact bytes and fields', ({ limits, sizes, seqs, evicted }) => {
    expect(model(limits, sizes)).toEqual({ seqs, evicted });
    const store = new PacketStore(limits);
    sizes.forEach((size, i) => store.push(packet(i + 1, size)));
    const records = held(store);
    expect(records.map((r) => r.seq)).toEqual(seqs);
    for (const record of records) expect(record).toEqual(packet(record.seq, sizes[record.seq - 1]!));
    expect(store.evicted).toBe(evicted);
    expect(store.bytes).toBe(records.reduce((sum, r) => sum + packetFootprint(r), 0));
    for (let i = 0; i < store.length; i++) {
      expect(store.seqAt(i)).toBe(records[i]!.seq);
      expect(store.directionAt(i)).toBe(records[i]!.direction);
      expect(store.firstByteAt(i)).toBe(records[i]!.bytes[0]);
    }
  });

  it.each([
    { seq: 5, found: true },
    { seq: 3, found: true },
    { seq: 7, found: true },
    { seq: 2, found: false },
    { seq: 8, found: false },
    { seq: 4.5, found: false },
    { seq: -1, found: false },
  ])('atSeq($seq) looks up held sequence numbers only', ({ seq, found }) => {
    const store = new PacketStore({ maxItems: 5, maxBytes: Infinity });
    for (let s = 1; s <= 7; s++) store.push(packet(s, 8));
    const record = store.atSeq(seq);
    expect(record?.seq).toBe(found ? seq : undefined);
    if (record) expect(record).toEqual(packet(seq, 8));
  });

  it('takes a decoded frame\'s columns as push takes its packets one by one', () => {
    const packets = Array.from({ length: 5000 }, (_, i) => packet(i + 1, 2 + (i % 120)));
    const bytes = new Uint8Array(packets.reduce((sum, p) => sum + p.bytes.length, 0));
    let at = 0;
    for (const p of packets) {
      bytes.set(p.bytes, at);
      at += p.bytes.length;
    }
    const columns = {
      count: packets.length,
      seqs: packets.map((p) => p.seq),
      times: packets.map((p) => p.time),
      lengths: packets.map((p) => p.bytes.length),
      fullLengths: packets.map((p) => p.length ?? 0),
      frames: packets.map((p) => p.frame ?? 0),
      directions: packets.map((p) => (p.direction === 'out' ? 1 : 0)),
      bytes,
    };
    const limits = { maxItems: 4500, maxBytes: Infinity };
    const byColumns = new PacketStore(limits);
    byColumns.pushColumns(columns, 0, 10);
    byColumns.pushColumns(columns, 10);
    const onePerPacket = new PacketStore(limits);
    for (const p of packets) onePerPacket.push(p);
    expect(held(byColumns)).toEqual(held(onePerPacket));
    expect([byColumns.evicted, byColumns.bytes]).toEqual([onePerPacket.evicted, onePerPacket.bytes]);
  });

  it('gives the same record for a packet asked for again, and a new one from peek', () => {
    const store = new PacketStore({ maxItems: 100, maxBytes: Infinity });
    for (let s = 1; s <= 10; s++) store.push(packet(s, 8));
    const first = store.at(3)!;
    expect(store.at(3)).toBe(first);
    expect(store.atSeq(4)).toBe(first);
    expect(store.peek(3)).not.toBe(first);
    expect(store.peek(3)).toEqual(first);
  });

  it('lets a byte block go with the last packet in it, and keeps the one being filled', () => {
    const store = new PacketStore({ maxItems: 1000, maxBytes: Infinity });
    // 1,000 packets of 1 KiB: shared blocks of 16, 32, 64, 128, 256 and 512 KiB.
    for (let s = 1; s <= 1000; s++) store.push(packet(s, 1024));
    expect(store.blockCount).toBe(6);
    // The next 2,000 evict every earlier packet: only the blocks of the newest stay (of 1 MiB).
    for (let s = 1001; s <= 3000; s++) store.push(packet(s, 1024));
    expect(store.blockCount).toBeLessThanOrEqual(2);
    expect(held(store).map((r) => r.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => 2001 + i));
    for (const record of held(store)) expect(record).toEqual(packet(record.seq, 1024));
    // Big packets each have a block of their own, let go with them.
    const big = new PacketStore({ maxItems: 2, maxBytes: Infinity });
    for (let s = 1; s <= 10; s++) big.push(packet(s, 20_000));
    expect(big.blockCount).toBe(2);
  });

  it('clear() empties the store and resets the eviction count', () => {
    const store = new PacketStore({ maxItems: 2, maxBytes: Infinity });
    for (let s = 1; s <= 5; s++) store.push(packet(s, 8));
    store.at(0);
    store.clear();
    expect([store.length, store.bytes, store.evicted, store.blockCount, store.at(0), store.atSeq(5)]).toEqual([0, 0, 0, 0, undefined, undefined]);
    store.push(packet(9, 8));
    expect(store.at(0)).toEqual(packet(9, 8));
  });

  // Runs end at a chunk's end (4,096 packets), at `to`, or at what is held; `head` moves
  // the first chunk's start when the oldest are evicted.
  it.each([
    { name: 'from the oldest, to the end of the first chunk', maxItems: 100_000, pushed: 5000, position: 0, to: undefined, run: { start: 0, end: 4096 }, seq: 1 },
    { name: 'from the second chunk, to what is held', maxItems: 100_000, pushed: 5000, position: 4096, to: undefined, run: { start: 0, end: 904 }, seq: 4097 },
    { name: 'cut at `to`', maxItems: 100_000, pushed: 5000, position: 10, to: 30, run: { start: 10, end: 30 }, seq: 11 },
    { name: 'after evictions: the first chunk starts at its head', maxItems: 4000, pushed: 5000, position: 0, to: undefined, run: { start: 1000, end: 4096 }, seq: 1001 },
    { name: 'after evictions, in the second chunk', maxItems: 4000, pushed: 5000, position: 3100, to: undefined, run: { start: 4, end: 904 }, seq: 4101 },
    { name: 'past what is held', maxItems: 100_000, pushed: 5, position: 5, to: undefined, run: undefined, seq: 0 },
    { name: 'at `to`', maxItems: 100_000, pushed: 5, position: 2, to: 2, run: undefined, seq: 0 },
  ])('chunkAt: $name', ({ maxItems, pushed, position, to, run, seq }) => {
    const store = new PacketStore({ maxItems, maxBytes: Infinity });
    for (let s = 1; s <= pushed; s++) store.push(packet(s, 3));
    const got = store.chunkAt(position, to);
    expect(got && { start: got.start, end: got.end }).toEqual(run);
    if (!got) return;
    // Slot `start` is `position`, and every slot of the run reads as the store does.
    expect(got.columns.seqs[got.start]).toBe(seq);
    for (let slot = got.start; slot < got.end; slot++) {
      const at = position + slot - got.start;
      expect([got.columns.seqs[slot], got.columns.times[slot], got.columns.sizes[slot], got.columns.directions[slot] ? 'out' : 'in', got.columns.firstBytes[slot]]).toEqual([
        store.seqAt(at),
        store.timeAt(at),
        store.sizeAt(at),
        store.directionAt(at),
        store.firstByteAt(at),
      ]);
    }
  });
});
