/**
 * BENCH_TRACE=FILE: a few seconds of a Chromium trace (devtools.timeline) taken in the middle
 * of the flood, written to FILE (open it in DevTools' Performance panel), and the page main
 * thread's time by event, self time (a task minus the events inside it). The CPU profile
 * shows script only; "(program)" there, and the busy time Chromium's metrics give beyond
 * script, layout and style, are named here (paint, commit, message dispatch, GC…).
 */

import { writeFileSync } from 'node:fs';
import type { CdpSender } from './cdp-client';

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

/** Records `seconds` of trace; returns the top events of the renderer's main thread, one per line. */
export async function tracePage(cdp: CdpSender, file: string, seconds: number): Promise<string[]> {
  const events: TraceEvent[] = [];
  const collected = new Promise<void>((resolve) => {
    cdp.on('Tracing.dataCollected', ({ value }) => events.push(...(value as unknown as TraceEvent[])));
    cdp.once('Tracing.tracingComplete', () => resolve());
  });
  await cdp.send('Tracing.start', { categories: 'devtools.timeline,v8,disabled-by-default-v8.gc,blink,cc,toplevel', transferMode: 'ReportEvents' });
  await new Promise((r) => setTimeout(r, seconds * 1000));
  await cdp.send('Tracing.end');
  await collected;
  writeFileSync(file, JSON.stringify({ traceEvents: events }));
  // The page's main thread: the thread named CrRendererMain with the most complete events.
  const mains = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const busiest = mains
    .map((m) => ({ m, n: events.filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X').length }))
    .sort((a, b) => b.n - a.n)[0]?.m;
  if (!busiest) return ['no renderer main thread in the trace'];
  const spans = events.filter((e) => e.pid === busiest.pid && e.tid === busiest.tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  // Self time: each span's duration minus its direct children's (spans nest on one thread).
  const self = new Map<string, number>();
  const stack: Array<{ e: TraceEvent; end: number; children: number }> = [];
  const close = (entry: { e: TraceEvent; children: number }) => self.set(entry.e.name, (self.get(entry.e.name) ?? 0) + entry.e.dur! - entry.children);
  for (const e of spans) {
    while (stack.length > 0 && stack.at(-1)!.end <= e.ts) close(stack.pop()!);
    if (stack.length > 0) stack.at(-1)!.children += e.dur!;
    stack.push({ e, end: e.ts + e.dur!, children: 0 });
  }
  while (stack.length > 0) close(stack.pop()!);
  const wall = seconds * 1e6;
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 14)
    .map(([name, us]) => `${name}: ${(us / 1000).toFixed(0)} ms (${((100 * us) / wall).toFixed(1)} % of the time)`);
}
