/**
 * The message list in Chromium while batches arrive: following the newest row (on screen,
 * one render per batch, no scroll write once the log is full and the count stays the same),
 * and leaving the rows in view where they are once the user scrolled up.
 */

import { Profiler } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { render } from 'vitest-browser-react';
import '../../renderer/src/styles.css';
import { MessageList } from '../../renderer/src/components/message-list';
import { MESSAGE_ROW_HEIGHT } from '../../renderer/src/components/message-row';
import { ingestAll, ingestBatch } from '../../renderer/src/store/ingest';
import { MESSAGE_LOG_LIMITS } from '../../renderer/src/store/message-log';
import type { MessageRecord } from '../../shared/contract';

const CAP = 200;
const limits = { ...MESSAGE_LOG_LIMITS };
beforeAll(() => Object.assign(MESSAGE_LOG_LIMITS, { maxItems: CAP }));
afterAll(() => Object.assign(MESSAGE_LOG_LIMITS, limits));

let seq = 0;
const message = (): MessageRecord => {
  seq++;
  return { seq, direction: 'in', topic: `fleet/dev${seq}`, payload: new TextEncoder().encode(`{"n":${seq}}`), payloadSize: 8, qos: 0, retain: false, dup: false, time: seq };
};
/** Sends a batch of `count` messages and waits for the frame that draws it and the next one (a scroll event lands in between). */
async function batch(connectionId: string, count: number): Promise<number> {
  ingestBatch({ connectionId, messages: Array.from({ length: count }, message), dropped: 0, evicted: 0 });
  // All of it before the frame, as the test expects (the page may spread a large batch over tasks).
  ingestAll();
  for (let i = 0; i < 3; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
  return seq;
}

/** Where the row of message `n` is drawn, relative to the list's viewport (undefined: not drawn). */
function rowPosition(scroller: HTMLElement, n: number): { top: number; bottom: number } | undefined {
  const row = scroller.querySelector<HTMLElement>(`[role="listitem"][data-topic="fleet/dev${n}"]`);
  if (!row) return undefined;
  const box = row.getBoundingClientRect();
  const view = scroller.getBoundingClientRect();
  return { top: box.top - view.top, bottom: box.bottom - view.top };
}

/** Counts writes of the element's scrollTop (reads are untouched). */
function countScrollWrites(element: HTMLElement): { writes: number } {
  const counter = { writes: 0 };
  const own = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollTop')!;
  Object.defineProperty(element, 'scrollTop', {
    configurable: true,
    get: () => own.get!.call(element) as number,
    set: (value: number) => {
      counter.writes++;
      own.set!.call(element, value);
    },
  });
  return counter;
}

async function mount(connectionId: string) {
  const commits = { count: 0 };
  const screen = await render(
    <div data-wrapper style={{ display: 'grid', gridTemplateRows: '500px', width: 1200 }}>
      <Profiler id="list" onRender={() => commits.count++}>
        <MessageList connectionId={connectionId} />
      </Profiler>
    </div>,
  );
  const scroller = screen.getByRole('list', { name: 'Messages' }).element() as HTMLElement;
  return { commits, scroller };
}

describe('MessageList following new messages', () => {
  it('keeps the newest row on screen, renders once a batch, and writes no scroll position while the full log stays the same length', async () => {
    const { commits, scroller } = await mount('follow');
    const writes = countScrollWrites(scroller);
    for (let b = 0; b < 8; b++) {
      commits.count = 0;
      const newest = await batch('follow', 40);
      const row = rowPosition(scroller, newest);
      expect(row, `batch ${b}: newest row drawn`).toBeDefined();
      expect(row!.bottom, `batch ${b}: newest row on screen`).toBeLessThanOrEqual(scroller.clientHeight + 1);
      expect(row!.top).toBeGreaterThanOrEqual(0);
      expect(scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight).toBeLessThan(1);
      expect(commits.count, `batch ${b}: commits`).toBe(1);
    }
    // 320 messages into a log of 200: full since batch 5, so the list's height no longer changes.
    writes.writes = 0;
    for (let b = 0; b < 3; b++) {
      const newest = await batch('follow', 40);
      expect(rowPosition(scroller, newest)).toBeDefined();
      expect(rowPosition(scroller, newest)!.bottom).toBeLessThanOrEqual(scroller.clientHeight + 1);
    }
    expect(writes.writes).toBe(0);
  });

  it('stays at the end when the list gets shorter while following', async () => {
    const { scroller } = await mount('resized');
    const newest = await batch('resized', 60);
    (scroller.closest('[data-wrapper]') as HTMLElement).style.gridTemplateRows = '300px';
    for (let i = 0; i < 3; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    expect(scroller.clientHeight).toBeLessThan(300);
    expect(rowPosition(scroller, newest)!.bottom).toBeLessThanOrEqual(scroller.clientHeight + 1);
    expect(rowPosition(scroller, newest)!.bottom).toBeGreaterThan(scroller.clientHeight - MESSAGE_ROW_HEIGHT);
  });

  it('leaves the rows in view where they are once scrolled up, and follows again when scrolled back to the end', async () => {
    const { scroller } = await mount('scrolled');
    await batch('scrolled', CAP);
    scroller.scrollTop = 50 * MESSAGE_ROW_HEIGHT;
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    const watched = seq - CAP + 1 + 55;
    const before = rowPosition(scroller, watched);
    expect(before).toBeDefined();
    const newest = await batch('scrolled', 20); // 20 oldest rows leave the front
    expect(rowPosition(scroller, newest)).toBeUndefined();
    expect(rowPosition(scroller, watched)?.top).toBeCloseTo(before!.top, 0);

    scroller.scrollTop = scroller.scrollHeight;
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    const after = await batch('scrolled', 20);
    expect(rowPosition(scroller, after)!.bottom).toBeLessThanOrEqual(scroller.clientHeight + 1);
  });

  it('scrolled up, draws nothing again and writes no scroll position while older rows leave the front, until their space reaches the view', async () => {
    const { scroller } = await mount('kept');
    await batch('kept', CAP);
    scroller.scrollTop = 100 * MESSAGE_ROW_HEIGHT;
    for (let i = 0; i < 2; i++) await new Promise((resolve) => requestAnimationFrame(resolve));
    const writes = countScrollWrites(scroller);
    const watched = seq - CAP + 1 + 105;
    const row = scroller.querySelector(`[role="listitem"][data-topic="fleet/dev${watched}"]`);
    const before = rowPosition(scroller, watched)!;
    const changes: MutationRecord[] = [];
    const observer = new MutationObserver((records) => changes.push(...records));
    observer.observe(scroller, { subtree: true, childList: true, attributes: true, characterData: true });
    for (let b = 0; b < 4; b++) await batch('kept', 20); // 80 oldest rows leave the front, none of those in view
    observer.disconnect();
    expect(writes.writes).toBe(0);
    // Rows added, removed or changed (the list's height grows by the space kept: not a row).
    const rowChanges = changes.filter((c) => c.type === 'childList' || (c.target instanceof Element ? c.target : c.target.parentElement)?.closest('[role="listitem"]'));
    expect(rowChanges.length, 'DOM changes of the rows').toBe(0);
    expect(scroller.querySelector(`[role="listitem"][data-topic="fleet/dev${watched}"]`)).toBe(row);
    expect(rowPosition(scroller, watched)?.top).toBeCloseTo(before.top, 0);

    // Another 40 leave: the space they left reaches the view, which is drawn from the top again.
    await batch('kept', 40);
    expect(writes.writes).toBeGreaterThan(0);
    expect(scroller.scrollTop).toBeLessThan(1);
    expect(rowPosition(scroller, seq - CAP + 1)!.top).toBeCloseTo(0, 0);
  });
});
