/**
 * `npm run bench:ui`: the desk under a fleet, in Debian's Chromium, through Debian's
 * mosquitto, with the publisher in a process of its own (fleet-publisher.ts). Three parts,
 * chosen with BENCH_PHASES (default all):
 *
 * - ingest: the backend's ingest rate against a bare MQTT.js subscriber (ingest-bench.ts);
 * - flood: BENCH_RATE msgs/s for BENCH_SECONDS over BENCH_TOPICS topics
 *   (`flood/dev<N>/temp`; Sparkplug: `spBv1.0/Bench/NDATA/node<N>`, born first), payloads of
 *   BENCH_PAYLOAD kind (json, number, binary, sparkplug) and BENCH_PAYLOAD_BYTES bytes,
 *   with the Messages and Topics views in use (the tree expanded, a topic selected, both
 *   scrolled every half second, the tab switched every two seconds): long tasks, frame
 *   intervals, click answers, how long each message took to be counted in the page, rows
 *   updated per frame, memory;
 * - tree: BENCH_TREE_TOPICS topics (tree-bench.ts): open, fold, expand all, filter, and live
 *   updates of the rows on screen.
 *
 * BENCH_PROFILE=PREFIX also writes Chromium CPU profiles of the flood and tree parts.
 * BENCH_DRIVER (cdp, the default, or playwright) chooses what drives the page during the
 * flood (flood-driver.ts): the `cdp` driver does not copy the page's WebSocket frames to
 * DevTools, as Playwright does.
 */

import os from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { DEFAULT_BATCH_WINDOW } from '../../backend/batch-window';
import { subscribeInPage } from '../helpers/desk';
import { startMosquitto } from '../helpers/mosquitto';
import { DRIVERS, openBenchBrowser, type DriverName } from './bench-browser';
import type { CdpSender } from './cdp-client';
import { countingDelays, cpuProfile, describeWork, mainThreadWork, pageTotal, readFleetRecorder, resetFleetRecorder, setupStep, startFleetRecorder, totalsText } from './fleet-page';
import type { FloodDriver } from './flood-driver';
import { publisherMain, startPublisher, PAYLOAD_KINDS } from './fleet-publisher';
import { runIngestBench, type IngestSource } from './ingest-bench';
import { replayFeederMain } from './replay-feeder';
import { describeStages, stageDelays } from './latency-stages';
import { describeLongFrames, SourcePlaces } from './long-frames';
import { readPageMetrics, resetPageMetrics, startPageMetrics } from './page-metrics';
import { descendants, watchCpu } from './process-cpu';
import { tracePage } from './page-trace';
import { runTreeBench } from './tree-bench';
import { startWebAppProcess, webAppMain, type WebAppProcess } from './web-app-process';

const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number, got ${process.env[name]}`);
  return value;
};

/** The bench's settings, from the environment. */
export const SETTINGS = {
  topics: Math.max(1, env('BENCH_TOPICS', 10_000)),
  payloadBytes: env('BENCH_PAYLOAD_BYTES', 100),
  payloadKind: process.env.BENCH_PAYLOAD ?? 'json',
  rate: env('BENCH_RATE', 20_000),
  seconds: env('BENCH_SECONDS', 60),
  treeTopics: env('BENCH_TREE_TOPICS', 100_000),
  ingestMessages: env('BENCH_INGEST_MESSAGES', 200_000),
  ingestRounds: Math.max(1, env('BENCH_INGEST_ROUNDS', 3)),
  replayWriteBytes: process.env.BENCH_REPLAY_WRITE_BYTES === undefined ? undefined : env('BENCH_REPLAY_WRITE_BYTES', 0),
  ingestSources: (process.env.BENCH_INGEST_SOURCES ?? 'mosquitto,replay').split(',').map((s) => s.trim()) as IngestSource[],
  phases: new Set((process.env.BENCH_PHASES ?? 'ingest,flood,tree').split(',').map((p) => p.trim())),
  profile: process.env.BENCH_PROFILE,
  trace: process.env.BENCH_TRACE,
  driver: (process.env.BENCH_DRIVER ?? 'cdp') as DriverName,
  tap: process.env.BENCH_TAP === '1',
};

const number = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const line = (name: string, value: string) => console.log(`  ${name.padEnd(52)} ${value}`);

async function main(): Promise<void> {
  if (!Object.hasOwn(PAYLOAD_KINDS, SETTINGS.payloadKind)) throw new Error(`BENCH_PAYLOAD must be one of ${Object.keys(PAYLOAD_KINDS).join(', ')}`);
  if (!SETTINGS.ingestSources.every((s) => s === 'mosquitto' || s === 'replay')) throw new Error('BENCH_INGEST_SOURCES must list mosquitto and/or replay');
  if (!DRIVERS.includes(SETTINGS.driver)) throw new Error(`BENCH_DRIVER must be one of ${DRIVERS.join(', ')}`);
  // Not verbose: -v logs two lines per message, which loaded mosquitto and this process more than the app did (#15).
  const mosquitto = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 0'], { verbose: false });
  try {
    console.log(`MQTT Desk UI bench — ${SETTINGS.topics} topics, ${SETTINGS.payloadBytes} B ${SETTINGS.payloadKind} payloads, Debian Chromium headless, mosquitto, publisher in its own process, flood driven by ${SETTINGS.driver}${SETTINGS.tap ? ' with Playwright attached (BENCH_TAP)' : ''}`);
    if (SETTINGS.phases.has('ingest')) for (const source of SETTINGS.ingestSources) await ingest(source, mosquitto.port, mosquitto.pid);
    if (!SETTINGS.phases.has('flood') && !SETTINGS.phases.has('tree')) return;
    // The app in a process of its own, as `npm run web` runs it (web-app-process.ts says why).
    const app = await startWebAppProcess();
    await app.dispatch('profiles.save', { profile: { name: 'Fleet', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port } });
    const browser = await openBenchBrowser(SETTINGS.driver, app.url, SETTINGS.tap).catch(async (error: unknown) => {
      await app.stop();
      throw error;
    });
    try {
      const { page } = browser;
      await startPageMetrics(page);
      await startFleetRecorder(page);
      await setupStep(page, 'connect', async () => {
        await page.getByRole('button', { name: 'Connect', exact: true }).click();
        await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
      });
      if (SETTINGS.phases.has('flood')) {
        const kind = PAYLOAD_KINDS[SETTINGS.payloadKind]!;
        await setupStep(page, `subscribe to ${kind.filter}`, () => subscribeInPage(page, kind.filter));
        await setupStep(page, 'click Topics', () => page.getByRole('tab', { name: 'Topics', exact: true }).click());
        const driver = await browser.floodDriver();
        try {
          await flood(driver, mosquitto, app);
        } finally {
          await driver.close();
        }
      }
      if (SETTINGS.phases.has('tree')) {
        const { page, cdp } = await browser.playwright();
        await runTreeBench({ page, cdp, port: mosquitto.port, topics: SETTINGS.treeTopics, rate: SETTINGS.rate, heap: () => heap(cdp), profile: SETTINGS.profile });
      }
    } finally {
      try {
        await browser.close();
      } finally {
        await app.stop();
      }
    }
  } finally {
    await mosquitto.stop();
  }
}

/** The page's used JS heap, in bytes (Performance.enable must have been sent). */
async function heap(cdp: CdpSender): Promise<number> {
  return (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
}

async function ingest(source: IngestSource, port: number, brokerPid: number): Promise<void> {
  const { bare, backend } = await runIngestBench({
    source,
    port,
    brokerPid,
    topics: SETTINGS.topics,
    payloadKind: SETTINGS.payloadKind,
    payloadBytes: SETTINGS.payloadBytes,
    messages: SETTINGS.ingestMessages,
    rounds: SETTINGS.ingestRounds,
    replayWriteBytes: SETTINGS.replayWriteBytes,
    profile: SETTINGS.profile,
  });
  const from = source === 'replay' ? 'from the replay feeder (no broker: the subscriber\'s own ceiling)' : 'through mosquitto';
  console.log(`\nIngest: ${number(SETTINGS.ingestMessages)} QoS 0 messages as fast as they go, ${from}, median of ${SETTINGS.ingestRounds} interleaved rounds`);
  // CPU per message, and of that the kernel's part and the part off the main thread (GC helpers, libuv).
  const cpu = (f: typeof bare) => `${f.cpuMicros.toFixed(1)} µs CPU per message (system ${f.systemMicros.toFixed(1)}, other threads ${f.otherThreadMicros.toFixed(1)})`;
  line('bare MQTT.js subscriber', `${number(bare.rate)} msgs/s, ${cpu(bare)}`);
  line('backend into frames for the page (target ≥ 50,000)', `${number(backend.rate)} msgs/s, ${cpu(backend)}, ${number(backend.batches)} batches, ${backend.wireBytesPerMessage.toFixed(0)} B on the wire per message`);
  // The process near one core is the limit of its run (each is single-threaded).
  // With the replay source the feeder stands for publisher and broker (accounted as the publisher).
  const sender = source === 'replay' ? 'feeder' : 'publisher';
  const cores = (f: typeof bare) =>
    source === 'replay' ? `feeder ${f.cores.publisher.toFixed(2)}, subscriber ${f.cores.subscriber.toFixed(2)}` : `publisher ${f.cores.publisher.toFixed(2)}, mosquitto ${f.cores.mosquitto.toFixed(2)}, subscriber ${f.cores.subscriber.toFixed(2)}`;
  line('CPU in cores (of ' + os.cpus().length + '), bare / backend round', `${cores(bare)} / ${cores(backend)}`);
  // What each process's CPU per message allows: the lowest bound names the limit of the run.
  const cpus = os.cpus().length;
  const limits = (f: typeof bare) => {
    const m = f.micros;
    const single = (name: string, x: number) => `${name} ${x.toFixed(1)} µs → ≤ ${number(1e6 / Math.max(x, 0.001))}/s`;
    const broker = source === 'replay' ? '' : `${single('mosquitto', m.mosquitto)}, `;
    const drains = f.drainWaits === undefined ? '' : `; the feeder waited for drain ${number(f.drainWaits)} times`;
    return `${single(sender, m.publisher)}, ${broker}${single('subscriber', m.subscriber)}; all on ${cpus} cores ≤ ${number((cpus * 1e6) / Math.max(m.publisher + m.mosquitto + m.subscriber, 0.001))}/s${drains}`;
  };
  line('CPU µs per message → rate it allows, bare round', limits(bare));
  line('… backend round', limits(backend));
}

async function flood(page: FloodDriver, mosquitto: { port: number; pid: number }, app: WebAppProcess): Promise<void> {
  const { port } = mosquitto;
  const { cdp } = page;
  const kind = PAYLOAD_KINDS[SETTINGS.payloadKind]!;
  const total = SETTINGS.rate * SETTINGS.seconds;
  if (kind.birth) {
    // Births first (Sparkplug), counted in the page before the flood's baseline is taken.
    const before = await pageTotal(page);
    const births = await startPublisher({ port, layout: 'fleet', topics: SETTINGS.topics, payloadKind: SETTINGS.payloadKind, payloadBytes: 0, rate: 0, count: 0, births: true }).done;
    for (let i = 0; i < 240 && (await pageTotal(page)) - before < births.sent; i++) await new Promise((r) => setTimeout(r, 250));
  }
  const baseline = await pageTotal(page);
  await resetPageMetrics(page);
  await resetFleetRecorder(page);
  await app.resetStages();
  const workBefore = await mainThreadWork(cdp);
  const stopProfile = await cpuProfile(cdp, SETTINGS.profile, 'flood');
  const publisher = startPublisher({ port, layout: 'fleet', topics: SETTINGS.topics, payloadKind: SETTINGS.payloadKind, payloadBytes: SETTINGS.payloadBytes, rate: SETTINGS.rate, count: total });
  const cpu = watchCpu({
    publisher: () => [publisher.pid],
    mosquitto: () => [mosquitto.pid],
    'app (backend, web server)': () => [app.pid],
    [`bench (${page.name === 'cdp' ? 'CDP client' : 'Playwright'})`]: () => [process.pid],
    Chromium: () => descendants(process.pid).filter((pid) => pid !== publisher.pid && pid !== mosquitto.pid && pid !== app.pid),
  });
  let peakHeap = 0;
  let tick = 0;
  let selected = false;
  const started = Date.now();
  // A trace of 5 s from a third into the flood, beside the user's actions (BENCH_TRACE).
  const traced = SETTINGS.trace ? new Promise((r) => setTimeout(r, (SETTINGS.seconds * 1000) / 3)).then(() => tracePage(cdp, SETTINGS.trace!, 5)) : undefined;
  // A user at work: both lists scrolled every half second, the tab switched every two seconds.
  while (!(await Promise.race([publisher.done.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 500))]))) {
    tick++;
    peakHeap = Math.max(peakHeap, await heap(cdp));
    if (tick % 4 === 0) await page.clickTab(tick % 8 === 0 ? 'Topics' : 'Messages');
    // The first device's topic selected: its chart and history follow it.
    if (!selected) selected = await page.selectTreeRow(kind.leaf);
    await page.evaluate((up) => {
      const list = document.querySelector('[role="tree"][aria-label="Topic tree"]') ?? document.querySelector('[role="list"][aria-label="Messages"]');
      if (list) list.scrollTop = up ? Math.random() * list.scrollHeight * 0.9 : list.scrollHeight;
    }, tick % 2 === 1);
  }
  const sendSeconds = (Date.now() - started) / 1000;
  const traceLines = await traced;
  const cpuDuringSend = cpu.read();
  cpu.stop();
  // Every message counted: wait (bounded) until the page's total stops short of nothing.
  for (let i = 0; i < 120 && (await pageTotal(page)) - baseline < total; i++) await new Promise((r) => setTimeout(r, 250));
  peakHeap = Math.max(peakHeap, await heap(cdp));
  const workAfter = await mainThreadWork(cdp);
  await stopProfile();
  const metrics = await readPageMetrics(page);
  const recorded = await readFleetRecorder(page);
  const stages = await app.readStages();
  const delays = countingDelays(publisher.progress, recorded.totals, baseline);
  const missing = delays.filter((d) => d === undefined).length;
  const known = delays.filter((d): d is number => d !== undefined).sort((a, b) => a - b);
  const counted = (await pageTotal(page)) - baseline;
  const countText = await totalsText(page);
  const rowsChanged = recorded.rowFrames.map(([changed]) => changed);
  const rowsInPage = recorded.rowFrames.map(([, inPage]) => inPage);
  console.log(`\nFlood: ${number(SETTINGS.rate)} msgs/s × ${SETTINGS.seconds} s over ${number(SETTINGS.topics)} topics (${SETTINGS.payloadBytes} B ${SETTINGS.payloadKind}), Topics and Messages in use`);
  line('driven by', page.shared ? `${page.name}, Playwright attached to the page (its Network domain copies every frame)` : `${page.name}, no other DevTools client attached to the page`);
  line('messages published / counted in the page', `${number(total)} in ${sendSeconds.toFixed(1)} s / ${number(counted)} (${countText.trim()})`);
  const last = publisher.progress.at(-1);
  const drainWait = (last?.drainWaitMs ?? 0) / 1000;
  const late = Math.max(0, sendSeconds - SETTINGS.seconds);
  const why = late < 0.05 * SETTINGS.seconds ? 'on time' : drainWait >= late / 2 ? `${late.toFixed(1)} s late: mosquitto pushed back (its subscriber, the backend, or mosquitto itself was behind)` : `${late.toFixed(1)} s late: the publisher itself was short of CPU`;
  line('publisher: waited for the socket to drain / CPU used', `${drainWait.toFixed(1)} s / ${((last?.cpuMs ?? 0) / 1000).toFixed(1)} s (${why})`);
  line(
    'CPU while publishing, in cores (of ' + os.cpus().length + ')',
    `${cpuDuringSend.groups.map((g) => `${g.name} ${g.cores.toFixed(2)}`).join(', ')}; machine busy ${(100 * cpuDuringSend.machineBusy).toFixed(0)} %`,
  );
  // Per message, the figures compare between runs that took longer or shorter (a loaded machine).
  line('… CPU µs per message published', cpuDuringSend.groups.map((g) => `${g.name} ${((g.seconds * 1e6) / total).toFixed(0)}`).join(', '));
  line('publish → counted in the page: p50 / p99 / max (target ≤ 1 s)', known.length ? `${known[Math.floor(known.length / 2)]!.toFixed(0)} / ${known[Math.floor(known.length * 0.99)]!.toFixed(0)} / ${known.at(-1)!.toFixed(0)} ms${missing ? ` (${missing} reports never counted)` : ''}` : 'none counted');
  // The same delay by stage of the path: where a message's time went (latency-stages.ts).
  const path = stageDelays(publisher.progress, [
    { name: 'received by the backend', totals: stages.received },
    { name: 'batched', totals: stages.batched },
    { name: 'sent to the page', totals: stages.sent },
    { name: 'counted', totals: recorded.totals, baseline },
  ]);
  line('… by stage from publish: p50 / p99 (+ p50 added by the stage)', describeStages(path));
  const w = stages.window;
  line('… batch window: batches sent / most in flight / most held', `${number(w.batches)} / ${w.maxInFlight} (of ${DEFAULT_BATCH_WINDOW.batches}) / ${number(w.maxHeld)} messages; largest batch ${number(w.maxMessages)} messages; most in the socket's send buffer ${number(w.maxBuffered / 1024)} KiB`);
  const lag = stages.loopDelay;
  line('… app process event-loop delay: p50 / p99 / max', `${lag.p50.toFixed(0)} / ${lag.p99.toFixed(0)} / ${lag.max.toFixed(0)} ms`);
  line('long tasks > 50 ms / > 100 ms (target 0 > 100 ms)', `${metrics.long.filter((d) => d > 50).length} / ${metrics.long.filter((d) => d > 100).length} (longest ${Math.max(0, ...metrics.long).toFixed(0)} ms)`);
  // What the long tasks were (Long Animation Frames), named in the source through the bundle's map.
  line('… long animation frames > 50 ms', `\n    ${describeLongFrames(metrics.longFrames, new SourcePlaces(resolvePath('dist/renderer/assets'))).join('\n    ')}`);
  line('p95 frame interval (target ≤ 20 ms)', `${metrics.p95Frame.toFixed(1)} ms`);
  line('clicks answered (Event Timing, input → paint; target ≤ 200 ms)', recorded.clicks.length ? `${tick >= 4 ? Math.floor(tick / 4) : 0} tab clicks, slowest event ${Math.max(...recorded.clicks).toFixed(0)} ms` : `${Math.floor(tick / 4)} tab clicks, every event under 16 ms (not reported)`);
  line('rows changed per frame: max / rows in the page then', rowsChanged.length ? `${Math.max(...rowsChanged)} / ${rowsInPage[rowsChanged.indexOf(Math.max(...rowsChanged))]} (rows updated twice in a frame: ${recorded.doubleUpdates})` : 'none');
  line('page main thread (Chromium metrics)', describeWork(workBefore, workAfter, counted));
  if (traceLines) line(`page main thread by event, self time (trace in ${SETTINGS.trace})`, `\n    ${traceLines.join('\n    ')}`);
  line('peak JS heap of the page', mb(peakHeap));
  line('peak RSS of the app process (backend and web server)', mb(await app.peakRss()));
}

if (!publisherMain() && !replayFeederMain() && !webAppMain()) {
  main().catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
