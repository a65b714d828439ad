import type { MessageRecord } from '../../shared/contract';

/** A received message on topic `t` with `bytes` zero bytes of payload, its time its seq: for store and list tests. */
export function messageRecord(seq: number, bytes = 10): MessageRecord {
  return { seq, direction: 'in', topic: 't', payload: new Uint8Array(bytes), payloadSize: bytes, qos: 0, retain: false, dup: false, time: seq };
}
