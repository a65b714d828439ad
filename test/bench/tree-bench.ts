/**
 * The tree part of `npm run bench:ui`: a topic tree of BENCH_TREE_TOPICS topics
 * (`tree/site<S>/dev<D>/m<M>`, one message each), then each action a user takes on it timed
 * in the page from the action to the frame that shows its result, three times each: open
 * the Topics tab, collapse all, expand all under one site and under the whole tree, filter
 * by text and by wildcard, clear the filter. Then the fleet publishes over all of those
 * topics for ten seconds with the expanded tree on screen: how many rows each frame
 * changed, against how many rows are in the page.
 */

import type { CDPSession, Page } from 'playwright-core';
import { topicMatches } from '../../shared/topic';
import { subscribeInPage } from '../helpers/desk';
import { cpuProfile, pageTotal, readFleetRecorder, resetFleetRecorder, timeInPage, type DoneWhen, type PageAction } from './fleet-page';
import { startPublisher, topicName } from './fleet-publisher';
import { readPageMetrics, resetPageMetrics } from './page-metrics';

/** What the tree part needs. */
export interface TreeBenchOptions {
  page: Page;
  cdp: CDPSession;
  port: number;
  topics: number;
  /** Messages per second of the live part. */
  rate: number;
  heap: () => Promise<number>;
  profile: string | undefined;
}

const TAB = (n: number) => `[role="tablist"] [role="tab"]:nth-child(${n})`;
const TREE = '[role="tree"][aria-label="Topic tree"]';
const FILTER = '.topic-tree-toolbar input';
const COUNT = '[aria-label="Topic count"]';
const line = (name: string, value: string) => console.log(`  ${name.padEnd(52)} ${value}`);

/** Nodes of the bench's tree whose topic passes a filter as the Topics view applies it. */
function expectedMatches(topics: number, filter: string): number {
  const nodes = new Set<string>();
  for (let i = 0; i < topics; i++) {
    const levels = topicName('tree', i).split('/');
    for (let d = 1; d <= levels.length; d++) nodes.add(levels.slice(0, d).join('/'));
  }
  let n = 0;
  for (const node of nodes) if (/[+#]/.test(filter) ? topicMatches(filter, node) : node.toLowerCase().includes(filter.toLowerCase())) n++;
  return n;
}

/** Runs the tree part and prints its figures. */
export async function runTreeBench({ page, cdp, port, topics, rate, heap, profile }: TreeBenchOptions): Promise<void> {
  await page.getByRole('tab', { name: 'Messages' }).click();
  await page.getByRole('region', { name: 'Message log' }).getByRole('button', { name: 'Clear', exact: true }).click();
  await subscribeInPage(page, 'tree/#');
  const baseline = await pageTotal(page);
  const fillStart = Date.now();
  const fill = startPublisher({ port, layout: 'tree', topics, payloadKind: 'json', payloadBytes: 100, rate: 0, count: topics });
  const published = await fill.done;
  for (let i = 0; i < 240 && (await pageTotal(page)) - baseline < topics; i++) await new Promise((r) => setTimeout(r, 250));
  const filled = (await pageTotal(page)) - baseline;
  const firstSent = fill.progress[0]?.at ?? fillStart;
  console.log(
    `\nTree: ${topics.toLocaleString('en-US')} topics (tree/site<S>/dev<D>/m<M>), one message each: published in ${((published.at - firstSent) / 1000).toFixed(1)} s, all ${filled.toLocaleString('en-US')} counted in the page ${((Date.now() - firstSent) / 1000).toFixed(1)} s after the first was sent`,
  );

  const stopProfile = await cpuProfile(cdp, profile, 'tree');
  // Each action three times, with `setup` (untimed) putting the view back before each.
  const times = async (name: string, [action, done]: [PageAction, DoneWhen], setup: () => Promise<void>) => {
    const took: number[] = [];
    for (let run = 0; run < 3; run++) {
      await setup();
      took.push(await timeInPage(page, action, done));
    }
    took.sort((a, b) => a - b);
    line(`${name} (target ≤ 100 ms)`, `median ${took[Math.floor(took.length / 2)]!.toFixed(0)} ms, slowest ${took.at(-1)!.toFixed(0)} ms`);
  };

  // Open: from the Messages tab to the tree's rows drawn.
  await times(
    'open the Topics tab',
    [{ click: TAB(2) }, { selector: `${TREE} [role="treeitem"]` }],
    async () => {
      await page.getByRole('tab', { name: 'Messages' }).click();
    },
  );
  await times('collapse all', [{ click: '.topic-tree-toolbar button:nth-of-type(2)' }, { selector: `${TREE} [role="treeitem"]`, count: 1 }], async () => {
    await page.getByRole('button', { name: 'Expand all', exact: true }).click();
  });
  // Expand all under one site (10,000 topics below it in a tree of 100,000).
  const site = `site${Math.min(3, Math.ceil(topics / 10_000) - 1)}`;
  const below = expectedMatches(topics, `tree/${site}/#`) - 1;
  await page.getByRole('button', { name: 'Expand tree', exact: true }).click();
  await page.getByRole('tree', { name: 'Topic tree' }).getByRole('button', { name: site, exact: true }).click();
  await times(`expand all under one node (${below.toLocaleString('en-US')} rows below it)`, [{ click: '.topic-tree-toolbar button:nth-of-type(1)' }, { selector: `${TREE} [aria-level="4"]` }], async () => {
    await page.getByRole('button', { name: 'Collapse all', exact: true }).click();
  });
  // Expand everything: select the root level and expand all below it.
  await page.getByRole('tree', { name: 'Topic tree' }).getByRole('button', { name: 'tree', exact: true }).click();
  const allRows = Math.round(expectedMatches(topics, '#'));
  await times('expand all (whole tree)', [{ click: '.topic-tree-toolbar button:nth-of-type(1)' }, { selector: TREE, minScrollHeight: allRows * 24 * 0.99 }], async () => {
    await page.getByRole('button', { name: 'Collapse all', exact: true }).click();
  });
  for (const filter of ['dev42', 'tree/+/dev7/#']) {
    const matches = expectedMatches(topics, filter);
    await times(`filter by ${/[+#]/.test(filter) ? 'wildcard' : 'text'} "${filter}" (${matches.toLocaleString('en-US')} match)`, [{ fill: FILTER, value: filter }, { selector: COUNT, text: `${matches} match` }], async () => {
      await page.getByLabel('Filter topics').fill('');
    });
  }
  await times('clear the filter', [{ fill: FILTER, value: '' }, { selector: COUNT, absentText: 'match' }], async () => {
    await page.getByLabel('Filter topics').fill('dev42');
    await page.getByLabel('Topic count').filter({ hasText: 'match' }).waitFor();
  });
  await stopProfile();

  // Live: the fleet publishes over all the tree's topics with the expanded tree on screen.
  await page.evaluate((tree) => {
    const element = document.querySelector(tree);
    if (element) element.scrollTop = element.scrollHeight / 2;
  }, TREE);
  await resetPageMetrics(page);
  await resetFleetRecorder(page);
  const stopLive = await cpuProfile(cdp, profile, 'tree-live');
  const live = startPublisher({ port, layout: 'tree', topics, payloadKind: 'json', payloadBytes: 100, rate, count: rate * 10 });
  await live.done;
  const target = topics + rate * 10;
  for (let i = 0; i < 120 && (await pageTotal(page)) - baseline < target; i++) await new Promise((r) => setTimeout(r, 250));
  await stopLive();
  const metrics = await readPageMetrics(page);
  const recorded = await readFleetRecorder(page);
  const changed = recorded.rowFrames.map(([c]) => c);
  const inPage = recorded.rowFrames.map(([, p]) => p);
  line(`live: ${rate.toLocaleString('en-US')} msgs/s × 10 s over the tree's topics`, `${((await pageTotal(page)) - baseline - topics).toLocaleString('en-US')} of ${(rate * 10).toLocaleString('en-US')} counted`);
  line('  rows changed per frame: max / rows in the page', changed.length ? `${Math.max(...changed)} / ${Math.max(...inPage)} (${changed.length} frames with changes; rows updated twice in a frame: ${recorded.doubleUpdates})` : 'none');
  line('  long tasks > 50 ms / > 100 ms', `${metrics.long.filter((d) => d > 50).length} / ${metrics.long.filter((d) => d > 100).length} (longest ${Math.max(0, ...metrics.long).toFixed(0)} ms)`);
  line('  p95 frame interval', `${metrics.p95Frame.toFixed(1)} ms`);
  line('JS heap of the page with the tree', `${((await heap()) / 1024 / 1024).toFixed(0)} MB`);
}
