/**
 * countingDelays (test/bench/fleet-page.ts): for each publisher report, how long until the
 * page's recorded total reached what had been sent by then, counted above the baseline.
 */

import { expect, it } from 'vitest';
import { countingDelays } from './fleet-page';

it.each([
  { name: 'no reports', sent: [], totals: [[0, 0]], baseline: 0, delays: [] },
  { name: 'each report reached by a later total', sent: [{ sent: 10, at: 100 }, { sent: 20, at: 200 }], totals: [[150, 10], [260, 20]], baseline: 0, delays: [50, 60] },
  { name: 'a total above several reports answers them all', sent: [{ sent: 10, at: 100 }, { sent: 20, at: 200 }], totals: [[300, 25]], baseline: 0, delays: [200, 100] },
  { name: 'the baseline is not counted', sent: [{ sent: 10, at: 100 }], totals: [[120, 15], [180, 110]], baseline: 100, delays: [80] },
  { name: 'a total recorded before the report (page ahead of the report) counts as 0', sent: [{ sent: 10, at: 100 }], totals: [[90, 10]], baseline: 0, delays: [0] },
  { name: 'a report never reached is undefined', sent: [{ sent: 10, at: 100 }, { sent: 30, at: 200 }], totals: [[150, 20]], baseline: 0, delays: [50, undefined] },
  { name: 'no totals at all', sent: [{ sent: 1, at: 100 }], totals: [], baseline: 0, delays: [undefined] },
])('$name', ({ sent, totals, baseline, delays }) => {
  expect(countingDelays(sent, totals as Array<[number, number]>, baseline)).toEqual(delays);
});
