/**
 * Smoothness figures of a page under test, shared by the UI benches: main-thread long tasks
 * (PerformanceObserver) and the interval between animation frames, recorded in the page
 * from `start` (or the last `reset`) until `read`.
 */

import type { PageScript } from './flood-driver';

interface Recorder {
  __long: number[];
  __frames: number[];
}

/** Figures since recording began. */
export interface PageMetrics {
  /** Durations of long tasks (> 50 ms by definition), in ms. */
  long: number[];
  /** 95th percentile of the frame-to-frame interval, in ms. */
  p95Frame: number;
}

/** Starts recording long tasks and frame intervals in the page. */
export async function startPageMetrics(page: PageScript): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Recorder;
    w.__long = [];
    w.__frames = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: 'longtask' });
    let last = performance.now();
    const tick = (now: number) => {
      w.__frames.push(now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Forgets what was recorded so far (e.g. the set-up before the measured part). */
export async function resetPageMetrics(page: PageScript): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Recorder;
    w.__long = [];
    w.__frames = [];
  });
}

/** The figures recorded since the start or the last reset. */
export async function readPageMetrics(page: PageScript): Promise<PageMetrics> {
  const { long, frames } = await page.evaluate(() => {
    const w = window as unknown as Recorder;
    return { long: w.__long, frames: w.__frames };
  });
  const sorted = [...frames].sort((a, b) => a - b);
  return { long, p95Frame: sorted[Math.floor(sorted.length * 0.95)] ?? 0 };
}
