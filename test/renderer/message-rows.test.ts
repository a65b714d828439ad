import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import { RingBuffer } from '../../shared/ring-buffer';
import { FilteredRows, logRows } from '../../renderer/src/store/message-rows';
import { MessageColumns } from '../../shared/message-columns';
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

describe('FilteredRows over the columnar log', () => {
  it.each([
    { name: 'nothing evicted', maxItems: 100, sent: 10, held: [2, 4, 6, 8, 10], shifted: 0 },
    { name: 'the item cap evicted matching rows', maxItems: 6, sent: 10, held: [6, 8, 10], shifted: 2 },
    { name: 'the log wrapped many times', maxItems: 8, sent: 1000, held: [994, 996, 998, 1000], shifted: 496 },
  ])('keeps the passing rows as the log evicts: $name', ({ maxItems, sent, held, shifted }) => {
    const log = new MessageColumns({ maxItems, maxBytes: Infinity });
    const rows = new FilteredRows((m) => m.seq % 2 === 0);
    // Taken in batch by batch, as the list does once a frame.
    for (let seq = 1; seq <= sent; seq++) {
      log.push(message(seq));
      if (seq % 7 === 0 || seq === sent) rows.update(log);
    }
    expect(Array.from({ length: rows.length }, (_, i) => rows.at(i)?.seq)).toEqual(held);
    expect(rows.shifted).toBe(shifted);
  });

  it('drops every row when the log is cleared, and takes the new messages', () => {
    const log = new MessageColumns({ maxItems: 100, maxBytes: Infinity });
    const rows = new FilteredRows(() => true);
    for (let seq = 1; seq <= 5; seq++) log.push(message(seq));
    rows.update(log);
    log.clear();
    log.push(message(6));
    rows.update(log);
    expect(Array.from({ length: rows.length }, (_, i) => rows.at(i)?.seq)).toEqual([6]);
    expect(rows.shifted).toBe(5);
  });

  it.each([
    { name: 'a topic test alone reads no record', payload: undefined, held: [1, 6, 11, 16], records: 0 },
    { name: 'a topic test and a payload test read records of the topics that pass only', payload: (m: MessageRecord) => m.seq % 2 === 0, held: [6, 16], records: 4 },
  ])('judges each topic and direction once from the columns: $name', ({ payload, held, records }) => {
    const log = new MessageColumns({ maxItems: 100, maxBytes: Infinity });
    const asked: string[] = [];
    const rows = new FilteredRows(payload, undefined, (topic, direction) => {
      asked.push(`${direction} ${topic}`);
      return topic === 't/1' && direction === 'in';
    });
    let read = 0;
    const counting = Object.assign(Object.create(log) as MessageColumns, { read: (i: number) => (read++, log.read(i)), at: (i: number) => (read++, log.at(i)) });
    for (let seq = 1; seq <= 20; seq++) {
      log.push({ ...message(seq), topic: `t/${seq % 5}`, direction: seq === 11 || seq % 4 !== 3 ? 'in' : 'out' });
      if (seq % 6 === 0 || seq === 20) rows.update(counting);
    }
    expect(read).toBe(records);
    expect(Array.from({ length: rows.length }, (_, i) => rows.at(i)?.seq)).toEqual(held);
    expect(new Set(asked).size).toBe(asked.length);
  });
});
