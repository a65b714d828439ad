/**
 * Smoothness figures of a page under test, shared by the UI benches: main-thread long tasks
 * (PerformanceObserver), the long animation frames over 50 ms with the scripts that ran in
 * them (Long Animation Frames API: what each long task was, however rare, where a 5 s trace
 * may miss it) and the interval between animation frames, recorded in the page from `start`
 * (or the last `reset`) until `read`.
 */

import type { PageScript } from './flood-driver';

interface Recorder {
  __long: number[];
  __frames: number[];
  __loaf: LongFrame[];
  /** When recording (re)started, on the page's clock. */
  __t0: number;
}

/** A script (callback, event listener, promise reaction…) that ran for over 5 ms in a long frame. */
export interface LongFrameScript {
  /** What called it, e.g. `FrameRequestCallback`, `WebSocket.onmessage`, `DIV.onclick`. */
  invoker: string;
  invokerType: string;
  /** Function, script URL and character offset in it (bundle minified: see long-frames.ts). */
  fn: string;
  url: string;
  at: number;
  duration: number;
  /** Style and layout the script forced (read back before the frame's own). */
  forcedLayout: number;
}

/** A long animation frame (> 50 ms): its timing and its longest scripts. */
export interface LongFrame {
  /** Since recording began (the start or the last reset), in ms. */
  start: number;
  duration: number;
  /** The frame's time blocked past 50 ms per task (as long tasks count it). */
  blocking: number;
  /** From the frame's render start (rAF callbacks, style, layout, paint) to its end; 0 without a render. */
  render: number;
  /** From style and layout start to the end (style, layout, paint, commit). */
  styleLayout: number;
  scripts: LongFrameScript[];
}

/** Figures since recording began. */
export interface PageMetrics {
  /** Durations of long tasks (> 50 ms by definition), in ms. */
  long: number[];
  /** 95th percentile of the frame-to-frame interval, in ms. */
  p95Frame: number;
  /** Long animation frames over 50 ms (empty where the browser lacks the API). */
  longFrames: LongFrame[];
}

/** Starts recording long tasks and frame intervals in the page. */
export async function startPageMetrics(page: PageScript): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as Recorder;
    w.__long = [];
    w.__frames = [];
    w.__loaf = [];
    w.__t0 = performance.now();
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__long.push(e.duration))).observe({ type: 'longtask' });
    // The fields of PerformanceLongAnimationFrameTiming (not in TypeScript's DOM lib yet).
    type Loaf = PerformanceEntry & {
      blockingDuration: number;
      renderStart: number;
      styleAndLayoutStart: number;
      scripts: Array<{ invoker: string; invokerType: string; sourceFunctionName: string; sourceURL: string; sourceCharPosition: number; duration: number; forcedStyleAndLayoutDuration: number }>;
    };
    if (PerformanceObserver.supportedEntryTypes.includes('long-animation-frame')) {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as Loaf[]) {
          // Only the long ones, and their 5 longest scripts: the record stays small over a minute's flood.
          if (e.duration <= 50) continue;
          const end = e.startTime + e.duration;
          w.__loaf.push({
            start: e.startTime - w.__t0,
            duration: e.duration,
            blocking: e.blockingDuration,
            render: e.renderStart > 0 ? end - e.renderStart : 0,
            styleLayout: e.styleAndLayoutStart > 0 ? end - e.styleAndLayoutStart : 0,
            scripts: [...e.scripts]
              .sort((a, b) => b.duration - a.duration)
              .slice(0, 5)
              .map((s) => ({ invoker: s.invoker, invokerType: s.invokerType, fn: s.sourceFunctionName, url: s.sourceURL, at: s.sourceCharPosition, duration: s.duration, forcedLayout: s.forcedStyleAndLayoutDuration })),
          });
        }
      }).observe({ type: 'long-animation-frame' });
    }
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
    w.__loaf = [];
    w.__t0 = performance.now();
  });
}

/** The figures recorded since the start or the last reset. */
export async function readPageMetrics(page: PageScript): Promise<PageMetrics> {
  const { long, frames, longFrames } = await page.evaluate(() => {
    const w = window as unknown as Recorder;
    return { long: w.__long, frames: w.__frames, longFrames: w.__loaf ?? [] };
  });
  const sorted = [...frames].sort((a, b) => a - b);
  return { long, p95Frame: sorted[Math.floor(sorted.length * 0.95)] ?? 0, longFrames };
}
