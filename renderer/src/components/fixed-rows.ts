/**
 * Virtualization for lists whose rows all have one height (the message list, the topic
 * tree): the rows on screen are a division away, so nothing is measured or allocated per
 * row of the list. A list of 100,000 rows costs what its 30 visible rows cost, and a
 * growing list costs nothing per added row.
 */

import { useCallback, useLayoutEffect, useRef, useState, type RefObject } from 'react';

/** The rows to draw: [first, end) by index, plus the list's full height in pixels. */
export interface RowWindow {
  first: number;
  end: number;
  height: number;
  /** Pixels above row 0 (the `lead` rows of space): row `i` is drawn at `top + i * rowHeight`. */
  top: number;
  /** Reads the scroll position again now (after the caller moved it), re-rendering before paint. */
  sync(): void;
  /**
   * Scrolls to the end of the list (a list following its newest row), writing the scroll
   * position only when it moves and reading no layout back: the window of a list `atEnd`
   * is computed from the row count already, so there is nothing to re-render.
   */
  stickToEnd(): void;
  /** The scroll position last read (on scroll or resize) or written, without reading layout. */
  scrolled(): number;
}

/** Browsers stop growing an element at about 33.5 million pixels; lists stay below that. */
export const MAX_LIST_PIXELS = 30_000_000;

/**
 * The window of rows on screen (plus `overscan` on each side) of a scrolled element,
 * updated on scroll and resize. With `atEnd` (a list following its newest row) the window
 * is the last screenful whatever the scroll position says, so the frame that adds rows
 * draws the right ones without waiting for the scroll to catch up. `lead` rows of empty
 * space come before row 0: a list whose oldest rows leave the front keeps the rows after
 * them where they were drawn by counting the rows gone as lead, instead of moving the
 * scroll position (a write, a read back and a second render every frame).
 */
export function useFixedRows(scrollRef: RefObject<HTMLElement | null>, count: number, rowHeight: number, overscan = 8, atEnd = false, lead = 0): RowWindow {
  const [view, setView] = useState({ top: 0, height: 600 });
  // The scroll position last read or written: a scroll event that reports the position
  // stickToEnd wrote is the list's own move, not the user's, and costs no render.
  const seen = useRef(view);
  const listHeight = Math.min((lead + count) * rowHeight, MAX_LIST_PIXELS);
  const following = useRef({ atEnd, listHeight });
  following.current = { atEnd, listHeight };
  const stick = useCallback(() => {
    const element = scrollRef.current;
    const target = Math.max(0, following.current.listHeight - seen.current.height);
    if (!element || seen.current.top === target) return;
    // A write is a layout the frame does anyway; reading it back (or re-rendering) is not.
    element.scrollTop = target;
    seen.current = { top: target, height: seen.current.height };
  }, [scrollRef]);
  const read = useCallback(() => {
    const element = scrollRef.current;
    if (!element) return;
    const top = element.scrollTop;
    const height = element.clientHeight;
    if (seen.current.top === top && seen.current.height === height) return;
    const resized = seen.current.height !== height;
    seen.current = { top, height };
    // A list following its end that got shorter or taller stays at the end.
    if (resized && following.current.atEnd) stick();
    setView(seen.current);
  }, [scrollRef, stick]);
  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    read();
    element.addEventListener('scroll', read, { passive: true });
    const resize = new ResizeObserver(read);
    resize.observe(element);
    return () => {
      element.removeEventListener('scroll', read);
      resize.disconnect();
    };
  }, [scrollRef, read]);
  const top = atEnd ? Math.max(0, (lead + count) * rowHeight - view.height) : view.top;
  const first = Math.min(count, Math.max(0, Math.floor(top / rowHeight) - overscan - lead));
  const end = Math.min(count, Math.ceil((top + view.height) / rowHeight) + overscan - lead);
  const scrolled = useCallback(() => seen.current.top, []);
  return { first, end: Math.max(first, end), height: listHeight, top: lead * rowHeight, sync: read, stickToEnd: stick, scrolled };
}

/** Scrolls so that row `index` is visible (`align: 'end'` puts it at the bottom edge). */
export function scrollRowIntoView(element: HTMLElement | null, index: number, rowHeight: number, align: 'auto' | 'end' = 'auto'): void {
  if (!element) return;
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (align === 'end') element.scrollTop = bottom;
  else if (top < element.scrollTop) element.scrollTop = top;
  else if (bottom > element.scrollTop + element.clientHeight) element.scrollTop = bottom - element.clientHeight;
}
