import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import { RingBuffer } from '../../shared/ring-buffer';
import { logRows } from '../../renderer/src/store/message-rows';
import { messageRecord } from '../helpers/message-record';

const message = messageRecord;

describe('logRows', () => {
  // The Sparkplug flood blanked the page: the list kept one rows object between revisions,
  // the byte cap evicted several small messages for one large one meanwhile, and the list
  // drew rows up to the stale length, reading undefined past the end.
  it.each([
    { name: 'the byte cap evicts several small messages for one large one', before: [10, 10, 10, 10], after: [35], length: 1, shifted: 4 },
    { name: 'the item cap evicts one for one', before: [1, 1, 1, 1, 1, 1, 1, 1], after: [1, 1], length: 8, shifted: 2 },
    { name: 'nothing evicted', before: [1, 1], after: [1], length: 3, shifted: 0 },
  ])('reads length and shift live when $name', ({ before, after, length, shifted }) => {
    const buffer = new RingBuffer<MessageRecord>({ maxItems: 8, maxBytes: 40 }, (m) => m.payloadSize);
    let seq = 0;
    for (const bytes of before) buffer.push(message(++seq, bytes));
    const rows = logRows(buffer);
    for (const bytes of after) buffer.push(message(++seq, bytes));
    expect(rows.length).toBe(length);
    expect(rows.shifted).toBe(shifted);
    for (let i = 0; i < rows.length; i++) expect(rows.at(i)).toBeDefined();
  });
});
