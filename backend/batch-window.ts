/**
 * Flow control of message batches towards one page: at most a few batches the page has not
 * yet taken in. The page acknowledges each batch once it has ingested it (shared/wire-batches.ts,
 * ACK_FRAME); while the window is full, whole batches are not sent but counted as dropped,
 * and the count goes out with the next batch the page gets (or alone, once the page catches
 * up and nothing else is coming). A page that falls behind thus sees the newest messages
 * within a fraction of a second and a count of what it missed, instead of a queue of
 * seconds of messages in the carrier, the browser's socket buffers and its task queue.
 *
 * A carrier whose page never acknowledged is not limited here (a page of an older build,
 * a test's bare socket): its carrier's own byte cap applies.
 */

import type { MessageBatch } from '../shared/contract';

/** Options of {@link BatchWindow}. */
export interface BatchWindowOptions {
  /** Batches sent and not yet acknowledged, at most. At one batch per 50 ms, 4 is 200 ms of messages. */
  batches: number;
}

/** Default: four batches in flight. */
export const DEFAULT_BATCH_WINDOW: BatchWindowOptions = { batches: 4 };

/** The send side of one page's window. */
export class BatchWindow {
  private inFlight = 0;
  private acknowledging = false;
  /** Messages not sent per connection, owed to the page as a dropped count. */
  private readonly owed = new Map<string, number>();
  /** The store's running eviction total per connection, as the last batch offered said. */
  private readonly evicted = new Map<string, number>();

  constructor(
    private readonly send: (batch: MessageBatch) => void,
    private readonly options: BatchWindowOptions = DEFAULT_BATCH_WINDOW,
  ) {}

  /**
   * Sends a batch when the window has room (with what is owed to its connection added to
   * its dropped count), else counts it as owed. `blocked` is the carrier's own reason not to
   * send now (its buffer is over its cap).
   */
  offer(batch: MessageBatch, blocked = false): void {
    this.evicted.set(batch.connectionId, batch.evicted);
    if (blocked || (this.acknowledging && this.inFlight >= this.options.batches)) {
      this.owed.set(batch.connectionId, (this.owed.get(batch.connectionId) ?? 0) + batch.messages.length + batch.dropped);
      return;
    }
    const debt = this.owed.get(batch.connectionId) ?? 0;
    if (debt > 0) this.owed.delete(batch.connectionId);
    this.inFlight++;
    this.send(debt > 0 ? { ...batch, dropped: batch.dropped + debt } : batch);
  }

  /** The page took in one batch. When it has caught up, what is still owed goes out as counts. */
  ack(): void {
    this.acknowledging = true;
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight > 0 || this.owed.size === 0) return;
    for (const [connectionId, dropped] of [...this.owed]) {
      this.owed.delete(connectionId);
      this.inFlight++;
      this.send({ connectionId, messages: [], dropped, evicted: this.evicted.get(connectionId) ?? 0 });
    }
  }

  /** Messages owed to the page, all connections together (for tests and diagnostics). */
  get owedMessages(): number {
    let sum = 0;
    for (const n of this.owed.values()) sum += n;
    return sum;
  }
}
