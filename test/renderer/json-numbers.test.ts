import { describe, expect, it } from 'vitest';
import { flatJsonNumbers, NumberFields, readFlatJsonNumbers } from '../../renderer/src/store/json-numbers';

/** What JSON.parse makes of the text: the numeric top-level fields, in its key order. */
function reference(text: string): Array<[string, number]> {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    return Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]));
  } catch {
    return [];
  }
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('flatJsonNumbers', () => {
  // [payload, what the reader does: 'read' (must equal JSON.parse's fields) or 'gives up']
  const cases: Array<[string, 'read' | 'gives up']> = [
    ['{"dev":12,"t":22.35,"n":40000,"pad":"aaaa"}', 'read'],
    ['{}', 'read'],
    [' \t\r\n{ "a" : -0.5e+3 , "b":"x", "c":true, "d":false, "e":null } \n', 'read'],
    ['{"a":0,"b":-0,"c":1E2,"d":1e-2,"e":123456789012345678901234567890}', 'read'],
    ['{"big":1e400,"ok":1}', 'read'],
    ['{"a":0.1,"b":-0.0,"c":123.456,"d":99999999999999.9,"e":0.000000000000001,"f":-7}', 'read'],
    // 17 digits: the one-division path would be a unit in the last place off here; a string it is.
    ['{"a":9007199254740993,"b":67.203874001286971,"c":0.1000000000000000055511151231257827}', 'read'],
    ['{"x":1,"y":2,"xy":3,"yx":4}', 'read'],
    ['{"Aa":1,"BB":2,"Aa2":3}', 'read'], // "Aa" and "BB" share a hash: the key cache compares the bytes
    ['{"s":"a:b,c}"}', 'read'],
    ['{"a":1,"a":2}', 'gives up'],
    ['{"2":1,"1":2,"x":3}', 'gives up'],
    ['{"a":{"b":1}}', 'gives up'],
    ['{"a":[1,2]}', 'gives up'],
    ['{"k\\u0041":1}', 'gives up'],
    ['{"s":"\\"q\\"","a":1}', 'gives up'],
    ['{"é":1}', 'gives up'],
    ['{"a":01}', 'gives up'],
    ['{"a":1.}', 'gives up'],
    ['{"a":.5}', 'gives up'],
    ['{"a":+1}', 'gives up'],
    ['{"a":1e}', 'gives up'],
    ['{"a":-}', 'gives up'],
    ['{"a":1,}', 'gives up'],
    ['{"a":1', 'gives up'],
    ['{"a" 1}', 'gives up'],
    ['{"a":1}x', 'gives up'],
    ['{"a":1}{"b":2}', 'gives up'],
    ['{"a":tru}', 'gives up'],
    ['{"a":NaN}', 'gives up'],
    ['{"a":"unterminated}', 'gives up'],
    ['{a:1}', 'gives up'],
    ['[1,2]', 'gives up'],
    ['', 'gives up'],
  ];
  it.each(cases)('%s: %s', (text, expected) => {
    const got = flatJsonNumbers(bytes(text));
    if (expected === 'read') expect(got).toEqual(reference(text));
    else expect(got).toBeUndefined();
  });

  it('reads from an offset, as numericFields passes it past leading spaces', () => {
    expect(flatJsonNumbers(bytes('   {"t":1.5}'), 3)).toEqual([['t', 1.5]]);
  });

  it('agrees with JSON.parse on every flat object it reads, over random mutations of readings', () => {
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
    const alphabet = '{}[]":,.-+eE0123456789 abtrufnl\\';
    let read = 0;
    const fields = new NumberFields();
    for (let i = 0; i < 20_000; i++) {
      const chars = [...`{"dev":${i},"t":${(next() * 100 - 50).toFixed(2)},"ok":true,"s":"v${i}"}`];
      for (let m = Math.floor(next() * 3); m > 0; m--) chars[Math.floor(next() * chars.length)] = alphabet[Math.floor(next() * alphabet.length)]!;
      const text = chars.join('');
      const got = flatJsonNumbers(bytes(text));
      // The same text read in place between other bytes (as the ingest reads a payload in its
      // frame), into a reused NumberFields: the same verdict and numbers.
      const frame = bytes(`1}${text}9e1}`);
      fields.clear();
      const inPlace = readFlatJsonNumbers(frame, 2, frame.byteLength - 4, fields);
      expect(inPlace ? fields.toArray() : undefined, text).toEqual(got);
      if (got !== undefined) {
        read++;
        expect(got, text).toEqual(reference(text));
      }
    }
    expect(read).toBeGreaterThan(5000);
  });
});
