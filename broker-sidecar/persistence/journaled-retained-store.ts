/** A RetainedStore decorator that writes every change through to the durable store. */

import type { RetainedStore } from '../retained-store';
import { isSysTopic } from '../sys-topics';
import type { Message } from '../types';
import { encodeMessage, keys } from './records';
import type { WriteQueue } from './write-queue';

/** Keeps `inner` as the truth for reads and mirrors sets and deletes (except `$SYS`) into LevelDB. */
export class JournaledRetainedStore implements RetainedStore {
  constructor(
    private readonly inner: RetainedStore,
    private readonly queue: WriteQueue,
  ) {}

  /** See RetainedStore. */
  set(message: Message): void {
    this.inner.set(message);
    // Like mosquitto, $SYS values are not saved: restored, they would report the previous run.
    if (isSysTopic(message.topic)) return;
    this.queue.put(keys.retained(message.topic), JSON.stringify(encodeMessage(message)));
  }

  /** See RetainedStore. */
  delete(topic: string): void {
    this.inner.delete(topic);
    if (isSysTopic(topic)) return;
    this.queue.del(keys.retained(topic));
  }

  /** See RetainedStore. */
  match(filter: string): Iterable<Message> {
    return this.inner.match(filter);
  }

  /** See RetainedStore. */
  all(): Iterable<Message> {
    return this.inner.all();
  }

  /** See RetainedStore. */
  get size(): number {
    return this.inner.size;
  }

  /** See RetainedStore. */
  get bytes(): number {
    return this.inner.bytes;
  }
}
