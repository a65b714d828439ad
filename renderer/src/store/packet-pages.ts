/**
 * Fetching captured packets the page missed (an inspector opened after a flood), as cheap as
 * the live stream: small binary pages (`packets.page`, the packets.batch frame encoding),
 * the next asked for while the current one is taken in, and the page yields to rendering
 * whenever a frame's budget of work is spent. A million packets once crossed as twenty
 * JSON pages of 50,000, each parsed and taken in one task of up to a second.
 */

import { decodePacketPageColumns, type PacketColumnsPage } from '../../../shared/wire-packets';
import { backend } from './backend-api';

/**
 * Packets per page: one page is decoded and appended in a few milliseconds, so several
 * fit in a frame and none is a long task. Each page arrives as one task on the page's main
 * thread (the WebSocket message): the smaller it is, the sooner input and frames waiting
 * behind it run. 8,192 (about 600 KB) took 10 to 16 ms to receive.
 */
export const FETCH_PAGE_PACKETS = 4096;

/**
 * Packets of the first page: a screenful and some, answered, carried and taken in within a
 * few milliseconds, so the rows on screen do not wait for a full page (and the pages asked
 * for with it) to be encoded, sent and decoded.
 */
export const FIRST_PAGE_PACKETS = 512;

/** Work the fetch does before it lets the page render a frame, in ms. */
const FRAME_BUDGET_MS = 8;

/** Resolves at the next frame, or after 50 ms where no frames come (a hidden window). */
function nextFrame(): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, 50);
    requestAnimationFrame(() => {
      clearTimeout(timer);
      // After the frame is drawn, not before it.
      setTimeout(resolve, 0);
    });
  });
}

/** Pages asked for ahead of the one being taken in: the round trips overlap (as many packets in flight as 3 of 8,192 did, less one page). */
const PAGES_AHEAD = 5;

/**
 * Hands every page of the packets held after `afterSeq` to `take` (as columns, no record
 * per packet: a packet store copies them in), oldest first, until the
 * backend has no more or `take` returns false. `take` runs once per page; the fetch yields
 * a frame whenever the pages taken since the last frame cost more than the budget.
 * The first page is small (the rows on screen come with it) and asked for alone; the rest
 * after it is drawn. Sequence numbers in the backend's capture are contiguous, so the pages after the current one are asked for
 * before it arrives; one that starts elsewhere than the last page ended
 * (the backend evicted the oldest meanwhile) is let go and asked for again from there.
 * @throws the call's error (the caller reports it).
 */
export async function fetchPacketPages(connectionId: string, afterSeq: number, take: (page: PacketColumnsPage) => boolean): Promise<void> {
  const ask = (from: number, limit: number) => backend().call('packets.page', { connectionId, afterSeq: from, limit });
  const ahead: { from: number; reply: Promise<Uint8Array> }[] = [];
  const askUpTo = (from: number) => {
    for (let next = from; ahead.length < PAGES_AHEAD; next += FETCH_PAGE_PACKETS) ahead.push({ from: next, reply: ask(next, FETCH_PAGE_PACKETS) });
  };
  // Not wanted any more: their answers and failures are nobody's.
  const letGo = () => {
    for (const { reply } of ahead.splice(0)) reply.catch(() => undefined);
  };
  ahead.push({ from: afterSeq, reply: ask(afterSeq, FIRST_PAGE_PACKETS) });
  let frameStart = performance.now();
  let firstPage = true;
  try {
    for (;;) {
      const page = decodePacketPageColumns(await ahead.shift()!.reply);
      const { seqs, count } = page.columns;
      const last = count > 0 ? seqs[count - 1] : undefined;
      if (!take(page) || !page.more || last === undefined) return;
      if (ahead[0]?.from !== last) letGo();
      if (firstPage) {
        // The rows on screen came with the first page: they are drawn before more is asked
        // for, whose answers would otherwise be taken in during that frame (and keep the
        // backend busy while it is drawn).
        firstPage = false;
        await nextFrame();
        frameStart = performance.now();
      }
      askUpTo(ahead.length > 0 ? ahead.at(-1)!.from + FETCH_PAGE_PACKETS : last);
      if (performance.now() - frameStart > FRAME_BUDGET_MS) {
        await nextFrame();
        frameStart = performance.now();
      }
    }
  } finally {
    letGo();
  }
}
