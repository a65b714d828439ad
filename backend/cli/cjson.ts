/**
 * JSON as cJSON 1.7.15 (Debian's, which mosquitto_sub 2.0.11 links) reads and writes it, so
 * `-F %j`/`%J` and `--pretty` print the same bytes: strings stay bytes (cut at a NUL, as C
 * strings are), duplicate keys are kept, numbers print through %1.15g/%1.17g, and the
 * pretty form indents with tabs.
 */

/** A cJSON value; strings are raw bytes. */
export type CJson =
  | { type: 'null' | 'false' | 'true' }
  | { type: 'number'; value: number }
  | { type: 'string'; bytes: Uint8Array }
  | { type: 'array'; items: CJson[] }
  | { type: 'object'; entries: Array<[Uint8Array, CJson]> };

const NESTING_LIMIT = 1000;

/** cJSON_ParseWithOpts(text, &end, true) on a C string: the value, or undefined when not JSON. */
export function parseCJson(input: Uint8Array): CJson | undefined {
  // The payload is a C string to cJSON: it ends at the first NUL.
  const nul = input.indexOf(0);
  const s = nul >= 0 ? input.subarray(0, nul) : input;
  if (s.length === 0) return undefined;
  let at = 0;
  if (s.length > 4 && s[0] === 0xef && s[1] === 0xbb && s[2] === 0xbf) at = 3;
  let depth = 0;
  const ws = () => {
    while (at < s.length && s[at]! <= 32) at++;
  };
  const startsWith = (word: string) => [...word].every((ch, k) => s[at + k] === ch.charCodeAt(0));
  const value = (): CJson | undefined => {
    if (startsWith('null')) return (at += 4), { type: 'null' };
    if (startsWith('false')) return (at += 5), { type: 'false' };
    if (startsWith('true')) return (at += 4), { type: 'true' };
    const c = s[at];
    if (c === 0x22) return string();
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return number();
    if (c === 0x5b) return list(0x5d, () => value(), (items) => ({ type: 'array', items }));
    if (c === 0x7b) {
      return list(
        0x7d,
        () => {
          const key = string();
          if (!key) return undefined;
          ws();
          if (s[at] !== 0x3a) return undefined;
          at++;
          ws();
          const v = value();
          return v && ([key.bytes, v] as [Uint8Array, CJson]);
        },
        (entries) => ({ type: 'object', entries }),
      );
    }
    return undefined;
  };
  function list<T>(close: number, item: () => T | undefined, make: (items: T[]) => CJson): CJson | undefined {
    if (++depth > NESTING_LIMIT) return undefined;
    at++;
    ws();
    const items: T[] = [];
    if (s[at] !== close) {
      at--;
      do {
        at++;
        ws();
        const next = item();
        if (next === undefined) return undefined;
        items.push(next);
        ws();
      } while (s[at] === 0x2c);
      if (s[at] !== close) return undefined;
    }
    at++;
    depth--;
    return make(items);
  }
  function string(): { type: 'string'; bytes: Uint8Array } | undefined {
    if (s[at] !== 0x22) return undefined;
    let end = at + 1;
    while (end < s.length && s[end] !== 0x22) end += s[end] === 0x5c ? 2 : 1;
    if (end >= s.length) return undefined;
    const out: number[] = [];
    for (let p = at + 1; p < end; ) {
      if (s[p] !== 0x5c) {
        out.push(s[p++]!);
        continue;
      }
      const e = String.fromCharCode(s[p + 1]!);
      const simple: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, '"': 0x22, '\\': 0x5c, '/': 0x2f };
      if (e in simple) {
        out.push(simple[e]!);
        p += 2;
      } else if (e === 'u') {
        const used = utf16Escape(s, p, end, out);
        if (!used) return undefined;
        p += used;
      } else return undefined;
    }
    at = end + 1;
    return { type: 'string', bytes: Uint8Array.from(out) };
  }
  function number(): CJson | undefined {
    let end = at;
    while (end < s.length && end - at < 63 && /[0-9+\-eE.]/.test(String.fromCharCode(s[end]!))) end++;
    const text = String.fromCharCode(...s.subarray(at, end));
    const read = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text)?.[0];
    if (!read) return undefined;
    at += read.length;
    return { type: 'number', value: Number(read) };
  }
  ws();
  const result = value();
  if (!result) return undefined;
  ws();
  return at === s.length ? result : undefined;
}

/** Reads a \uXXXX (and its low surrogate) at `p` into UTF-8; the bytes used, or 0 when invalid. */
function utf16Escape(s: Uint8Array, p: number, end: number, out: number[]): number {
  const hex = (q: number) => {
    const text = String.fromCharCode(...s.subarray(q, q + 4));
    return /^[0-9a-fA-F]{4}$/.test(text) ? parseInt(text, 16) : NaN;
  };
  if (end - p < 6) return 0;
  const first = hex(p + 2);
  if (Number.isNaN(first) || (first >= 0xdc00 && first <= 0xdfff)) return 0;
  let codepoint = first;
  let used = 6;
  if (first >= 0xd800 && first <= 0xdbff) {
    if (end - (p + 6) < 6 || s[p + 6] !== 0x5c || s[p + 7] !== 0x75) return 0;
    const second = hex(p + 8);
    if (!(second >= 0xdc00 && second <= 0xdfff)) return 0;
    codepoint = 0x10000 + (((first & 0x3ff) << 10) | (second & 0x3ff));
    used = 12;
  }
  out.push(...new TextEncoder().encode(String.fromCodePoint(codepoint)));
  return used;
}

/** C's printf("%1.<precision>g", d). */
export function formatG(d: number, precision: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // toExponential rounds as printf does; the exponent after rounding settles the style.
  const exp = Number(d.toExponential(precision - 1).split('e')[1]);
  if (exp < -4 || exp >= precision) {
    const [mantissa, e] = d.toExponential(precision - 1).split('e');
    const trimmed = mantissa!.includes('.') ? mantissa!.replace(/\.?0+$/, '') : mantissa!;
    const n = Number(e);
    return `${trimmed}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  const fixed = d.toFixed(Math.max(0, precision - 1 - exp));
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed;
}

/** cJSON's print_number. */
export function printNumber(d: number): string {
  if (!Number.isFinite(d)) return 'null';
  const short = formatG(d, 15);
  const back = Number(short);
  const same = Math.abs(back - d) <= Math.max(Math.abs(back), Math.abs(d)) * Number.EPSILON;
  return same ? short : formatG(d, 17);
}

/** cJSON's print_string_ptr: escapes, raw bytes above 0x7f, cut at NUL. */
export function printString(bytes: Uint8Array, out: number[]): void {
  out.push(0x22);
  for (const b of bytes) {
    if (b === 0) break;
    if (b > 31 && b !== 0x22 && b !== 0x5c) {
      out.push(b);
      continue;
    }
    const named: Record<number, string> = { 0x5c: '\\\\', 0x22: '\\"', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t' };
    const text = named[b] ?? `\\u${b.toString(16).padStart(4, '0')}`;
    for (let k = 0; k < text.length; k++) out.push(text.charCodeAt(k));
  }
  out.push(0x22);
}

/** cJSON_PrintUnformatted / cJSON_Print. */
export function printCJson(value: CJson, pretty: boolean): Uint8Array {
  const out: number[] = [];
  const ascii = (text: string) => {
    for (let k = 0; k < text.length; k++) out.push(text.charCodeAt(k));
  };
  const tabs = (n: number) => {
    for (let k = 0; k < n; k++) out.push(9);
  };
  const print = (v: CJson, depth: number): void => {
    switch (v.type) {
      case 'null':
      case 'false':
      case 'true':
        return ascii(v.type);
      case 'number':
        return ascii(printNumber(v.value));
      case 'string':
        return printString(v.bytes, out);
      case 'array':
        out.push(0x5b);
        v.items.forEach((item, k) => {
          if (k > 0) ascii(pretty ? ', ' : ',');
          print(item, depth + 1);
        });
        out.push(0x5d);
        return;
      case 'object':
        out.push(0x7b);
        if (pretty) out.push(10);
        v.entries.forEach(([key, item], k) => {
          if (pretty) tabs(depth + 1);
          printString(key, out);
          ascii(pretty ? ':\t' : ':');
          print(item, depth + 1);
          if (k < v.entries.length - 1) out.push(0x2c);
          if (pretty) out.push(10);
        });
        if (pretty) tabs(depth);
        out.push(0x7d);
    }
  };
  print(value, 0);
  return Uint8Array.from(out);
}

/** Helpers to build values. */
export const cj = {
  str: (text: string | Uint8Array): CJson => ({ type: 'string', bytes: typeof text === 'string' ? new TextEncoder().encode(text) : text }),
  num: (value: number): CJson => ({ type: 'number', value }),
  obj: (entries: Array<[string, CJson]>): CJson => ({ type: 'object', entries: entries.map(([k, v]) => [new TextEncoder().encode(k), v]) }),
};
