/**
 * The local broker's counters over time, for the broker panel's charts. The same figures
 * the broker publishes under `$SYS` (clients connected, messages and bytes in and out),
 * sampled each time the panel polls the sidecar. Counters become rates here: a chart of
 * "messages received since start" only ever climbs, a rate shows the traffic.
 *
 * Kept outside zustand (the store holds a revision): a sample arrives every couple of
 * seconds and only the charts read the arrays.
 */

import type { BrokerStats } from '../../../shared/broker-control';

/** Samples kept: ten minutes at the panel's 2 s poll. */
export const MAX_SAMPLES = 300;

/** Aligned columns, oldest first; `times` in epoch seconds (uPlot's unit). */
export interface BrokerSeries {
  times: number[];
  clientsConnected: number[];
  messagesReceivedPerSecond: number[];
  messagesSentPerSecond: number[];
  bytesReceivedPerSecond: number[];
  bytesSentPerSecond: number[];
}

/** One chart: a title, the `$SYS` topics it mirrors, and which columns it draws. */
export interface BrokerChartSpec {
  title: string;
  unit: string;
  lines: Array<{ label: string; sysTopic: string; column: Exclude<keyof BrokerSeries, 'times'> }>;
}

/** The charts the broker panel shows, labelled with mosquitto's `$SYS` names. */
export const BROKER_CHARTS: readonly BrokerChartSpec[] = [
  { title: 'Clients connected', unit: 'clients', lines: [{ label: 'connected', sysTopic: '$SYS/broker/clients/connected', column: 'clientsConnected' }] },
  {
    title: 'PUBLISH messages per second',
    unit: 'msg/s',
    lines: [
      { label: 'received', sysTopic: '$SYS/broker/publish/messages/received', column: 'messagesReceivedPerSecond' },
      { label: 'sent', sysTopic: '$SYS/broker/publish/messages/sent', column: 'messagesSentPerSecond' },
    ],
  },
  {
    title: 'Bytes per second',
    unit: 'B/s',
    lines: [
      { label: 'received', sysTopic: '$SYS/broker/bytes/received', column: 'bytesReceivedPerSecond' },
      { label: 'sent', sysTopic: '$SYS/broker/bytes/sent', column: 'bytesSentPerSecond' },
    ],
  },
];

function emptySeries(): BrokerSeries {
  return { times: [], clientsConnected: [], messagesReceivedPerSecond: [], messagesSentPerSecond: [], bytesReceivedPerSecond: [], bytesSentPerSecond: [] };
}

/** A bounded history of broker samples. */
export class BrokerStatsSeries {
  private series = emptySeries();
  private last: { stats: BrokerStats; at: number } | undefined;

  /**
   * Adds a sample taken at `at` (epoch ms). A broker that restarted (new `startedAt`) or
   * counters that went backwards start a new history: rates across two brokers mean nothing.
   */
  record(stats: BrokerStats, at: number): void {
    const previous = this.last;
    if (previous && (previous.stats.startedAt !== stats.startedAt || stats.messagesReceived < previous.stats.messagesReceived)) this.clear();
    const before = this.last;
    this.last = { stats, at };
    if (before && at <= before.at) return;
    const seconds = before ? (at - before.at) / 1000 : 0;
    const rate = (now: number, then: number): number => (before ? Math.max(0, (now - then) / seconds) : 0);
    const s = this.series;
    s.times.push(at / 1000);
    s.clientsConnected.push(stats.clientsConnected);
    s.messagesReceivedPerSecond.push(round(rate(stats.messagesReceived, before?.stats.messagesReceived ?? 0)));
    s.messagesSentPerSecond.push(round(rate(stats.messagesSent, before?.stats.messagesSent ?? 0)));
    s.bytesReceivedPerSecond.push(round(rate(stats.bytesReceived, before?.stats.bytesReceived ?? 0)));
    s.bytesSentPerSecond.push(round(rate(stats.bytesSent, before?.stats.bytesSent ?? 0)));
    if (s.times.length > MAX_SAMPLES) for (const column of Object.values(s)) column.shift();
  }

  /** The columns, oldest first (do not mutate). */
  get(): Readonly<BrokerSeries> {
    return this.series;
  }

  /** Forgets every sample. */
  clear(): void {
    this.series = emptySeries();
    this.last = undefined;
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** The app's one history of the local broker. */
export const brokerStatsSeries = new BrokerStatsSeries();
