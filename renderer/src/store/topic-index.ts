/**
 * Every topic a connection has seen, as a tree kept up to date message by message: no
 * rebuild per batch. Nodes are numbers; what the tree knows per node lives in flat typed
 * arrays (parent, first child, next sibling, counts, flags, the tick it last changed) and a
 * few parallel plain arrays (names, topics, last message, series). A message on a known
 * topic costs one Map lookup and a walk up its ancestors; only a new topic creates nodes.
 *
 * Bad input is cut, counted and said: levels deeper than {@link TOPIC_LIMITS.maxDepth}
 * fold into one node marked as cut, and past {@link TOPIC_LIMITS.maxNodes} nodes messages
 * on new topics are counted, not indexed.
 */

import type { MessageRecord } from '../../../shared/contract';
import type { DecodedPayload } from '../../../shared/decoded';
import type { MessageColumns } from '../../../shared/message-columns';
import { BATCH_FLAG, type BatchColumns } from '../../../shared/wire-batches';
import { MAX_SERIES_PER_TOPIC, SeriesRing, type SeriesBudget } from './topic-series';
import { payloadNumbersInto } from './decoded-view';
import { NumberFields } from './json-numbers';

/** Limits of one connection's tree. */
export const TOPIC_LIMITS = {
  /** Levels shown as nodes; the rest of a deeper topic is one node, marked cut. */
  maxDepth: 128,
  /** Nodes at most (inner levels included). */
  maxNodes: 500_000,
};

/** Node flags. */
export const NODE_FLAG = {
  /** The last message had the retain flag and a payload: the broker holds one. */
  retained: 1,
  /** The node stands for several levels: the topic was deeper than the tree shows. */
  depthCut: 2,
  /** Collapsed by the user (nodes start expanded). */
  collapsed: 4,
} as const;

/** The root's id; its children are the first levels. */
export const ROOT = 0;
/** "No node" in the link arrays. */
export const NONE = -1;

const FIRST_CAPACITY = 1024;
/** The numbers of the message being added: one for all indexes, filled again per message (no arrays per message). */
const numbers = new NumberFields();

/** The tree of one connection. */
export class TopicIndex {
  /** Nodes held, the root included (ids are 0 … size - 1, in order of creation). */
  size = 1;
  parent: Int32Array;
  firstChild: Int32Array;
  lastChild: Int32Array;
  nextSibling: Int32Array;
  childCount: Int32Array;
  depth: Int32Array;
  /** Messages on exactly this topic. */
  count: Float64Array;
  /** Messages on this topic and every topic below it. */
  total: Float64Array;
  flags: Uint8Array;
  /** The ingest tick at which the node's figures last changed (rows re-render on change). */
  stamp: Uint32Array;
  /** This level's name ('' for an empty level); for a depth-cut node, all remaining levels. */
  readonly names: string[] = [''];
  /** The full topic of each node. */
  readonly topics: string[] = [''];
  /** Last message per node given as a record (see lastMessage, which also reads the log). */
  readonly last: (MessageRecord | undefined)[] = [undefined];
  /** Where the log holds each node's last message (its serial), or -1: see lastMessage. */
  lastSerial: Float64Array;
  /** The message log that `lastSerial` points into (ingest.ts sets it). */
  source: MessageColumns | undefined;
  /** Numeric series per node ("value" for a bare number, field names for JSON objects). */
  readonly series: (Map<string, SeriesRing> | undefined)[] = [undefined];
  /** Bumped whenever nodes are added, so the visible rows are rebuilt. */
  structure = 0;
  /** Bumped whenever a node is collapsed or expanded. */
  layout = 0;
  /** Current ingest tick (see `stamp`). */
  tick = 1;
  /** Topics that have had messages. */
  topicCount = 0;
  /** Messages whose topic found no room in the tree (past maxNodes), counted here. */
  overflowMessages = 0;
  /** Received topics whose levels were cut at maxDepth. */
  cutTopics = 0;
  /** For nodes marked depthCut: how many levels the node stands for. */
  readonly cutLevels = new Map<number, number>();
  /** Bytes held by numeric series. */
  readonly seriesBudget: SeriesBudget = { bytes: 0, refused: 0 };
  // Full topic → node. The root has no entry: '' is the topic of an empty first level ("/a").
  private readonly ids = new Map<string, number>();

  constructor(private readonly limits = TOPIC_LIMITS) {
    this.parent = new Int32Array(FIRST_CAPACITY);
    this.firstChild = new Int32Array(FIRST_CAPACITY).fill(NONE);
    this.lastChild = new Int32Array(FIRST_CAPACITY).fill(NONE);
    this.nextSibling = new Int32Array(FIRST_CAPACITY).fill(NONE);
    this.childCount = new Int32Array(FIRST_CAPACITY);
    this.depth = new Int32Array(FIRST_CAPACITY);
    this.count = new Float64Array(FIRST_CAPACITY);
    this.total = new Float64Array(FIRST_CAPACITY);
    this.flags = new Uint8Array(FIRST_CAPACITY);
    this.stamp = new Uint32Array(FIRST_CAPACITY);
    this.lastSerial = new Float64Array(FIRST_CAPACITY).fill(-1);
    this.parent[ROOT] = NONE;
  }

  /** Starts a new tick: nodes changed from here on get a new stamp. */
  nextTick(): void {
    this.tick++;
  }

  /**
   * Adds one received message given as a record: counts, last message, retained marker,
   * numbers. The message's topic is replaced by the index's own copy of the string, so
   * comparing topics is comparing references. `replaced` earlier messages on the topic that
   * the page never got (the backend held only the newest) are counted too.
   * @returns the node of its topic, or NONE when the tree is full (counted in overflowMessages).
   */
  add(message: MessageRecord, replaced = 0): number {
    const payload = message.payload;
    const id = this.tally(message.topic, replaced, message.retain && message.payloadSize > 0, message.time, payload, 0, payload.byteLength, message.decoded);
    if (id !== NONE) {
      message.topic = this.topics[id]!;
      this.last[id] = message;
      this.lastSerial[id] = -1;
    }
    return id;
  }

  /**
   * Adds message `index` of a batch, which the log (`source`) holds at `serial` (its
   * evicted count plus position): the node's last message is read from the log when a row
   * shows it, so no record is made per message. `decoded` is its decoded payload, if any.
   * @returns as {@link add}.
   */
  addFrom(batch: BatchColumns, index: number, serial: number, decoded: DecodedPayload | undefined, replaced = 0): number {
    // The payload is read in place in the frame: no view of it per message.
    const start = batch.payloadStarts[index]!;
    const end = decoded ? start : start + batch.payloadLengths[index]!;
    const retained = (batch.flags[index]! & BATCH_FLAG.retain) !== 0 && batch.payloadSizes[index]! > 0;
    const id = this.tally(batch.topics[batch.topicIds[index]!]!, replaced, retained, batch.times[index]!, batch.frame, start, end, decoded);
    if (id !== NONE) {
      this.lastSerial[id] = serial;
      if (this.last[id] !== undefined) this.last[id] = undefined;
    }
    return id;
  }

  /** The last message received on a node's topic (undefined for an inner level that had none). */
  lastMessage(id: number): MessageRecord | undefined {
    const serial = this.lastSerial[id]!;
    if (serial >= 0 && this.source) return this.source.at(serial - this.source.evicted);
    return this.last[id];
  }

  /** Counts a message on `topic`; its payload is `bytes` from `start` to `end`. */
  private tally(topic: string, replaced: number, retained: boolean, time: number, bytes: Uint8Array, start: number, end: number, decoded: DecodedPayload | undefined): number {
    const n = 1 + replaced;
    let id = this.ids.get(topic);
    if (id === undefined) {
      id = this.insert(topic);
      if (id === NONE) {
        this.overflowMessages += n;
        this.total[ROOT] = this.total[ROOT]! + n;
        return NONE;
      }
    }
    if (this.count[id] === 0) this.topicCount++;
    this.count[id] = this.count[id]! + n;
    // An empty retained payload clears the broker's retained message [MQTT-3.3.1-6].
    if (retained) this.flags[id]! |= NODE_FLAG.retained;
    else this.flags[id]! &= ~NODE_FLAG.retained;
    const tick = this.tick;
    for (let node = id; node !== NONE; node = this.parent[node]!) {
      this.total[node] = this.total[node]! + n;
      this.stamp[node] = tick;
    }
    payloadNumbersInto(bytes, start, end, decoded, numbers);
    if (numbers.count > 0) {
      let series = this.series[id];
      if (!series) this.series[id] = series = new Map();
      const seconds = time / 1000;
      for (let i = 0; i < numbers.count; i++) {
        const name = numbers.names[i]!;
        const value = numbers.values[i]!;
        let ring = series.get(name);
        if (!ring) {
          ring = series.size < MAX_SERIES_PER_TOPIC ? SeriesRing.create(this.seriesBudget) : undefined;
          if (!ring) continue;
          series.set(name, ring);
        }
        ring.push(seconds, value);
      }
    }
    return id;
  }

  /**
   * The message log let go of a received message (`seq`, the oldest it held). If it is still
   * its topic's last message, the node keeps a record of it with a payload of its own, so
   * the batch frame it came in can be freed with the rest of its messages.
   */
  release(topic: string, seq: number): void {
    const id = this.ids.get(topic);
    if (id === undefined) return;
    const serial = this.lastSerial[id]!;
    if (serial >= 0) {
      if (!this.source || serial !== this.source.evicted) return;
      // Spread: a decoded payload read lazily from the frame becomes a value of its own too.
      const record = this.source.read(0)!;
      this.last[id] = { ...record, payload: record.payload.slice() };
      this.lastSerial[id] = -1;
      return;
    }
    const last = this.last[id];
    if (last?.seq === seq) last.payload = last.payload.slice();
  }

  /** The node of a topic, or NONE. */
  find(topic: string): number {
    return this.ids.get(topic) ?? NONE;
  }

  /** A node's children, in the order they were first seen. */
  children(id: number): number[] {
    const out: number[] = [];
    for (let child = this.firstChild[id]!; child !== NONE; child = this.nextSibling[child]!) out.push(child);
    return out;
  }

  /** Whether `id` is `ancestor` or below it. */
  isWithin(id: number, ancestor: number): boolean {
    for (let node = id; node !== NONE; node = this.parent[node]!) if (node === ancestor) return true;
    return false;
  }

  /** Collapses or expands one node. */
  setCollapsed(id: number, collapsed: boolean): void {
    if (collapsed) this.flags[id]! |= NODE_FLAG.collapsed;
    else this.flags[id]! &= ~NODE_FLAG.collapsed;
    this.layout++;
  }

  /** Expands (or collapses) a node and every node below it. */
  setCollapsedBelow(id: number, collapsed: boolean): void {
    const stack = [id];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node !== ROOT || !collapsed) {
        if (collapsed) this.flags[node]! |= NODE_FLAG.collapsed;
        else this.flags[node]! &= ~NODE_FLAG.collapsed;
      }
      for (let child = this.firstChild[node]!; child !== NONE; child = this.nextSibling[child]!) if (this.firstChild[child] !== NONE) stack.push(child);
    }
    this.layout++;
  }

  /** Creates the nodes of a new topic; returns its node, or NONE when the tree is full. */
  private insert(topic: string): number {
    let node = ROOT;
    let start = 0;
    for (let depth = 1; ; depth++) {
      const slash = topic.indexOf('/', start);
      const last = slash < 0 || depth === this.limits.maxDepth;
      const end = last ? topic.length : slash;
      const prefix = last ? topic : topic.slice(0, end);
      let child = this.ids.get(prefix);
      if (child === undefined) {
        if (this.size >= this.limits.maxNodes) return NONE;
        child = this.create(node, topic.slice(start, end), prefix, depth);
        if (last && slash >= 0) {
          this.flags[child]! |= NODE_FLAG.depthCut;
          this.cutTopics++;
          let levels = 1;
          for (let at = topic.indexOf('/', start); at >= 0; at = topic.indexOf('/', at + 1)) levels++;
          this.cutLevels.set(child, levels);
        }
      }
      if (last) return child;
      node = child;
      start = end + 1;
    }
  }

  private create(parent: number, name: string, topic: string, depth: number): number {
    if (this.size === this.parent.length) this.grow();
    const id = this.size++;
    this.parent[id] = parent;
    this.depth[id] = depth;
    this.names.push(name);
    this.topics.push(topic);
    this.last.push(undefined);
    this.series.push(undefined);
    if (this.lastChild[parent] === NONE) this.firstChild[parent] = id;
    else this.nextSibling[this.lastChild[parent]!] = id;
    this.lastChild[parent] = id;
    this.childCount[parent] = this.childCount[parent]! + 1;
    this.ids.set(topic, id);
    this.structure++;
    return id;
  }

  private grow(): void {
    const capacity = this.parent.length * 2;
    const int = (old: Int32Array, fill: number) => {
      const next = new Int32Array(capacity).fill(fill);
      next.set(old);
      return next;
    };
    this.parent = int(this.parent, 0);
    this.firstChild = int(this.firstChild, NONE);
    this.lastChild = int(this.lastChild, NONE);
    this.nextSibling = int(this.nextSibling, NONE);
    this.childCount = int(this.childCount, 0);
    this.depth = int(this.depth, 0);
    const float = (old: Float64Array) => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    this.count = float(this.count);
    const serials = new Float64Array(capacity).fill(-1);
    serials.set(this.lastSerial);
    this.lastSerial = serials;
    this.total = float(this.total);
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
    const stamp = new Uint32Array(capacity);
    stamp.set(this.stamp);
    this.stamp = stamp;
  }
}
