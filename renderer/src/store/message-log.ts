/**
 * Messages live here, outside React state: one capped ring buffer per connection. The
 * zustand store only holds a revision number per connection, bumped once per batch, so
 * 20,000 messages a second cost ~20 renders, not 20,000.
 */

import type { MessageBatch, MessageRecord } from '../../../shared/contract';
import { RingBuffer, type RingBufferLimits } from '../../../shared/ring-buffer';
import { parseSharedFilter, topicMatches } from '../../../shared/topic';

/** Default caps per connection in the page. */
export const MESSAGE_LOG_LIMITS: RingBufferLimits = { maxItems: 100_000, maxBytes: 64 * 1024 * 1024 };

/** Rough in-memory size of a record: payload, topic, a fixed overhead, and a decoded value (about four times its payload). */
function sizeOf(message: MessageRecord): number {
  return message.payload.byteLength + message.topic.length * 2 + 96 + (message.decoded ? 256 + message.payload.byteLength * 4 : 0);
}

/** One connection's messages and what was lost on the way. */
export interface ConnectionLog {
  buffer: RingBuffer<MessageRecord>;
  /** Dropped by the backend before reaching the page. */
  droppedUpstream: number;
  /** Received messages per subscription filter, since the log was last cleared. */
  counts: Map<string, number>;
}

const logs = new Map<string, ConnectionLog>();

/** The log of a connection, created empty on first use. */
export function logFor(connectionId: string): ConnectionLog {
  let log = logs.get(connectionId);
  if (!log) {
    log = { buffer: new RingBuffer(MESSAGE_LOG_LIMITS, sizeOf), droppedUpstream: 0, counts: new Map() };
    logs.set(connectionId, log);
  }
  return log;
}

/** Appends a batch to its connection's log, counting received messages per subscription. */
export function appendBatch(batch: MessageBatch, filters: readonly string[] = []): void {
  const log = logFor(batch.connectionId);
  log.droppedUpstream += batch.dropped;
  for (const message of batch.messages) {
    log.buffer.push(message);
    if (message.direction !== 'in') continue;
    for (const filter of filters) {
      if (topicMatches(sharedFilterTarget(filter), message.topic)) log.counts.set(filter, (log.counts.get(filter) ?? 0) + 1);
    }
  }
}

/** The filter part of `$share/group/filter`, which is what matches topics. */
export function sharedFilterTarget(filter: string): string {
  return parseSharedFilter(filter)?.filter ?? filter;
}

/** Empties a connection's log. */
export function clearLog(connectionId: string): void {
  const log = logFor(connectionId);
  log.buffer.clear();
  log.droppedUpstream = 0;
  log.counts.clear();
}
