/**
 * The parts of bench:packets' CDP driver (test/bench/packets-driver.ts) that need no browser:
 * the key events it dispatches and the expressions it sends to the page. Against Chromium:
 * test/e2e/bench-packets-driver.test.ts.
 */

import { describe, expect, it } from 'vitest';
import { callExpression, keyEvents } from './packets-driver';

describe('keyEvents', () => {
  it.each([
    { key: 'ArrowDown' as const, code: 40 },
    { key: 'End' as const, code: 35 },
  ])('$key: a raw key down (no text) and a key up, with the key code the page reads', ({ key, code }) => {
    const common = { key, code: key, windowsVirtualKeyCode: code, nativeVirtualKeyCode: code };
    expect(keyEvents(key)).toEqual([
      { type: 'rawKeyDown', ...common },
      { type: 'keyUp', ...common },
    ]);
  });
});

describe('callExpression', () => {
  const f = (a: unknown, b: unknown) => [a, b];
  it.each([
    { name: 'JSON arguments', args: [1, { a: 'b' }], value: [1, { a: 'b' }] },
    { name: 'undefined stays undefined', args: [undefined, 'x'], value: [undefined, 'x'] },
    { name: 'a string that looks like code stays a string', args: ['") + 1 //', null], value: ['") + 1 //', null] },
    { name: 'a function goes as its source', args: [(n: number) => n + 1, 2], value: [3, 2], call: true },
  ])('$name', ({ args, value, call }) => {
    const expression = callExpression(call ? (g: (n: number) => number, n: number) => [g(n), n] : f, ...args);
    // The page evaluates it as an expression: here, Node does.
    expect((0, eval)(expression)).toEqual(value);
  });
});
