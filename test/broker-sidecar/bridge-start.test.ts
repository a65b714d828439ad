import { expect, it } from 'vitest';
import { bridgeTestRuns } from '../helpers/bridge';
import { collect, endAll, mqttClient } from '../helpers/broker-harness';
import { freePort } from '../helpers/mosquitto';
import { until } from '../helpers/wait';

// How bridges start and stop, against Debian's mosquitto: lazy start at the threshold and
// idle stop, once, and several addresses with failover back to the first.

const { mosquitto, sidecar } = bridgeTestRuns();

it('a lazy bridge connects when the threshold is reached, and disconnects after idle_timeout', async () => {
  const remote = await mosquitto();
  const desk = await sidecar([
    'connection lazy',
    `address 127.0.0.1:${remote.port}`,
    'remote_clientid desk-lazy',
    'start_type lazy',
    'threshold 3',
    'idle_timeout 1',
    'topic lazy/# out 1',
  ]);
  expect(desk.bridge('lazy').state).toBe('idle');
  const far = await mqttClient(remote.port, { clientId: 'far-lazy' });
  const farInbox = collect(far);
  await far.subscribeAsync(['lazy/#', '$SYS/broker/connection/desk-lazy/state'], { qos: 1 });
  const local = await mqttClient(desk.port);
  await local.publishAsync('lazy/1', 'one', { qos: 1 });
  await local.publishAsync('lazy/2', 'two', { qos: 1 });
  // Both are in the bridge (the check runs as each arrives), and still below the threshold.
  await until(() => desk.bridge('lazy').queued === 2, 5000, 'two messages waiting');
  expect(desk.bridge('lazy').state).toBe('idle');
  await local.publishAsync('lazy/3', 'three', { qos: 1 });
  await desk.waitFor('lazy', 'connected');
  const got = await farInbox.waitFor(4, 5000); // the state 1, then the three messages in order
  expect(got.map((m) => `${m.topic} ${m.payload}`)).toEqual([
    '$SYS/broker/connection/desk-lazy/state 1',
    'lazy/1 one',
    'lazy/2 two',
    'lazy/3 three',
  ]);
  // Nothing more to carry: after idle_timeout the bridge drops the connection and mosquitto publishes the will.
  await desk.waitFor('lazy', 'idle', 15_000);
  const [, , , , gone] = await farInbox.waitFor(5, 5000);
  expect(`${gone!.topic} ${gone!.payload}`).toBe('$SYS/broker/connection/desk-lazy/state 0');
  expect(desk.logs.some((l) => l.message === 'Bridge connection lazy has exceeded idle timeout, disconnecting.')).toBe(true);
  await endAll(local, far);
});

it('a once bridge does not come back after the remote goes away', async () => {
  const remote = await mosquitto();
  const desk = await sidecar(['connection once', `address 127.0.0.1:${remote.port}`, 'start_type once', 'restart_timeout 1', 'topic o/# out 0']);
  await desk.waitFor('once', 'connected');
  await remote.stop();
  await desk.waitFor('once', 'stopped');
  expect(desk.bridge('once').lastError).toBeDefined();
});

it('fails over to the second address and goes back to the first when it returns (round_robin false)', async () => {
  const firstPort = await freePort(); // nothing listens here yet
  const second = await mosquitto();
  const desk = await sidecar([
    'connection failover',
    `address 127.0.0.1:${firstPort} 127.0.0.1:${second.port}`,
    'remote_clientid desk-failover',
    'restart_timeout 1',
    'topic f/# out 1',
  ]);
  await until(() => desk.bridge('failover').state === 'connected' && desk.bridge('failover').address === `127.0.0.1:${second.port}`, 15_000, 'connected to the second address');
  const first = await mosquitto([`listener ${firstPort} 127.0.0.1`]);
  await until(() => desk.bridge('failover').state === 'connected' && desk.bridge('failover').address.endsWith(`:${firstPort}`), 20_000, 'back on the first address');
  const far = await mqttClient(first.port);
  const inbox = collect(far);
  await far.subscribeAsync('f/#', { qos: 1 });
  const local = await mqttClient(desk.port);
  await local.publishAsync('f/1', 'primary', { qos: 1 });
  expect((await inbox.waitFor(1, 5000))[0]!.payload).toBe('primary');
  await endAll(local, far);
});

it('round_robin stays on the address that works', async () => {
  const firstPort = await freePort();
  const second = await mosquitto();
  const desk = await sidecar([
    'connection rr',
    `address 127.0.0.1:${firstPort} 127.0.0.1:${second.port}`,
    'round_robin true',
    'restart_timeout 1',
    'topic r/# out 1',
  ]);
  await until(() => desk.bridge('rr').state === 'connected', 15_000, 'connected');
  expect(desk.bridge('rr').address).toBe(`127.0.0.1:${second.port}`);
});
