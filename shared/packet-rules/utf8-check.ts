/**
 * The strict check of an MQTT UTF-8 Encoded String on its bytes (3.1.1 §1.5.3, 5.0 §1.5.4),
 * without decoding it: well-formed UTF-8 as RFC 3629 restates it (no overlong forms, no
 * surrogates U+D800–U+DFFF, nothing above U+10FFFF), no U+0000, and, unless allowed, none
 * of the code points the spec says a sender SHOULD NOT use and a receiver MAY treat as
 * malformed: control characters U+0001–U+001F and U+007F–U+009F, and noncharacters. Current
 * mosquitto refuses all of these; so do we by default.
 */

/** What `checkUtf8` found; `UTF8_OK` (0) means nothing. */
export type Utf8Problem = typeof UTF8_OK | typeof UTF8_ILL_FORMED | typeof UTF8_NULL | typeof UTF8_CONTROL | typeof UTF8_NONCHARACTER;

/** Well-formed, and nothing refused. */
export const UTF8_OK = 0;
/** Not well-formed UTF-8: a stray or missing continuation byte, an overlong form, a surrogate, beyond U+10FFFF. */
export const UTF8_ILL_FORMED = 1;
/** U+0000 [MQTT-1.5.3-2] (3.1.1), [MQTT-1.5.4-2] (5.0). */
export const UTF8_NULL = 2;
/** A control character U+0001–U+001F or U+007F–U+009F. */
export const UTF8_CONTROL = 3;
/** A noncharacter: U+FDD0–U+FDEF, or U+xFFFE / U+xFFFF in any plane. */
export const UTF8_NONCHARACTER = 4;

/**
 * Checks `bytes[start, end)` and returns the first problem, or UTF8_OK. ASCII costs one
 * comparison or two per byte. With `allowControl` (the broker's `allow_control_characters`),
 * control characters and noncharacters pass; U+0000 and ill-formed bytes never do.
 */
export function checkUtf8(bytes: Uint8Array, start: number, end: number, allowControl: boolean): Utf8Problem {
  let i = start;
  while (i < end) {
    const c = bytes[i]!;
    if (c < 0x80) {
      if (c < 0x20 || c === 0x7f) {
        if (c === 0) return UTF8_NULL;
        if (!allowControl) return UTF8_CONTROL;
      }
      i++;
      continue;
    }
    let need: number;
    let cp: number;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x07;
    } else {
      return UTF8_ILL_FORMED; // a continuation byte where a character should start, C0/C1 (always overlong), F5–FF
    }
    if (i + need >= end) return UTF8_ILL_FORMED; // the sequence runs past the string
    for (let k = 1; k <= need; k++) {
      const d = bytes[i + k]!;
      if ((d & 0xc0) !== 0x80) return UTF8_ILL_FORMED;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return UTF8_ILL_FORMED; // overlong, or a surrogate
    if (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) return UTF8_ILL_FORMED; // overlong, or beyond Unicode
    if (!allowControl) {
      if (cp <= 0x9f) return UTF8_CONTROL; // U+0080–U+009F (two-byte forms below 0x80 are overlong, refused above)
      if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return UTF8_NONCHARACTER;
    }
    i += need + 1;
  }
  return UTF8_OK;
}
