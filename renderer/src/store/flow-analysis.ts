/**
 * The Flows view's analysis of each connection's packet log, advanced in time slices: a
 * million packets are analysed in steps of a few milliseconds, so the page keeps drawing.
 * The analysis keeps what it learned when the ring evicts old packets, and starts over when
 * the log is cleared or refilled (its generation changes).
 */

import { PacketAnalysis } from '../../../shared/packet-analysis/packet-analysis';
import { packetsFor } from './packet-log';

interface Entry {
  analysis: PacketAnalysis;
  generation: number;
  /** Packets the ring evicted before the analysis reached them. */
  missed: number;
}

const entries = new Map<string, Entry>();

/** The analysis of a connection as far as it has got. */
export function analysisFor(connectionId: string): Entry {
  const log = packetsFor(connectionId);
  let entry = entries.get(connectionId);
  if (!entry || entry.generation !== log.generation) {
    entry = { analysis: new PacketAnalysis(log.protocolVersion), generation: log.generation, missed: 0 };
    entries.set(connectionId, entry);
  }
  return entry;
}

/** Packets of the log the analysis has not reached yet. */
export function pendingPackets(connectionId: string): number {
  const log = packetsFor(connectionId);
  const newest = log.buffer.seqAt(log.buffer.length - 1);
  return newest === undefined ? 0 : Math.max(0, newest - analysisFor(connectionId).analysis.lastSeq);
}

/** Analyses packets for up to `budgetMs`; true when it has caught up with the log. */
export function advanceAnalysis(connectionId: string, budgetMs = 12): boolean {
  const entry = analysisFor(connectionId);
  const ring = packetsFor(connectionId).buffer;
  const first = ring.seqAt(0);
  if (first === undefined) return true;
  let index = entry.analysis.lastSeq + 1 - first;
  if (index < 0) {
    entry.missed += -index;
    index = 0;
  }
  const deadline = performance.now() + budgetMs;
  while (index < ring.length) {
    // Check the clock every 2,048 packets: reading it per packet would cost more than the work.
    const stop = Math.min(ring.length, index + 2048);
    while (index < stop) {
      // Straight from the chunk's columns where the analysis needs no more (runs of QoS 0
      // PUBLISHes, most of a flood); else a record not cached (peek): a pass over every
      // packet must not push the rows on screen out.
      const run = ring.chunkAt(index, stop)!;
      const taken = entry.analysis.addColumns(run.columns, run.start, run.end);
      index += taken - run.start;
      if (taken < run.end) entry.analysis.add(ring.peek(index++)!);
    }
    if (performance.now() > deadline) break;
  }
  return index >= ring.length;
}

/** Forgets a connection's analysis (a closed capture). */
export function dropAnalysis(connectionId: string): void {
  entries.delete(connectionId);
}
