/**
 * The `$SYS/broker/...` tree, with mosquitto 2.0's topic names and value formats, so that
 * dashboards and scripts written for mosquitto read ours unchanged. Every value is a
 * retained QoS 2 message the broker publishes itself: a subscriber to `$SYS/#` gets the
 * current values at once and updates every `sys_interval` seconds. Like mosquitto, a value
 * is republished only when it changed (uptime always); the version once, at start.
 *
 * Wildcards in the first level never match these topics [MQTT-4.7.2-1] (see
 * subscription-index.ts), and clients may not publish under `$SYS` (handlers/publish.ts).
 */

import type { BrokerStats } from '../shared/broker-control';
import { storedMessagesOf, type TrafficCounters } from './introspection';
import type { ResolvedOptions } from './options';
import type { Message } from './types';

/** The broker's version, as `$SYS/broker/version` reports it; keep in step with package.json. */
export const BROKER_VERSION = '0.1.0';

/** Payload of `$SYS/broker/version`, in mosquitto's "mosquitto version 2.0.11" shape. */
export const SYS_VERSION_TEXT = `mqtt-desk-broker version ${BROKER_VERSION}`;

/** Whether a topic is in the broker's own `$SYS` tree, which clients may read but not write. */
export function isSysTopic(topic: string): boolean {
  return topic === '$SYS' || topic.startsWith('$SYS/');
}

/** What the tree reads from the broker (the Broker class fits). */
export interface SysTreeSource {
  readonly counters: TrafficCounters;
  readonly options: Pick<ResolvedOptions, 'sessions' | 'retained'>;
  stats(): BrokerStats;
  /** Retains and routes a message the broker makes itself. */
  publish(message: Message): void;
}

/** The values of one update, read once so every metric sees the same moment. */
interface Reading {
  stats: BrokerStats;
  counters: TrafficCounters;
  stored: { count: number; bytes: number };
  heap: number;
}

/** A gauge or counter; `max` ones only ever go up (mosquitto's clients/maximum, heap/maximum). */
interface Metric {
  /** mosquitto publishes some values under a second, older name too (clients/active...). */
  topics: readonly string[];
  read(r: Reading): number;
  max?: boolean;
}

const METRICS: readonly Metric[] = [
  { topics: ['$SYS/broker/clients/total'], read: (r) => r.stats.clientsTotal },
  { topics: ['$SYS/broker/clients/maximum'], read: (r) => r.counters.clientsMaximum },
  { topics: ['$SYS/broker/clients/disconnected', '$SYS/broker/clients/inactive'], read: (r) => r.stats.clientsTotal - r.stats.clientsConnected },
  { topics: ['$SYS/broker/clients/connected', '$SYS/broker/clients/active'], read: (r) => r.stats.clientsConnected },
  { topics: ['$SYS/broker/clients/expired'], read: (r) => r.counters.clientsExpired },
  { topics: ['$SYS/broker/messages/stored', '$SYS/broker/store/messages/count'], read: (r) => r.stored.count },
  { topics: ['$SYS/broker/store/messages/bytes'], read: (r) => r.stored.bytes },
  { topics: ['$SYS/broker/subscriptions/count'], read: (r) => r.stats.subscriptions },
  { topics: ['$SYS/broker/retained messages/count'], read: (r) => r.stats.retained },
  { topics: ['$SYS/broker/heap/current'], read: (r) => r.heap },
  { topics: ['$SYS/broker/heap/maximum'], read: (r) => r.heap, max: true },
  // mosquitto's "messages" are MQTT packets of any type; "publish/messages" are PUBLISHes.
  { topics: ['$SYS/broker/messages/received'], read: (r) => r.counters.packetsReceived },
  { topics: ['$SYS/broker/messages/sent'], read: (r) => r.counters.packetsSent },
  { topics: ['$SYS/broker/publish/messages/dropped'], read: (r) => r.counters.publishDropped },
  { topics: ['$SYS/broker/publish/messages/received'], read: (r) => r.counters.messagesReceived },
  { topics: ['$SYS/broker/publish/messages/sent'], read: (r) => r.counters.messagesSent },
  { topics: ['$SYS/broker/publish/bytes/received'], read: (r) => r.counters.publishBytesReceived },
  { topics: ['$SYS/broker/publish/bytes/sent'], read: (r) => r.counters.publishBytesSent },
  { topics: ['$SYS/broker/bytes/received'], read: (r) => r.counters.bytesReceived },
  { topics: ['$SYS/broker/bytes/sent'], read: (r) => r.counters.bytesSent },
];

/** Counters whose per-minute rate is published under `$SYS/broker/load/<name>/{1,5,15}min`. */
const LOADS: ReadonlyArray<{ name: string; read(c: TrafficCounters): number }> = [
  { name: 'messages/received', read: (c) => c.packetsReceived },
  { name: 'messages/sent', read: (c) => c.packetsSent },
  { name: 'publish/dropped', read: (c) => c.publishDropped },
  { name: 'publish/received', read: (c) => c.messagesReceived },
  { name: 'publish/sent', read: (c) => c.messagesSent },
  { name: 'bytes/received', read: (c) => c.bytesReceived },
  { name: 'bytes/sent', read: (c) => c.bytesSent },
  { name: 'sockets', read: (c) => c.socketsAccepted },
  { name: 'connections', read: (c) => c.connectsReceived },
];

/** Averaging windows of the loads, in seconds. */
const WINDOWS = [
  { suffix: '1min', seconds: 60 },
  { suffix: '5min', seconds: 300 },
  { suffix: '15min', seconds: 900 },
] as const;

/** A load changing less than this is not republished: it would print the same at two decimals. */
const LOAD_EPSILON = 0.01;

/** One load average: the counter it follows and its current value. */
interface Load {
  topic: string;
  read(c: TrafficCounters): number;
  windowSeconds: number;
  value: number;
  /** The counter at the previous update. */
  last: number;
}

/** Publishes the `$SYS` tree now and then every `intervalSeconds`; `stop()` ends it. */
export class SysTree {
  private readonly published = new Map<string, number>();
  private readonly loads: Load[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastUpdate: number;

  /**
   * @param source the broker
   * @param intervalSeconds mosquitto's sys_interval; fractions are allowed (tests use them)
   * @param now epoch ms of the first update
   */
  constructor(
    private readonly source: SysTreeSource,
    private readonly intervalSeconds: number,
    now = Date.now(),
  ) {
    this.lastUpdate = now;
    for (const { name, read } of LOADS) {
      for (const window of WINDOWS) {
        this.loads.push({ topic: `$SYS/broker/load/${name}/${window.suffix}`, read, windowSeconds: window.seconds, value: 0, last: read(source.counters) });
      }
    }
  }

  /** Publishes the version and every value, then schedules the updates. */
  start(): void {
    if (this.timer || this.intervalSeconds <= 0) return;
    this.put('$SYS/broker/version', SYS_VERSION_TEXT);
    // Loads start at 0.00, so a new subscriber sees the whole tree from the first update.
    for (const load of this.loads) this.put(load.topic, load.value.toFixed(2));
    this.update(this.lastUpdate);
    this.timer = setInterval(() => this.update(), this.intervalSeconds * 1000);
    this.timer.unref(); // the tree never keeps a process alive on its own
  }

  /** Stops the updates; the retained values stay. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One update: uptime always, loads and metrics when they changed. */
  update(now = Date.now()): void {
    const { counters, options } = this.source;
    const stats = this.source.stats();
    this.put('$SYS/broker/uptime', `${Math.max(0, Math.floor((now - stats.startedAt) / 1000))} seconds`);
    this.updateLoads(counters, (now - this.lastUpdate) / 1000);
    this.lastUpdate = now;
    const reading: Reading = { stats, counters, stored: storedMessagesOf(options.sessions, options.retained), heap: process.memoryUsage().heapUsed };
    for (const metric of METRICS) {
      const value = metric.read(reading);
      const previous = this.published.get(metric.topics[0]!);
      const changed = previous === undefined || (metric.max ? value > previous : value !== previous);
      if (!changed) continue;
      this.published.set(metric.topics[0]!, value);
      for (const topic of metric.topics) this.put(topic, String(value));
    }
  }

  /**
   * mosquitto's load: the counter's per-minute rate over the last interval, folded into an
   * exponentially decaying average with a 1, 5 or 15 minute time constant (like Unix load).
   */
  private updateLoads(counters: TrafficCounters, elapsedSeconds: number): void {
    if (elapsedSeconds <= 0) return;
    for (const load of this.loads) {
      const current = load.read(counters);
      const perMinute = ((current - load.last) * 60) / elapsedSeconds;
      load.last = current;
      const decay = Math.exp(-elapsedSeconds / load.windowSeconds);
      const next = perMinute + decay * (load.value - perMinute);
      if (Math.abs(next - load.value) >= LOAD_EPSILON) this.put(load.topic, next.toFixed(2));
      load.value = next;
    }
  }

  private put(topic: string, value: string): void {
    // QoS 2 and retained, as mosquitto publishes its tree; never expires.
    this.source.publish({ topic, payload: Buffer.from(value), qos: 2, retain: true, properties: undefined, senderId: undefined, expiresAt: undefined, userPropertyBytes: undefined });
  }
}
