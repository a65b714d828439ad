/**
 * Fetching captured packets the page missed (an inspector opened after a flood), as cheap as
 * the live stream: small binary pages (`packets.page`, the packets.batch frame encoding),
 * the next asked for while the current one is taken in, and the page yields to rendering
 * whenever a frame's budget of work is spent. A million packets once crossed as twenty
 * JSON pages of 50,000, each parsed and taken in one task of up to a second.
 */

import { decodePacketPage, type PacketPage } from '../../../shared/wire-packets';
import { backend } from './backend-api';

/**
 * Packets per page: one page is decoded and appended in a few milliseconds, so several
 * fit in a frame and none is a long task.
 */
export const FETCH_PAGE_PACKETS = 8192;

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

/**
 * Hands every page of the packets held after `afterSeq` to `take`, oldest first, until the
 * backend has no more or `take` returns false. `take` runs once per page; the fetch yields
 * a frame whenever the pages taken since the last frame cost more than the budget.
 * @throws the call's error (the caller reports it).
 */
export async function fetchPacketPages(connectionId: string, afterSeq: number, take: (page: PacketPage) => boolean): Promise<void> {
  const ask = (from: number) => backend().call('packets.page', { connectionId, afterSeq: from, limit: FETCH_PAGE_PACKETS });
  let next = ask(afterSeq);
  let frameStart = performance.now();
  for (;;) {
    const page = decodePacketPage(await next);
    const last = page.packets.at(-1)?.seq;
    const more = page.more && last !== undefined;
    // Asked before this page is taken in: the backend encodes the next one meanwhile.
    if (more) next = ask(last);
    if (!take(page) || !more) {
      if (more) next.catch(() => undefined); // not wanted any more: its failure is nobody's
      return;
    }
    if (performance.now() - frameStart > FRAME_BUDGET_MS) {
      await nextFrame();
      frameStart = performance.now();
    }
  }
}
