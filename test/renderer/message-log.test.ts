import { describe, expect, it } from 'vitest';
import type { MessageBatch, MessageRecord } from '../../shared/contract';
import { decodeFrame, encodeMessageBatch } from '../../shared/wire-batches';
import { treeFor } from '../../renderer/src/store/topic-tree';
import { ingestAll, ingestBatch } from '../../renderer/src/store/ingest';
import { clearLog, logFor, MESSAGE_LOG_LIMITS } from '../../renderer/src/store/message-log';
import { messageRecord } from '../helpers/message-record';

const message = messageRecord;

/** A batch ingested in full now, however long it takes (the page spreads a large one over tasks). */
function appendBatch(batch: MessageBatch): void {
  ingestBatch(batch);
  ingestAll();
}

describe('message log', () => {
  it('keeps each connection apart and counts upstream drops', () => {
    appendBatch({ connectionId: 'a', messages: [message(1), message(2)], dropped: 0, evicted: 0 });
    appendBatch({ connectionId: 'b', messages: [message(1)], dropped: 5, evicted: 0 });
    expect(logFor('a').buffer.length).toBe(2);
    expect(logFor('b').buffer.length).toBe(1);
    expect(logFor('b').droppedUpstream).toBe(5);
    clearLog('b');
    expect(logFor('b').buffer.length).toBe(0);
    expect(logFor('b').droppedUpstream).toBe(0);
  });

  it('stays within its item cap under a flood and counts what it evicted', () => {
    const total = MESSAGE_LOG_LIMITS.maxItems + 1234;
    for (let start = 1; start <= total; start += 10_000) {
      const end = Math.min(total, start + 9_999);
      appendBatch({ connectionId: 'flood', messages: Array.from({ length: end - start + 1 }, (_, i) => message(start + i)), dropped: 0, evicted: 0 });
    }
    const log = logFor('flood');
    expect(log.buffer.length).toBe(MESSAGE_LOG_LIMITS.maxItems);
    expect(log.buffer.evicted).toBe(1234);
    expect(log.buffer.at(0)?.seq).toBe(1235);
    expect(log.buffer.at(log.buffer.length - 1)?.seq).toBe(total);
  });

  it('stays within its byte cap with large payloads', () => {
    const big = 1024 * 1024;
    for (let i = 1; i <= 100; i++) appendBatch({ connectionId: 'big', messages: [message(i, big)], dropped: 0, evicted: 0 });
    const log = logFor('big');
    expect(log.buffer.bytes).toBeLessThanOrEqual(MESSAGE_LOG_LIMITS.maxBytes);
    expect(log.buffer.length + log.buffer.evicted).toBe(100);
  });
});

describe('message log and topic tree sharing batch frames', () => {
  it('gives a topic\'s last message a buffer of its own when the log lets it go, so its frame can be freed', () => {
    const frameOf = (messages: MessageRecord[]) => decodeFrame(encodeMessageBatch({ connectionId: 'frames', messages, dropped: 0, evicted: 0 })).data as MessageBatch;
    let seq = 0;
    const on = (topic: string): MessageRecord => ({ ...message(++seq, 50), topic });
    const first = frameOf([on('rare'), on('busy')]);
    appendBatch(first);
    for (let sent = 0; sent < MESSAGE_LOG_LIMITS.maxItems; sent += 10_000) appendBatch(frameOf(Array.from({ length: 10_000 }, () => on('busy'))));
    const tree = treeFor('frames');
    const rare = tree.lastMessage(tree.find('rare'))!;
    // Evicted from the log, still the tree's last value: copied out of its frame.
    expect(rare).toEqual({ ...first.messages[0]!, payload: rare.payload });
    expect([...rare.payload]).toEqual([...first.messages[0]!.payload]);
    expect(rare.payload.buffer.byteLength).toBe(50);
    // A last value the log still holds is the log's record, read from its frame.
    const busy = tree.lastMessage(tree.find('busy'))!;
    expect(busy).toBe(logFor('frames').buffer.at(logFor('frames').buffer.length - 1));
    expect(busy.seq).toBe(seq);
    // Messages the log still holds are read from their frames.
    const held = logFor('frames').buffer.at(logFor('frames').buffer.length - 1)!;
    expect(held.payload.buffer.byteLength).toBeGreaterThan(10_000 * 50);
  });
});
