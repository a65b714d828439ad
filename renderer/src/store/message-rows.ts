/**
 * The rows of the message list while a filter, a mute or a pause is in force: kept up to
 * date from the log batch by batch (new messages tested once, evicted ones dropped from the
 * front), instead of testing all 100,000 held messages again every frame.
 */

import type { MessageRecord } from '../../../shared/contract';

/** What the rows read from a log (shared/message-columns.ts, or a plain ring of records in tests). */
export interface MessageStore {
  readonly length: number;
  /** Messages evicted from the front so far. */
  readonly evicted: number;
  at(position: number): MessageRecord | undefined;
  /** A record not remembered by the store, for scans; defaults to `at`. */
  read?(position: number): MessageRecord | undefined;
  seqAt?(position: number): number;
  /** The store's id of the topic at a position (the same for every message on it). */
  topicIdAt?(position: number): number;
  topicAt?(position: number): string;
  directionAt?(position: number): 'in' | 'out';
  /** Bumped by every clear (serials start again from 0). */
  readonly clears?: number;
}

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
export function logRows(buffer: MessageStore): MessageRows {
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
export function firstAfter(buffer: MessageStore, seq: number): number {
  let low = 0;
  let high = buffer.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((buffer.seqAt ? buffer.seqAt(mid) : buffer.at(mid)!.seq) <= seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The messages of a log that pass a test, up to `pausedAt` when paused. Rows are kept as
 * the log's serial numbers (evicted + position, fixed per message), not records: a filter
 * matching everything would otherwise hold 100,000 objects again.
 */
export class FilteredRows implements MessageRows {
  private rows: number[] = [];
  private head = 0;
  private lastSeq = 0;
  private buffer: MessageStore | undefined;
  private clears = 0;
  /** The topic test's answer per topic id and direction (id * 2 + 1 for outgoing). */
  private topicAnswers = new Map<number, boolean>();
  /** Rows dropped from the front because the log evicted them. */
  shifted = 0;

  /**
   * `test` judges a message as a record; `topicTest` judges it by its topic and direction
   * alone, once per topic, read from the log's columns: with only a topic filter or a mute in
   * force no record is made per new message. A message passes when both pass.
   */
  constructor(
    private readonly test: ((message: MessageRecord) => boolean) | undefined,
    private readonly pausedAt?: number,
    private readonly topicTest?: (topic: string, direction: 'in' | 'out') => boolean,
  ) {}

  get length(): number {
    return this.rows.length - this.head;
  }

  at(index: number): MessageRecord | undefined {
    const serial = this.rows[this.head + index];
    return serial === undefined || !this.buffer ? undefined : this.buffer.at(serial - this.buffer.evicted);
  }

  /** Takes in what the log gained and lost since the last call. */
  update(buffer: MessageStore): void {
    if ((buffer.clears ?? 0) !== this.clears) {
      // Everything held was cleared: the serials kept point at nothing now, nor the topic ids.
      this.clears = buffer.clears ?? 0;
      this.shifted += this.rows.length - this.head;
      this.rows = [];
      this.head = 0;
      this.topicAnswers.clear();
    }
    this.buffer = buffer;
    const oldest = buffer.evicted;
    while (this.head < this.rows.length && this.rows[this.head]! < oldest) {
      this.head++;
      this.shifted++;
    }
    if (this.head > 4096 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
    for (let i = firstAfter(buffer, this.lastSeq); i < buffer.length; i++) {
      const seq = buffer.seqAt ? buffer.seqAt(i) : buffer.at(i)!.seq;
      if (this.pausedAt !== undefined && seq > this.pausedAt) break;
      this.lastSeq = seq;
      if (this.topicTest && !this.topicPasses(buffer, i)) continue;
      if (this.test && !this.test(buffer.read ? buffer.read(i)! : buffer.at(i)!)) continue;
      this.rows.push(oldest + i);
    }
  }

  private topicPasses(buffer: MessageStore, position: number): boolean {
    if (!buffer.topicIdAt || !buffer.topicAt || !buffer.directionAt) {
      const message = buffer.at(position)!;
      return this.topicTest!(message.topic, message.direction);
    }
    const direction = buffer.directionAt(position);
    const key = buffer.topicIdAt(position) * 2 + (direction === 'out' ? 1 : 0);
    let answer = this.topicAnswers.get(key);
    if (answer === undefined) this.topicAnswers.set(key, (answer = this.topicTest!(buffer.topicAt(position), direction)));
    return answer;
  }
}
