/**
 * Correctness under load, at a size CI can afford: 1,000 real TCP connections from four
 * 127.0.0.x source addresses to the in-process broker, each subscribed, then broadcasts
 * that every one of them must receive exactly once. Speed targets (10,000 connections,
 * memory per connection, startup time) live in `npm run bench:scale`, not here.
 */

import { generate } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLean, type LeanClient } from '../bench/lean-client';
import { loopbackSources, Swarm } from '../bench/scale-clients';
import { startBroker, type RunningBroker } from '../helpers/broker-harness';

const COUNT = 1000;
const SOURCES = loopbackSources(4);

describe('broker under load: 1,000 subscribed connections', () => {
  let running: RunningBroker;
  let swarm: Swarm;
  let publisher: LeanClient;

  beforeAll(async () => {
    running = await startBroker();
    swarm = await Swarm.open({
      port: running.port,
      count: COUNT,
      sourceAddresses: SOURCES,
      // Every client: the common filter; odd clients also an overlapping wildcard, which must not double deliveries.
      filters: ['load/all'],
      qos: 1,
      clientIdPrefix: 'load-',
      protocolVersionOf: (i) => (i % 2 === 0 ? 4 : 5),
      concurrency: 50,
    });
    publisher = await openLean(running.port, '127.0.0.1', 'load-publisher');
  }, 30_000);

  afterAll(async () => {
    publisher?.destroy();
    swarm?.destroy();
    await running?.stop();
  });

  it('accepts every connection, from every source address, each with its subscription', () => {
    expect(Object.fromEntries(swarm.failures)).toEqual({});
    expect(swarm.established).toBe(COUNT);
    const clients = running.broker.clients().filter((c) => c.clientId.startsWith('load-') && c.clientId !== 'load-publisher');
    expect(clients).toHaveLength(COUNT);
    expect(clients.every((c) => c.connected && c.subscriptions.length === 1 && c.subscriptions[0]!.filter === 'load/all')).toBe(true);
    const hosts = new Set(clients.map((c) => c.remoteAddress?.replace(/:\d+$/, '').replace(/^::ffff:/, '')));
    expect([...hosts].sort()).toEqual(SOURCES);
    expect(new Set(clients.map((c) => c.protocolVersion))).toEqual(new Set([4, 5]));
    expect(running.broker.stats().subscriptions).toBe(COUNT);
  });

  it('delivers a QoS 0 broadcast to every connection exactly once', async () => {
    const sentBefore = running.broker.stats().messagesSent;
    const result = await swarm.broadcast(publisher, 'load/all', 0, 10_000);
    expect(result).toMatchObject({ receivers: COUNT, duplicates: 0 });
    expect(running.broker.stats().messagesSent - sentBefore).toBe(COUNT);
  });

  it('delivers a QoS 1 broadcast to every connection exactly once and settles every acknowledgement', async () => {
    const result = await swarm.broadcast(publisher, 'load/all', 1, 10_000);
    expect(result).toMatchObject({ receivers: COUNT, duplicates: 0, acked: true });
    // Each PUBACK from the swarm reached the broker: nothing left in flight or queued.
    const deadline = Date.now() + 5000;
    const pending = () => running.broker.clients().reduce((sum, c) => sum + c.inflight + c.queued, 0);
    while (pending() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(pending()).toBe(0);
  });

  it('keeps exactly one copy per client when its subscriptions overlap, over repeated broadcasts', async () => {
    // Half the swarm adds a wildcard that matches the same topic [MQTT-3.3.5-1] (3.1.1; 5.0: [MQTT-3.3.4-2]).
    const overlapping = swarm.clients.filter((_, i) => i % 2 === 1);
    for (const client of overlapping) {
      client.write(generate({ cmd: 'subscribe', messageId: 2, subscriptions: [{ topic: 'load/+', qos: 0 }] }, { protocolVersion: client.protocolVersion }));
    }
    const deadline = Date.now() + 5000;
    while (running.broker.stats().subscriptions < COUNT + overlapping.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(running.broker.stats().subscriptions).toBe(COUNT + overlapping.length);
    for (const qos of [0, 1, 0] as const) {
      const result = await swarm.broadcast(publisher, 'load/all', qos, 10_000);
      expect(result).toMatchObject({ receivers: COUNT, duplicates: 0, acked: true });
    }
  });
});
