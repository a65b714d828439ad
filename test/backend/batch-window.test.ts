import { describe, expect, it } from 'vitest';
import { BatchWindow, DEFAULT_BATCH_WINDOW, type BatchWindowOptions } from '../../backend/batch-window';
import type { MessageBatch } from '../../shared/contract';

let seq = 0;
/** One batch of `count` messages on topics `t<first>`… with payloads of `bytes` bytes. */
function batch(first: number, count: number, bytes: number): MessageBatch {
  return {
    connectionId: 'c',
    dropped: 0,
    evicted: 0,
    messages: Array.from({ length: count }, (_, j) => ({
      seq: ++seq,
      direction: 'in' as const,
      topic: `t${first + j}`,
      payload: new Uint8Array(bytes),
      payloadSize: bytes,
      qos: 0 as const,
      retain: false,
      dup: false,
      time: 1,
    })),
  };
}

interface Case {
  name: string;
  options: Partial<BatchWindowOptions>;
  /** Held while the window is full: batches of [first topic, messages, payload bytes]. */
  held: Array<[number, number, number]>;
  /** Batches the release sends, by message count. */
  sent: number[];
}

// The window is one batch wide; a first batch fills it, then the held ones are released as
// the page acknowledges, one batch per ack.
const CASES: Case[] = [
  { name: 'a few held topics go out in one batch', options: {}, held: [[0, 3, 10], [0, 3, 10]], sent: [3] },
  { name: 'held topics past the message limit go out in several batches', options: { releaseMessages: 4 }, held: [[0, 10, 1]], sent: [4, 4, 2] },
  { name: 'held topics past the byte limit go out in several batches', options: { releaseBytes: 8192 }, held: [[0, 5, 4096]], sent: [2, 2, 1] },
  { name: 'one message larger than the byte limit still goes out, alone', options: { releaseBytes: 100 }, held: [[0, 2, 4096]], sent: [1, 1] },
  { name: '10,000 held topics of 4 KB by the defaults', options: {}, held: [[0, 5000, 4096], [5000, 5000, 4096]], sent: Array(78).fill(128).concat([16]) },
];

describe('BatchWindow', () => {
  it.each(CASES)('$name', ({ options, held, sent }) => {
    const out: MessageBatch[] = [];
    const window = new BatchWindow((b) => out.push(b), { ...DEFAULT_BATCH_WINDOW, batches: 1, ...options });
    window.offer(batch(-1, 1, 1));
    window.ack(); // the page acknowledges: from now on one batch in flight at most
    window.offer(batch(-2, 1, 1)); // fills the window
    const before = out.length;
    let offered = 0;
    for (const [first, count, bytes] of held) {
      window.offer(batch(first, count, bytes));
      offered += count;
    }
    expect(out.length).toBe(before);
    for (let i = 0; i < sent.length + 2; i++) window.ack();
    const released = out.slice(before);
    expect(released.map((b) => b.messages.length)).toEqual(sent);
    // Every held topic exactly once, oldest first; what it replaced and what dropped add up to all offered.
    const topics = released.flatMap((b) => b.messages.map((m) => m.topic));
    expect(new Set(topics).size).toBe(topics.length);
    const replaced = released.reduce((sum, b) => sum + (b.replaced ?? []).reduce((a, n) => a + n, 0), 0);
    const dropped = released.reduce((sum, b) => sum + b.dropped, 0);
    expect(topics.length + replaced).toBe(offered);
    expect(dropped).toBe(replaced);
    const limit = { ...DEFAULT_BATCH_WINDOW, ...options };
    for (const b of released) {
      const bytes = b.messages.reduce((sum, m) => sum + m.payload.byteLength, 0);
      expect(b.messages.length === 1 || (b.messages.length <= limit.releaseMessages && bytes <= limit.releaseBytes)).toBe(true);
    }
    expect(window.heldMessages).toBe(0);
  });
});
