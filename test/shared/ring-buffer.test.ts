import { describe, expect, it } from 'vitest';
import { atSeq, RingBuffer } from '../../shared/ring-buffer';

const sized = (maxItems: number, maxBytes: number, sizeOf: (n: number) => number = (n) => n) => new RingBuffer<number>({ maxItems, maxBytes }, sizeOf);

describe('RingBuffer', () => {
  it('keeps the newest items when the item cap is reached and counts evictions', () => {
    const ring = sized(3, 1000);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.evicted).toBe(2);
    expect(ring.at(0)).toBe(3);
    expect(ring.at(3)).toBeUndefined();
  });

  it('evicts by bytes before the item cap is reached', () => {
    const ring = sized(100, 10);
    [4, 4, 4].forEach((n) => ring.push(n));
    expect(ring.toArray()).toEqual([4, 4]);
    expect(ring.bytes).toBe(8);
    expect(ring.evicted).toBe(1);
  });

  it('keeps one oversized item alone rather than dropping it unseen', () => {
    const ring = sized(10, 10);
    ring.push(3);
    ring.push(50);
    expect(ring.toArray()).toEqual([50]);
    expect(ring.bytes).toBe(50);
  });

  it('wraps around many times without losing order', () => {
    const ring = sized(7, Infinity);
    for (let i = 0; i < 1000; i++) ring.push(i);
    expect(ring.toArray()).toEqual([993, 994, 995, 996, 997, 998, 999]);
    expect(ring.length).toBe(7);
  });

  it('grows past its initial storage and keeps order when the byte cap wrapped it first', () => {
    // 1,500 one-byte items fit the byte cap; the storage starts smaller and grows while wrapped.
    const ring = sized(1_000_000, 1_500, () => 1);
    for (let i = 0; i < 5_000; i++) ring.push(i);
    expect(ring.length).toBe(1_500);
    expect(ring.at(0)).toBe(3_500);
    expect(ring.at(1_499)).toBe(4_999);
    expect(ring.toArray()).toEqual(Array.from({ length: 1_500 }, (_, i) => 3_500 + i));
  });

  it('holds up to maxItems beyond the initial storage', () => {
    const ring = sized(3_000, Infinity);
    for (let i = 0; i < 10_000; i++) ring.push(i);
    expect(ring.length).toBe(3_000);
    expect(ring.toArray()).toEqual(Array.from({ length: 3_000 }, (_, i) => 7_000 + i));
    expect(ring.evicted).toBe(7_000);
  });

  it('clear() empties and resets counters', () => {
    const ring = sized(2, 100);
    [1, 2, 3].forEach((n) => ring.push(n));
    ring.clear();
    expect(ring.length).toBe(0);
    expect(ring.bytes).toBe(0);
    expect(ring.evicted).toBe(0);
    ring.push(9);
    expect(ring.toArray()).toEqual([9]);
  });
});

describe('atSeq', () => {
  it('finds items by contiguous sequence number after evictions, and nothing outside', () => {
    const ring = new RingBuffer<{ seq: number }>({ maxItems: 3, maxBytes: Infinity }, () => 0);
    for (let seq = 1; seq <= 5; seq++) ring.push({ seq });
    expect(atSeq(ring, 3)).toEqual({ seq: 3 });
    expect(atSeq(ring, 5)).toEqual({ seq: 5 });
    expect(atSeq(ring, 2)).toBeUndefined();
    expect(atSeq(ring, 6)).toBeUndefined();
    expect(atSeq(new RingBuffer<{ seq: number }>({ maxItems: 1, maxBytes: 1 }, () => 0), 1)).toBeUndefined();
  });
});
