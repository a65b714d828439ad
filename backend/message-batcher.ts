/**
 * Gathers messages for one connection and hands them over once per interval, so the UI
 * boundary sees ~10–20 batches a second however fast messages arrive.
 */

import type { MessageBatch, MessageRecord } from '../shared/contract';

/** Options for {@link MessageBatcher}. */
export interface BatcherOptions {
  /** How long messages wait before a batch is sent. */
  intervalMs: number;
  /** Most messages held between two flushes; more are counted as dropped. */
  maxPending: number;
}

/** Defaults: one batch per 50 ms, at most 100,000 messages waiting. */
export const DEFAULT_BATCHER_OPTIONS: BatcherOptions = { intervalMs: 50, maxPending: 100_000 };

/** Per-connection batching with a bounded backlog. */
export class MessageBatcher {
  private pending: MessageRecord[] = [];
  private dropped = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly connectionId: string,
    private readonly deliver: (batch: MessageBatch) => void,
    private readonly options: BatcherOptions = DEFAULT_BATCHER_OPTIONS,
    private readonly evicted: () => number = () => 0,
  ) {}

  /** Queues one message; the first one after a flush arms the timer. */
  add(message: MessageRecord): void {
    if (this.pending.length >= this.options.maxPending) this.dropped++;
    else this.pending.push(message);
    this.timer ??= setTimeout(() => this.flush(), this.options.intervalMs);
  }

  /** Sends what is queued now (also called on disconnect so nothing is held back). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 && this.dropped === 0) return;
    const batch: MessageBatch = { connectionId: this.connectionId, messages: this.pending, dropped: this.dropped, evicted: this.evicted() };
    this.pending = [];
    this.dropped = 0;
    this.deliver(batch);
  }
}
