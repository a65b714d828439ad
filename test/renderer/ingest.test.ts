import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import { forgetConnection, INGEST_BUDGET_MS, ingestAll, ingestBatch, ingestPending, whenIngested } from '../../renderer/src/store/ingest';
import { logFor } from '../../renderer/src/store/message-log';
import { treeFor } from '../../renderer/src/store/topic-tree';
import { messageRecord } from '../helpers/message-record';

let seq = 0;
const messages = (count: number, topic = (n: number) => `fleet/dev${n % 100}/temp`): MessageRecord[] =>
  Array.from({ length: count }, () => ({ ...messageRecord(++seq), topic: topic(seq) }));

/** A clock that moves `step` ms each time the page reads it: ingest's budget runs out after a known number of looks. */
function steppingClock(step: number): void {
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => (now += step));
}

/** Lets the tasks queued so far (ingest's continuations) run. */
const nextTasks = async (n = 20) => {
  for (let i = 0; i < n && ingestPending(); i++) await new Promise((r) => setTimeout(r, 1));
};

afterEach(() => {
  ingestAll();
  vi.restoreAllMocks();
});

describe('ingest of message batches', () => {
  it('takes a small batch in at once and calls back at once', () => {
    const done = vi.fn();
    ingestBatch({ connectionId: 'small', messages: messages(10), dropped: 0, evicted: 0 });
    whenIngested(done);
    expect(logFor('small').buffer.length).toBe(10);
    expect(done).toHaveBeenCalledTimes(1);
    expect(ingestPending()).toBe(false);
  });

  it('spreads a batch that outlasts its budget over several tasks, in order, and calls back when all is in', async () => {
    // Each look at the clock a third of the budget: a task stops at its third look (96 messages).
    steppingClock(INGEST_BUDGET_MS / 3 + 0.01);
    const first = messages(1000);
    const second = messages(5);
    const done = vi.fn();
    ingestBatch({ connectionId: 'large', messages: first, dropped: 7, evicted: 0 });
    whenIngested(done);
    ingestBatch({ connectionId: 'large', messages: second, dropped: 0, evicted: 0 });
    const log = logFor('large');
    // Part of the first batch, none of the second: the task gave way.
    expect(log.buffer.length).toBeGreaterThan(0);
    expect(log.buffer.length).toBeLessThan(first.length);
    expect(done).not.toHaveBeenCalled();
    expect(ingestPending()).toBe(true);
    await nextTasks(100);
    expect(ingestPending()).toBe(false);
    expect(done).toHaveBeenCalledTimes(1);
    // Every message once, in arrival order; upstream drops counted once; the tree has them all.
    expect(log.buffer.length).toBe(1005);
    expect(Array.from({ length: log.buffer.length }, (_, i) => log.buffer.at(i)!.seq)).toEqual([...first, ...second].map((m) => m.seq));
    expect(log.droppedUpstream).toBe(7);
    expect(treeFor('large').total[0]).toBe(1005);
  });

  it('counts subscriptions over a batch spread across tasks as in one', async () => {
    steppingClock(INGEST_BUDGET_MS / 2 + 0.01);
    ingestBatch({ connectionId: 'counts', messages: messages(500), dropped: 0, evicted: 0 }, ['fleet/#', 'fleet/dev1/temp']);
    await nextTasks(100);
    expect(logFor('counts').counts.get('fleet/#')).toBe(500);
    expect(logFor('counts').counts.get('fleet/dev1/temp')).toBe(5);
  });

  it('gives up on a batch whose ingest throws, says so, and still takes in and calls back for the next', () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const done = vi.fn();
    // Filters that cannot be read: the ingest of this batch throws part-way.
    const broken = new Proxy([] as string[], { get: () => { throw new Error('unreadable filters'); } });
    ingestBatch({ connectionId: 'broken', messages: messages(3), dropped: 0, evicted: 0 }, broken);
    ingestBatch({ connectionId: 'after-broken', messages: messages(4), dropped: 0, evicted: 0 });
    whenIngested(done);
    expect(ingestPending()).toBe(false);
    expect(done).toHaveBeenCalledTimes(1);
    expect(logFor('after-broken').buffer.length).toBe(4);
    expect(String(error.mock.calls[0]?.[0])).toMatch(/broken could not be taken in/);
  });

  it('drops the rest of batches received before a clear, and still calls back', async () => {
    steppingClock(INGEST_BUDGET_MS / 2 + 0.01);
    const done = vi.fn();
    ingestBatch({ connectionId: 'cleared', messages: messages(1000), dropped: 0, evicted: 0 });
    whenIngested(done);
    const before = logFor('cleared').buffer.length;
    expect(before).toBeLessThan(1000);
    forgetConnection('cleared');
    await nextTasks(100);
    expect(logFor('cleared').buffer.length).toBe(before);
    expect(done).toHaveBeenCalledTimes(1);
  });
});
