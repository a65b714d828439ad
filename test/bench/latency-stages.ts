/**
 * Where the UI bench's publish → counted delay goes (#15): the flood's messages are counted
 * at each stage of their path, as running totals over time, and each publisher report (so
 * many messages written by then) is matched with the first moment each stage's total reached
 * it, as fleet-page.ts's countingDelays does for the page. The stages: published (written to
 * mosquitto), received by the backend (the message's own `time`, taken when MQTT.js or the
 * fast path handed it over), batched (the batcher's flush, every 50 ms), sent to the page
 * (handed to its WebSocket through the batch window), counted in the page. The gaps between consecutive stages are where the time goes.
 */

import { countingDelays } from './fleet-page';

/** A running total over time: [ms since the epoch, messages so far], in order. */
export type Totals = Array<[at: number, total: number]>;

/** Running totals of one stage, one entry per change, from a zero start. */
export class StageTotals {
  private total = 0;
  readonly totals: Totals = [];

  /** `count` more messages reached the stage at `at`. */
  add(count: number, at = Date.now()): void {
    if (count <= 0) return;
    this.total += count;
    // Messages of the same millisecond share one entry: at most 1,000 entries a second.
    const last = this.totals.at(-1);
    if (last && last[0] === at) last[1] = this.total;
    else this.totals.push([at, this.total]);
  }

  /** Forgets everything (the flood's start). */
  reset(): void {
    this.total = 0;
    this.totals.length = 0;
  }
}

/** Of one stage: delays from publish, in ms, at the 50th and 99th percentile and the most. */
export interface StageDelay {
  name: string;
  p50: number;
  p99: number;
  max: number;
  /** Publisher reports the stage never reached. */
  missing: number;
}

/** The value at quantile `q` (0..1) of ascending `sorted` (nearest rank below); NaN when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

/** Delays from publish to each stage (totals above each stage's baseline), in the stages' order. */
export function stageDelays(reports: ReadonlyArray<{ sent: number; at: number }>, stages: ReadonlyArray<{ name: string; totals: Totals; baseline?: number }>): StageDelay[] {
  return stages.map(({ name, totals, baseline }) => {
    const delays = countingDelays(reports, totals, baseline ?? 0);
    const known = delays.filter((d): d is number => d !== undefined).sort((a, b) => a - b);
    return { name, p50: quantile(known, 0.5), p99: quantile(known, 0.99), max: known.at(-1) ?? Number.NaN, missing: delays.length - known.length };
  });
}

/**
 * One line: each stage's p50 / p99 from publish, and the p50 gained from the stage before
 * (where the typical message's time went), e.g. `batched in the backend 40 / 90 ms (+40)`.
 */
export function describeStages(stages: readonly StageDelay[]): string {
  const ms = (n: number) => (Number.isNaN(n) ? '–' : n.toFixed(0));
  return stages
    .map((s, i) => {
      const before = i > 0 ? stages[i - 1]!.p50 : 0;
      const gain = Number.isNaN(s.p50) || Number.isNaN(before) ? '' : ` (+${ms(Math.max(0, s.p50 - before))})`;
      return `${s.name} ${ms(s.p50)} / ${ms(s.p99)} ms${gain}${s.missing ? ` [${s.missing} reports never reached]` : ''}`;
    })
    .join(' → ');
}
