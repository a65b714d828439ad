/**
 * `npm run bench:packets`: the packet inspector with a million captured packets, in
 * Debian's Chromium. A publisher floods PACKETS QoS 0 messages through Debian mosquitto into
 * a connection the page subscribes to (each arrives as one captured PUBLISH); then the
 * inspector is opened, filtered, scrolled and a packet selected, each timed, with long
 * tasks counted over the whole interaction. Prints the figures and the memory used.
 */

import { connectAsync } from 'mqtt';
import type { Page } from 'playwright-core';
import type { PacketBatch } from '../../shared/contract';
import { launchChromium } from '../helpers/browser';
import { startMosquitto } from '../helpers/mosquitto';
import { startWebApp } from '../helpers/web-app';
import { readPageMetrics, startPageMetrics } from './page-metrics';

const PACKETS = Number(process.env.BENCH_PACKETS ?? 1_000_000);
const RATE = Number(process.env.BENCH_RATE ?? 40_000);
const PAYLOAD = Buffer.alloc(32, 0x61);

/** Milliseconds from starting `action` until `condition(arg)` holds in the page, polled each frame (a function: the CSP forbids eval). */
async function timeUntil<A extends string | undefined>(page: Page, action: () => Promise<unknown>, condition: (arg: A) => boolean, arg: A): Promise<number> {
  const start = performance.now();
  await action();
  await page.waitForFunction(condition as (arg: unknown) => boolean, arg, { timeout: 60_000, polling: 'raf' });
  return performance.now() - start;
}

const hasRows = () => document.querySelectorAll('[role=option]').length > 0;
const countMatches = (pattern: string) => new RegExp(pattern).test(document.querySelector('[aria-label="Packet count"]')?.textContent ?? '');

async function main(): Promise<void> {
  const mosquitto = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 0']);
  const app = await startWebApp();
  const browser = await launchChromium();
  try {
    const saved = await app.backend.dispatch('profiles.save', { profile: { name: 'Flood', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port } });
    if (!saved.ok) throw new Error(saved.error.message);
    const connectionId = (saved.value as { id: string }).id;
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(app.server.url);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
    const subs = page.getByRole('region', { name: 'Subscriptions' });
    await subs.getByLabel('Filter', { exact: true }).fill('flood/#');
    await subs.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await subs.getByRole('list', { name: 'Active subscriptions' }).getByText('flood/#').waitFor();

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
    const held = async () => {
      const r = await app.backend.dispatch('packets.list', { connectionId, afterSeq: PACKETS - 1 });
      return r.ok ? ((r.value as PacketBatch).packets.at(-1)?.seq ?? 0) : 0;
    };
    // CONNECT, CONNACK, SUBSCRIBE and SUBACK come before the flood.
    for (let i = 0; i < 600 && (await held()) < PACKETS + 4; i++) await new Promise((r) => setTimeout(r, 500));
    const captured = await held();
    await startPageMetrics(page);

    const open = await timeUntil(page, () => page.getByRole('tab', { name: 'Packets' }).click(), hasRows, undefined);
    const countText = async () => (await page.getByLabel('Packet count').textContent()) ?? '';
    const shown = await countText();
    const filter = await timeUntil(
      page,
      () => page.getByLabel('Packet type').selectOption('SUBACK'),
      countMatches,
      // 0 when a full ring has already evicted the SUBACK from before the flood.
      '^[01] of',
    );
    const unfilter = await timeUntil(page, () => page.getByLabel('Packet type').selectOption('all'), countMatches, '^(\\d+) of \\1 ');
    const direction = await timeUntil(page, () => page.getByLabel('Direction').selectOption('out'), countMatches, '^\\d{1,3} of');
    await page.getByLabel('Direction').selectOption('all');
    // Scroll: jump through the list in ten steps and drag back to the top.
    const timeline = page.getByRole('listbox', { name: 'Packets' });
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
    const select = await timeUntil(page, () => timeline.getByRole('option').nth(5).click(), () => !!document.querySelector('[aria-label="Hex dump"]'), undefined);
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
    const { long, p95Frame: p95 } = await readPageMetrics(page);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
    const ms = (n: number) => `${n.toFixed(0)} ms`;
    console.log(`MQTT Desk packet inspector bench — ${PACKETS} packets (QoS 0 PUBLISH of ${PAYLOAD.length} B via mosquitto), Debian Chromium headless`);
    console.log(`flood                      ${PACKETS} messages in ${floodSeconds.toFixed(1)} s; backend holds packets up to seq ${captured}`);
    console.log(`inspector says             ${shown}`);
    console.log(`open the Packets tab       ${ms(open)}`);
    console.log(`filter by type (SUBACK)    ${ms(filter)}; back to all ${ms(unfilter)}; by direction ${ms(direction)}`);
    console.log(`scroll 10 jumps + middle   ${ms(scroll)}`);
    console.log(`select a packet            ${ms(select)}`);
    console.log(`20 × ArrowDown then End    ${ms(keys)}`);
    console.log(`long tasks > 50 ms         ${long.filter((d) => d > 50).length} (longest ${Math.max(0, ...long).toFixed(0)} ms)`);
    console.log(`long tasks > 100 ms        ${long.filter((d) => d > 100).length}`);
    console.log(`p95 frame interval         ${p95.toFixed(1)} ms`);
    console.log(`JS heap of the page        ${mb(heap)}`);
    console.log(`RSS of the backend process ${mb(process.memoryUsage().rss)} (backend, web server and publisher share this process)`);
  } finally {
    await browser.close();
    await app.stop();
    await mosquitto.stop();
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
