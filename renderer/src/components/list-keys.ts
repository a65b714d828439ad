/**
 * Keyboard movement in the long virtualized lists (messages, packets): arrows, Page Up/Down,
 * Home and End move the selection the way they do in a file list. Pure functions, so the
 * lists stay small and the rules are tested without a browser.
 */

/** The row a key moves the selection to, or undefined when the key is not a movement key. */
export function nextIndex(key: string, current: number | undefined, count: number, pageRows: number): number | undefined {
  if (count === 0) return undefined;
  const last = count - 1;
  const clamp = (i: number) => Math.max(0, Math.min(last, i));
  switch (key) {
    case 'ArrowDown':
      return current === undefined ? 0 : clamp(current + 1);
    case 'ArrowUp':
      return current === undefined ? last : clamp(current - 1);
    case 'PageDown':
      return clamp((current ?? -1) + Math.max(1, pageRows));
    case 'PageUp':
      return clamp((current ?? count) - Math.max(1, pageRows));
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return undefined;
  }
}

/** Position of the row with a sequence number in rows sorted by it (binary search), or undefined. */
export function indexOfSeq(rows: { readonly length: number; at(index: number): { seq: number } | undefined }, seq: number | undefined): number | undefined {
  if (seq === undefined) return undefined;
  let low = 0;
  let high = rows.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = rows.at(mid)!.seq;
    if (at === seq) return mid;
    if (at < seq) low = mid + 1;
    else high = mid - 1;
  }
  return undefined;
}
