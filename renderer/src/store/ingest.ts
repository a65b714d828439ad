/**
 * Where message batches from the backend enter the page: each message goes into the
 * connection's log (the message list), the topic index (the Topics view) and the counts of
 * the subscriptions it matches, in one pass, and decoded Sparkplug messages into the
 * Sparkplug model; the views are told once per animation frame,
 * however many batches arrived in it, and draw only what is on screen. A batch too large for
 * one task's budget is ingested over several tasks, in order.
 */

import type { MessageBatch } from '../../../shared/contract';
import { topicMatches } from '../../../shared/topic';
import { BATCH_FLAG, batchColumnsOf, decodedAt } from '../../../shared/wire-batches';
import { useAppStore } from './app-store';
import { logFor, sharedFilterTarget } from './message-log';
import { nextTask } from './next-task';
import { addSparkplugMessage, sparkplugFor } from './sparkplug-state';
import { NONE, type TopicIndex } from './topic-index';
import { treeFor } from './topic-tree';

/** Subscriptions counted through per-topic bit masks; with more, each message is matched directly. */
const MASK_BITS = 32;

/**
 * Which subscriptions each topic matches, as a bit mask per node, computed the first time
 * the topic is seen and again only when the subscriptions change.
 */
class SubscriptionMatcher {
  private key = '';
  private filters: string[] = [];
  private index: TopicIndex | undefined;
  private masks = new Uint32Array(0);
  private known = new Uint8Array(0);

  /** Uses this set of filters and index from now on. */
  use(filters: readonly string[], index: TopicIndex): readonly string[] {
    const key = filters.join('\u0000');
    if (key !== this.key || index !== this.index) {
      this.key = key;
      this.filters = filters.map(sharedFilterTarget);
      this.index = index;
      this.known = new Uint8Array(index.parent.length);
      this.masks = new Uint32Array(index.parent.length);
    }
    return this.filters;
  }

  /** The filters a received topic matches, as bits. */
  mask(node: number, topic: string): number {
    if (node === NONE || this.filters.length > MASK_BITS) return this.match(topic);
    if (node >= this.known.length) this.grow(node);
    if (this.known[node]) return this.masks[node]!;
    const mask = this.match(topic);
    this.masks[node] = mask;
    this.known[node] = 1;
    return mask;
  }

  /** Whether filter `i` matches (for more than MASK_BITS filters). */
  matches(i: number, topic: string): boolean {
    return topicMatches(this.filters[i]!, topic);
  }

  private match(topic: string): number {
    let mask = 0;
    const n = Math.min(this.filters.length, MASK_BITS);
    for (let i = 0; i < n; i++) if (topicMatches(this.filters[i]!, topic)) mask |= 1 << i;
    return mask;
  }

  private grow(node: number): void {
    const size = Math.max(node + 1, this.known.length * 2);
    const known = new Uint8Array(size);
    known.set(this.known);
    const masks = new Uint32Array(size);
    masks.set(this.masks);
    this.known = known;
    this.masks = masks;
  }
}

const matchers = new Map<string, SubscriptionMatcher>();

/**
 * Most time one task spends ingesting: a larger batch (thousands of messages at a flood's
 * start, when every topic is new and the code not yet optimized, took 100–200 ms in one task)
 * goes on in later tasks, so frames and clicks are served between its parts.
 */
export const INGEST_BUDGET_MS = 16;
/** Messages ingested between two looks at the clock. */
const CLOCK_STRIDE = 32;

/** A batch taken in, and how far its ingest has gone. */
interface Pending {
  batch: MessageBatch;
  filters: readonly string[];
  columns: ReturnType<typeof batchColumnsOf>;
  /** The next message to ingest. */
  next: number;
  /** Called once the batch is ingested in full (see {@link whenIngested}). */
  done: (() => void)[];
  /** Its connection's messages were cleared before it was in: it is dropped. */
  skip: boolean;
}

// Batches in order of arrival; the first is being ingested. Bounded by the backend's batch
// window (backend/batch-window.ts): a batch is acknowledged only when ingested.
const queue: Pending[] = [];
let head = 0;
let continuation: (() => void) | undefined;

/**
 * Takes one batch into the page: log, topic index, subscription counts, Sparkplug model,
 * read from the batch's columns (no record per message). `filters` are the connection's
 * subscriptions, counted for received messages only. Ingested at once if it fits the task's
 * budget ({@link INGEST_BUDGET_MS}), the rest in the next tasks, after any batch still in
 * progress.
 */
export function ingestBatch(batch: MessageBatch, filters: readonly string[] = []): void {
  queue.push({ batch, filters, columns: batchColumnsOf(batch), next: 0, done: [], skip: false });
  if (queue.length - head === 1) drain(performance.now());
}

/**
 * Calls `callback` once every batch taken so far is ingested: at once if none waits. The
 * WebSocket transport acknowledges a batch this way, so the backend's window of batches in
 * flight (backend/batch-window.ts) bounds what waits here.
 */
export function whenIngested(callback: () => void): void {
  if (queue.length > head) queue[queue.length - 1]!.done.push(callback);
  else callback();
}

/** Whether batches wait to be ingested (a later task takes them). */
export function ingestPending(): boolean {
  return queue.length > head;
}

/** Ingests every waiting batch now, whatever it costs (tests, and a page about to read all). */
export function ingestAll(): void {
  drain(Infinity);
}

/** Ingests queued batches until done or past the budget from `started`; schedules the rest. */
function drain(started: number): void {
  const deadline = started + INGEST_BUDGET_MS;
  while (head < queue.length) {
    const item = queue[head]!;
    if (!ingestOrGiveUp(item, deadline)) break;
    queue[head++] = undefined as never;
    for (const callback of item.done) callback();
  }
  if (head === queue.length) {
    queue.length = 0;
    head = 0;
  } else scheduleDrain();
}

/**
 * {@link ingestSome}, but a batch whose ingest throws (a bug, not bad input: frames are
 * validated when decoded) is logged and given up on, so the batches behind it are still
 * taken in and acknowledged rather than stuck behind it forever.
 */
function ingestOrGiveUp(item: Pending, deadline: number): boolean {
  try {
    return ingestSome(item, deadline);
  } catch (error) {
    console.error(`[mqtt-desk] a message batch of ${item.batch.connectionId} could not be taken in after ${item.next} of its messages:`, error);
    return true;
  }
}

/** Runs the drain again in a task of its own (not a microtask: frames must get their turn). */
function scheduleDrain(): void {
  if (continuation) return;
  continuation = () => {
    continuation = undefined;
    drain(performance.now());
  };
  nextTask(() => continuation?.());
}

/** Ingests a batch's messages from where it stopped; whether it reached the end before `deadline`. */
function ingestSome(item: Pending, deadline: number): boolean {
  if (item.skip) return true;
  const { batch, filters, columns } = item;
  const log = logFor(batch.connectionId);
  const tree = treeFor(batch.connectionId);
  let matcher = matchers.get(batch.connectionId);
  if (!matcher) matchers.set(batch.connectionId, (matcher = new SubscriptionMatcher()));
  const targets = matcher.use(filters, tree);
  const counts = new Float64Array(filters.length);
  tree.nextTick();
  if (item.next === 0) log.droppedUpstream += batch.dropped;
  const buffer = log.buffer;
  tree.source = buffer;
  const { count, flags, topics, topicIds, replaced } = columns;
  let m = item.next;
  for (; m < count; m++) {
    if (m > item.next && (m - item.next) % CLOCK_STRIDE === 0 && performance.now() > deadline) break;
    // A compact Sparkplug record is read here, inside the budget, not when the frame arrived.
    const value = decodedAt(columns, m);
    if (value?.sparkplug) addSparkplugMessage(sparkplugFor(batch.connectionId), value, columns.times[m]!);
    // The log keeps one copy of the batch's bytes, a decoded payload as its bytes.
    buffer.pushFrom(columns, m);
    if (flags[m]! & BATCH_FLAG.out) continue;
    // A message the backend held for a page behind stands for the ones it replaced (in `dropped` too).
    const extra = replaced?.[m] ?? 0;
    const node = tree.addFrom(columns, m, buffer.evicted + buffer.length - 1, value, extra);
    if (targets.length > MASK_BITS) {
      const topic = topics[topicIds[m]!]!;
      for (let i = 0; i < targets.length; i++) if (matcher.matches(i, topic)) counts[i]! += 1 + extra;
    } else {
      for (let mask = matcher.mask(node, topics[topicIds[m]!]!); mask !== 0; mask &= mask - 1) counts[31 - Math.clz32(mask & -mask)]! += 1 + extra;
    }
  }
  item.next = m;
  for (let i = 0; i < filters.length; i++) if (counts[i]! > 0) log.counts.set(filters[i]!, (log.counts.get(filters[i]!) ?? 0) + counts[i]!);
  requestRender(batch.connectionId);
  return m === count;
}

const changed = new Set<string>();
let pending = false;

/** Tells the views of a connection to draw its new state, once in the next frame. */
export function requestRender(connectionId: string): void {
  changed.add(connectionId);
  if (pending) return;
  pending = true;
  const frame = globalThis.requestAnimationFrame ?? ((callback: () => void) => setTimeout(callback, 16));
  frame(() => {
    pending = false;
    const ids = [...changed];
    changed.clear();
    useAppStore.setState((s) => {
      const messageRevision = { ...s.messageRevision };
      for (const id of ids) messageRevision[id] = (messageRevision[id] ?? 0) + 1;
      return { messageRevision };
    });
  });
}

/**
 * Forgets what was cached for a connection whose messages were cleared, and the rest of its
 * batches not yet ingested (received before the clear): they are acknowledged, not kept.
 */
export function forgetConnection(connectionId: string): void {
  matchers.delete(connectionId);
  for (let i = head; i < queue.length; i++) if (queue[i]!.batch.connectionId === connectionId) queue[i]!.skip = true;
}
