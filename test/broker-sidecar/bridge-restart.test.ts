import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, expect, it } from 'vitest';
import { startBridgedSidecar, type BridgedSidecar } from '../helpers/bridge';
import { endAll, mqttClient } from '../helpers/broker-harness';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { until } from '../helpers/wait';

// The remote broker (Debian's mosquitto, persistence on) is stopped by its PID and started
// again on the same port while QoS 1 and QoS 2 messages stream over the bridge. Every
// message is counted on the far side: none lost at either QoS, none doubled at QoS 2.

const N = 300;
let remote: Mosquitto | undefined;
let desk: BridgedSidecar | undefined;
let clients: MqttClient[] = [];

afterEach(async () => {
  await endAll(...clients);
  clients = [];
  await desk?.stop();
  await remote?.stop();
});

it.each([
  ['mqttv311', 4],
  ['mqttv50', 5],
] as const)('loses no message and doubles no QoS 2 message when the remote restarts mid-traffic (%s)', async (protocol, version) => {
  const store = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-remote-db-'));
  chmodSync(store, 0o777); // mosquitto started as root writes as its own user
  remote = await startMosquitto(['persistence true', `persistence_location ${store}`, 'max_queued_messages 0']);
  desk = await startBridgedSidecar([
    'connection restart',
    `address 127.0.0.1:${remote.port}`,
    `bridge_protocol_version ${protocol}`,
    `remote_clientid desk-restart-${protocol}`,
    'restart_timeout 1',
    'keepalive_interval 5',
    'topic data/# out 2',
    'max_queued_messages 0',
  ]);
  await desk.waitFor('restart', 'connected');

  // The far side: a persistent QoS 2 session on mosquitto that reconnects after the restart.
  const far = await connectAsync(`mqtt://127.0.0.1:${remote.port}`, { clientId: `far-${protocol}`, clean: false, protocolVersion: version, reconnectPeriod: 200, ...(version === 5 ? { properties: { sessionExpiryInterval: 3600 } } : {}) });
  clients.push(far);
  const seen = { 1: new Map<number, number>(), 2: new Map<number, number>() };
  far.on('message', (topic, payload) => {
    const qos = topic === 'data/q1' ? 1 : 2;
    const seq = Number(payload.toString());
    seen[qos].set(seq, (seen[qos].get(seq) ?? 0) + 1);
  });
  await far.subscribeAsync('data/#', { qos: 2 });

  const publisher = await mqttClient(desk.port, { clientId: `pub-${protocol}` });
  clients.push(publisher);
  let restarting: Promise<void> | undefined;
  for (let seq = 0; seq < N; seq++) {
    const sent = Promise.all([publisher.publishAsync('data/q1', String(seq), { qos: 1 }), publisher.publishAsync('data/q2', String(seq), { qos: 2 })]);
    if (seq % 10 === 9) await sent; // batches of ten, so the stop lands mid-traffic
    if (seq === 100) restarting = remote.restart(); // SIGTERM by PID, wait for the exit, start again on the same port
  }
  await restarting;
  await until(() => seen[1].size === N && seen[2].size === N, 60_000, `all ${N} + ${N} messages on the far side (got ${seen[1].size} + ${seen[2].size})`);
  // A marker after everything: any late duplicate of a QoS 2 message would have arrived before it.
  await publisher.publishAsync('data/q2', String(N), { qos: 2 });
  await until(() => seen[2].has(N), 10_000, 'the marker');
  const doubled = [...seen[2].entries()].filter(([, count]) => count > 1).map(([seq]) => seq);
  expect(doubled).toEqual([]);
  expect(desk.logs.some((l) => /Bridge restart disconnected/.test(l.message))).toBe(true); // the restart really cut the bridge
  const info = desk.bridge('restart');
  expect([info.state, info.queued]).toEqual(['connected', 0]);
}, 120_000);
