import { describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../shared/contract';
import { addToTree, findNode, numericFields, subtreeCount, treeFor } from '../../renderer/src/store/topic-tree';

let seq = 0;
const message = (topic: string, payload: string, retain = false): MessageRecord => {
  const bytes = new TextEncoder().encode(payload);
  return { seq: ++seq, direction: 'in', topic, payload: bytes, payloadSize: bytes.length, qos: 0, retain, dup: false, time: seq * 1000 };
};

describe('topic tree', () => {
  it('builds the hierarchy with counts, last values and retained markers', () => {
    addToTree('c1', [message('home/kitchen/temp', '21.5'), message('home/kitchen/temp', '22'), message('home/hall/door', 'open', true), message('home//odd', 'x')]);
    const root = treeFor('c1');
    expect([...root.children.keys()]).toEqual(['home']);
    const home = root.children.get('home')!;
    expect([...home.children.keys()]).toEqual(['kitchen', 'hall', '']);
    expect(findNode(root, 'home/kitchen/temp')).toMatchObject({ topic: 'home/kitchen/temp', count: 2, retained: false });
    expect(findNode(root, 'home/hall/door')).toMatchObject({ retained: true });
    expect(subtreeCount(home)).toBe(4);
    expect(new TextDecoder().decode(findNode(root, 'home/kitchen/temp')!.last!.payload)).toBe('22');
  });

  it('clears the retained marker when an empty retained message arrives', () => {
    addToTree('c2', [message('a', 'on', true), message('a', '', true)]);
    expect(findNode(treeFor('c2'), 'a')!.retained).toBe(false);
  });

  it('collects numeric series for the chart', () => {
    addToTree('c3', [message('s', '{"t":20,"h":40,"label":"x"}'), message('s', '{"t":21,"h":41}')]);
    const series = findNode(treeFor('c3'), 's')!.series;
    expect([...series.keys()]).toEqual(['t', 'h']);
    expect(series.get('t')!.values).toEqual([20, 21]);
  });

  it.each([
    ['21.5', [['value', 21.5]]],
    ['-3', [['value', -3]]],
    ['{"a":1,"b":"x","c":true,"d":2.5}', [['a', 1], ['d', 2.5]]],
    ['[1,2]', []],
    ['on', []],
    ['', []],
    ['{broken', []],
  ])('numericFields(%j)', (payload, expected) => {
    expect(numericFields(new TextEncoder().encode(payload))).toEqual(expected);
  });
});
