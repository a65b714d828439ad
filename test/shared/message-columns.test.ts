import { describe, expect, it, vi } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import type { DecodedPayload } from '../../shared/decoded';
import { MessageColumns, SLOT_BYTES } from '../../shared/message-columns';
import { utf8Encode } from '../../shared/utf8';
import type { MessageBatch } from '../../shared/contract';
import { batchColumnsOf, decodeFrame, encodeMessageBatch } from '../../shared/wire-batches';

const decoded = (n: number): DecodedPayload => ({ kind: 'sparkplug', type: 'Sparkplug B NDATA', value: { seq: n, metrics: [{ name: 'temp', value: n / 2 }] } });

/** A message with every field set from `seq`, so a record read back can be compared whole. */
function message(seq: number, payloadBytes = 8, extra: Partial<MessageRecord> = {}): MessageRecord {
  const payload = new Uint8Array(payloadBytes).map((_, i) => (seq + i) & 0xff);
  return { seq, direction: seq % 3 === 0 ? 'out' : 'in', topic: `t/${seq % 5}`, payload, qos: (seq % 3) as 0 | 1 | 2, retain: seq % 2 === 0, dup: seq % 4 === 0, time: 1_700_000_000_000 + seq * 0.5, payloadSize: payloadBytes + (seq % 7), ...extra };
}

/** A record with its payload as base64: large payloads compare fast. */
const comparable = (m: MessageRecord | undefined) => m && { ...m, payload: Buffer.from(m.payload).toString('base64') };

/** A batch as the page gets it: encoded and decoded as a frame. */
const frameOf = (messages: MessageRecord[]): MessageBatch => decodeFrame(encodeMessageBatch({ connectionId: 'c', messages, dropped: 0, evicted: 0 })).data as MessageBatch;

/** A copy that shares nothing with the original (push replaces the payload by the log's own copy). */
const copyOf = (m: MessageRecord): MessageRecord => structuredClone(m);

describe('MessageColumns', () => {
  it.each([
    { name: 'plain messages', make: (s: number) => message(s) },
    { name: 'empty payloads', make: (s: number) => message(s, 0) },
    { name: 'MQTT 5 properties', make: (s: number) => message(s, 4, { properties: { contentType: 'text/plain', userProperties: [{ key: 'k', value: String(s) }] } }) },
    { name: 'decoded payloads', make: (s: number) => message(s, 12, { decoded: decoded(s) }) },
    { name: 'a large payload among small ones', make: (s: number) => message(s, s === 2 ? 3 << 20 : 3) },
    { name: 'decoded payloads and properties on some', make: (s: number) => message(s, s % 4, s % 2 ? { decoded: decoded(s) } : { properties: { messageExpiryInterval: s } }) },
  ])('reads back what went in, pushed one by one or from a batch frame: $name', ({ make }) => {
    const sent = Array.from({ length: 6 }, (_, i) => make(i + 1));
    const log = new MessageColumns({ maxItems: 100, maxBytes: Infinity });
    for (const m of sent) log.push(copyOf(m));
    const framed = new MessageColumns({ maxItems: 100, maxBytes: Infinity });
    const batch = frameOf(sent.map(copyOf));
    batch.messages.forEach((_, i) => framed.pushFrom(batchColumnsOf(batch), i));
    expect(framed.toArray().map(comparable)).toEqual(sent.map(comparable));
    expect(framed.bytes).toBe(log.bytes);
    expect(log.length).toBe(6);
    expect(log.toArray().map(comparable)).toEqual(sent.map(comparable));
    for (let i = 0; i < sent.length; i++) {
      expect(comparable(log.at(i))).toEqual(comparable(sent[i]));
      expect(log.seqAt(i)).toBe(sent[i]!.seq);
      expect(log.topicAt(i)).toBe(sent[i]!.topic);
      expect(log.directionAt(i)).toBe(sent[i]!.direction);
      expect(log.topicIdAt(i)).toBe(log.topicId(sent[i]!.topic));
    }
    expect(log.at(6)).toBeUndefined();
    expect(log.at(-1)).toBeUndefined();
  });

  it.each([
    { name: 'the item cap', limits: { maxItems: 4, maxBytes: Infinity }, payloads: [1, 1, 1, 1, 1, 1, 1], held: [4, 5, 6, 7] },
    { name: 'the byte cap', limits: { maxItems: 100, maxBytes: 3 * (SLOT_BYTES + 10) }, payloads: [10, 10, 10, 10, 10], held: [3, 4, 5] },
    { name: 'the byte cap, several small for one large', limits: { maxItems: 100, maxBytes: 4 * (SLOT_BYTES + 10) }, payloads: [10, 10, 10, 10, 3 * SLOT_BYTES + 35], held: [5] },
    { name: 'one message larger than the byte cap, kept alone', limits: { maxItems: 100, maxBytes: 100 }, payloads: [10, 500, 10], held: [3] },
    { name: 'wrapping many times', limits: { maxItems: 3, maxBytes: Infinity }, payloads: Array.from({ length: 1000 }, () => 2), held: [998, 999, 1000] },
  ])('evicts the oldest by $name, counts them and tells the listener in order', ({ limits, payloads, held }) => {
    const evicted: number[] = [];
    const log = new MessageColumns(limits, (seq, topic, direction) => {
      evicted.push(seq);
      expect(topic).toBe(`t/${seq % 5}`);
      expect(direction).toBe(seq % 3 === 0 ? 'out' : 'in');
    });
    const sent = payloads.map((bytes, i) => message(i + 1, bytes));
    for (const m of sent) log.push(copyOf(m));
    expect(log.toArray().map((m) => m.seq)).toEqual(held);
    expect(log.toArray()).toEqual(sent.filter((m) => held.includes(m.seq)));
    expect(log.evicted).toBe(payloads.length - held.length);
    expect(evicted).toEqual(sent.map((m) => m.seq).filter((seq) => !held.includes(seq)));
    expect(log.length + log.evicted).toBe(payloads.length);
    expect(log.bytes).toBe(held.reduce((sum, seq) => sum + payloads[seq - 1]! + SLOT_BYTES, 0));
  });

  it('grows past its first columns while wrapped and keeps order', () => {
    // 1,500 messages fit the byte cap; the columns start at 1,024 and grow while wrapped.
    const log = new MessageColumns({ maxItems: 5000, maxBytes: 1500 * (SLOT_BYTES + 1) });
    for (let seq = 1; seq <= 3000; seq++) log.push(message(seq, 1));
    expect(log.length).toBe(1500);
    for (let i = 0; i < 1500; i++) expect(log.seqAt(i)).toBe(1501 + i);
    for (let seq = 3001; seq <= 4000; seq++) log.push(message(seq, 1, { properties: { contentType: `c${seq}` } }));
    expect(log.at(log.length - 1)?.properties?.contentType).toBe('c4000');
    expect(log.at(0)?.properties).toBeUndefined();
  });

  it('keeps one block per batch and lets it go once its last message leaves', () => {
    const log = new MessageColumns({ maxItems: 1000, maxBytes: Infinity });
    const blocks = () => (log as unknown as { blocks: Uint8Array[] }).blocks.length;
    let seq = 0;
    const batches = Array.from({ length: 25 }, () => frameOf(Array.from({ length: 100 }, () => message(++seq, 40))));
    for (const batch of batches) batch.messages.forEach((_, i) => log.pushFrom(batchColumnsOf(batch), i));
    // 1,000 held: the last ten batches, one block each.
    expect(log.seqAt(0)).toBe(1501);
    expect(blocks()).toBe(10);
    // Half a batch more: the oldest block still holds 50 held messages.
    const more = frameOf(Array.from({ length: 50 }, () => message(++seq, 40)));
    more.messages.forEach((_, i) => log.pushFrom(batchColumnsOf(more), i));
    expect(blocks()).toBe(11);
    expect(comparable(log.at(0))).toEqual(comparable(message(1551, 40)));
    expect(comparable(log.at(log.length - 1))).toEqual(comparable(message(seq, 40)));
  });

  it('parses a decoded payload only when it is read, once per record, equal to what went in', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const log = new MessageColumns({ maxItems: 100, maxBytes: Infinity });
    for (let seq = 1; seq <= 50; seq++) log.push(message(seq, 4, { decoded: decoded(seq) }));
    const record = log.at(20)!;
    expect(parse).not.toHaveBeenCalled();
    expect(record.decoded).toEqual(decoded(21));
    expect(record.decoded).toBe(record.decoded);
    expect(parse).toHaveBeenCalledTimes(1);
    expect(log.at(20)).toBe(record);
    parse.mockRestore();
  });

  it('keeps the decoded JSON a batch frame carries, without writing it again', () => {
    const sent = [message(1, 5, { decoded: decoded(1) }), message(2, 3), message(3, 0, { decoded: decoded(3) })];
    const batch = frameOf(sent.map(copyOf));
    const stringify = vi.spyOn(JSON, 'stringify');
    const log = new MessageColumns({ maxItems: 100, maxBytes: Infinity });
    batch.messages.forEach((_, i) => log.pushFrom(batchColumnsOf(batch), i));
    expect(stringify).not.toHaveBeenCalled();
    stringify.mockRestore();
    expect(log.toArray()).toEqual(sent);
    expect(log.bytes).toBe(sent.reduce((sum, m) => sum + m.payload.byteLength + SLOT_BYTES + (m.decoded ? utf8Encode(JSON.stringify(m.decoded)).byteLength : 0), 0));
  });

  it('keeps a compact Sparkplug record a batch frame carries as its bytes, read back when asked for', () => {
    const sparkplug = (n: number): DecodedPayload => ({ kind: 'sparkplug', type: 'Sparkplug B NDATA', sparkplug: { group: 'g', messageType: 'NDATA', edgeNode: `n${n % 2}`, seq: n, metrics: [{ name: 'temp', datatype: 'Double', value: n / 2, alias: 1 }] } });
    const sent = [message(1, 5, { decoded: sparkplug(1) }), message(2, 3, { decoded: decoded(2) }), message(3, 0, { decoded: sparkplug(3) }), message(4, 2)];
    const batch = frameOf(sent.map(copyOf));
    const parse = vi.spyOn(JSON, 'parse');
    const log = new MessageColumns({ maxItems: 100, maxBytes: Infinity });
    batch.messages.forEach((_, i) => log.pushFrom(batchColumnsOf(batch), i));
    const records = log.toArray();
    expect(records.map((r) => r.decoded)).toEqual(sent.map((m) => m.decoded));
    // Only the JSON one was parsed; the compact records were read without JSON.
    expect(parse).toHaveBeenCalledTimes(1);
    parse.mockRestore();
    // Counted in the byte cap as their bytes, which are fewer than their JSON text.
    const json = sent.reduce((sum, m) => sum + m.payload.byteLength + SLOT_BYTES + (m.decoded ? utf8Encode(JSON.stringify(m.decoded)).byteLength : 0), 0);
    expect(log.bytes).toBeLessThan(json);
    // A record spread into a value of its own (the topic tree does so) keeps its decoded payload.
    expect({ ...log.read(2)! }.decoded).toEqual(sparkplug(3));
  });

  it('reads a batch\'s messages from its frame, copying nothing', () => {
    const batch = frameOf([message(1, 8), message(2, 8)]);
    const log = new MessageColumns({ maxItems: 10, maxBytes: Infinity });
    batch.messages.forEach((_, i) => log.pushFrom(batchColumnsOf(batch), i));
    expect(log.at(1)!.payload.buffer).toBe(batch.messages[1]!.payload.buffer);
    expect(log.at(1)!.payload.byteOffset).toBe(batch.messages[1]!.payload.byteOffset);
  });

  it('starts over on clear: empty, counts reset, topic ids forgotten, clears counted', () => {
    const log = new MessageColumns({ maxItems: 2, maxBytes: Infinity });
    for (let seq = 1; seq <= 5; seq++) log.push(message(seq));
    log.clear();
    expect([log.length, log.evicted, log.bytes, log.clears, log.topicId('t/1')]).toEqual([0, 0, 0, 1, -1]);
    log.push(message(9));
    expect(log.at(0)).toEqual(message(9));
  });
});
