/**
 * Gathers items (messages, captured packets) for one connection and hands them over once
 * per interval, so the UI boundary sees ~10–20 batches a second however fast they arrive.
 */

/** Options for {@link Batcher}. */
export interface BatcherOptions {
  /** How long items wait before a batch is sent. */
  intervalMs: number;
  /** Most items held between two flushes; more are counted as dropped. */
  maxPending: number;
}

/** Defaults: one batch per 50 ms, at most 100,000 items waiting. */
export const DEFAULT_BATCHER_OPTIONS: BatcherOptions = { intervalMs: 50, maxPending: 100_000 };

/** Time-based batching with a bounded backlog. */
export class Batcher<T> {
  private pending: T[] = [];
  private dropped = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly deliver: (items: T[], dropped: number) => void,
    private readonly options: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
  ) {}

  /** Queues one item; the first one after a flush arms the timer. */
  add(item: T): void {
    if (this.pending.length >= this.options.maxPending) this.dropped++;
    else this.pending.push(item);
    this.timer ??= setTimeout(() => this.flush(), this.options.intervalMs);
  }

  /** Sends what is queued now (also called on disconnect so nothing is held back). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 && this.dropped === 0) return;
    const items = this.pending;
    const dropped = this.dropped;
    this.pending = [];
    this.dropped = 0;
    this.deliver(items, dropped);
  }
}
