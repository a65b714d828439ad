/**
 * The protocol violations the broker refused, newest kept: for the broker panel's
 * "Protocol violations" list, which is how a person finds out what their device sent and
 * which rule it broke. Capped in entries and bytes; a packet's bytes are kept up to 64 KiB.
 */

import type { BrokerViolation } from '../shared/broker-control';
import { RingBuffer } from '../shared/ring-buffer';

/** Bytes of a refused packet kept for the panel; the rest is counted in `size`. */
const MAX_KEPT_BYTES = 64 * 1024;

/** One refused packet as held: bytes as a Buffer, hex only when asked. */
export interface ViolationRecord extends Omit<BrokerViolation, 'hex'> {
  bytes: Buffer;
}

/** The newest violations, at most 1,000 or 16 MiB. */
export class ViolationLog {
  private readonly ring = new RingBuffer<ViolationRecord>({ maxItems: 1000, maxBytes: 16 * 1024 * 1024 }, (v) => v.bytes.length + 256);

  /** Keeps one violation; the frame is copied (at most its first 64 KiB), so the socket's chunk is not pinned. */
  add(record: Omit<ViolationRecord, 'bytes' | 'size'>, frame: Buffer): ViolationRecord {
    const entry: ViolationRecord = { ...record, bytes: Buffer.from(frame.subarray(0, MAX_KEPT_BYTES)), size: frame.length };
    this.ring.push(entry);
    return entry;
  }

  /** Everything held, oldest first, as the control channel sends it. */
  list(): BrokerViolation[] {
    return this.ring.toArray().map(({ bytes, ...rest }) => ({ ...rest, hex: bytes.toString('hex') }));
  }

  /** Number held. */
  get length(): number {
    return this.ring.length;
  }
}
