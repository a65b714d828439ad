/**
 * Messages live here, outside React state: one capped columnar log per connection
 * (shared/message-columns.ts: typed arrays and byte blocks, records made only for what is
 * read), filled by ingest.ts. The zustand store only holds a revision number per
 * connection, bumped at most once per animation frame, so 20,000 messages a second cost
 * one render per frame.
 */

import { MessageColumns } from '../../../shared/message-columns';
import type { RingBufferLimits } from '../../../shared/ring-buffer';
import { parseSharedFilter } from '../../../shared/topic';
import { treeFor } from './topic-tree';

/** Default caps per connection in the page. */
export const MESSAGE_LOG_LIMITS: RingBufferLimits = { maxItems: 100_000, maxBytes: 64 * 1024 * 1024 };

/** One connection's messages and what was lost on the way. */
export interface ConnectionLog {
  buffer: MessageColumns;
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
    // A message the cap pushes out may still be its topic's last value in the tree.
    log = { buffer: new MessageColumns(MESSAGE_LOG_LIMITS, (seq, topic, direction) => direction === 'in' && treeFor(connectionId).release(topic, seq)), droppedUpstream: 0, counts: new Map() };
    logs.set(connectionId, log);
  }
  return log;
}

/** Every message the page knows of for a connection: held, evicted by the page's cap, or dropped upstream. */
export function messageTotal(log: ConnectionLog): number {
  return log.buffer.length + log.buffer.evicted + log.droppedUpstream;
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
