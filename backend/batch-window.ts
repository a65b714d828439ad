/**
 * Flow control of message batches towards one page: at most a few batches the page has not
 * yet taken in. The page acknowledges each batch once it has ingested it (shared/wire-batches.ts,
 * ACK_FRAME). While the window is full, batches are not sent but held, conflated by topic:
 * the newest message of each topic is kept and the ones it replaced are counted as dropped.
 * When the page catches up it gets one batch of those newest messages with that count, and
 * per message how many it replaced, so the page's per-topic counts stay exact. A
 * page that falls behind thus sees every topic and its latest value within a fraction of a
 * second, and a count of what it missed, instead of a queue of seconds of messages in the
 * carrier, the browser's socket buffers and its task queue: the work it is sent scales with
 * topics, not messages.
 *
 * A carrier whose page never acknowledged is not windowed (a page of an older build, a
 * test's bare socket): only its carrier's own reason to hold (a byte cap) applies.
 */

import type { MessageBatch, MessageRecord } from '../shared/contract';

/** Options of {@link BatchWindow}. */
export interface BatchWindowOptions {
  /** Batches sent and not yet acknowledged, at most. The page is at most about that many batch intervals behind. */
  batches: number;
  /** Topics held per connection while the page is behind; messages on further topics are only counted. */
  heldTopics: number;
  /**
   * What one batch of held messages may carry, in messages and payload bytes (at least one
   * message). The page ingests a batch in one task, so 10,000 held topics of 4 KB sent as one
   * 40 MB batch froze it for seconds; the rest stays held and goes out as the window allows.
   */
  releaseMessages: number;
  releaseBytes: number;
}

/**
 * Default: twelve batches in flight (600 ms of messages at one batch per 50 ms), up to 100,000
 * topics held, released at most 2,000 messages or 512 KiB of payload per batch (a 50 ms batch
 * of a 20,000 msgs/s flood of 100 B is 1,000 messages and 100 KB).
 */
export const DEFAULT_BATCH_WINDOW: BatchWindowOptions = { batches: 12, heldTopics: 100_000, releaseMessages: 2_000, releaseBytes: 512 * 1024 };

interface Held {
  /** Newest message per topic, oldest first, with how many earlier ones it replaced. */
  latest: Map<string, { message: MessageRecord; replaced: number }>;
  dropped: number;
  evicted: number;
}

/** The send side of one page's window. */
export class BatchWindow {
  private inFlight = 0;
  private acknowledging = false;
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly send: (batch: MessageBatch) => void,
    private readonly options: BatchWindowOptions = DEFAULT_BATCH_WINDOW,
  ) {}

  /**
   * Sends a batch when the window has room (after what is held for its connection, in one
   * batch), else holds it. `blocked` is the carrier's own reason not to send now (its buffer
   * is over its cap).
   */
  offer(batch: MessageBatch, blocked = false): void {
    const full = blocked || !this.room();
    if (!full && !this.held.has(batch.connectionId)) {
      this.inFlight++;
      this.send(batch);
      return;
    }
    this.hold(batch);
    if (full) return;
    while (this.room() && this.held.has(batch.connectionId)) this.release(batch.connectionId);
  }

  /** The page took in one batch; what is held goes out while the window has room. */
  ack(): void {
    this.acknowledging = true;
    this.inFlight = Math.max(0, this.inFlight - 1);
    for (const connectionId of [...this.held.keys()]) {
      while (this.room() && this.held.has(connectionId)) this.release(connectionId);
    }
  }

  /** Whether another batch may go out: always for a page that never acknowledged. */
  private room(): boolean {
    return !this.acknowledging || this.inFlight < this.options.batches;
  }

  /** Batches sent and not yet acknowledged (for diagnostics). */
  get unacknowledged(): number {
    return this.inFlight;
  }

  /** Messages held for the page, all connections together (for tests and diagnostics). */
  get heldMessages(): number {
    let sum = 0;
    for (const held of this.held.values()) sum += held.latest.size;
    return sum;
  }

  private hold(batch: MessageBatch): void {
    let held = this.held.get(batch.connectionId);
    if (!held) this.held.set(batch.connectionId, (held = { latest: new Map(), dropped: 0, evicted: 0 }));
    // Batches are only held this way, so a held batch's own replaced messages are already in its dropped.
    held.dropped += batch.dropped;
    held.evicted = batch.evicted;
    for (let i = 0; i < batch.messages.length; i++) {
      const message = batch.messages[i]!;
      let replaced = batch.replaced?.[i] ?? 0;
      const prior = held.latest.get(message.topic);
      if (prior) {
        held.latest.delete(message.topic);
        replaced += prior.replaced + 1;
        held.dropped++;
      } else if (held.latest.size >= this.options.heldTopics) {
        held.dropped++;
        continue;
      }
      // Deleted and set again: the map stays in order of each topic's newest message.
      held.latest.set(message.topic, { message, replaced });
    }
  }

  /** Sends the oldest held messages of a connection, up to the release limits; the rest stays held. */
  private release(connectionId: string): void {
    const held = this.held.get(connectionId);
    if (!held) return;
    this.inFlight++;
    const { releaseMessages, releaseBytes } = this.options;
    const messages: MessageRecord[] = [];
    const replaced: number[] = [];
    let any = false;
    let bytes = 0;
    for (const [topic, entry] of held.latest) {
      if (messages.length > 0 && (messages.length >= releaseMessages || bytes + entry.message.payload.byteLength > releaseBytes)) break;
      messages.push(entry.message);
      replaced.push(entry.replaced);
      if (entry.replaced > 0) any = true;
      bytes += entry.message.payload.byteLength;
      // Deleting the entry being visited is safe in a Map's iteration.
      held.latest.delete(topic);
    }
    // The count of what was dropped goes with the first batch released; later ones carry what dropped since.
    const dropped = held.dropped;
    held.dropped = 0;
    if (held.latest.size === 0) this.held.delete(connectionId);
    this.send({ connectionId, messages, dropped, evicted: held.evicted, ...(any ? { replaced } : {}) });
  }
}
