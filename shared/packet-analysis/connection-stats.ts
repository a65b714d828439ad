/**
 * Per connection: packets and bytes by type in each direction, round-trip times by step
 * (PUBLISH → PUBACK, PINGREQ → PINGRESP, …) with percentiles, and every reason code seen,
 * counted. Counters live in typed arrays indexed by direction and type; round trips are kept
 * whole (8 bytes each) so percentiles are exact.
 */

/** Packets and bytes of one type in one direction. */
export interface TypeCount {
  type: string;
  direction: 'in' | 'out';
  packets: number;
  bytes: number;
}

/** Round trips of one step. */
export interface RttRow {
  step: string;
  /** Who sent the first packet of the step. */
  direction: 'in' | 'out';
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** A reason or return code and how often it came. */
export interface ReasonCount {
  type: string;
  direction: 'in' | 'out';
  code: number;
  name: string;
  count: number;
}

const TYPE_NAMES = ['Reserved', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

class Samples {
  values = new Float64Array(256);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const next = new Float64Array(this.values.length * 2);
      next.set(this.values);
      this.values = next;
    }
    this.values[this.length++] = value;
  }
}

/** The value at percentile `p` (0–100) of sorted values, nearest rank. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Counters of one connection. */
export class ConnectionStats {
  private readonly packets = new Float64Array(32);
  private readonly bytes = new Float64Array(32);
  private readonly rtts = new Map<string, Samples>();
  private readonly reasons = new Map<string, ReasonCount>();

  /** Counts a packet. */
  packet(type: number, direction: 'in' | 'out', size: number): void {
    const at = (direction === 'out' ? 0 : 16) + type;
    this.packets[at] = this.packets[at]! + 1;
    this.bytes[at] = this.bytes[at]! + size;
  }

  /** Counts `count` packets of one type and direction, `bytes` in all (a run of them at once). */
  packetRun(type: number, direction: 'in' | 'out', count: number, bytes: number): void {
    const at = (direction === 'out' ? 0 : 16) + type;
    this.packets[at] = this.packets[at]! + count;
    this.bytes[at] = this.bytes[at]! + bytes;
  }

  /** Records a round trip of `step` whose first packet `direction` sent. */
  rtt(step: string, direction: 'in' | 'out', ms: number): void {
    const key = `${direction} ${step}`;
    let samples = this.rtts.get(key);
    if (!samples) this.rtts.set(key, (samples = new Samples()));
    samples.push(ms);
  }

  /** Counts a reason or return code carried by a packet of `type`. */
  reason(type: string, direction: 'in' | 'out', code: number, name: string): void {
    const key = `${direction} ${type} ${code}`;
    const entry = this.reasons.get(key);
    if (entry) entry.count++;
    else this.reasons.set(key, { type, direction, code, name, count: 1 });
  }

  /** Packets and bytes per type and direction, types that occurred only. */
  byType(): TypeCount[] {
    const rows: TypeCount[] = [];
    for (let type = 1; type < 16; type++) {
      for (const direction of ['out', 'in'] as const) {
        const at = (direction === 'out' ? 0 : 16) + type;
        if (this.packets[at]! > 0) rows.push({ type: TYPE_NAMES[type]!, direction, packets: this.packets[at]!, bytes: this.bytes[at]! });
      }
    }
    return rows;
  }

  /** Totals per direction. */
  totals(direction: 'in' | 'out'): { packets: number; bytes: number } {
    let packets = 0;
    let bytes = 0;
    for (let type = 0; type < 16; type++) {
      packets += this.packets[(direction === 'out' ? 0 : 16) + type]!;
      bytes += this.bytes[(direction === 'out' ? 0 : 16) + type]!;
    }
    return { packets, bytes };
  }

  /** Percentiles per step (sorted copies: call when showing, not per packet). */
  roundTrips(): RttRow[] {
    return [...this.rtts].map(([key, samples]) => {
      const sorted = samples.values.slice(0, samples.length).sort();
      const direction = key.startsWith('out') ? 'out' : 'in';
      return { step: key.slice(direction.length + 1), direction, count: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1]! };
    });
  }

  /** Every reason code seen, most frequent first. */
  reasonCodes(): ReasonCount[] {
    return [...this.reasons.values()].sort((a, b) => b.count - a.count);
  }
}
