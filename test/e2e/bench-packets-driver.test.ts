/**
 * bench:packets' own CDP driver (test/bench/packets-driver.ts) against Debian's Chromium, on a
 * page shaped like the inspector's: it clicks tabs, buttons and the packet row a user sees
 * with real input events (trusted), presses keys the list's handler reads (key and keyCode),
 * chooses in a select as Playwright does, waits for a condition in the page's frames and
 * says when it never held, and answers "Open capture…"'s file chooser. The Chromium it
 * starts is stopped by its PID.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectCdp, type CdpConnection } from '../bench/cdp-client';
import { startChromium, type ChromiumProcess } from '../bench/chromium-process';
import { cdpInspector, type InspectorDriver } from '../bench/packets-driver';

const ROWS = Array.from({ length: 40 }, (_, i) => `<div role="option" id="row-${i}" style="position:absolute;top:${i * 20}px;height:20px">packet ${i}</div>`).join('');
const PAGE = `<!doctype html><meta charset="utf-8"><title>inspector</title>
<main>
  <div role="tablist" aria-label="Views"><button role="tab">Packets</button><button role="tab">Flows</button></div>
  <select aria-label="Packet type"><option value="all">all</option><option value="SUBACK">SUBACK</option></select>
  <select aria-label="Direction"><option value="all">both</option><option value="out">sent</option></select>
  <div role="listbox" aria-label="Packets" tabindex="0" style="height:100px;overflow:auto"><div style="height:800px;position:relative">${ROWS}</div></div>
</main>
<button id="open">Open capture…</button><input type="file" aria-label="Capture file" hidden>
<script>
  window.log = [];
  const name = (t) => t.id || t.getAttribute?.('aria-label') || t.textContent;
  for (const type of ['click', 'keydown', 'change']) addEventListener(type, (e) => window.log.push([type, name(e.target), e.key ?? e.target.value, e.keyCode, e.isTrusted].filter((p) => p !== undefined && p !== '').join(' ')), true);
  const input = document.querySelector('input');
  document.getElementById('open').addEventListener('click', () => input.click());
  input.addEventListener('change', () => window.log.push('file ' + input.files[0].name));
</script>`;

let chromium: ChromiumProcess;
let connection: CdpConnection;
let driver: InspectorDriver;
let dir: string;

const log = async () => {
  const entries = await driver.evaluate(() => (window as unknown as { log: string[] }).log);
  await driver.evaluate(() => void ((window as unknown as { log: string[] }).log = []));
  return entries;
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'packets-driver-'));
  chromium = await startChromium({ width: 800, height: 600 });
  connection = await connectCdp(chromium.wsUrl);
  const { targetInfos } = await connection.browser.send('Target.getTargets');
  const page = await connection.attach(targetInfos.find((t) => t.type === 'page')!.targetId);
  await page.send('Page.enable');
  const loaded = new Promise((resolve) => page.once('Page.loadEventFired', resolve));
  await page.send('Page.navigate', { url: `data:text/html,${encodeURIComponent(PAGE)}` });
  await loaded;
  await page.send('Page.disable');
  driver = cdpInspector(page, () => connection.close());
});

afterAll(async () => {
  await driver?.close();
  await chromium?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('clicks a tab and a button by their text with real input events', async () => {
  await driver.click({ tab: 'Flows' });
  expect(await log()).toEqual(['click Flows true']);
  await expect(driver.click({ tab: 'Topics' })).rejects.toThrow('cannot click: no {"tab":"Topics"} in the page');
});

it('clicks the row a user sees: the nth wholly inside the list, not the nth rendered', async () => {
  // Row 1 is half above the list's top: the first row wholly seen is row 2.
  await driver.evaluate(() => void (document.querySelector('[role="listbox"]')!.scrollTop = 30));
  await driver.click({ row: 2 });
  expect(await log()).toEqual(['click row-4 true']);
});

it.each([
  { key: 'ArrowDown' as const, logged: 'keydown Packets ArrowDown 40 true' },
  { key: 'End' as const, logged: 'keydown Packets End 35 true' },
])('presses $key on the focused list with its key and keyCode', async ({ key, logged }) => {
  await driver.evaluate(() => (document.querySelector('[role="listbox"]') as HTMLElement).focus());
  await driver.press(key);
  expect(await log()).toEqual([logged]);
});

it('chooses in a select as Playwright does, and says when there is no such option', async () => {
  await driver.selectOption('Packet type', 'SUBACK');
  expect(await log()).toEqual(['change Packet type SUBACK false']);
  expect(await driver.evaluate(() => document.querySelector<HTMLSelectElement>('[aria-label="Packet type"]')!.value)).toBe('SUBACK');
  await expect(driver.selectOption('Direction', 'in')).rejects.toThrow('cannot select: no option in in Direction');
});

it('waits for a condition in the page until it holds, and says when it never does', async () => {
  await driver.evaluate(() => void setTimeout(() => ((window as unknown as { ready: boolean }).ready = true), 100));
  await driver.waitFor((want: boolean) => (window as unknown as { ready?: boolean }).ready === want, true, 5000);
  const started = performance.now();
  await expect(driver.waitFor(() => false, undefined, 200)).rejects.toThrow('waitFor: timed out after 200 ms');
  expect(performance.now() - started).toBeGreaterThanOrEqual(190);
});

it('answers the file chooser a click opens with the file', async () => {
  const file = path.join(dir, 'bench.pcapng');
  writeFileSync(file, 'not really a capture');
  await driver.chooseFile({ button: 'Open capture…' }, file);
  await driver.waitFor(() => (window as unknown as { log: string[] }).log.includes('file bench.pcapng'), undefined, 5000);
  expect(await log()).toEqual(['click open true', 'click Capture file false', 'change Capture file C:\\fakepath\\bench.pcapng true', 'file bench.pcapng']);
});

it('stops Chromium by its PID', async () => {
  const { pid } = chromium;
  await chromium.stop();
  expect(() => process.kill(pid, 0)).toThrow();
});
