import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import { topicMatches } from '../../shared/topic';
import { NODE_FLAG, NONE, ROOT, TopicIndex } from '../../renderer/src/store/topic-index';
import { MAX_POINTS, SERIES_BUDGET_BYTES } from '../../renderer/src/store/topic-series';
import { numericFields, payloadNumbersInto } from '../../renderer/src/store/decoded-view';
import { NumberFields } from '../../renderer/src/store/json-numbers';
import { buildRows, TreeFilter } from '../../renderer/src/store/tree-rows';

let seq = 0;
const message = (topic: string, payload = '1', retain = false): MessageRecord => {
  const bytes = new TextEncoder().encode(payload);
  return { seq: ++seq, direction: 'in', topic, payload: bytes, payloadSize: bytes.length, qos: 0, retain, dup: false, time: seq * 1000 };
};

/** A small deterministic PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The reference: the tree rebuilt from scratch from every message, the obvious way. */
interface Ref {
  name: string;
  topic: string;
  children: Map<string, Ref>;
  count: number;
  last?: MessageRecord;
  retained: boolean;
}
function rebuild(messages: readonly MessageRecord[]): Ref {
  const root: Ref = { name: '', topic: '', children: new Map(), count: 0, retained: false };
  for (const m of messages) {
    let node = root;
    m.topic.split('/').forEach((level, i, levels) => {
      let child = node.children.get(level);
      if (!child) node.children.set(level, (child = { name: level, topic: levels.slice(0, i + 1).join('/'), children: new Map(), count: 0, retained: false }));
      node = child;
    });
    node.count++;
    node.last = m;
    node.retained = m.retain && m.payloadSize > 0;
  }
  return root;
}
const refTotal = (n: Ref): number => [...n.children.values()].reduce((sum, c) => sum + refTotal(c), n.count);
function refRows(root: Ref, shown: (n: Ref) => boolean, open: (n: Ref) => boolean): string[] {
  const out: string[] = [];
  const visit = (n: Ref) => {
    for (const child of n.children.values()) {
      if (!shown(child)) continue;
      out.push(child.topic);
      if (open(child)) visit(child);
    }
  };
  visit(root);
  return out;
}
function refFilter(root: Ref, text: string): { shown: (n: Ref) => boolean; open: (n: Ref) => boolean } {
  const matches = (n: Ref) => (/[+#]/.test(text) ? topicMatches(text, n.topic) : n.topic.toLowerCase().includes(text.toLowerCase()));
  const below = new Map<Ref, boolean>();
  const hasMatchBelow = (n: Ref): boolean => {
    let any = false;
    for (const c of n.children.values()) if (hasMatchBelow(c) || matches(c)) any = true;
    below.set(n, any);
    return any;
  };
  hasMatchBelow(root);
  return { shown: (n) => matches(n) || below.get(n)!, open: (n) => below.get(n)! };
}

const LEVELS = ['dev1', 'dev2', 'dev10', 'temp', '', 'é', '\u{1F600}', 'x y', '$SYS', 'Dev1'];
function randomTopic(next: () => number): string {
  const depth = 1 + Math.floor(next() * 4);
  return Array.from({ length: depth }, (_, i) => (i === 0 && next() < 0.1 ? '$SYS' : LEVELS[Math.floor(next() * LEVELS.length)]!)).join('/');
}

describe('topic index', () => {
  it('stays equal to a tree rebuilt from scratch after every batch: counts, totals, last values, retained markers, order, rows', () => {
    const next = random(15);
    const index = new TopicIndex();
    const all: MessageRecord[] = [];
    for (let batch = 0; batch < 40; batch++) {
      index.nextTick();
      const size = Math.floor(next() * 200);
      for (let i = 0; i < size; i++) {
        const m = message(randomTopic(next), String(Math.floor(next() * 100)), next() < 0.2);
        if (m.retain && next() < 0.3) {
          m.payload = new Uint8Array(0);
          m.payloadSize = 0;
        }
        all.push(m);
        index.add(m);
      }
      const ref = rebuild(all);
      const check = (r: Ref) => {
        for (const child of r.children.values()) {
          const id = index.find(child.topic);
          expect(id, child.topic).not.toBe(NONE);
          expect(index.names[id]).toBe(child.name);
          expect(index.count[id]).toBe(child.count);
          expect(index.total[id]).toBe(refTotal(child));
          expect(index.last[id]?.seq).toBe(child.last?.seq);
          expect((index.flags[id]! & NODE_FLAG.retained) !== 0).toBe(child.retained);
          expect(index.children(id).map((c) => index.names[c])).toEqual([...child.children.keys()]);
          check(child);
        }
      };
      check(ref);
      expect(index.children(ROOT).map((c) => index.names[c])).toEqual([...ref.children.keys()]);
      expect(index.total[ROOT]).toBe(all.length);
      expect(index.topicCount).toBe(new Set(all.map((m) => m.topic)).size);
      const rows = [...buildRows(index)].map((id) => index.topics[id]);
      expect(rows).toEqual(refRows(ref, () => true, () => true));
    }
  });

  it('shows collapsed nodes without their children, and expands or collapses everything below a node', () => {
    const index = new TopicIndex();
    for (const t of ['a/b/c', 'a/b/d', 'a/e', 'f/g']) index.add(message(t));
    const rows = () => [...buildRows(index)].map((id) => index.topics[id]);
    index.setCollapsed(index.find('a/b'), true);
    expect(rows()).toEqual(['a', 'a/b', 'a/e', 'f', 'f/g']);
    index.setCollapsedBelow(ROOT, true);
    expect(rows()).toEqual(['a', 'f']);
    index.setCollapsedBelow(index.find('a'), false);
    expect(rows()).toEqual(['a', 'a/b', 'a/b/c', 'a/b/d', 'a/e', 'f']);
  });

  it.each(['dev1', 'DEV1', 'temp', 'é', '\u{1F600}', '#', '+', '+/+', 'dev1/#', '+/dev2/#', '$SYS/#', '+/+/temp', '/#', '+/', 'nothing'])(
    'filters by %j exactly as matching every topic one by one would, also for topics added later',
    (text) => {
      const next = random(text.length * 7 + 1);
      const index = new TopicIndex();
      const all: MessageRecord[] = [];
      const add = (n: number) => {
        for (let i = 0; i < n; i++) all.push(message(randomTopic(next)));
        for (const m of all.slice(-n)) index.add(m);
      };
      add(300);
      const compiled = TreeFilter.compile(index, text);
      if (!compiled.ok) throw new Error(compiled.reason);
      const expectRows = () => {
        const ref = rebuild(all);
        const { shown, open } = refFilter(ref, text);
        expect([...buildRows(index, compiled.filter)].map((id) => index.topics[id])).toEqual(refRows(ref, shown, open));
      };
      expectRows();
      add(300);
      expectRows();
    },
  );

  it('counts the earlier messages a held message stands for on its topic and every level above', () => {
    const index = new TopicIndex();
    index.add(message('site/dev1/temp'));
    const id = index.add(message('site/dev1/temp'), 4);
    index.add(message('site/dev2/temp'), 2);
    expect(index.count[id]).toBe(6);
    expect(index.total[index.find('site/dev1')]).toBe(6);
    expect(index.total[index.find('site')]).toBe(9);
    expect(index.total[ROOT]).toBe(9);
  });

  it('refuses an invalid wildcard filter with the reason', () => {
    expect(TreeFilter.compile(new TopicIndex(), 'a/#/b')).toEqual({ ok: false, reason: "'#' must be the last level" });
  });

  it('replaces each message topic with its own copy, so the log holds one string per topic', () => {
    const index = new TopicIndex();
    const a = message(['plant', 'line1'].join('/'));
    const b = message(['plant', 'line1'].join('/'));
    index.add(a);
    index.add(b);
    expect(a.topic).toBe(index.topics[index.find('plant/line1')]);
    expect(Object.is(a.topic, b.topic)).toBe(true);
  });

  it('stamps the changed node and its ancestors with the current tick, and no other node', () => {
    const index = new TopicIndex();
    for (const t of ['a/b', 'a/c', 'd']) index.add(message(t));
    index.nextTick();
    index.add(message('a/c'));
    const changed = [...buildRows(index)].filter((id) => index.stamp[id] === index.tick).map((id) => index.topics[id]);
    expect(changed).toEqual(['a', 'a/c']);
  });
});

describe('topic index limits (bad input)', () => {
  it('folds levels past the depth limit into one node, marked as cut', () => {
    const index = new TopicIndex({ maxDepth: 4, maxNodes: 1000 });
    const m = message('a/b/c/d/e/f/g');
    const id = index.add(m);
    expect(index.depth[id]).toBe(4);
    expect(index.names[id]).toBe('d/e/f/g');
    expect(index.topics[id]).toBe('a/b/c/d/e/f/g');
    expect(index.flags[id]! & NODE_FLAG.depthCut).toBeTruthy();
    expect(index.cutTopics).toBe(1);
    expect(index.add(message('a/b/c/d'))).not.toBe(id);
    expect(index.flags[index.find('a/b/c/d')]! & NODE_FLAG.depthCut).toBe(0);
    expect(TreeFilter.compile(index, 'a/+/c/#').ok && [...buildRows(index, (TreeFilter.compile(index, 'a/+/c/#') as { filter: TreeFilter }).filter)].length).toBe(5);
  });

  it('takes a topic 100,000 levels deep as 128 nodes', () => {
    const index = new TopicIndex();
    const id = index.add(message(Array.from({ length: 100_000 }, () => 'a').join('/')));
    expect(index.size).toBe(129);
    expect(index.depth[id]).toBe(128);
    expect(index.names[id]!.split('/')).toHaveLength(100_000 - 127);
    expect(buildRows(index)).toHaveLength(128);
  });

  it('counts messages on topics that find no room once the tree is full', () => {
    const index = new TopicIndex({ maxDepth: 128, maxNodes: 4 });
    for (const t of ['a/b', 'c', 'd', 'a/b', 'e']) index.add(message(t));
    expect(index.size).toBe(4);
    expect(index.count[index.find('a/b')]).toBe(2);
    expect(index.overflowMessages).toBe(2);
    expect(index.total[ROOT]).toBe(5);
  });
});

describe('numeric series', () => {
  it('keeps the newest MAX_POINTS points per series of a topic', () => {
    const index = new TopicIndex();
    for (let i = 0; i < MAX_POINTS + 50; i++) index.add(message('s', JSON.stringify({ t: i, h: -i, label: 'x' })));
    const series = index.series[index.find('s')]!;
    expect([...series.keys()]).toEqual(['t', 'h']);
    const { values } = series.get('t')!.toArrays();
    expect(values).toHaveLength(MAX_POINTS);
    expect(values[0]).toBe(50);
    expect(values.at(-1)).toBe(MAX_POINTS + 49);
    const spark = new Float64Array(5);
    expect(series.get('h')!.newest(5, spark)).toBe(5);
    expect([...spark]).toEqual([-(MAX_POINTS + 45), -(MAX_POINTS + 46), -(MAX_POINTS + 47), -(MAX_POINTS + 48), -(MAX_POINTS + 49)]);
  });

  it('stops growing series past the byte budget, and keeps no new ones; every kept series still has its newest points', () => {
    const index = new TopicIndex();
    const topics = Math.ceil(SERIES_BUDGET_BYTES / (MAX_POINTS * 16)) + 200;
    for (let round = 0; round < 80; round++) for (let t = 0; t < topics; t++) index.add(message(`t/${t}`, String(round)));
    expect(index.seriesBudget.bytes).toBeLessThanOrEqual(SERIES_BUDGET_BYTES);
    expect(index.seriesBudget.refused).toBe(0);
    const last = index.series[index.find(`t/${topics - 1}`)]!.get('value')!.toArrays().values;
    expect(last.at(-1)).toBe(79);
    // Past the budget, a topic seen for the first time gets no series, and that is counted.
    for (let t = 0; t < 400_000 && index.seriesBudget.refused === 0; t++) index.add(message(`new/${t}`, '1'));
    expect(index.seriesBudget.refused).toBe(1);
    expect(index.seriesBudget.bytes).toBeLessThanOrEqual(SERIES_BUDGET_BYTES);
  });

  it('keeps at most 32 series per topic', () => {
    const index = new TopicIndex();
    index.add(message('wide', JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`f${i}`, i])))));
    expect(index.series[index.find('wide')]!.size).toBe(32);
  });

  const numericCases: Array<[string, Array<[string, number]>]> = [
    ['21.5', [['value', 21.5]]],
    ['-3', [['value', -3]]],
    [' 7 ', [['value', 7]]],
    ['{"a":1,"b":"x","c":true,"d":2.5}', [['a', 1], ['d', 2.5]]],
    ['{"a":1', []],
    ['{"a":1}', [['a', 1]]],
    ['{"a":12', []],
    ['{"a":tru', []],
    ['   ', []],
    ['[1,2]', []],
    ['on', []],
    ['', []],
    ['{broken', []],
    ['1.2.3', []],
  ];
  it.each(numericCases)('numericFields(%j)', (payload, expected) => {
    expect(numericFields(new TextEncoder().encode(payload))).toEqual(expected);
  });

  it.each(numericCases)('payloadNumbersInto(%j) reads it in place in a frame, blind to the bytes around it', (payload, expected) => {
    // Neighbours that would complete or extend a payload read past its end (or before its start).
    const out = new NumberFields();
    out.push('stale', 1);
    for (const [before, after] of [['', ''], ['}', '}'], ['9', '3}'], ['{"z":', 'e5, "q":1}'], [' ', 'ue}']]) {
      const frame = new TextEncoder().encode(before + payload + after);
      const start = new TextEncoder().encode(before).byteLength;
      payloadNumbersInto(frame, start, start + new TextEncoder().encode(payload).byteLength, undefined, out);
      expect(out.toArray(), `${before}|${payload}|${after}`).toEqual(expected);
    }
  });
});
