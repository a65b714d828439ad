/**
 * The browser-mode app (backend and web server) in a process of its own for the UI bench, as
 * `npm run web` runs it. In the bench process it shared one event loop with Playwright,
 * which is sent every WebSocket frame the page receives (base64, over the DevTools
 * protocol) and spent more of that loop on them than the backend spent on its messages: the
 * backend then read its MQTT socket late, and mosquitto pushed back on the publisher.
 */

import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { CommandName, MessageBatch } from '../../shared/contract';
import { startWebApp } from '../helpers/web-app';
import { StageTotals, type Totals } from './latency-stages';

/** The app's process, as the bench drives it. */
export interface WebAppProcess {
  pid: number;
  url: string;
  /** Runs one contract command in the app's backend; rejects with its error. */
  dispatch(command: CommandName, args: unknown): Promise<unknown>;
  /** The app process's peak resident memory so far (VmHWM), in bytes. */
  peakRss(): Promise<number>;
  /** Forgets the stage totals and window figures so far (the flood's start). */
  resetStages(): Promise<void>;
  /** Messages batched and sent to the page since the reset, and the window's figures. */
  readStages(): Promise<AppStages>;
  stop(): Promise<void>;
}

/** What the app process recorded of the messages on their way to the page (latency-stages.ts). */
export interface AppStages {
  /** Messages by when the backend received them (each record's `time`; dropped ones when batched). */
  received: Totals;
  /** Messages in the batches the backend's batcher flushed (messages + dropped). */
  batched: Totals;
  /** Messages in the batches handed to the page's socket (messages + dropped). */
  sent: Totals;
  /** Batches sent; most batches in flight (sent, not acknowledged); most messages held; most bytes in the socket's send buffer. */
  window: { batches: number; maxInFlight: number; maxHeld: number; maxBuffered: number; maxMessages: number };
  /** The app process's event-loop delay (perf_hooks, 10 ms resolution), ms: how late it ran what was ready. */
  loopDelay: { p50: number; p99: number; max: number };
}

type Request = { id: number; dispatch: [CommandName, unknown] } | { id: number; peakRss: true } | { id: number; stages: 'reset' | 'read' } | { id: number; stop: true };
type Reply = { id: number; ok: boolean; value?: unknown; error?: string } | { ready: string };

/** Starts the app as a child of this bench (the bench bundle run with `--web-app`). */
export async function startWebAppProcess(): Promise<WebAppProcess> {
  const child: ChildProcess = fork(process.argv[1]!, ['--web-app'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let nextId = 1;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`The app process exited with ${code} before it was ready`)));
    child.on('message', (reply: Reply) => {
      if ('ready' in reply) return resolve(reply.ready);
      const entry = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (reply.ok) entry?.resolve(reply.value);
      else entry?.reject(new Error(reply.error));
    });
  });
  const request = (body: Omit<Request, 'id'>) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ ...body, id });
    });
  return {
    pid: child.pid!,
    url,
    dispatch: (command, args) => request({ dispatch: [command, args] }),
    peakRss: async () => (await request({ peakRss: true })) as number,
    resetStages: async () => void (await request({ stages: 'reset' })),
    readStages: async () => (await request({ stages: 'read' })) as AppStages,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      await request({ stop: true }).catch(() => undefined);
      await exited;
    },
  };
}

/** Runs the app when this process was started as its process; returns whether it was. */
export function webAppMain(): boolean {
  if (!process.argv.includes('--web-app')) return false;
  void (async () => {
    // Bench-only taps (#15): a running total per stage, one entry per batch (20 a second).
    const received = new StageTotals();
    const batched = new StageTotals();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const sent = new StageTotals();
    const emptyWindow = (): AppStages['window'] => ({ batches: 0, maxInFlight: 0, maxHeld: 0, maxBuffered: 0, maxMessages: 0 });
    let window = emptyWindow();
    const app = await startWebApp({
      onBatchSent: ({ batch, inFlight, held, buffered }) => {
        sent.add(batch.messages.length + batch.dropped);
        window.batches++;
        window.maxInFlight = Math.max(window.maxInFlight, inFlight);
        window.maxHeld = Math.max(window.maxHeld, held);
        window.maxBuffered = Math.max(window.maxBuffered, buffered);
        window.maxMessages = Math.max(window.maxMessages, batch.messages.length);
      },
    });
    app.backend.events.subscribe((stream, data) => {
      if (stream !== 'messages.batch') return;
      const batch = data as MessageBatch;
      const at = Date.now();
      for (const message of batch.messages) received.add(1, message.time);
      received.add(batch.dropped, at);
      batched.add(batch.messages.length + batch.dropped, at);
    });
    process.on('message', (message: Request) => {
      const reply = (body: Omit<Extract<Reply, { id: number }>, 'id'>) => process.send?.({ ...body, id: message.id });
      if ('dispatch' in message) {
        void app.backend.dispatch(message.dispatch[0], message.dispatch[1] as never).then((result) => reply(result.ok ? { ok: true, value: result.value } : { ok: false, error: result.error.message }));
      } else if ('peakRss' in message) {
        reply({ ok: true, value: peakRss() });
      } else if ('stages' in message) {
        if (message.stages === 'reset') {
          received.reset();
          batched.reset();
          sent.reset();
          loop.reset();
          window = emptyWindow();
          reply({ ok: true });
        } else {
          reply({ ok: true, value: { received: received.totals, batched: batched.totals, sent: sent.totals, window, loopDelay: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 } } satisfies AppStages });
        }
      } else {
        void app.stop().then(() => {
          reply({ ok: true });
          process.disconnect?.();
          process.exit(0);
        });
      }
    });
    process.send?.({ ready: app.server.url });
  })().catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
  return true;
}

/** VmHWM of this process, in bytes (0 where /proc is missing). */
function peakRss(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
