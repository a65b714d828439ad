/**
 * What drives the page during the UI bench's flood: script in the page, real clicks (input
 * events, so Event Timing measures them) and a CDP session for Chromium's own figures. Two
 * drivers (BENCH_DRIVER):
 *
 * - `cdp` (the default): the bench's own CDP client (cdp-client.ts) attached to the page
 *   after Playwright has done the set-up and disconnected. It enables Performance only (and
 *   Profiler or Tracing when asked), not Network: the page's WebSocket frames are not copied
 *   to DevTools.
 * - `playwright`: Playwright's page, as the bench drove it before; Playwright enables the
 *   Network domain, so every frame the page receives is base64-encoded on its main thread
 *   and sent to the bench (`Network.webSocketFrameReceived`).
 */

import type { CDPSession, Page } from 'playwright-core';
import { connectCdp, type CdpConnection, type CdpSender, type CdpSession } from './cdp-client';
import { setupStep } from './fleet-page';

/** Script run in the page, as Playwright's `page.evaluate` runs it: a function and its (JSON) argument. */
export interface PageScript {
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
}

/** The flood's driver. */
export interface FloodDriver extends PageScript {
  readonly name: 'cdp' | 'playwright';
  /** Whether another DevTools client (Playwright) was attached to the page when the driver started. */
  readonly shared: boolean;
  /** The page's CDP session (Performance is enabled). */
  readonly cdp: CdpSender;
  /** Clicks the view tab of that name with real mouse events; rejects when there is none. */
  clickTab(name: string): Promise<void>;
  /** Clicks the first topic-tree row of that name if one is on screen; whether it did. */
  selectTreeRow(name: string): Promise<boolean>;
  /** Stops driving (the CDP driver detaches; Playwright's page stays open). */
  close(): Promise<void>;
}

/** Playwright's page as a {@link PageScript}. */
export function playwrightScript(page: Page): PageScript {
  return { evaluate: (fn, arg) => page.evaluate(fn as (arg: unknown) => unknown, arg) as never };
}

/** The driver the bench used before: Playwright's page (Network domain enabled). */
export async function playwrightDriver(page: Page): Promise<FloodDriver & { cdp: CDPSession }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return {
    name: 'playwright',
    shared: true,
    cdp,
    ...playwrightScript(page),
    // Through setupStep: a click that times out says what the page showed (seen in the Sparkplug flood).
    clickTab: (name) => setupStep(page, `click ${name} during the flood`, () => page.getByRole('tab', { name, exact: true }).click()),
    selectTreeRow: async (name) => {
      const row = page.getByRole('tree', { name: 'Topic tree' }).getByRole('button', { name, exact: true }).first();
      if (!(await row.isVisible().catch(() => false))) return false;
      return row.click({ timeout: 1000 }).then(
        () => true,
        () => false,
      );
    },
    close: async () => undefined,
  };
}

/** Runs `fn(arg)` in the page through Runtime.evaluate; page exceptions reject with their text. */
async function evaluateIn<R, A>(session: CdpSession, fn: (arg: A) => R | Promise<R>, arg: A | undefined): Promise<R> {
  const { result, exceptionDetails } = await session.send('Runtime.evaluate', {
    expression: `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`,
    awaitPromise: true,
    returnByValue: true,
  });
  if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value as R;
}

/** The centre of the first element matching `selector` whose text is `text`, if it is on screen. */
function findCentre({ selector, text }: { selector: string; text: string }): { x: number; y: number } | null {
  for (const element of document.querySelectorAll(selector)) {
    if ((element.textContent ?? '').trim() !== text) continue;
    const r = element.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || r.bottom < 0 || r.top > innerHeight) return null;
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }
  return null;
}

/** A left click at a point, as input events (move, press, release) the page receives as a user's. */
async function mouseClick(session: CdpSession, { x, y }: { x: number; y: number }): Promise<void> {
  await session.send('Input.dispatchMouseEvent', { type: 'mouseMoved', x, y });
  await session.send('Input.dispatchMouseEvent', { type: 'mousePressed', x, y, button: 'left', buttons: 1, clickCount: 1 });
  await session.send('Input.dispatchMouseEvent', { type: 'mouseReleased', x, y, button: 'left', buttons: 0, clickCount: 1 });
}

/**
 * The bench's own CDP driver on the page at `url` of the browser at `wsUrl` (a page Playwright
 * has set up and left). Enables Performance only.
 */
export async function cdpDriver(wsUrl: string, url: string): Promise<FloodDriver> {
  const connection: CdpConnection = await connectCdp(wsUrl);
  try {
    const { targetInfos } = await connection.browser.send('Target.getTargets');
    const target = targetInfos.find((t) => t.type === 'page' && t.url.startsWith(url));
    if (!target) throw new Error(`No page at ${url} (pages: ${targetInfos.map((t) => t.url).join(', ')})`);
    const session = await connection.attach(target.targetId);
    await session.send('Performance.enable');
    return {
      name: 'cdp',
      // Checked before attaching: Playwright, once disconnected, has left the page.
      shared: target.attached,
      cdp: session,
      evaluate: (fn, arg) => evaluateIn(session, fn, arg),
      clickTab: async (name) => {
        const at = await evaluateIn(session, findCentre, { selector: '[role="tablist"][aria-label="Views"] [role="tab"]', text: name });
        if (!at) throw new Error(`No "${name}" tab on screen to click`);
        await mouseClick(session, at);
      },
      selectTreeRow: async (name) => {
        const at = await evaluateIn(session, findCentre, { selector: '[role="tree"][aria-label="Topic tree"] button.topic-name', text: name });
        if (at) await mouseClick(session, at);
        return at !== null;
      },
      close: () => connection.close(),
    };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
