/**
 * What drives the packet inspector in `npm run bench:packets` during its timed steps, per
 * BENCH_DRIVER (as in bench:ui, flood-driver.ts):
 *
 * - `cdp` (the default): the bench's own CDP client (cdp-client.ts) on the page Playwright set
 *   up and left. Clicks and keys are input events (Input.dispatchMouseEvent / KeyEvent), as a
 *   user's reach the page; a wait is one Runtime.evaluate whose promise settles in the first
 *   animation frame its condition holds in. Only Performance is enabled (Profiler, Tracing,
 *   Page when asked): the page's WebSocket frames are not copied to DevTools.
 * - `playwright`: Playwright's page and locators, as the bench drove it before (its Network
 *   domain base64-encodes every frame the page receives, on the page's main thread; a click
 *   waits for its target to be stable over two frames first).
 */

import type { Locator, Page } from 'playwright-core';
import type { DriverName } from './bench-browser';
import type { CdpSender } from './cdp-client';
import type { PageScript } from './flood-driver';

/** What a step clicks: a view tab of the workspace, a button by its text, or the `row`th packet row on screen. */
export type Target = { tab: string } | { button: string } | { row: number };
/** The inspector's two filters (select elements, by their accessible name). */
export type Control = 'Packet type' | 'Direction';
/** The keys the steps press. */
export type Key = 'ArrowDown' | 'End';

/** The inspector's driver. */
export interface InspectorDriver extends PageScript {
  readonly name: DriverName;
  /** The page's CDP session (Performance enabled), for the profiler, traces and Chromium's metrics. */
  readonly cdp: CdpSender;
  click(target: Target): Promise<void>;
  /** Chooses `value` in the select, as Playwright's selectOption does: value set, `input` and `change` dispatched. */
  selectOption(control: Control, value: string): Promise<void>;
  press(key: Key): Promise<void>;
  /** Resolves in the first animation frame `condition(arg)` holds in; rejects after `timeout` ms. */
  waitFor<A>(condition: (arg: A) => boolean, arg: A, timeout: number): Promise<void>;
  /** Clicks `target`, which opens a file chooser, and chooses `file` in it. */
  chooseFile(target: Target, file: string): Promise<void>;
  close(): Promise<void>;
}

/** The old driver: Playwright's page, its locators (scoped to `main` as before) and keyboard. */
export function playwrightInspector(page: Page, cdp: CdpSender): InspectorDriver {
  const main = page.getByRole('main');
  const locate = (target: Target): Locator =>
    'tab' in target
      ? main.getByRole('tab', { name: target.tab })
      : 'button' in target
        ? page.getByRole('button', { name: target.button })
        : main.getByRole('listbox', { name: 'Packets' }).getByRole('option').nth(target.row);
  return {
    name: 'playwright',
    cdp,
    evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => unknown, arg) as never,
    click: (target) => locate(target).click(),
    selectOption: async (control, value) => void (await main.getByLabel(control).selectOption(value)),
    press: (key) => page.keyboard.press(key),
    waitFor: async (condition, arg, timeout) => void (await page.waitForFunction(condition as (arg: unknown) => boolean, arg, { timeout, polling: 'raf' })),
    chooseFile: async (target, file) => {
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), locate(target).click()]);
      await chooser.setFiles(file);
    },
    close: async () => undefined,
  };
}

/** Windows virtual key codes of the keys (what Chromium's key handling reads besides `key` and `code`). */
const KEY_CODES: Record<Key, number> = { ArrowDown: 40, End: 35 };

/** The Input.dispatchKeyEvent parameters of one press of `key`: down (raw: it types no text) and up. */
export function keyEvents(key: Key): Array<Record<string, unknown>> {
  const common = { key, code: key, windowsVirtualKeyCode: KEY_CODES[key], nativeVirtualKeyCode: KEY_CODES[key] };
  return [
    { type: 'rawKeyDown', ...common },
    { type: 'keyUp', ...common },
  ];
}

/**
 * The centre of the element a target names, if it is on screen (run in the page). A row is
 * the `row`th packet row wholly inside the list's visible part: the one a user sees and
 * clicks, where Playwright's `nth` counts rendered rows (some above the fold) and scrolls.
 */
function centreOf(target: Target): { x: number; y: number } | string {
  let element: Element | undefined;
  if ('row' in target) {
    const list = document.querySelector('main [role="listbox"][aria-label="Packets"]');
    if (!list) return 'no packet list';
    const box = list.getBoundingClientRect();
    element = [...list.querySelectorAll('[role="option"]')].filter((o) => {
      const r = o.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom;
    })[target.row];
  } else {
    const [selector, text] = 'tab' in target ? ['main [role="tab"]', target.tab] : ['button', target.button];
    element = [...document.querySelectorAll(selector)].find((e) => (e.textContent ?? '').trim() === text);
  }
  if (!element) return `no ${JSON.stringify(target)} in the page`;
  const r = element.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight) return `${JSON.stringify(target)} is not on screen`;
  return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
}

/** Sets a select's value and tells the page, as Playwright's selectOption does (run in the page). */
function chooseIn({ control, value }: { control: Control; value: string }): string | undefined {
  const select = document.querySelector(`main select[aria-label="${control}"]`);
  if (!(select instanceof HTMLSelectElement)) return `no ${control} select`;
  if (![...select.options].some((o) => o.value === value)) return `no option ${value} in ${control}`;
  select.focus();
  select.value = value;
  select.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
  select.dispatchEvent(new Event('change', { bubbles: true }));
  return undefined;
}

/**
 * Polls `held(arg)` in each animation frame (run in the page), the first one included: a
 * result already in the DOM counts once a frame is about to draw it, as the page's own clock
 * counts it. Settles with whether it held before `timeout` ms. A function of its own
 * source: it goes to the page as text.
 */
export function pollFrames(held: (arg: unknown) => boolean, arg: unknown, timeout: number): Promise<boolean> {
  const until = performance.now() + timeout;
  return new Promise((resolve) => {
    const check = () => {
      if (held(arg)) resolve(true);
      else if (performance.now() > until) resolve(false);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
}

/** The Runtime.evaluate expression that calls `fn` with each argument (JSON, or a function's source). */
export function callExpression(fn: (...args: never[]) => unknown, ...args: unknown[]): string {
  const text = args.map((a) => (typeof a === 'function' ? `(${a.toString()})` : a === undefined ? 'undefined' : JSON.stringify(a)));
  return `(${fn.toString()})(${text.join(', ')})`;
}

/** Runs an expression in the page, awaiting its promise; page exceptions reject with their text. */
async function evaluateExpression<R>(session: CdpSender, expression: string): Promise<R> {
  const { result, exceptionDetails } = await session.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true });
  if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value as R;
}

/**
 * The bench's own driver on a page session (`session`, Performance enabled) that no other
 * DevTools client needs to share; `close` ends it.
 */
export function cdpInspector(session: CdpSender, close: () => Promise<void>): InspectorDriver {
  const evaluate = <R>(fn: (...args: never[]) => unknown, ...args: unknown[]) => evaluateExpression<R>(session, callExpression(fn, ...args));
  const click = async (target: Target) => {
    const at = await evaluate<{ x: number; y: number } | string>(centreOf, target);
    if (typeof at === 'string') throw new Error(`cannot click: ${at}`);
    const { x, y } = at;
    await session.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
    await session.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', buttons: 1, clickCount: 1 });
    await session.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', buttons: 0, clickCount: 1 });
  };
  return {
    name: 'cdp',
    cdp: session,
    evaluate: (fn, arg) => evaluate(fn as (...args: never[]) => unknown, arg),
    click,
    selectOption: async (control, value) => {
      const error = await evaluate<string | undefined>(chooseIn, { control, value });
      if (error) throw new Error(`cannot select: ${error}`);
    },
    press: async (key) => {
      for (const params of keyEvents(key)) await session.send('Input.dispatchKeyEvent', params as never);
    },
    waitFor: async (condition, arg, timeout) => {
      if (!(await evaluate<boolean>(pollFrames, condition, arg, timeout))) throw new Error(`waitFor: timed out after ${timeout} ms`);
    },
    chooseFile: async (target, file) => {
      // The chooser is intercepted (no dialog) and answered with the file, on the input that opened it.
      await session.send('Page.enable');
      await session.send('Page.setInterceptFileChooserDialog', { enabled: true });
      let timer: NodeJS.Timeout | undefined;
      try {
        const opened = new Promise<number>((resolve, reject) => {
          timer = setTimeout(() => reject(new Error('no file chooser opened within 10 s')), 10_000);
          session.once('Page.fileChooserOpened', ({ backendNodeId }) => resolve(backendNodeId!));
        });
        // Handled below; this keeps a click that throws from leaving it unhandled.
        opened.catch(() => undefined);
        await click(target);
        const backendNodeId = await opened;
        await session.send('DOM.setFileInputFiles', { files: [file], backendNodeId });
      } finally {
        clearTimeout(timer);
        await session.send('Page.setInterceptFileChooserDialog', { enabled: false });
        await session.send('Page.disable');
      }
    },
    close,
  };
}
