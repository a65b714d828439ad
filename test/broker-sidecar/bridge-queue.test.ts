import { expect, it } from 'vitest';
import { openPersistence } from '../../broker-sidecar/persistence/store';
import { bridgeTestRuns } from '../helpers/bridge';
import { collect, endAll, mqttClient } from '../helpers/broker-harness';
import { freePort, type Mosquitto } from '../helpers/mosquitto';
import { tempDataDir } from '../helpers/persistence';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy';
import { until } from '../helpers/wait';

// While the remote is down, QoS 1/2 messages for it wait in the bridge session: bounded by
// max_inflight_messages + max_queued_messages (the rest dropped, counted and logged), and in
// the store with persistence on, so they survive a restart of the sidecar too. The remote
// (Debian's mosquitto, its far subscriber already there) is reached through a port that
// refuses until the test opens it.

const { mosquitto, sidecar, track } = bridgeTestRuns();

async function remoteBehindGate(): Promise<{ remote: Mosquitto; gatePort: number; open(): Promise<TcpProxy>; far: Awaited<ReturnType<typeof mqttClient>>; inbox: ReturnType<typeof collect> }> {
  const remote = await mosquitto();
  const gatePort = await freePort(); // nothing listens there until open()
  const far = await mqttClient(remote.port, { clientId: 'far-queue' });
  const inbox = collect(far);
  await far.subscribeAsync('q/#', { qos: 2 });
  track(() => endAll(far));
  return {
    remote,
    gatePort,
    far,
    inbox,
    open: async () => {
      const proxy = await startTcpProxy(remote.port, gatePort);
      track(() => proxy.close());
      return proxy;
    },
  };
}

it('keeps what fits max_inflight_messages + max_queued_messages for a remote that is down, drops the rest counted and logged', async () => {
  const gate = await remoteBehindGate();
  const desk = await sidecar([
    'max_inflight_messages 2',
    'max_queued_messages 3',
    'connection gated',
    `address 127.0.0.1:${gate.gatePort}`,
    'restart_timeout 1',
    'topic q/# out 1',
  ]);
  const local = await mqttClient(desk.port);
  track(() => endAll(local));
  for (let i = 1; i <= 8; i++) await local.publishAsync('q/n', String(i), { qos: 1 });
  await until(() => desk.broker.stats().droppedQueueFull === 3, 5000, 'three drops');
  expect(desk.bridge('gated').queued).toBe(5);
  expect(desk.logs.some((l) => /Outgoing messages are being dropped: queue full/.test(l.message))).toBe(true);
  await gate.open();
  await desk.waitFor('gated', 'connected', 15_000);
  const got = await gate.inbox.waitFor(5, 5000);
  await local.publishAsync('q/n', 'marker', { qos: 1 });
  await gate.inbox.waitFor(6, 5000);
  expect(got.map((m) => m.payload)).toEqual(['1', '2', '3', '4', '5', 'marker']);
});

it('keeps them in the store: a sidecar restarted while the remote is down still delivers them, QoS 2 once', async () => {
  const gate = await remoteBehindGate();
  const dir = tempDataDir();
  const lines = ['connection durable', `address 127.0.0.1:${gate.gatePort}`, 'remote_clientid desk-durable', 'restart_timeout 1', 'topic q/# out 2'];
  const first = await sidecar(lines, await openPersistence(dir));
  const local = await mqttClient(first.port);
  for (let i = 1; i <= 5; i++) {
    await local.publishAsync('q/one', String(i), { qos: 1 });
    await local.publishAsync('q/two', String(i), { qos: 2 });
  }
  await until(() => first.bridge('durable').queued === 10, 5000, 'ten messages waiting');
  await endAll(local);
  await first.stop();
  const second = await sidecar(lines, await openPersistence(dir));
  await gate.open();
  await second.waitFor('durable', 'connected', 15_000);
  await gate.inbox.waitFor(10, 10_000);
  const marker = await mqttClient(second.port);
  track(() => endAll(marker));
  await marker.publishAsync('q/two', 'marker', { qos: 2 });
  await gate.inbox.waitFor(11, 5000);
  const byTopic = (topic: string) => gate.inbox.messages.filter((m) => m.topic === topic).map((m) => m.payload);
  expect(byTopic('q/one')).toEqual(['1', '2', '3', '4', '5']);
  expect(byTopic('q/two')).toEqual(['1', '2', '3', '4', '5', 'marker']);
});
