/**
 * `npm run bench:packets`: the packet inspector with a million packets, in Debian's
 * Chromium. Live (the default): a publisher floods PACKETS QoS 0 messages through Debian
 * mosquitto into a connection the page subscribes to (each arrives as one captured PUBLISH);
 * then the inspector is opened, filtered, scrolled and a packet selected, each timed, with
 * long tasks counted over the whole interaction (the fetch of the packets captured while
 * the tab was closed included). `BENCH_CAPTURE=generate` instead writes a PACKETS-packet
 * pcapng (test/bench/capture-file.ts, deleted at the end) and times "Open capture…" on it,
 * then the same steps; `BENCH_CAPTURE=/path/file.pcapng` opens a file of your own.
 *
 * BENCH_DRIVER (as bench:ui's): `cdp` (the default) has Playwright set the page up and leave
 * before the flood (or the file), and the timed steps driven by the bench's own CDP client
 * with input events; `playwright` drives them with Playwright's locators, as before
 * (packets-driver.ts says what differs).
 */

import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import type { PacketBatch } from '../../shared/contract';
import { startMosquitto } from '../helpers/mosquitto';
import { startWebApp } from '../helpers/web-app';
import { writeBenchCapture } from './capture-file';
import { DRIVERS, openBenchBrowser, type BenchBrowser, type DriverName } from './bench-browser';
import { readPageMetrics, startPageMetrics } from './page-metrics';
import { cdpInspector, playwrightInspector, type InspectorDriver } from './packets-driver';
import { startWebAppProcess, webAppMain } from './web-app-process';
import { benchShares, countMatches, hasRows, inPage, inspectorSteps, pageShown, printSteps, profileStep, timeUntil } from './packets-bench-steps';

const PACKETS = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const RATE = Number(process.env.BENCH_RATE ?? 40_000);
const CAPTURE = process.env.BENCH_CAPTURE;
const PAYLOAD = Buffer.alloc(32, 0x61);
const DRIVER = (process.env.BENCH_DRIVER ?? 'cdp') as DriverName;

/** The timed steps' driver; with `cdp`, Playwright leaves the page first (`browser.page` is then unusable). */
async function inspectorDriver(browser: BenchBrowser): Promise<InspectorDriver> {
  const driver = await browser.floodDriver();
  return DRIVER === 'playwright' ? playwrightInspector(browser.page, driver.cdp) : cdpInspector(driver.cdp, () => driver.close());
}

/** The driver, as the bench prints it. */
const driverLine = () =>
  `driver                     ${DRIVER === 'playwright' ? "Playwright's page (its Network domain on)" : "the bench's own CDP client, input events (Playwright set the page up and left)"}`;

/** Long tasks, frames and memory, printed the same way by both modes. */
async function printPageFigures(driver: InspectorDriver): Promise<void> {
  const { long, p95Frame: p95 } = await readPageMetrics(driver);
  // Performance is enabled on the driver's session.
  const heap = (await driver.cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  console.log(`long tasks > 50 ms         ${long.filter((d) => d > 50).length} (longest ${Math.max(0, ...long).toFixed(0)} ms)`);
  console.log(`long tasks > 100 ms        ${long.filter((d) => d > 100).length}`);
  console.log(`p95 frame interval         ${p95.toFixed(1)} ms`);
  console.log(`JS heap of the page        ${mb(heap)}`);
  console.log(`RSS of the bench process   ${mb(process.memoryUsage().rss)} (${CAPTURE ? 'backend and web server share this process' : 'the publisher; the app has its own'})`);
}

/** Opens a capture file through "Open capture…" and runs the inspector steps on it. */
async function captureBench(): Promise<void> {
  const file = CAPTURE === 'generate' ? path.join(mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-bench-')), `bench-${PACKETS}.pcapng`) : path.resolve(CAPTURE!);
  const started = performance.now();
  if (CAPTURE === 'generate') writeBenchCapture(file, PACKETS);
  const written = (performance.now() - started) / 1000;
  const app = await startWebApp();
  let browser: BenchBrowser | undefined;
  let driver: InspectorDriver | undefined;
  try {
    browser = await openBenchBrowser(DRIVER, app.server.url);
    await browser.page.getByRole('button', { name: 'Open capture…' }).waitFor();
    driver = await inspectorDriver(browser);
    const inspector = driver;
    await startPageMetrics(inspector);
    // BENCH_PROFILE=file.cpuprofile records the page's CPU while the file opens (Chrome DevTools reads it).
    const profiler = process.env.BENCH_PROFILE ? inspector.cdp : undefined;
    if (profiler) {
      await profiler.send('Profiler.enable');
      await profiler.send('Profiler.start');
    }
    // From choosing the file to the packet list on screen with every packet counted; named
    // for the page's clock (and BENCH_PROFILE_DIR), unless BENCH_PROFILE profiles it already.
    if (!profiler) profileStep('capture');
    const open = await timeUntil(
      inspector,
      () => inspector.chooseFile({ button: 'Open capture…' }, file),
      () => document.querySelectorAll('[role=option]').length > 0 && /^(\d+) of \1 packets/.test(document.querySelector('[aria-label="Packet count"]')?.textContent ?? ''),
      undefined,
      300_000,
    );
    if (profiler) {
      writeFileSync(process.env.BENCH_PROFILE!, JSON.stringify((await profiler.send('Profiler.stop')).profile));
      await profiler.send('Profiler.disable');
    }
    const shown = await inspector.evaluate(() => document.querySelector('[aria-label="Packet count"]')?.textContent ?? '');
    const parts = await inspector.evaluate(() => performance.getEntriesByType('measure').filter((m) => m.name.startsWith('capture: ')).map((m) => `${m.name.slice(9)} ${m.duration.toFixed(0)} ms`));
    const steps = await inspectorSteps(inspector);
    console.log(`MQTT Desk packet inspector bench — capture file, Debian Chromium headless`);
    console.log(driverLine());
    console.log(`file                       ${file} (${(statSync(file).size / 1024 / 1024).toFixed(0)} MB${CAPTURE === 'generate' ? `, ${PACKETS} packets, written in ${written.toFixed(1)} s` : ''})`);
    console.log(`inspector says             ${shown}`);
    console.log(`Open capture… → rows       ${open.toFixed(0)} ms (${parts.join(', ')})${inPage('capture')}`);
    printSteps(steps);
    await printPageFigures(inspector);
  } finally {
    await driver?.close();
    await browser?.close();
    await app.stop();
    // A generated file is 137 MB at a million packets: it goes with the bench.
    if (CAPTURE === 'generate') rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

async function liveBench(): Promise<void> {
  // Without -v: nothing here reads its log, and logging a million PUBLISHes costs the machine.
  const mosquitto = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 0'], { verbose: false });
  // The app in a process of its own, as `npm run web` runs it: in this one its encoding of
  // the fetched pages held up Playwright's click and its hearing back (web-app-process.ts).
  const app = await startWebAppProcess();
  let browser: BenchBrowser | undefined;
  let driver: InspectorDriver | undefined;
  try {
    const saved = (await app.dispatch('profiles.save', { profile: { name: 'Flood', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port } })) as { id: string };
    const connectionId = saved.id;
    browser = await openBenchBrowser(DRIVER, app.url);
    const page = browser.page;
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
    const subs = page.getByRole('region', { name: 'Subscriptions' });
    await subs.getByLabel('Filter', { exact: true }).fill('flood/#');
    await subs.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await subs.getByRole('list', { name: 'Active subscriptions' }).getByText('flood/#').waitFor();
    // With `cdp`, Playwright leaves now: the page takes the flood as a user's would.
    driver = await inspectorDriver(browser);
    const inspector = driver;

    const publisher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: 'packets-bench-pub' });
    const start = performance.now();
    let sent = 0;
    while (sent < PACKETS) {
      const due = Math.min(PACKETS, Math.floor(((performance.now() - start) / 1000) * RATE));
      for (; sent < due; sent++) publisher.publish(`flood/${sent % 100}`, PAYLOAD);
      await new Promise((r) => setTimeout(r, 10));
    }
    await publisher.endAsync();
    const floodSeconds = (performance.now() - start) / 1000;
    // Wait until the backend holds every packet (bounded).
    const held = async () => ((await app.dispatch('packets.list', { connectionId, afterSeq: PACKETS - 1 })) as PacketBatch).packets.at(-1)?.seq ?? 0;
    // CONNECT, CONNACK, SUBSCRIBE and SUBACK come before the flood.
    for (let i = 0; i < 600 && (await held()) < PACKETS + 4; i++) await new Promise((r) => setTimeout(r, 500));
    const captured = await held();
    // What the backend still holds of them (its cap of 1,000,000 evicts the oldest).
    const tail = (await app.dispatch('packets.list', { connectionId, afterSeq: captured - 1 })) as PacketBatch;
    const holds = captured - tail.evicted;
    await startPageMetrics(inspector);

    profileStep('open');
    const open = await timeUntil(inspector, () => inspector.click({ tab: 'Packets' }), hasRows, undefined);
    // Then until the fetch of what was captured while the tab was closed is in, every packet
    // counted; the steps below run after it, as they did when the page took the flood live.
    profileStep('fetched');
    const fetched = open + (await timeUntil(inspector, async () => undefined, countMatches, `^${holds} of ${holds} packets`, 300_000));
    const shown = await inspector.evaluate(() => document.querySelector('[aria-label="Packet count"]')?.textContent ?? '');
    const steps = await inspectorSteps(inspector);
    console.log(`MQTT Desk packet inspector bench — ${PACKETS} packets (QoS 0 PUBLISH of ${PAYLOAD.length} B via mosquitto), Debian Chromium headless`);
    console.log(driverLine());
    console.log(`flood                      ${PACKETS} messages in ${floodSeconds.toFixed(1)} s; backend holds packets up to seq ${captured}`);
    console.log(`inspector says             ${shown}`);
    console.log(`open the Packets tab       ${open.toFixed(0)} ms${inPage('open')}${pageShown.has('open') ? `, "${pageShown.get('open')}" then` : ''}`);
    const shares = benchShares.get('open');
    if (shares) console.log(`  of which the driver's     ${shares.beforeInput.toFixed(0)} ms to the click's pointerdown, ${shares.afterDrawn.toFixed(0)} ms from the frame with rows to hearing so`);
    console.log(`… every packet fetched     ${fetched.toFixed(0)} ms`);
    printSteps(steps);
    await printPageFigures(inspector);
    console.log(`peak RSS of the app process ${(await app.peakRss() / 1024 / 1024).toFixed(0)} MB (backend and web server)`);
  } finally {
    await driver?.close();
    await browser?.close();
    await app.stop();
    await mosquitto.stop();
  }
}

// Started with --web-app, this bundle is the app's process (web-app-process.ts).
if (!webAppMain()) {
  if (!DRIVERS.includes(DRIVER)) throw new Error(`BENCH_DRIVER must be one of ${DRIVERS.join(', ')}`);
  (CAPTURE ? captureBench() : liveBench()).catch((error: Error) => {
    console.error(error);
    process.exit(1);
  });
}
