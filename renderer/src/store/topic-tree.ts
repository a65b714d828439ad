/**
 * Every topic a connection has seen, as a tree built while messages arrive: per topic the
 * last message, a count, whether the broker holds a retained message, and recent numeric
 * values for charting. Lives outside React state like the message log.
 */

import type { MessageRecord } from '../../../shared/contract';
import { utf8DecodeStrict } from '../../../shared/utf8';
import { messageNumbers } from './decoded-view';

/** Numeric points kept per series. */
export const MAX_POINTS = 1000;

/** One level of the topic hierarchy. */
export interface TopicNode {
  /** This level's name ('' for an empty level, as in "a//b"). */
  name: string;
  /** The full topic of this node. */
  topic: string;
  children: Map<string, TopicNode>;
  /** Messages on exactly this topic. */
  count: number;
  last?: MessageRecord;
  /** The last message seen had the retain flag (a retained message is held by the broker). */
  retained: boolean;
  /** Numeric series: "value" for a bare number payload, field names for JSON objects. */
  series: Map<string, { times: number[]; values: number[] }>;
}

function node(name: string, topic: string): TopicNode {
  return { name, topic, children: new Map(), count: 0, retained: false, series: new Map() };
}

const trees = new Map<string, TopicNode>();

/** The root of a connection's tree (its children are the first topic levels). */
export function treeFor(connectionId: string): TopicNode {
  let root = trees.get(connectionId);
  if (!root) trees.set(connectionId, (root = node('', '')));
  return root;
}

/** Adds received messages to the tree. */
export function addToTree(connectionId: string, messages: readonly MessageRecord[]): void {
  const root = treeFor(connectionId);
  for (const message of messages) {
    if (message.direction !== 'in') continue;
    let current = root;
    const levels = message.topic.split('/');
    levels.forEach((level, i) => {
      let child = current.children.get(level);
      if (!child) current.children.set(level, (child = node(level, levels.slice(0, i + 1).join('/'))));
      current = child;
    });
    current.count++;
    current.last = message;
    // An empty retained payload clears the broker's retained message [MQTT-3.3.1-6].
    current.retained = message.retain && message.payloadSize > 0;
    for (const [name, value] of messageNumbers(message)) {
      let series = current.series.get(name);
      if (!series) current.series.set(name, (series = { times: [], values: [] }));
      series.times.push(message.time / 1000);
      series.values.push(value);
      if (series.times.length > MAX_POINTS) {
        series.times.shift();
        series.values.shift();
      }
    }
  }
}

/** Forgets a connection's tree. */
export function clearTree(connectionId: string): void {
  trees.delete(connectionId);
}

/** Finds a node by full topic. */
export function findNode(root: TopicNode, topic: string): TopicNode | undefined {
  let current: TopicNode | undefined = root;
  for (const level of topic.split('/')) current = current?.children.get(level);
  return current;
}

/** Messages on a topic and every topic below it. */
export function subtreeCount(n: TopicNode): number {
  let total = n.count;
  for (const child of n.children.values()) total += subtreeCount(child);
  return total;
}

/**
 * The numbers in a payload worth charting: the payload itself when it is a number, else the
 * numeric top-level fields of a JSON object.
 */
export function numericFields(payload: Uint8Array): Array<[string, number]> {
  if (payload.byteLength === 0 || payload.byteLength > 64 * 1024) return [];
  const text = utf8DecodeStrict(payload)?.trim();
  if (!text) return [];
  const bare = Number(text);
  if (text !== '' && Number.isFinite(bare) && /^-?[\d.eE+-]+$/.test(text)) return [['value', bare]];
  if (!text.startsWith('{')) return [];
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    return Object.entries(value).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]));
  } catch {
    return [];
  }
}
