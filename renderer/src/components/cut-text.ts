/**
 * Text too long to lay out on one row (a 65,535-byte topic, a level with thousands of
 * characters) is cut for display, never inside a surrogate pair, and says that it was.
 */

/** Characters of a topic or level a row shows at most. */
export const DISPLAY_CHARS = 256;

/** The text to show and, when cut, a sentence saying how much was left out. */
export function cutForDisplay(text: string, max = DISPLAY_CHARS): { shown: string; cut?: string } {
  if (text.length <= max) return { shown: text };
  let end = max;
  // Do not split a surrogate pair (a character outside the Basic Multilingual Plane).
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return { shown: `${text.slice(0, end)}…`, cut: `${text.length.toLocaleString('en-US')} characters; the first ${end.toLocaleString('en-US')} are shown` };
}
