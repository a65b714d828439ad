/**
 * `npm run bench:ui`: the ingest path under a flood, measured in Debian's Chromium. A
 * publisher sends RATE messages/s of 100 B for SECONDS through Debian mosquitto into a
 * connection the page subscribes to, with the message list open. Prints messages sent and
 * shown, long tasks, the p95 frame interval, and peak memory of backend and page. The list
 * is scrolled up and back down every half second while it fills, as a user would.
 * BENCH_PAYLOAD=sparkplug sends Sparkplug B NDATA (Tahu's encoder, 5 metrics by alias,
 * 100 edge nodes born first) instead, so every message is decoded on its way to the page.
 */

import { connectAsync } from 'mqtt';
import { encodePayload } from 'sparkplug-payload/lib/sparkplugbpayload.js';
import { launchChromium } from '../helpers/browser';
import { startMosquitto } from '../helpers/mosquitto';
import { startWebApp } from '../helpers/web-app';
import { readPageMetrics, resetPageMetrics, startPageMetrics } from './page-metrics';

const RATE = Number(process.env.BENCH_RATE ?? 20_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const PAYLOAD = Buffer.alloc(100, 0x61);
const SPARKPLUG = process.env.BENCH_PAYLOAD === 'sparkplug';
const NODES = 100;

/** The topic and payload of message n: plain bytes, or a Sparkplug NDATA of edge node n % 100 with its seq. */
function message(n: number): [string, Buffer] {
  if (!SPARKPLUG) return [`flood/${n % 100}`, PAYLOAD];
  const node = n % NODES;
  const seq = (Math.floor(n / NODES) + 1) % 256;
  const metrics = [1, 2, 3, 4, 5].map((alias) => ({ alias, type: 'Double' as const, value: n + alias / 10 }));
  return [`spBv1.0/Bench/NDATA/node${node}`, Buffer.from(encodePayload({ timestamp: Date.now(), seq, metrics: metrics as never }))];
}

/** Sparkplug only: one NBIRTH per edge node, naming the aliases the data messages use. */
function births(): Array<[string, Buffer]> {
  if (!SPARKPLUG) return [];
  const metrics = [{ name: 'bdSeq', type: 'UInt64' as const, value: 0 }, ...[1, 2, 3, 4, 5].map((alias) => ({ name: `Line/Sensor ${alias}`, alias, type: 'Double' as const, value: 0 }))];
  return Array.from({ length: NODES }, (_, node) => [`spBv1.0/Bench/NBIRTH/node${node}`, Buffer.from(encodePayload({ timestamp: Date.now(), seq: 0, metrics }))]);
}

async function main(): Promise<void> {
  const mosquitto = await startMosquitto(['max_queued_messages 0', 'max_inflight_messages 0']);
  const app = await startWebApp();
  const browser = await launchChromium();
  try {
    const saved = await app.backend.dispatch('profiles.save', { profile: { name: 'Flood', protocol: 'mqtt', host: '127.0.0.1', port: mosquitto.port } });
    if (!saved.ok) throw new Error(saved.error.message);
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(app.server.url);
    await startPageMetrics(page);
    await page.getByRole('button', { name: 'Connect', exact: true }).click();
    await page.getByRole('status', { name: 'Connection status' }).filter({ hasText: 'connected' }).waitFor();
    const subs = page.getByRole('region', { name: 'Subscriptions' });
    const filter = SPARKPLUG ? 'spBv1.0/#' : 'flood/#';
    await subs.getByLabel('Filter', { exact: true }).fill(filter);
    await subs.getByRole('button', { name: 'Subscribe', exact: true }).click();
    await subs.getByRole('list', { name: 'Active subscriptions' }).getByText(filter).waitFor();
    await resetPageMetrics(page);

    const publisher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { clientId: 'ui-bench-pub' });
    for (const [topic, payload] of births()) await publisher.publishAsync(topic, payload);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    let peakBackend = 0;
    let peakPage = 0;
    const sample = async () => {
      peakBackend = Math.max(peakBackend, process.memoryUsage().rss);
      const metrics = (await cdp.send('Performance.getMetrics')).metrics;
      peakPage = Math.max(peakPage, metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0);
    };
    const total = RATE * SECONDS;
    const start = performance.now();
    let sent = 0;
    let scrolls = 0;
    // Paced in 10 ms slices so the rate is steady, not one burst.
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * RATE));
      for (; sent < due; sent++) publisher.publish(...message(sent));
      if (sent % (RATE / 2) < RATE / 100) {
        await sample();
        // A user scrolling through the list while it fills: up to a random place, then back to the end.
        await page.evaluate((up) => {
          const list = document.querySelector('[aria-label="Messages"][role="list"]');
          if (list) list.scrollTop = up ? Math.random() * list.scrollHeight * 0.9 : list.scrollHeight;
        }, sent % RATE < RATE / 2);
        scrolls++;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    const sendSeconds = (performance.now() - start) / 1000;
    await publisher.endAsync();
    // Wait until the page has shown everything (or stops gaining).
    // Shown plus dropped by the caps: the page's byte cap holds fewer than 100,000 decoded messages.
    const shownText = async () => {
      const text = (await page.getByRole('region', { name: 'Message log' }).getByLabel('Message count').textContent()) ?? '0';
      return Number(text.split(' ')[0]) + Number(/(\d+) dropped by cap/.exec(text)?.[1] ?? 0);
    };
    let shown = 0;
    for (let i = 0; i < 120; i++) {
      const now = await shownText();
      await sample();
      if (now >= total && now === shown) break;
      shown = now;
      await new Promise((r) => setTimeout(r, 500));
    }
    const counted = await page.evaluate(() => {
      const text = document.querySelector('[aria-label="Message count"]')?.textContent ?? '';
      return text;
    });
    const { long, p95Frame: p95 } = await readPageMetrics(page);
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
    console.log(`MQTT Desk UI bench — ${RATE} msgs/s × ${SECONDS} s of ${SPARKPLUG ? `Sparkplug B NDATA (${message(0)[1].length} B, 5 metrics)` : `${PAYLOAD.length} B`}, Debian Chromium headless, mosquitto`);
    console.log(`messages sent              ${total} (in ${sendSeconds.toFixed(1)} s)`);
    console.log(`message list says          ${counted} (the page keeps the newest 100,000)`);
    console.log(`list scrolled              ${scrolls} times during the flood (to a random place, then back to the end)`);
    console.log(`long tasks > 50 ms         ${long.filter((d) => d > 50).length}`);
    console.log(`long tasks > 100 ms        ${long.filter((d) => d > 100).length} (longest ${Math.max(0, ...long).toFixed(0)} ms)`);
    console.log(`p95 frame interval         ${p95.toFixed(1)} ms`);
    console.log(`peak RSS backend process   ${mb(peakBackend)} (backend, web server and publisher share this process)`);
    console.log(`peak JS heap of the page   ${mb(peakPage)}`);
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
