/**
 * Retained messages, one per topic. An interface so that durable persistence (a later
 * issue) can replace the in-memory default without touching the routing code.
 */

import { topicMatches } from '../shared/topic';
import type { Message } from './types';

/** Storage for retained messages. */
export interface RetainedStore {
  /** Stores or replaces the message for its topic. */
  set(message: Message): void;
  /** Removes the retained message of a topic, if any. */
  delete(topic: string): void;
  /** Every stored message whose topic matches the filter. */
  match(filter: string): Iterable<Message>;
  /** Every stored message, for the broker panel. */
  all(): Iterable<Message>;
  /** Number of retained messages. */
  readonly size: number;
  /** Payload bytes of the retained messages (for memory_limit). */
  readonly bytes: number;
}

/** In-memory retained store: a map scanned per subscription, fine for a debugging broker. */
export class MemoryRetainedStore implements RetainedStore {
  private readonly messages = new Map<string, Message>();
  private payloadBytes = 0;

  /** See the interface. */
  set(message: Message): void {
    this.delete(message.topic);
    this.messages.set(message.topic, message);
    this.payloadBytes += message.payload.length;
  }

  /** See the interface. */
  delete(topic: string): void {
    const old = this.messages.get(topic);
    if (!old) return;
    this.messages.delete(topic);
    this.payloadBytes -= old.payload.length;
  }

  /** See the interface. */
  *match(filter: string): Iterable<Message> {
    for (const message of this.messages.values()) {
      if (topicMatches(filter, message.topic)) yield message;
    }
  }

  /** See the interface. */
  all(): Iterable<Message> {
    return this.messages.values();
  }

  /** See the interface. */
  get size(): number {
    return this.messages.size;
  }

  /** See the interface. */
  get bytes(): number {
    return this.payloadBytes;
  }
}
