/**
 * The inspector interactions `npm run bench:packets` times, the same for a live connection
 * and an opened capture file: filter by type and back, filter by direction, scroll jumps,
 * select a packet (fields, hex and ASCII), keys, then the Flows tab until its analysis of
 * every packet is done. Each figure is from the action to the page showing its result, by
 * the bench's clock (the driver's: packets-driver.ts) and by the page's own.
 */

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { CdpSender } from './cdp-client';
import type { InspectorDriver } from './packets-driver';
import { tracePage } from './page-trace';

/**
 * `BENCH_PROFILE_DIR=dir`: each timed step also records the page's CPU into
 * `dir/<step>.cpuprofile` (Chrome DevTools reads it). The profiler slows the page, so the
 * figures of a profiled run are not comparable with an unprofiled one.
 */
const PROFILE_DIR = process.env.BENCH_PROFILE_DIR;
/**
 * `BENCH_TRACE_DIR=dir`: each timed step also records `BENCH_TRACE_SECONDS` (default 3) of
 * Chromium trace from just before its action into `dir/<step>.json` (DevTools' Performance
 * panel reads it) and prints the page main thread's time by event: what the CPU profile
 * calls "(program)" (style, layout, paint, message dispatch) is named there.
 */
const TRACE_DIR = process.env.BENCH_TRACE_DIR;
const TRACE_SECONDS = Number(process.env.BENCH_TRACE_SECONDS ?? 3);
let profiledStep = '';

/** Names the profile the next `timeUntil` writes (when profiling). */
export function profileStep(name: string): void {
  profiledStep = name;
}

/**
 * The page's own clock of each named step, in ms: from the first input event the action
 * caused (its `timeStamp`: when the browser took the click, key or change in) to the
 * animation frame in which the condition first held (the frame that draws the result).
 * The bench's clock (`timeUntil`'s answer) adds what the page does not: the round trips of
 * asking and hearing back and, with Playwright, the click's actionability checks (the
 * target stable over two frames) and its round trips queued behind the page's tasks, e.g.
 * the fetch's pages. Steps without an input event (the fetch, the scroll jumps) have none.
 */
export const pageTimes = new Map<string, number>();
/**
 * The longest Event Timing entry (input to the next paint, in 8 ms steps; only those of
 * 16 ms or more are reported) of each named step's input events, in ms; 0 when none was.
 */
export const eventTimes = new Map<string, number>();
/**
 * The rest of the bench's clock of each named step, in ms: from the action's start to the
 * page's first input event (with Playwright, the click's checks and dispatch), and from the
 * frame that drew the result to the bench hearing so.
 */
export const benchShares = new Map<string, { beforeInput: number; afterDrawn: number }>();
/** What "Packet count" said in the frame each named step's page clock stopped. */
export const pageShown = new Map<string, string>();

interface PageClock {
  __benchStart?: number;
  __benchDone?: number;
  __benchListeners?: AbortController;
  __benchToken?: object;
  __benchShown?: string;
  __benchEvents?: PerformanceObserver;
  __benchEventMax?: number;
}

/**
 * Starts the page's clock before the action: the first input event from now on is the
 * step's start, and a check of `condition(arg)` in every animation frame notes the first
 * frame it holds in. Playwright's own polling starts only once the action has returned to
 * Node (after the click's checks), too late to see when the result was drawn. Playwright
 * sends a function as its source text, so the installer is built from `condition`'s (no
 * closure survives; the page's CSP does not apply to what the bench evaluates).
 */
async function startPageClock<A extends string | undefined>(driver: InspectorDriver, condition: (arg: A) => boolean, arg: A): Promise<void> {
  const install = new Function(
    'arg',
    `const held = (${condition.toString()});
    const w = window;
    w.__benchListeners?.abort();
    w.__benchListeners = new AbortController();
    w.__benchStart = undefined;
    w.__benchDone = undefined;
    const mark = (event) => { w.__benchStart ??= event.timeStamp; };
    for (const type of ['pointerdown', 'keydown', 'input', 'change']) addEventListener(type, mark, { capture: true, signal: w.__benchListeners.signal });
    w.__benchEvents?.disconnect();
    w.__benchEventMax = 0;
    const note = (entries) => {
      for (const e of entries) if (w.__benchStart !== undefined && e.startTime >= w.__benchStart - 1) w.__benchEventMax = Math.max(w.__benchEventMax, e.duration);
    };
    w.__benchEvents = new PerformanceObserver((list) => note(list.getEntries()));
    w.__benchEvents.observe({ type: 'event', durationThreshold: 16 });
    w.__benchNote = note;
    const token = (w.__benchToken = {});
    const check = () => {
      if (w.__benchToken !== token) return;
      if (!held(arg)) return void requestAnimationFrame(check);
      // Not the frame's own time: an event handled in this frame may carry a later timeStamp.
      w.__benchDone = performance.now();
      w.__benchShown = document.querySelector('[aria-label="Packet count"]')?.textContent ?? '';
    };
    requestAnimationFrame(check);`,
  ) as (arg: string | undefined) => void;
  await driver.evaluate(install, arg);
}

/**
 * The driver's session for one step's trace: the CDP driver's `on` has no way to stop
 * listening, so the step's listeners are let go (and the trace they collected with them)
 * when the step stops.
 */
function stepListeners(cdp: CdpSender): CdpSender & { stop(): void } {
  // What the session holds is a slot; emptied, it holds nothing of the step's.
  const slots: Array<{ listener?: (params: unknown) => void }> = [];
  const slot = (listener: (params: unknown) => void) => {
    const held: { listener?: (params: unknown) => void } = { listener };
    slots.push(held);
    return (params: unknown) => held.listener?.(params);
  };
  const scoped = {
    send: cdp.send.bind(cdp),
    on: (event: string, listener: (params: unknown) => void) => {
      cdp.on(event as never, slot(listener));
      return scoped;
    },
    once: (event: string, listener: (params: unknown) => void) => {
      cdp.once(event as never, slot(listener));
      return scoped;
    },
    stop: () => {
      for (const held of slots) held.listener = undefined;
    },
  };
  return scoped as unknown as CdpSender & { stop(): void };
}

/**
 * Milliseconds from starting `action` until `condition(arg)` holds in the page, polled each
 * frame (a function: the CSP forbids eval), by the bench's clock; the page's own clock of
 * the step goes to `pageTimes`, its longest Event Timing entry to `eventTimes`.
 */
export async function timeUntil<A extends string | undefined>(driver: InspectorDriver, action: () => Promise<unknown>, condition: (arg: A) => boolean, arg: A, timeout = 60_000): Promise<number> {
  const step = profiledStep;
  // The driver's one session: the CDP driver's page has no other, and Playwright's is its own.
  const profiler = PROFILE_DIR && step ? driver.cdp : undefined;
  if (profiler) {
    await profiler.send('Profiler.enable');
    await profiler.send('Profiler.start');
  }
  const tracer = TRACE_DIR && step ? stepListeners(driver.cdp) : undefined;
  const traced = tracer ? tracePage(tracer, path.join(TRACE_DIR!, `${step}.json`), TRACE_SECONDS).finally(() => tracer.stop()) : undefined;
  // Tracing.start is sent at once; this lets it begin before the action does.
  if (traced) await new Promise((r) => setTimeout(r, 100));
  await startPageClock(driver, condition, arg);
  const start = performance.now();
  const startEpoch = performance.timeOrigin + start;
  await action();
  try {
    await driver.waitFor(condition, arg, timeout);
    const took = performance.now() - start;
    const heardEpoch = performance.timeOrigin + performance.now();
    // The page's check runs each frame: the frame that draws the result may still be coming.
    await driver.waitFor(() => (window as unknown as PageClock).__benchDone !== undefined, undefined, timeout);
    const clock = await driver.evaluate(async () => {
      const w = window as unknown as PageClock & { __benchNote?: (entries: PerformanceEntryList) => void };
      w.__benchListeners?.abort();
      // Event Timing reports an event after the paint that ends it: two frames and a task later, it is in.
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0))));
      if (w.__benchEvents) w.__benchNote?.(w.__benchEvents.takeRecords());
      w.__benchEvents?.disconnect();
      return { start: w.__benchStart, done: w.__benchDone, shown: w.__benchShown ?? '', origin: performance.timeOrigin, event: w.__benchEventMax ?? 0 };
    });
    // No input event (the fetch, the scroll jumps), or the condition held before it: no page clock.
    if (step && clock.start !== undefined && clock.done !== undefined && clock.done >= clock.start) {
      pageTimes.set(step, clock.done - clock.start);
      eventTimes.set(step, clock.event);
      pageShown.set(step, clock.shown);
      // Both clocks read the same machine's time since the epoch (to a millisecond or so).
      benchShares.set(step, { beforeInput: clock.origin + clock.start - startEpoch, afterDrawn: heardEpoch - (clock.origin + clock.done) });
    }
    if (traced) console.log(`trace of ${step} (${took.toFixed(0)} ms, ${TRACE_SECONDS} s traced):\n  ${(await traced).join('\n  ')}`);
    if (profiler) {
      writeFileSync(path.join(PROFILE_DIR!, `${step}.cpuprofile`), JSON.stringify((await profiler.send('Profiler.stop')).profile));
      await profiler.send('Profiler.disable');
    }
    profiledStep = '';
    return took;
  } catch (error) {
    // Say what the page showed instead, so a changed page is told from a slow one.
    const shown = await driver.evaluate(() => ({
      count: document.querySelector('[aria-label="Packet count"]')?.textContent,
      analysis: document.querySelector('[aria-label="Analysis status"]')?.textContent,
      rows: document.querySelectorAll('[role=option]').length,
    }));
    throw new Error(`${(error as Error).message}\nthe page showed: ${JSON.stringify(shown)} (waiting for ${String(arg)})`);
  }
}

export const hasRows = () => document.querySelectorAll('[role=option]').length > 0;
export const countMatches = (pattern: string) => new RegExp(pattern).test(document.querySelector('[aria-label="Packet count"]')?.textContent ?? '');

/** Timings of one run of the steps, in ms. */
export interface StepTimes {
  filter: number;
  unfilter: number;
  direction: number;
  scroll: number;
  select: number;
  keys: number;
  flows: number;
}

/** Runs the steps on the inspector of the workspace on screen (the connection or capture view). */
export async function inspectorSteps(driver: InspectorDriver): Promise<StepTimes> {
  profileStep('filter');
  const filter = await timeUntil(
    driver,
    () => driver.selectOption('Packet type', 'SUBACK'),
    countMatches,
    // 0 when a full ring has already evicted the SUBACK from before the flood.
    '^[01] of',
  );
  profileStep('unfilter');
  const unfilter = await timeUntil(driver, () => driver.selectOption('Packet type', 'all'), countMatches, '^(\\d+) of \\1 ');
  profileStep('direction');
  const direction = await timeUntil(driver, () => driver.selectOption('Direction', 'out'), countMatches, '^\\d{1,3} of');
  await driver.selectOption('Direction', 'all');
  // Scroll: jump through the list in ten steps and drag back to the middle.
  profileStep('scroll');
  const scroll = await timeUntil(
    driver,
    () =>
      driver.evaluate(async () => {
        const el = document.querySelector('main [role="listbox"][aria-label="Packets"]')!;
        for (let i = 1; i <= 10; i++) {
          el.scrollTop = (el.scrollHeight * i) / 10;
          await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        }
        el.scrollTop = el.scrollHeight / 2;
      }),
    hasRows,
    undefined,
  );
  profileStep('select');
  const select = await timeUntil(driver, () => driver.click({ row: 5 }), () => !!document.querySelector('[aria-label="Hex dump"] .ascii-byte'), undefined);
  profileStep('keys');
  const keys = await timeUntil(
    driver,
    async () => {
      for (let i = 0; i < 20; i++) await driver.press('ArrowDown');
      await driver.press('End');
    },
    () => {
      const list = document.querySelector('[role=listbox]');
      const options = list?.querySelectorAll('[role=option]');
      return !!options?.length && list?.getAttribute('aria-activedescendant') === options[options.length - 1]!.id;
    },
    undefined,
  );
  profileStep('flows');
  const flows = await timeUntil(driver, () => driver.click({ tab: 'Flows' }), () => /packets analysed/.test(document.querySelector('[aria-label="Analysis status"]')?.textContent ?? ''), undefined, 300_000);
  return { filter, unfilter, direction, scroll, select, keys, flows };
}

/** The steps' figures as the bench prints them. */
export function printSteps(t: StepTimes): void {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  console.log(`filter by type (SUBACK)    ${ms(t.filter)}; back to all ${ms(t.unfilter)}; by direction ${ms(t.direction)}${inPage('filter', 'unfilter', 'direction')}`);
  console.log(`scroll 10 jumps + middle   ${ms(t.scroll)}`);
  console.log(`select a packet            ${ms(t.select)}${inPage('select')}`);
  console.log(`20 × ArrowDown then End    ${ms(t.keys)}${inPage('keys')}`);
  console.log(`Flows tab, all analysed    ${ms(t.flows)}${inPage('flows')}`);
}

/** The page's clock of the named steps, and their longest Event Timing entries, as printed after the bench's. */
export function inPage(...steps: string[]): string {
  const times = steps.map((step) => pageTimes.get(step));
  if (!times.every((t) => t !== undefined)) return '';
  const events = steps.map((step) => eventTimes.get(step) ?? 0);
  const event = Math.max(...events) > 0 ? `; Event Timing, longest: ${events.map((t) => (t > 0 ? `${t.toFixed(0)} ms` : '< 16 ms')).join(' / ')}` : '; every event < 16 ms by Event Timing';
  return ` (in the page: ${times.map((t) => `${t.toFixed(0)} ms`).join(' / ')}${event})`;
}
