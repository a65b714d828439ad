/**
 * The rows of the topic tree as shown: the nodes of expanded parents in depth-first order,
 * or, while a filter is set, the nodes that match it and their ancestors. Rows are an
 * Int32Array of node ids, rebuilt only when nodes were added, a node was collapsed or
 * expanded, or the filter changed; the view draws the slice that is on screen.
 *
 * A filter is plain text (found anywhere in the topic, ignoring case) or an MQTT filter
 * with + or # (matched level by level, walking only the branches it can match).
 */

import { checkTopicFilter, topicMatches } from '../../../shared/topic';
import { NODE_FLAG, NONE, ROOT, type TopicIndex } from './topic-index';

/** Marks of a node while a filter is set. */
const MATCH = 1;
const ANCESTOR = 2;

/** A topic filter, compiled: marks per node, kept up to date as nodes are added. */
export class TreeFilter {
  readonly marks: Uint8Array;
  /** Nodes that matched. */
  matches = 0;
  /** Nodes examined so far: nodes added later are tested when rows are next built. */
  private seen: number;
  private readonly wildcard: boolean;
  private readonly needle: string;

  private constructor(
    private readonly index: TopicIndex,
    readonly text: string,
  ) {
    this.wildcard = /[+#]/.test(text);
    this.needle = text.toLowerCase();
    this.marks = new Uint8Array(Math.max(index.parent.length, 1024));
    this.seen = 1;
    if (this.wildcard) {
      this.walk(text.split('/'));
      this.seen = index.size;
    }
  }

  /**
   * Compiles a filter for an index.
   * @returns the filter, or the reason it cannot be used (shown next to the field).
   */
  static compile(index: TopicIndex, text: string): { ok: true; filter: TreeFilter } | { ok: false; reason: string } {
    if (/[+#]/.test(text)) {
      const check = checkTopicFilter(text);
      if (!check.ok) return { ok: false, reason: check.reason };
    }
    return { ok: true, filter: new TreeFilter(index, text) };
  }

  /** Whether the filter was made for this index and still fits it (else compile again). */
  fits(index: TopicIndex): boolean {
    return index === this.index && index.size <= this.marks.length;
  }

  /** Tests the nodes added since the last call. */
  catchUp(): void {
    const index = this.index;
    for (let id = this.seen; id < index.size; id++) {
      const topic = index.topics[id]!;
      if (this.wildcard ? topicMatches(this.text, topic) : topic.toLowerCase().includes(this.needle)) this.mark(id);
    }
    this.seen = index.size;
  }

  /** Whether a node is shown, and whether its children are. */
  visible(id: number): boolean {
    return this.marks[id] !== 0;
  }

  /** Shown with its children: it leads to a match. */
  open(id: number): boolean {
    return (this.marks[id]! & ANCESTOR) !== 0;
  }

  private mark(id: number): void {
    if ((this.marks[id]! & MATCH) === 0) this.matches++;
    this.marks[id]! |= MATCH;
    for (let node = this.index.parent[id]!; node > ROOT && (this.marks[node]! & ANCESTOR) === 0; node = this.index.parent[node]!) this.marks[node]! |= ANCESTOR;
  }

  /** Matches an MQTT filter against the tree, following only branches that can match. */
  private walk(levels: string[]): void {
    const index = this.index;
    const stack: Array<[node: number, level: number]> = [[ROOT, 0]];
    while (stack.length > 0) {
      const [node, level] = stack.pop()!;
      const part = levels[level];
      if (part === '#') {
        // "a/#" matches "a" too; a filter starting with # does not match $ topics [MQTT-4.7.2-1].
        if (node !== ROOT) this.markBelow(node);
        else for (let child = index.firstChild[ROOT]!; child !== NONE; child = index.nextSibling[child]!) if (!index.names[child]!.startsWith('$')) this.markBelow(child);
        continue;
      }
      if (part === undefined) {
        if (node !== ROOT) this.mark(node);
        continue;
      }
      for (let child = index.firstChild[node]!; child !== NONE; child = index.nextSibling[child]!) {
        const name = index.names[child]!;
        if (index.flags[child]! & NODE_FLAG.depthCut) {
          // The node holds several levels: the filter decides on its whole topic.
          if (topicMatches(this.text, index.topics[child]!)) this.mark(child);
          continue;
        }
        if (part === '+' ? node === ROOT && name.startsWith('$') : name !== part) continue;
        stack.push([child, level + 1]);
      }
    }
  }

  /** Marks a node and everything below it as matching. */
  private markBelow(id: number): void {
    this.mark(id);
    const stack = [id];
    while (stack.length > 0) {
      const node = stack.pop()!;
      for (let child = this.index.firstChild[node]!; child !== NONE; child = this.index.nextSibling[child]!) {
        this.marks[node]! |= ANCESTOR;
        if ((this.marks[child]! & MATCH) === 0) this.matches++;
        this.marks[child]! |= MATCH;
        stack.push(child);
      }
    }
  }
}

/**
 * The visible rows, depth-first in the order topics were first seen.
 * @param filter when set, only matches and their ancestors, opened.
 */
export function buildRows(index: TopicIndex, filter?: TreeFilter): Int32Array {
  filter?.catchUp();
  let rows = new Int32Array(Math.min(index.size, 4096));
  let n = 0;
  let id = index.firstChild[ROOT]!;
  while (id !== NONE) {
    const shown = !filter || filter.visible(id);
    if (shown) {
      if (n === rows.length) {
        const bigger = new Int32Array(Math.min(index.size, rows.length * 2));
        bigger.set(rows);
        rows = bigger;
      }
      rows[n++] = id;
      const open = filter ? filter.open(id) : (index.flags[id]! & NODE_FLAG.collapsed) === 0;
      if (open && index.firstChild[id] !== NONE) {
        id = index.firstChild[id]!;
        continue;
      }
    }
    // Next sibling, or the next sibling of the nearest ancestor that has one.
    while (id !== NONE && index.nextSibling[id] === NONE) {
      id = index.parent[id]!;
      if (id === ROOT) id = NONE;
    }
    if (id !== NONE) id = index.nextSibling[id]!;
  }
  return rows.subarray(0, n);
}
