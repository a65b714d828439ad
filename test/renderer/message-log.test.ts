import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import { ingestBatch as appendBatch } from '../../renderer/src/store/ingest';
import { clearLog, logFor, MESSAGE_LOG_LIMITS } from '../../renderer/src/store/message-log';

const message = (seq: number, bytes = 10): MessageRecord => ({
  seq,
  direction: 'in',
  topic: 't',
  payload: new Uint8Array(bytes),
  payloadSize: bytes,
  qos: 0,
  retain: false,
  dup: false,
  time: seq,
});

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
