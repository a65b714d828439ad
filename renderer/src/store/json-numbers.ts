/**
 * The numeric top-level fields of a flat JSON object, read straight from its bytes. A fleet
 * sends tens of thousands of small JSON readings a second and every one feeds its topic's
 * series; decoding each payload to a string and parsing it into an object cost the page
 * more than everything else it did per message. This reads the common shape — one object of
 * ASCII keys with numbers, strings, booleans and nulls — without either, and gives up
 * (undefined) on anything else, for the caller to parse the slow way, so the result is
 * always the one JSON.parse would give.
 */

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN = 0x7b;
const CLOSE = 0x7d;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;

const isDigit = (b: number | undefined) => b !== undefined && b >= ZERO && b <= NINE;

function ascii(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/** Powers of ten a double holds exactly (10^22 is the last). */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * Keys seen before, by a hash of their bytes. A fleet's readings repeat a handful of keys,
 * and a new string per key per message was garbage the page collected 20,000 times a second.
 */
const keyCache = new Map<number, string>();
const KEY_CACHE_SIZE = 4096;

function keyOf(bytes: Uint8Array, start: number, end: number, hash: number): string {
  const known = keyCache.get(hash);
  if (known !== undefined && known.length === end - start) {
    let same = true;
    for (let i = 0; same && i < known.length; i++) same = known.charCodeAt(i) === bytes[start + i];
    if (same) return known;
  }
  const key = ascii(bytes, start, end);
  if (keyCache.size >= KEY_CACHE_SIZE) keyCache.clear();
  keyCache.set(hash, key);
  return key;
}

/**
 * The numeric fields of the JSON object in `bytes` from `at`, in JSON.parse's key order, or
 * undefined when the bytes are not an object this reader handles (nested values, escapes,
 * non-ASCII, integer-like or repeated keys, anything malformed): then parse them normally.
 */
export function flatJsonNumbers(bytes: Uint8Array, at = 0): Array<[string, number]> | undefined {
  const n = bytes.byteLength;
  const space = () => {
    while (at < n) {
      const b = bytes[at]!;
      if (b !== SPACE && b !== LF && b !== CR && b !== TAB) break;
      at++;
    }
  };
  space();
  if (bytes[at] !== OPEN) return undefined;
  at++;
  const out: Array<[string, number]> = [];
  const keys: string[] = [];
  space();
  if (bytes[at] === CLOSE) {
    at++;
  } else {
    for (;;) {
      // A key: plain ASCII, no escapes; not all digits (JSON.parse's objects list those first).
      if (bytes[at] !== QUOTE) return undefined;
      const keyStart = ++at;
      let allDigits = true;
      let hash = 0;
      for (; at < n; at++) {
        const b = bytes[at]!;
        if (b === QUOTE) break;
        if (b === BACKSLASH || b < SPACE || b >= 0x80) return undefined;
        if (b < ZERO || b > NINE) allDigits = false;
        hash = (Math.imul(hash, 31) + b) | 0;
      }
      if (at >= n || allDigits) return undefined;
      const key = keyOf(bytes, keyStart, at, hash);
      if (keys.includes(key)) return undefined;
      keys.push(key);
      at++;
      space();
      if (bytes[at] !== COLON) return undefined;
      at++;
      space();
      const b = bytes[at];
      if (b === QUOTE) {
        for (at++; at < n; at++) {
          const c = bytes[at]!;
          if (c === QUOTE) break;
          if (c === BACKSLASH || c < SPACE || c >= 0x80) return undefined;
        }
        if (at >= n) return undefined;
        at++;
      } else if (b === MINUS || isDigit(b)) {
        // JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        const start = at;
        const negative = bytes[at] === MINUS;
        if (negative) at++;
        // The digits as an integer, and how many of them follow the dot.
        let mantissa = 0;
        let digits = 0;
        let scale = 0;
        if (bytes[at] === ZERO) {
          at++;
          digits = 1;
        } else if (isDigit(bytes[at])) {
          for (; isDigit(bytes[at]); at++, digits++) mantissa = mantissa * 10 + bytes[at]! - ZERO;
        } else return undefined;
        if (bytes[at] === DOT) {
          at++;
          if (!isDigit(bytes[at])) return undefined;
          for (; isDigit(bytes[at]); at++, digits++, scale++) mantissa = mantissa * 10 + bytes[at]! - ZERO;
        }
        let exponent = false;
        if (bytes[at] === 0x65 || bytes[at] === 0x45) {
          exponent = true;
          at++;
          if (bytes[at] === PLUS || bytes[at] === MINUS) at++;
          if (!isDigit(bytes[at])) return undefined;
          while (isDigit(bytes[at])) at++;
        }
        // Up to 15 digits the integer is exact, and so is 10^scale: one division rounds to the
        // double nearest the decimal, which is what JSON.parse gives (Clinger's fast path).
        // Anything longer goes through a string, as before.
        const value = !exponent && digits <= 15 ? (negative ? -1 : 1) * (mantissa / POW10[scale]!) : Number(ascii(bytes, start, at));
        if (Number.isFinite(value)) out.push([key, value]);
      } else if (!literal(bytes, at, 'true') && !literal(bytes, at, 'false') && !literal(bytes, at, 'null')) {
        return undefined;
      } else {
        at += bytes[at] === 0x66 ? 5 : 4;
      }
      space();
      if (bytes[at] === COMMA) {
        at++;
        space();
        continue;
      }
      if (bytes[at] !== CLOSE) return undefined;
      at++;
      break;
    }
  }
  space();
  return at === n ? out : undefined;
}

function literal(bytes: Uint8Array, at: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (bytes[at + i] !== word.charCodeAt(i)) return false;
  return true;
}
