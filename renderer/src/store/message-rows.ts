/**
 * The rows of the message list while a filter, a mute or a pause is in force: kept up to
 * date from the log batch by batch (new messages tested once, evicted ones dropped from the
 * front), instead of testing all 100,000 held messages again every frame.
 */

import type { MessageRecord } from '../../../shared/contract';
import type { RingBuffer } from '../../../shared/ring-buffer';

/** Rows a list shows, by position, and how many have left its front so far. */
export interface MessageRows {
  readonly length: number;
  at(index: number): MessageRecord | undefined;
  /** Rows removed from the front since the rows were made (the view keeps its place by it). */
  readonly shifted: number;
}

/**
 * The log itself as rows: no copy. Length and shift are read live: the list keeps this object
 * until the log's revision changes, and meanwhile the byte cap may evict messages (a larger
 * message pushes out several smaller ones), so a length taken once could point past the end.
 */
export function logRows(buffer: RingBuffer<MessageRecord>): MessageRows {
  return {
    get length() {
      return buffer.length;
    },
    at: (i) => buffer.at(i),
    get shifted() {
      return buffer.evicted;
    },
  };
}

/** Position of the first held message with a sequence number above `seq` (binary search). */
export function firstAfter(buffer: RingBuffer<MessageRecord>, seq: number): number {
  let low = 0;
  let high = buffer.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (buffer.at(mid)!.seq <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The messages of a log that pass a test, up to `pausedAt` when paused. */
export class FilteredRows implements MessageRows {
  private rows: MessageRecord[] = [];
  private head = 0;
  private lastSeq = 0;
  /** Rows dropped from the front because the log evicted them. */
  shifted = 0;

  constructor(
    private readonly test: (message: MessageRecord) => boolean,
    private readonly pausedAt?: number,
  ) {}

  get length(): number {
    return this.rows.length - this.head;
  }

  at(index: number): MessageRecord | undefined {
    return this.rows[this.head + index];
  }

  /** Takes in what the log gained and lost since the last call. */
  update(buffer: RingBuffer<MessageRecord>): void {
    const oldest = buffer.at(0)?.seq ?? Infinity;
    while (this.head < this.rows.length && this.rows[this.head]!.seq < oldest) {
      this.head++;
      this.shifted++;
    }
    if (this.head > 4096 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
    for (let i = firstAfter(buffer, this.lastSeq); i < buffer.length; i++) {
      const message = buffer.at(i)!;
      if (this.pausedAt !== undefined && message.seq > this.pausedAt) break;
      this.lastSeq = message.seq;
      if (this.test(message)) this.rows.push(message);
    }
  }
}
