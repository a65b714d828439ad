/**
 * The UI bench's latency stages (test/bench/latency-stages.ts): running totals per stage,
 * quantiles, the delay from publish to each stage and the line that says where it went.
 */

import { describe, expect, it } from 'vitest';
import { describeStages, quantile, StageTotals, stageDelays, type StageDelay } from './latency-stages';

describe('StageTotals', () => {
  it('keeps a running total, one entry per millisecond with a change, and starts again from zero', () => {
    const totals = new StageTotals();
    totals.add(5, 100);
    totals.add(0, 110);
    totals.add(3, 120);
    totals.add(1, 120);
    expect(totals.totals).toEqual([
      [100, 5],
      [120, 9],
    ]);
    totals.reset();
    totals.add(2, 130);
    expect(totals.totals).toEqual([[130, 2]]);
  });
});

it.each([
  { sorted: [], q: 0.5, value: Number.NaN },
  { sorted: [7], q: 0.99, value: 7 },
  { sorted: [1, 2, 3, 4], q: 0.5, value: 3 },
  { sorted: [1, 2, 3, 4], q: 0, value: 1 },
  { sorted: Array.from({ length: 100 }, (_, i) => i), q: 0.99, value: 99 },
  { sorted: [1, 2], q: 1, value: 2 },
])('quantile $q of $sorted is $value', ({ sorted, q, value }) => {
  expect(quantile(sorted, q)).toBe(value);
});

const reports = [
  { sent: 10, at: 1000 },
  { sent: 20, at: 1100 },
];

it.each([
  {
    name: 'each stage later than the one before',
    stages: [
      { name: 'a', totals: [[1010, 10], [1120, 20]] as Array<[number, number]> },
      { name: 'b', totals: [[1050, 20]] as Array<[number, number]> },
    ],
    delays: [
      { name: 'a', p50: 20, p99: 20, max: 20, missing: 0 },
      { name: 'b', p50: 50, p99: 50, max: 50, missing: 0 },
    ],
  },
  {
    name: 'a baseline of the page total before the flood',
    stages: [{ name: 'page', totals: [[1200, 1020]] as Array<[number, number]>, baseline: 1000 }],
    delays: [{ name: 'page', p50: 200, p99: 200, max: 200, missing: 0 }],
  },
  {
    name: 'a stage that never reached the last report',
    stages: [{ name: 'a', totals: [[1030, 15]] as Array<[number, number]> }],
    delays: [{ name: 'a', p50: 30, p99: 30, max: 30, missing: 1 }],
  },
  {
    name: 'a stage that saw nothing',
    stages: [{ name: 'a', totals: [] as Array<[number, number]> }],
    delays: [{ name: 'a', p50: Number.NaN, p99: Number.NaN, max: Number.NaN, missing: 2 }],
  },
])('stageDelays: $name', ({ stages, delays }) => {
  expect(stageDelays(reports, stages)).toEqual(delays);
});

const stage = (name: string, p50: number, p99: number, missing = 0): StageDelay => ({ name, p50, p99, max: p99, missing });

it.each([
  { name: 'one stage', stages: [stage('batched', 40, 90)], text: 'batched 40 / 90 ms (+40)' },
  {
    name: 'what each stage adds to the p50',
    stages: [stage('batched', 40, 90), stage('sent', 45, 300), stage('counted', 500, 900)],
    text: 'batched 40 / 90 ms (+40) → sent 45 / 300 ms (+5) → counted 500 / 900 ms (+455)',
  },
  { name: 'a p50 below the stage before adds nothing', stages: [stage('a', 50, 60), stage('b', 49, 70)], text: 'a 50 / 60 ms (+50) → b 49 / 70 ms (+0)' },
  { name: 'a stage never reached', stages: [stage('a', 50, 60), stage('b', Number.NaN, Number.NaN, 3)], text: 'a 50 / 60 ms (+50) → b – / – ms [3 reports never reached]' },
])('describeStages: $name', ({ stages, text }) => {
  expect(describeStages(stages)).toBe(text);
});
