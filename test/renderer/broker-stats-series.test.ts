import { describe, expect, it } from 'vitest';
import type { BrokerStats } from '../../shared/broker-control';
import { BrokerStatsSeries, MAX_SAMPLES } from '../../renderer/src/store/broker-stats-series';

function stats(over: Partial<BrokerStats> = {}): BrokerStats {
  return {
    clientsConnected: 1,
    clientsTotal: 1,
    subscriptions: 0,
    retained: 0,
    messagesReceived: 0,
    messagesSent: 0,
    bytesReceived: 0,
    bytesSent: 0,
    droppedTooLarge: 0,
    droppedQueueFull: 0,
    droppedQos0: 0,
    startedAt: 1_000,
    ...over,
  };
}

describe('broker stats series', () => {
  it('turns counters into per-second rates between samples', () => {
    const series = new BrokerStatsSeries();
    series.record(stats({ messagesReceived: 100, bytesSent: 0 }), 10_000);
    series.record(stats({ messagesReceived: 300, messagesSent: 50, bytesSent: 4_000, clientsConnected: 3 }), 12_000);
    const s = series.get();
    expect(s.times).toEqual([10, 12]);
    expect(s.messagesReceivedPerSecond).toEqual([0, 100]);
    expect(s.messagesSentPerSecond).toEqual([0, 25]);
    expect(s.bytesSentPerSecond).toEqual([0, 2_000]);
    expect(s.clientsConnected).toEqual([1, 3]);
  });

  it('starts a new history when the broker restarted', () => {
    const series = new BrokerStatsSeries();
    series.record(stats({ messagesReceived: 500 }), 10_000);
    series.record(stats({ messagesReceived: 600 }), 12_000);
    series.record(stats({ messagesReceived: 10, startedAt: 11_000 }), 14_000);
    expect(series.get().times).toEqual([14]);
    expect(series.get().messagesReceivedPerSecond).toEqual([0]);
  });

  it('treats counters that went backwards as a restart rather than a negative rate', () => {
    const series = new BrokerStatsSeries();
    series.record(stats({ messagesReceived: 500 }), 10_000);
    series.record(stats({ messagesReceived: 20 }), 12_000);
    expect(series.get().messagesReceivedPerSecond).toEqual([0]);
  });

  it('ignores a sample that is not newer than the last one', () => {
    const series = new BrokerStatsSeries();
    series.record(stats(), 10_000);
    series.record(stats({ messagesReceived: 5 }), 10_000);
    expect(series.get().times).toEqual([10]);
  });

  it('keeps at most MAX_SAMPLES samples, dropping the oldest', () => {
    const series = new BrokerStatsSeries();
    for (let i = 0; i < MAX_SAMPLES + 10; i++) series.record(stats({ messagesReceived: i }), 1_000 * (i + 1));
    const s = series.get();
    expect(s.times).toHaveLength(MAX_SAMPLES);
    expect(s.times[0]).toBe(11);
    for (const column of Object.values(s)) expect(column).toHaveLength(MAX_SAMPLES);
  });
});
