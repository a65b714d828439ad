/**
 * The topic interner: the same string object for the same bytes, the right string for
 * every topic however the hashes collide, and bounded memory.
 */

import { describe, expect, it } from 'vitest';
import { TopicInterner } from '../../shared/topic-intern';

const ascii = (text: string) => new Uint8Array([...text].map((c) => c.charCodeAt(0)));

/** The topic inside a frame-like buffer, at an offset, as the fast path reads it. */
function read(interner: TopicInterner, topic: string): string {
  const bytes = new Uint8Array([0x30, 0x01, ...ascii(topic), 0x7b]);
  return interner.topic(bytes, 2, 2 + topic.length);
}

describe('TopicInterner', () => {
  it.each([
    ['a one-level topic', 'a'],
    ['a fleet topic', 'flood/dev123/temp'],
    ['every printable ASCII byte', Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join('')],
    ['a topic of 65,535 bytes', 'x'.repeat(65_535)],
  ])('decodes %s', (_name, topic) => {
    expect(read(new TopicInterner(), topic)).toBe(topic);
  });

  it('hands out the string it cached for bytes it has seen, not a new one', () => {
    const interner = new TopicInterner();
    const first = read(interner, 'flood/dev1/temp');
    read(interner, 'flood/dev2/temp');
    expect(read(interner, 'flood/dev1/temp')).toBe(first);
    expect(interner.size).toBe(2);
  });

  it('keeps thousands of topics apart (colliding slots probe on)', () => {
    const interner = new TopicInterner({ maxEntries: 8_192, maxChars: 1 << 20 });
    const topics = Array.from({ length: 8_000 }, (_, i) => `flood/dev${i}/temp`);
    for (const topic of topics) expect(read(interner, topic)).toBe(topic);
    for (const topic of topics) expect(read(interner, topic)).toBe(topic);
    // Same length, same bytes but one: never confused.
    expect(read(interner, 'flood/dev1/tem0')).toBe('flood/dev1/tem0');
    expect(interner.size).toBe(8_001);
  });

  it('starts over when full, by count and by characters, and still decodes right', () => {
    const byCount = new TopicInterner({ maxEntries: 4, maxChars: 1_000 });
    for (let i = 0; i < 10; i++) expect(read(byCount, `t/${i}`)).toBe(`t/${i}`);
    expect(byCount.size).toBeLessThanOrEqual(4);
    const byChars = new TopicInterner({ maxEntries: 1_000, maxChars: 10 });
    expect(read(byChars, 'abcdef')).toBe('abcdef');
    expect(read(byChars, 'ghijkl')).toBe('ghijkl');
    expect(byChars.size).toBe(1);
    // A topic longer than the whole cache is decoded and not kept.
    expect(read(byChars, 'x'.repeat(11))).toBe('x'.repeat(11));
    expect(byChars.size).toBe(1);
  });
});
