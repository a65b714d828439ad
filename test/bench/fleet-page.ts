/**
 * What the UI bench records inside the page, beside page-metrics.ts (long tasks, frame
 * intervals): the page's message total over time (to tell how long each published message
 * took to be counted), how long clicks took to be answered (Event Timing: from the input
 * to the next paint), and how many rows each frame changed in the topic tree and the
 * message list against how many are in the page. Plus a helper that times one action in
 * the page until what it should show is drawn.
 */

import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import type { CdpSender } from './cdp-client';
import type { PageScript } from './flood-driver';

interface FleetRecorder {
  __fleet: {
    totals: Array<[at: number, total: number]>;
    clicks: number[];
    /** Per frame with changes: [rows changed, rows in the page]. */
    rowFrames: Array<[changed: number, inPage: number]>;
    /** Frames in which one row changed more than once. */
    doubleUpdates: number;
  };
}

/** Starts recording (once per page). */
export async function startFleetRecorder(page: PageScript): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as FleetRecorder;
    w.__fleet = { totals: [], clicks: [], rowFrames: [], doubleUpdates: 0 };
    const rec = w.__fleet;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (e.name === 'click' || e.name === 'pointerup' || e.name === 'pointerdown') rec.clicks.push(e.duration);
    }).observe({ type: 'event', durationThreshold: 16, buffered: false } as PerformanceObserverInit);
    // Rows changed per frame, and how many separate updates (observer callbacks: one per
    // task, so one per React commit) touched each of them.
    const changed = new Map<Element, number>();
    new MutationObserver((records) => {
      const rows = new Set<Element>();
      for (const r of records) {
        const node = r.target instanceof Element ? r.target : r.target.parentElement;
        const row = node?.closest('[role="treeitem"], [role="listitem"]');
        if (row) rows.add(row);
      }
      for (const row of rows) changed.set(row, (changed.get(row) ?? 0) + 1);
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
    let lastTotal = -1;
    const frame = () => {
      const text = document.querySelector('[aria-label="Message totals"]')?.textContent ?? '';
      const total = Number(/^(\d+) messages/.exec(text)?.[1] ?? -1);
      if (total !== lastTotal) {
        lastTotal = total;
        rec.totals.push([performance.timeOrigin + performance.now(), total]);
      }
      if (changed.size > 0) {
        for (const updates of changed.values()) if (updates > 1) rec.doubleUpdates++;
        rec.rowFrames.push([changed.size, document.querySelectorAll('[role="treeitem"], [role="listitem"]').length]);
        changed.clear();
      }
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
}

/** What was recorded since the last reset. */
export async function readFleetRecorder(page: PageScript): Promise<FleetRecorder['__fleet']> {
  return page.evaluate(() => (window as unknown as FleetRecorder).__fleet);
}

/** Forgets what was recorded. */
export async function resetFleetRecorder(page: PageScript): Promise<void> {
  await page.evaluate(() => {
    const rec = (window as unknown as FleetRecorder).__fleet;
    rec.totals = [];
    rec.clicks = [];
    rec.rowFrames = [];
    rec.doubleUpdates = 0;
  });
}

/**
 * For each publisher report (messages sent by then, when), how long until the page's total
 * reached it: the delay from publish to counted. Undefined entries never arrived.
 */
export function countingDelays(sent: ReadonlyArray<{ sent: number; at: number }>, totals: ReadonlyArray<[number, number]>, baseline: number): Array<number | undefined> {
  const out: Array<number | undefined> = [];
  let j = 0;
  for (const report of sent) {
    while (j < totals.length && totals[j]![1] - baseline < report.sent) j++;
    out.push(j < totals.length ? Math.max(0, totals[j]![0] - report.at) : undefined);
  }
  return out;
}

/** When a timed action is done: the first element matching `selector` shows it. */
export interface DoneWhen {
  selector: string;
  /** Its text contains this. */
  text?: string;
  /** Its text does not contain this. */
  absentText?: string;
  /** Exactly this many elements match instead. */
  count?: number;
  /** It scrolls at least this high (a virtualized list that grew). */
  minScrollHeight?: number;
}

/** An action the page performs on itself while being timed. */
export type PageAction = { click: string } | { fill: string; value: string };

/**
 * Times an action in the page: from just before it until the first frame in which
 * `doneWhen` (a CSS selector that must match, and optionally text it must contain) holds,
 * plus that frame's paint. Rejects after `timeoutMs`.
 */
export async function timeInPage(page: PageScript, action: PageAction, doneWhen: DoneWhen, timeoutMs = 30_000): Promise<number> {
  return page.evaluate(
    async ({ action, doneWhen, timeoutMs }) => {
      const start = performance.now();
      if ('click' in action) {
        const target = document.querySelector(action.click) as HTMLElement | null;
        if (!target) throw new Error(`Nothing to click at ${action.click}`);
        target.click();
      } else {
        const input = document.querySelector(action.fill) as HTMLInputElement | null;
        if (!input) throw new Error(`No field at ${action.fill}`);
        // React listens for input events and reads the value through the native setter.
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(input, action.value);
        input.dispatchEvent(new Event('input', { bubbles: true }));
      }
      const holds = () => {
        const elements = document.querySelectorAll(doneWhen.selector);
        const element = elements[0];
        if (doneWhen.count !== undefined) return elements.length === doneWhen.count;
        if (!element) return false;
        const text = element.textContent ?? '';
        if (doneWhen.text !== undefined && !text.includes(doneWhen.text)) return false;
        if (doneWhen.absentText !== undefined && text.includes(doneWhen.absentText)) return false;
        return doneWhen.minScrollHeight === undefined || element.scrollHeight >= doneWhen.minScrollHeight;
      };
      const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
      while (!holds()) {
        if (performance.now() - start > timeoutMs) {
          const elements = document.querySelectorAll(doneWhen.selector);
          const seen = elements[0] ? `${elements.length} match, scrollHeight ${elements[0].scrollHeight}, text "${(elements[0].textContent ?? '').slice(0, 80)}"` : 'nothing matches';
          throw new Error(`Timed out waiting for ${JSON.stringify(doneWhen)} (${seen})`);
        }
        await frame();
      }
      // The frame that shows it is painted by the time the next one starts.
      await frame();
      return performance.now() - start;
    },
    { action, doneWhen, timeoutMs },
  );
}

/** Reads the page's message total from the tab bar. */
export async function pageTotal(page: PageScript): Promise<number> {
  return Number(/^(\d+) messages/.exec(await totalsText(page))?.[1] ?? 0);
}

/** The text of the tab bar's message totals ("N messages …"). */
export async function totalsText(page: PageScript): Promise<string> {
  return page.evaluate(() => document.querySelector('[aria-label="Message totals"]')?.textContent ?? '');
}

/** Starts a CPU profile of the page when `prefix` is set; the returned function writes it to PREFIX-NAME.cpuprofile. */
export async function cpuProfile(cdp: CdpSender, prefix: string | undefined, name: string): Promise<() => Promise<void>> {
  if (!prefix) return async () => undefined;
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
  return async () => {
    const { profile } = await cdp.send('Profiler.stop');
    const file = `${prefix}-${name}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    console.log(`  (CPU profile of the page written to ${file})`);
  };
}

/** Main-thread work of the page as Chromium counts it (CDP Performance.getMetrics), cumulative. */
export interface MainThreadWork {
  /** Seconds. */
  task: number;
  script: number;
  layout: number;
  style: number;
  layouts: number;
  styles: number;
  at: number;
}

/** Reads the page's cumulative main-thread figures (Performance.enable must have been sent). */
export async function mainThreadWork(cdp: CdpSender): Promise<MainThreadWork> {
  const metrics = new Map((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const get = (name: string) => metrics.get(name) ?? 0;
  return { task: get('TaskDuration'), script: get('ScriptDuration'), layout: get('LayoutDuration'), style: get('RecalcStyleDuration'), layouts: get('LayoutCount'), styles: get('RecalcStyleCount'), at: performance.now() };
}

/**
 * The work between two readings, as one line: share of wall time busy, and what with; with
 * `messages`, also the busy time per message (comparable between runs whatever their length).
 */
export function describeWork(before: MainThreadWork, after: MainThreadWork, messages?: number): string {
  const wall = (after.at - before.at) / 1000;
  const pct = (s: number) => `${((100 * s) / wall).toFixed(0)} %`;
  const busy = after.task - before.task;
  const perMessage = messages ? `, ${((busy * 1e6) / messages).toFixed(1)} µs per message` : '';
  return `busy ${busy.toFixed(1)} s, ${pct(busy)} of the time${perMessage}: script ${pct(after.script - before.script)}, layout ${pct(after.layout - before.layout)} (${Math.round(after.layouts - before.layouts)}×), style ${pct(after.style - before.style)} (${Math.round(after.styles - before.styles)}×)`;
}

/**
 * Runs one setup step of a bench (a click, a subscription); when it fails, says what the page
 * was doing before rethrowing: whether its main thread still answers (a page stuck in a task
 * does not), which tabs and dialogs it shows, and a screenshot in test/artifacts. A Sparkplug
 * flood once stopped waiting 30 s to click "Topics" and left nothing to tell a stuck page from
 * a covered or missing tab.
 */
export async function setupStep<T>(page: Page, what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const within = <V>(promise: Promise<V>, fallback: V) => Promise.race([promise.catch(() => fallback), new Promise<V>((r) => setTimeout(() => r(fallback), 5000))]);
    const answers = await within(
      page.evaluate(() => true).then(() => 'answers script'),
      'did not answer script within 5 s (stuck in a task)',
    );
    const tabs = await within(page.getByRole('tab').evaluateAll((els) => els.map((el) => `${el.textContent ?? ''}${el.getAttribute('aria-selected') === 'true' ? ' (selected)' : ''}`)), ['(not read)']);
    const dialogs = await within(page.getByRole('dialog').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label') ?? el.textContent?.slice(0, 60) ?? '')), ['(not read)']);
    const toasts = await within(page.locator('.toast').allTextContents(), ['(not read)']);
    const shot = `test/artifacts/bench-setup-${what.replace(/\W+/g, '-')}.png`;
    await within(page.screenshot({ path: shot }).then(() => undefined), undefined);
    console.error(`Bench setup step "${what}" failed: ${(error as Error).message.split('\n')[0]}`);
    console.error(`  the page ${answers}; tabs: ${tabs.join(', ') || 'none'}; dialogs: ${dialogs.join(', ') || 'none'}; toasts: ${toasts.join(' | ') || 'none'}; screenshot ${shot}`);
    throw error;
  }
}
