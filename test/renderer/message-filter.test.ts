import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import { compileMessageFilter, subscriptionColor } from '../../renderer/src/store/message-filter';

const message = (topic: string, payload: string): MessageRecord => {
  const bytes = new TextEncoder().encode(payload);
  return { seq: 1, direction: 'in', topic, payload: bytes, payloadSize: bytes.length, qos: 0, retain: false, dup: false, time: 0 };
};

describe('message filter', () => {
  it.each([
    ['', '', 'a/b', 'x', true],
    ['sensors/+/temp', '', 'sensors/1/temp', 'x', true],
    ['sensors/+/temp', '', 'sensors/1/hum', 'x', false],
    ['sensors/#', '', 'sensors', 'x', true],
    ['ROOM', '', 'house/room1', 'x', true],
    ['', 'alarm', 'a', '{"state":"ALARM"}', true],
    ['', 'alarm', 'a', '{"state":"ok"}', false],
    ['', '/"t":\\s*2\\d/', 'a', '{"t": 25}', true],
    ['', '/"t":\\s*2\\d/', 'a', '{"t": 19}', false],
    ['', '/ALARM/i', 'a', 'alarm!', true],
    ['x/#', 'on', 'x/y', 'on', true],
    ['x/#', 'on', 'y/x', 'on', false],
  ])('topic %j payload %j on %s %j → %s', (topic, payload, t, p, expected) => {
    const filter = compileMessageFilter(topic, payload);
    if (!filter.ok) throw new Error(filter.reason);
    expect(filter.test(message(t, p))).toBe(expected);
  });

  it.each([
    ['a/#/b', '', 'topic', "'#' must be the last level"],
    ['', '/(/', 'payload', 'Invalid regular expression'],
  ])('reports %j / %j on the %s field', (topic, payload, field, reason) => {
    const filter = compileMessageFilter(topic, payload);
    expect(filter).toMatchObject({ ok: false, field });
    if (!filter.ok) expect(filter.reason).toContain(reason);
  });

  it('gives each subscription a stable color, different filters different colors', () => {
    // Pinned: the same filter keeps its color in every session and every release.
    expect(subscriptionColor('demo/#')).toBe('#65a30d');
    expect(subscriptionColor('sensors/+/temp')).toBe('#db2777');
    const filters = ['demo/#', 'sensors/+/temp', 'home/kitchen/light', '$SYS/#', 'a', 'b', 'c', 'd'];
    const colors = filters.map(subscriptionColor);
    for (const color of colors) expect(color).toMatch(/^#[0-9a-f]{6}$/);
    expect(new Set(colors).size).toBeGreaterThanOrEqual(6); // 7 of the 8 palette colors here
  });
});
