/** The `name=value` lines of the collection "Variables" dialog, table-driven. */

import { describe, expect, it } from 'vitest';
import { parseVariableLines } from '../../renderer/src/store/collections';

const CASES: Array<[string, string, Record<string, string> | string]> = [
  ['empty', '', {}],
  ['one pair', 'site=north', { site: 'north' }],
  ['blank lines skipped', 'a=1\n\n  \nb=2', { a: '1', b: '2' }],
  ['value keeps later = and spaces', 'q=a=b c ', { q: 'a=b c ' }],
  ['name trimmed', ' deviceId =dev-7', { deviceId: 'dev-7' }],
  ['empty value', 'x=', { x: '' }],
  ['later line wins', 'x=1\nx=2', { x: '2' }],
  ['no =', 'site', 'Line 1: expected name=value'],
  ['no name', 'a=1\n=2', 'Line 2: expected name=value'],
];

describe('parseVariableLines', () => {
  it.each(CASES)('%s', (_name, text, expected) => {
    expect(parseVariableLines(text)).toEqual(expected);
  });
});
