/**
 * The write queue behind persistence: one batch per event-loop turn, batches one after
 * another, and output released only after the changes made before it are written, in order.
 * The batch writer here is a list whose writes the test completes by hand.
 */

import { describe, expect, it } from 'vitest';
import { WriteQueue, type WriteOp } from '../../broker-sidecar/persistence/write-queue';

/** A writer whose batches stay open until `complete()`. */
function manualWriter(): { batches: WriteOp[][]; complete(): Promise<void>; queue: WriteQueue; errors: Error[] } {
  const batches: WriteOp[][] = [];
  const open: Array<() => void> = [];
  const errors: Error[] = [];
  const queue = new WriteQueue(
    (ops) => {
      batches.push(ops);
      return new Promise<void>((resolve) => open.push(resolve));
    },
    (error) => errors.push(error),
  );
  return {
    batches,
    errors,
    queue,
    async complete() {
      open.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WriteQueue', () => {
  it('runs output at once when nothing is pending, so persistence off or idle costs no wait', () => {
    const { queue } = manualWriter();
    const order: string[] = [];
    queue.afterDurable(() => order.push('now'));
    expect(order).toEqual(['now']);
    expect(queue.pending).toBe(false);
  });

  it('groups the changes of one turn into one batch and releases the waiting output after it', async () => {
    const w = manualWriter();
    const order: string[] = [];
    w.queue.put('a', '1');
    w.queue.afterDurable(() => order.push('ack a'));
    w.queue.put('b', '2');
    w.queue.del('c');
    w.queue.afterDurable(() => order.push('ack b'));
    expect(w.queue.pending).toBe(true);
    await turn();
    expect(w.batches).toEqual([
      [
        { type: 'put', key: 'a', value: '1' },
        { type: 'put', key: 'b', value: '2' },
        { type: 'del', key: 'c' },
      ],
    ]);
    expect(order).toEqual([]);
    await w.complete();
    expect(order).toEqual(['ack a', 'ack b']);
    expect(w.queue.pending).toBe(false);
  });

  it('writes batches one after another and keeps output in the order it was produced', async () => {
    const w = manualWriter();
    const order: string[] = [];
    w.queue.put('first', 'x');
    w.queue.afterDurable(() => order.push('1'));
    await turn();
    // While the first batch is being written: output with no new change waits for that batch...
    w.queue.afterDurable(() => order.push('2'));
    // ...output after a new change waits for the next one, which starts only when the first is done.
    w.queue.put('second', 'y');
    w.queue.afterDurable(() => order.push('3'));
    await turn();
    expect(w.batches).toHaveLength(1);
    await w.complete();
    expect(order).toEqual(['1', '2']);
    expect(w.batches).toHaveLength(2);
    await w.complete();
    expect(order).toEqual(['1', '2', '3']);
  });

  it('keeps FIFO order for output produced while earlier output is being released', async () => {
    const w = manualWriter();
    const order: string[] = [];
    w.queue.put('k', 'v');
    w.queue.afterDurable(() => {
      order.push('a');
      w.queue.afterDurable(() => order.push('c')); // produced during the release: after b
    });
    w.queue.afterDurable(() => order.push('b'));
    await turn();
    await w.complete();
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('reports a failed batch and still releases its output, and idle() resolves when all is written', async () => {
    const batches: WriteOp[][] = [];
    const errors: Error[] = [];
    const queue = new WriteQueue(
      (ops) => {
        batches.push(ops);
        return batches.length === 1 ? Promise.reject(new Error('disk full')) : Promise.resolve();
      },
      (error) => errors.push(error),
    );
    const order: string[] = [];
    queue.put('a', '1');
    queue.afterDurable(() => order.push('released'));
    queue.put('b', '2');
    const idle = queue.idle();
    await idle;
    expect(errors.map((e) => e.message)).toEqual(['disk full']);
    expect(order).toEqual(['released']);
    expect(queue.pending).toBe(false);
  });
});
