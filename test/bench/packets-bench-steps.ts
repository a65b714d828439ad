/**
 * The inspector interactions `npm run bench:packets` times, the same for a live connection
 * and an opened capture file: filter by type and back, filter by direction, scroll jumps,
 * select a packet (fields, hex and ASCII), keys, then the Flows tab until its analysis of
 * every packet is done. Each figure is from the action to the page showing its result.
 */

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
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
 * Playwright's clock (`timeUntil`'s answer) adds what the page does not: the click's
 * actionability checks (the target stable over two frames) and the round trips of asking
 * and hearing back, which queue behind the page's tasks, e.g. the fetch's pages. Steps
 * without an input event (the fetch, the scroll jumps) have none.
 */
export const pageTimes = new Map<string, number>();
/**
 * The rest of Playwright's clock of each named step, in ms: from the action's start to the
 * page's first input event (the click's checks and dispatch), and from the frame that drew
 * the result to Playwright hearing so.
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
}

/**
 * Starts the page's clock before the action: the first input event from now on is the
 * step's start, and a check of `condition(arg)` in every animation frame notes the first
 * frame it holds in. Playwright's own polling starts only once the action has returned to
 * Node (after the click's checks), too late to see when the result was drawn. Playwright
 * sends a function as its source text, so the installer is built from `condition`'s (no
 * closure survives; the page's CSP does not apply to what the bench evaluates).
 */
async function startPageClock<A extends string | undefined>(page: Page, condition: (arg: A) => boolean, arg: A): Promise<void> {
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
  await page.evaluate(install, arg);
}

/**
 * Milliseconds from starting `action` until `condition(arg)` holds in the page, polled each
 * frame (a function: the CSP forbids eval), by Playwright's clock; the page's own clock of
 * the step goes to `pageTimes`.
 */
export async function timeUntil<A extends string | undefined>(page: Page, action: () => Promise<unknown>, condition: (arg: A) => boolean, arg: A, timeout = 60_000): Promise<number> {
  const profiler = PROFILE_DIR && profiledStep ? await page.context().newCDPSession(page) : undefined;
  if (profiler) {
    await profiler.send('Profiler.enable');
    await profiler.send('Profiler.start');
  }
  const step = profiledStep;
  const tracer = TRACE_DIR && step ? await page.context().newCDPSession(page) : undefined;
  const traced = tracer ? tracePage(tracer, path.join(TRACE_DIR!, `${step}.json`), TRACE_SECONDS) : undefined;
  // Tracing.start is sent at once; this lets it begin before the action does.
  if (traced) await new Promise((r) => setTimeout(r, 100));
  await startPageClock(page, condition, arg);
  const start = performance.now();
  const startEpoch = performance.timeOrigin + start;
  await action();
  try {
    await page.waitForFunction(condition as (arg: unknown) => boolean, arg, { timeout, polling: 'raf' });
    const took = performance.now() - start;
    const heardEpoch = performance.timeOrigin + performance.now();
    // The page's check runs each frame: the frame that draws the result may still be coming.
    await page.waitForFunction(() => (window as unknown as PageClock).__benchDone !== undefined, undefined, { timeout, polling: 'raf' });
    const clock = await page.evaluate(() => {
      const w = window as unknown as PageClock;
      w.__benchListeners?.abort();
      return { start: w.__benchStart, done: w.__benchDone, shown: w.__benchShown ?? '', origin: performance.timeOrigin };
    });
    // No input event (the fetch, the scroll jumps), or the condition held before it: no page clock.
    if (step && clock.start !== undefined && clock.done !== undefined && clock.done >= clock.start) {
      pageTimes.set(step, clock.done - clock.start);
      pageShown.set(step, clock.shown);
      // Both clocks read the same machine's time since the epoch (to a millisecond or so).
      benchShares.set(step, { beforeInput: clock.origin + clock.start - startEpoch, afterDrawn: heardEpoch - (clock.origin + clock.done) });
    }
    if (traced) console.log(`trace of ${step} (${took.toFixed(0)} ms, ${TRACE_SECONDS} s traced):\n  ${(await traced).join('\n  ')}`);
    if (profiler) {
      writeFileSync(path.join(PROFILE_DIR!, `${profiledStep}.cpuprofile`), JSON.stringify((await profiler.send('Profiler.stop')).profile));
      await profiler.detach();
    }
    profiledStep = '';
    return took;
  } catch (error) {
    // Say what the page showed instead, so a changed page is told from a slow one.
    const shown = await page.evaluate(() => ({
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

/** Runs the steps on the inspector inside `scope` (the connection or capture view). */
export async function inspectorSteps(page: Page, scope: Locator): Promise<StepTimes> {
  profileStep('filter');
  const filter = await timeUntil(
    page,
    () => scope.getByLabel('Packet type').selectOption('SUBACK'),
    countMatches,
    // 0 when a full ring has already evicted the SUBACK from before the flood.
    '^[01] of',
  );
  profileStep('unfilter');
  const unfilter = await timeUntil(page, () => scope.getByLabel('Packet type').selectOption('all'), countMatches, '^(\\d+) of \\1 ');
  profileStep('direction');
  const direction = await timeUntil(page, () => scope.getByLabel('Direction').selectOption('out'), countMatches, '^\\d{1,3} of');
  await scope.getByLabel('Direction').selectOption('all');
  // Scroll: jump through the list in ten steps and drag back to the middle.
  const timeline = scope.getByRole('listbox', { name: 'Packets' });
  profileStep('scroll');
  const scroll = await timeUntil(
    page,
    () =>
      timeline.evaluate(async (el) => {
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
  const select = await timeUntil(page, () => timeline.getByRole('option').nth(5).click(), () => !!document.querySelector('[aria-label="Hex dump"] .ascii-byte'), undefined);
  profileStep('keys');
  const keys = await timeUntil(
    page,
    async () => {
      for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('End');
    },
    () => {
      const list = document.querySelector('[role=listbox]');
      const options = list?.querySelectorAll('[role=option]');
      return !!options?.length && list?.getAttribute('aria-activedescendant') === options[options.length - 1]!.id;
    },
    undefined,
  );
  profileStep('flows');
  const flows = await timeUntil(page, () => scope.getByRole('tab', { name: 'Flows' }).click(), () => /packets analysed/.test(document.querySelector('[aria-label="Analysis status"]')?.textContent ?? ''), undefined, 300_000);
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

/** The page's clock of the named steps, as printed after Playwright's. */
export function inPage(...steps: string[]): string {
  const times = steps.map((step) => pageTimes.get(step));
  return times.every((t) => t !== undefined) ? ` (in the page: ${times.map((t) => `${t.toFixed(0)} ms`).join(' / ')})` : '';
}
