import { describe, expect, it } from 'vitest';
import { indexOfSeq, nextIndex } from '../../renderer/src/components/list-keys';

describe('list keyboard movement', () => {
  it.each([
    // key, current, count, page rows, expected
    ['ArrowDown', undefined, 10, 5, 0],
    ['ArrowDown', 3, 10, 5, 4],
    ['ArrowDown', 9, 10, 5, 9],
    ['ArrowUp', undefined, 10, 5, 9],
    ['ArrowUp', 0, 10, 5, 0],
    ['ArrowUp', 4, 10, 5, 3],
    ['PageDown', 2, 10, 5, 7],
    ['PageDown', 8, 10, 5, 9],
    ['PageDown', undefined, 10, 5, 4],
    ['PageUp', 7, 10, 5, 2],
    ['PageUp', 1, 10, 5, 0],
    ['PageUp', undefined, 10, 5, 5],
    ['Home', 6, 10, 5, 0],
    ['End', 1, 10, 5, 9],
    ['PageDown', 0, 10, 0, 1],
  ] as const)('%s from %s of %s rows (page %s) selects %s', (key, current, count, page, expected) => {
    expect(nextIndex(key, current, count, page)).toBe(expected);
  });

  it('ignores other keys and empty lists', () => {
    expect(nextIndex('a', 1, 10, 5)).toBeUndefined();
    expect(nextIndex('Enter', 1, 10, 5)).toBeUndefined();
    expect(nextIndex('ArrowDown', undefined, 0, 5)).toBeUndefined();
  });

  it('finds a row by sequence number in sorted rows with gaps, and nothing for a missing one', () => {
    const seqs = [3, 5, 6, 10, 11, 40];
    const rows = { length: seqs.length, at: (i: number) => (seqs[i] === undefined ? undefined : { seq: seqs[i]! }) };
    seqs.forEach((seq, i) => expect(indexOfSeq(rows, seq)).toBe(i));
    expect(indexOfSeq(rows, 4)).toBeUndefined();
    expect(indexOfSeq(rows, 41)).toBeUndefined();
    expect(indexOfSeq(rows, undefined)).toBeUndefined();
  });
});
