/**
 * A session's queue (broker-sidecar/session.ts) is taken from the front by moving a head,
 * compacted now and then, instead of Array.shift (O(n) on a large array). Whatever the
 * interleaving of enqueue and dequeue, it must give back every delivery once, in order, and
 * keep its length and byte count right across compactions.
 */

import { describe, expect, it } from 'vitest';
import { Session, type Delivery } from '../../broker-sidecar/session';
import type { Message } from '../../broker-sidecar/types';

function delivery(n: number): Delivery {
  const message = { topic: `q/${n}`, payload: Buffer.from(String(n)), qos: 1, retain: false, properties: undefined, senderId: 'p', expiresAt: undefined } as unknown as Message;
  return { message, qos: 1, retain: false, subscriptionIds: [] };
}

describe('session queue', () => {
  // [enqueued per step, dequeued per step, steps]: below, at and across the compaction point (1,024 taken).
  it.each([
    [1, 1, 10],
    [3, 1, 2000],
    [2000, 1500, 5],
    [5000, 5000, 2],
    [100, 99, 300],
  ])('gives back every delivery once, in order: %i in, %i out per step, %i steps', (inPerStep, outPerStep, steps) => {
    const session = new Session('q', 0, Number.MAX_SAFE_INTEGER);
    let next = 0;
    let expected = 0;
    for (let step = 0; step < steps; step++) {
      for (let i = 0; i < inPerStep; i++) expect(session.enqueue(delivery(next++))).toBe(true);
      for (let i = 0; i < outPerStep && session.queueLength > 0; i++) {
        expect(session.peekQueue()!.message.topic).toBe(`q/${expected++}`);
        session.dequeue(false);
      }
      expect(session.queueLength).toBe(next - expected);
    }
    // The array view agrees with the head's, and the byte count with what is left.
    expect(session.queue.map((d) => d.message.topic)).toEqual(Array.from({ length: next - expected }, (_, i) => `q/${expected + i}`));
    expect(session.queuedBytes).toBe(session.queue.reduce((sum, d) => sum + d.message.payload.length, 0));
    while (session.queueLength > 0) {
      expect(session.peekQueue()!.message.topic).toBe(`q/${expected++}`);
      session.dequeue(false);
    }
    expect(expected).toBe(next);
    expect(session.peekQueue()).toBeUndefined();
    expect(session.queue).toEqual([]);
    expect(session.queuedBytes).toBe(0);
  });

  it('still bounds the queue by its length after deliveries were taken', () => {
    const session = new Session('b', 0, 2000);
    for (let i = 0; i < 2000; i++) session.enqueue(delivery(i));
    for (let i = 0; i < 1500; i++) session.dequeue(false);
    for (let i = 0; i < 1500; i++) expect(session.enqueue(delivery(2000 + i))).toBe(true);
    expect(session.enqueue(delivery(9999))).toBe(false);
    expect(session.queueLength).toBe(2000);
    expect(session.dropped).toBe(1);
  });
});
