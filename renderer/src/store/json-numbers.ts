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
 * The numbers read from one payload, as `names[i]` = `values[i]` for i < `count`. The
 * ingest keeps one and fills it again for every message: a `[name, value]` array per number
 * and an array of them per message were most of what the page allocated per message.
 */
export class NumberFields {
  /** Field names; entries from `count` on are stale. */
  readonly names: string[] = [];
  /** Their values. */
  values = new Float64Array(8);
  /** Numbers held. */
  count = 0;

  /** Appends one number. */
  push(name: string, value: number): void {
    if (this.count === this.values.length) {
      const values = new Float64Array(this.count * 2);
      values.set(this.values);
      this.values = values;
    }
    this.names[this.count] = name;
    this.values[this.count++] = value;
  }

  /** Empties it (the names stay referenced until overwritten: they are short and mostly cached keys). */
  clear(): void {
    this.count = 0;
  }

  /** Its numbers as `[name, value]` pairs (tests and callers off the hot path). */
  toArray(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (let i = 0; i < this.count; i++) out.push([this.names[i]!, this.values[i]!]);
    return out;
  }
}

/** The byte at `at`, or undefined past `end`: a payload read in place must not see its neighbour's bytes. */
const byteAt = (bytes: Uint8Array, at: number, end: number): number | undefined => (at < end ? bytes[at] : undefined);

/** The first position from `at` that is not JSON white space, or `end`. */
function skipSpace(bytes: Uint8Array, at: number, end: number): number {
  while (at < end) {
    const b = bytes[at]!;
    if (b !== SPACE && b !== LF && b !== CR && b !== TAB) break;
    at++;
  }
  return at;
}

// The keys of the object being read (numeric fields or not), to refuse a repeated one; reused.
const seenKeys: string[] = [];

/**
 * The numeric fields of the JSON object in `bytes` from `at`, in JSON.parse's key order, or
 * undefined when the bytes are not an object this reader handles (nested values, escapes,
 * non-ASCII, integer-like or repeated keys, anything malformed): then parse them normally.
 */
export function flatJsonNumbers(bytes: Uint8Array, at = 0): Array<[string, number]> | undefined {
  const out = new NumberFields();
  return readFlatJsonNumbers(bytes, at, bytes.byteLength, out) ? out.toArray() : undefined;
}

/**
 * {@link flatJsonNumbers} of the bytes from `at` to `end` (a payload inside a larger frame,
 * read in place), appended to `out`: whether the bytes were an object this reader handles.
 * When not, `out` may hold some of its fields: the caller clears it and parses the slow way.
 */
export function readFlatJsonNumbers(bytes: Uint8Array, at: number, end: number, out: NumberFields): boolean {
  const n = end;
  at = skipSpace(bytes, at, n);
  if (byteAt(bytes, at, n) !== OPEN) return false;
  at++;
  let keyCount = 0;
  at = skipSpace(bytes, at, n);
  if (byteAt(bytes, at, n) === CLOSE) {
    at++;
  } else {
    for (;;) {
      // A key: plain ASCII, no escapes; not all digits (JSON.parse's objects list those first).
      if (byteAt(bytes, at, n) !== QUOTE) return false;
      const keyStart = ++at;
      let allDigits = true;
      let hash = 0;
      for (; at < n; at++) {
        const b = bytes[at]!;
        if (b === QUOTE) break;
        if (b === BACKSLASH || b < SPACE || b >= 0x80) return false;
        if (b < ZERO || b > NINE) allDigits = false;
        hash = (Math.imul(hash, 31) + b) | 0;
      }
      if (at >= n || allDigits) return false;
      const key = keyOf(bytes, keyStart, at, hash);
      for (let k = 0; k < keyCount; k++) if (seenKeys[k] === key) return false;
      seenKeys[keyCount++] = key;
      at++;
      at = skipSpace(bytes, at, n);
      if (byteAt(bytes, at, n) !== COLON) return false;
      at++;
      at = skipSpace(bytes, at, n);
      const b = byteAt(bytes, at, n);
      if (b === QUOTE) {
        for (at++; at < n; at++) {
          const c = bytes[at]!;
          if (c === QUOTE) break;
          if (c === BACKSLASH || c < SPACE || c >= 0x80) return false;
        }
        if (at >= n) return false;
        at++;
      } else if (b === MINUS || isDigit(b)) {
        // JSON's number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        const start = at;
        const negative = b === MINUS;
        if (negative) at++;
        // The digits as an integer, and how many of them follow the dot.
        let mantissa = 0;
        let digits = 0;
        let scale = 0;
        if (byteAt(bytes, at, n) === ZERO) {
          at++;
          digits = 1;
        } else if (isDigit(byteAt(bytes, at, n))) {
          for (; isDigit(byteAt(bytes, at, n)); at++, digits++) mantissa = mantissa * 10 + bytes[at]! - ZERO;
        } else return false;
        if (byteAt(bytes, at, n) === DOT) {
          at++;
          if (!isDigit(byteAt(bytes, at, n))) return false;
          for (; isDigit(byteAt(bytes, at, n)); at++, digits++, scale++) mantissa = mantissa * 10 + bytes[at]! - ZERO;
        }
        let exponent = false;
        const e = byteAt(bytes, at, n);
        if (e === 0x65 || e === 0x45) {
          exponent = true;
          at++;
          const sign = byteAt(bytes, at, n);
          if (sign === PLUS || sign === MINUS) at++;
          if (!isDigit(byteAt(bytes, at, n))) return false;
          while (isDigit(byteAt(bytes, at, n))) at++;
        }
        // Up to 15 digits the integer is exact, and so is 10^scale: one division rounds to the
        // double nearest the decimal, which is what JSON.parse gives (Clinger's fast path).
        // Anything longer goes through a string, as before.
        const value = !exponent && digits <= 15 ? (negative ? -1 : 1) * (mantissa / POW10[scale]!) : Number(ascii(bytes, start, at));
        if (Number.isFinite(value)) out.push(key, value);
      } else if (!literal(bytes, at, n, 'true') && !literal(bytes, at, n, 'false') && !literal(bytes, at, n, 'null')) {
        return false;
      } else {
        at += b === 0x66 ? 5 : 4;
      }
      at = skipSpace(bytes, at, n);
      if (byteAt(bytes, at, n) === COMMA) {
        at++;
        at = skipSpace(bytes, at, n);
        continue;
      }
      if (byteAt(bytes, at, n) !== CLOSE) return false;
      at++;
      break;
    }
  }
  at = skipSpace(bytes, at, n);
  return at === n;
}

function literal(bytes: Uint8Array, at: number, end: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (byteAt(bytes, at + i, end) !== word.charCodeAt(i)) return false;
  return true;
}
