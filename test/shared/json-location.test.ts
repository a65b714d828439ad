// Where JSON stops parsing, as a line a person finds: our scanner agrees with JSON.parse
// on what is valid and points at the first bad character.
import { describe, expect, it } from 'vitest';
import { firstJsonError, jsonErrorLocation, jsonValuePosition } from '../../shared/json-location';

describe('firstJsonError', () => {
  it.each([
    ['{}', undefined],
    [' [1, -2.5e3, "a\\u00e9\\n", true, false, null, {"k": []}] ', undefined],
    ['{"a": 1,}', 8],
    ['[1 2]', 3],
    ['{"a" 1}', 5],
    ['[tru]', 4],
    ['"abc', 4],
    ['{"a": 01}', 7],
    ['[1] x', 4],
    ['"\\q"', 2],
    ['', 0],
  ])('%j → %s', (text, offset) => {
    expect(firstJsonError(text)).toBe(offset);
    let parses = true;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    expect(parses).toBe(offset === undefined);
  });
});

describe('jsonErrorLocation', () => {
  it('finds the line and column even when JSON.parse names no position', () => {
    const text = '{\n  "a": 1,\n  "b": [,]\n}';
    let error: Error | undefined;
    try {
      JSON.parse(text);
    } catch (e) {
      error = e as Error;
    }
    expect(jsonErrorLocation(text, error!)).toEqual({ line: 3, column: 9, position: 20 });
  });
});

describe('jsonValuePosition', () => {
  // {"a": [1, {"b": "x"}], "c\u0041": null} : offsets counted by hand.
  const text = '{"a": [1, {"b": "x"}], "c\\u0041": null}';
  it.each<[Array<string | number>, number | undefined]>([
    [[], 0],
    [['a'], 6],
    [['a', 0], 7],
    [['a', 1], 10],
    [['a', 1, 'b'], 16],
    // Keys are compared decoded: "c\u0041" is "cA".
    [['cA'], 34],
    [['a', 2], undefined],
    [['nope'], undefined],
  ])('%j', (path, position) => {
    expect(jsonValuePosition(text, path)).toBe(position);
  });

  it('is undefined for text that is not JSON', () => {
    expect(jsonValuePosition('{"a": }', ['a'])).toBeUndefined();
  });
});
