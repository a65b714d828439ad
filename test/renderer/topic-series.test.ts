import { describe, expect, it } from 'vitest';
import { MAX_POINTS, SERIES_BUDGET_BYTES, SeriesRing, type SeriesBudget } from '../../renderer/src/store/topic-series';

describe('SeriesRing', () => {
  it.each([1, 7, 8, 9, 64, 65, MAX_POINTS - 1, MAX_POINTS, MAX_POINTS + 1, 2 * MAX_POINTS + 17])('keeps the newest points in order after %i pushes', (pushes) => {
    const budget: SeriesBudget = { bytes: 0, refused: 0 };
    const ring = SeriesRing.create(budget)!;
    for (let i = 0; i < pushes; i++) ring.push(i, i * 10);
    const kept = Math.min(pushes, MAX_POINTS);
    const first = pushes - kept;
    const { times, values } = ring.toArrays();
    expect(ring.length).toBe(kept);
    expect(times).toEqual(Array.from({ length: kept }, (_, i) => first + i));
    expect(values).toEqual(Array.from({ length: kept }, (_, i) => (first + i) * 10));
    const spark = new Float64Array(5);
    const n = ring.newest(5, spark);
    expect([...spark.subarray(0, n)]).toEqual(values.slice(-5));
  });

  it('stops growing at the byte budget and keeps cycling its newest points', () => {
    // No room for 8 more points: the ring stays at its first 8.
    const budget: SeriesBudget = { bytes: 0, refused: 0 };
    const ring = SeriesRing.create(budget)!;
    budget.bytes = SERIES_BUDGET_BYTES - 8 * 16 + 1;
    for (let i = 0; i < 20; i++) ring.push(i, i);
    expect(ring.length).toBe(8);
    expect(ring.toArrays().values).toEqual([12, 13, 14, 15, 16, 17, 18, 19]);
  });
});
