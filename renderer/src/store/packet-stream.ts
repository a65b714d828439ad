/**
 * Captured packets streaming into the page, while a view shows them ({@link showPackets}):
 * the backend sends no packet batches of a connection whose packets no view shows, and the
 * view fetches what it missed on opening. The web server also drops the batches of a page
 * too slow to read them (it must not grow without bound); their sequence numbers show the
 * gap, and the packets missed are fetched from the backend before later batches go in, so a
 * connection's log stays whole and in order (the rows look packets up by sequence number).
 */

import type { PacketBatch } from '../../../shared/contract';
import { DeskError } from '../../../shared/errors';
import { describeError, showToast } from './app-store';
import { backend } from './backend-api';
import { bumpPackets, loadPackets } from './connection-actions';
import { appendPacketColumns, appendPackets, clearPackets, packetsFor } from './packet-log';
import { fetchPacketPages } from './packet-pages';

/** How many open views show each connection's packets. */
const watchers = new Map<string, number>();

/**
 * Streams a connection's captured packets into the page while a view (the packet inspector,
 * the Flows view) shows them: tells the backend, then fetches what was captured before and
 * meanwhile. Returns the function to call when the view closes.
 */
export function showPackets(connectionId: string): () => void {
  const count = watchers.get(connectionId) ?? 0;
  watchers.set(connectionId, count + 1);
  if (count === 0) {
    // Said before the fetch on the same carrier: every packet is in the fetch or in a batch.
    backend().watchPackets?.([...watchers.keys()]);
    // Nothing held (the inspector opened after a flood): the catch-up from 0 fetches
    // everything oldest first and appends a page at a time, the rows on screen (the oldest)
    // with the first page; batches streaming in meanwhile wait for the fetch to reach them.
    if (packetsFor(connectionId).buffer.length === 0 && !filling.has(connectionId)) catchUpPackets(connectionId);
    else void loadPackets(connectionId).then(() => catchUpPackets(connectionId));
  }
  return () => {
    const left = (watchers.get(connectionId) ?? 1) - 1;
    if (left > 0) {
      watchers.set(connectionId, left);
      return;
    }
    watchers.delete(connectionId);
    backend().watchPackets?.([...watchers.keys()]);
  };
}

/** Connections whose missing packets are being fetched, with the batches that arrived meanwhile. */
const filling = new Map<string, PacketBatch[]>();

/** Takes one `packets.batch` from the backend. */
export function receivePackets(batch: PacketBatch): void {
  const waiting = filling.get(batch.connectionId);
  if (waiting) {
    waiting.push(batch);
    return;
  }
  const buffer = packetsFor(batch.connectionId).buffer;
  const last = buffer.seqAt(buffer.length - 1);
  const first = batch.packets[0]?.seq;
  if (last === undefined || first === undefined || first <= last + 1) {
    appendPackets(batch);
    bumpPackets(batch.connectionId);
    return;
  }
  filling.set(batch.connectionId, [batch]);
  void fetchMissing(batch.connectionId, last, first).finally(() => drain(batch.connectionId));
}

/**
 * Fetches what the backend captured after the newest packet the page holds: batches dropped
 * at the end of a burst show no gap until another batch comes (called when the inspector opens).
 */
function catchUpPackets(connectionId: string): void {
  const buffer = packetsFor(connectionId).buffer;
  const last = buffer.seqAt(buffer.length - 1) ?? 0;
  if (filling.has(connectionId)) return;
  filling.set(connectionId, []);
  void fetchMissing(connectionId, last, Infinity).finally(() => drain(connectionId));
}

/**
 * After the link to the backend came back (a WebSocket reopened): fetches what every shown
 * connection captured while the page was cut off. The batches sent meanwhile are lost, and
 * with no batch after them no gap would show.
 */
export function catchUpShownPackets(): void {
  for (const connectionId of watchers.keys()) catchUpPackets(connectionId);
}

/** Lets the batches that arrived during a fetch in, in order. */
function drain(connectionId: string): void {
  const queued = filling.get(connectionId) ?? [];
  filling.delete(connectionId);
  for (const next of queued) receivePackets(next);
}

/**
 * Appends the packets after `afterSeq` and before `before` (Infinity: all), a small binary
 * page at a time (packet-pages.ts), the rows growing with each page.
 */
async function fetchMissing(connectionId: string, afterSeq: number, before: number): Promise<void> {
  let first = true;
  try {
    await fetchPacketPages(connectionId, afterSeq, (page) => {
      const { seqs, count } = page.columns;
      // The packets before `before` (seqs are in order): all of them but for the last page.
      let end = count;
      while (end > 0 && seqs[end - 1]! >= before) end--;
      // The backend's own cap evicted some of them: the page holds what the backend holds
      // from there on, rather than a log with a hole in it.
      const firstMissing = end > 0 ? seqs[0]! : Number.isFinite(before) ? before : afterSeq + 1;
      if (first && firstMissing > afterSeq + 1) clearPackets(connectionId);
      first = false;
      appendPacketColumns(page, end);
      bumpPackets(connectionId);
      const last = count > 0 ? seqs[count - 1] : undefined;
      return last === undefined || last + 1 < before;
    });
  } catch (error) {
    // A profile never connected has no capture yet: nothing to show, nothing to report.
    if (!(error instanceof DeskError && error.code === 'NOT_FOUND')) showToast(describeError(error));
  }
  bumpPackets(connectionId);
}
