/**
 * The durability promise under a crash: the built broker runs with --data-dir as its own
 * process, a publisher streams QoS 1 and QoS 2 messages to a durable subscriber (offline,
 * or online with deliveries in flight), and the broker is killed with SIGKILL in the middle. After a restart on the same
 * directory the subscriber must get every message the broker acknowledged:
 *
 * - QoS 1: every message whose PUBACK arrived, at least once.
 * - QoS 2: every message whose PUBREC arrived (from then on the broker owns it), exactly
 *   once; and no QoS 2 message at all more than once. The publisher does not come back,
 *   so nothing is resent and a second copy could only be the broker's fault.
 *
 * Messages without an acknowledgement may or may not arrive: the broker may have stored
 * one whose acknowledgement was still waiting for the write.
 */

import { rmSync } from 'node:fs';
import { connect, Store, type MqttClient } from 'mqtt';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { endAll, mqttClient, withTimeout } from '../helpers/broker-harness';
import { requireBuiltCli, spawnBuiltCli, tempDataDir, type CliProcess } from '../helpers/persistence';
import { until } from '../helpers/wait';

/** Messages published; below the broker's default queue bound of 1000, so none is dropped for space. */
const TOTAL = 600;
/** The kill comes when this many acknowledgements have arrived. */
const KILL_AFTER = 150;
/**
 * Unacknowledged messages the publisher keeps in flight. Bounded so the kill lands
 * mid-traffic: with all 600 handed over at once, a fast broker had acknowledged every one
 * (in one TCP read on the publisher's side) by the time the kill was sent.
 */
const WINDOW = 100;

const dirs: string[] = [];
const brokers: CliProcess[] = [];
const clients: MqttClient[] = [];

beforeAll(() => requireBuiltCli());
afterEach(async () => {
  await endAll(...clients.splice(0));
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function startCli(dir: string): Promise<CliProcess> {
  const broker = await spawnBuiltCli(['-p', '0', '--data-dir', dir]);
  brokers.push(broker);
  return broker;
}

/** Connects a durable subscriber (3.1.1, clean session 0), counting what it receives into `received`. */
/**
 * What a subscriber keeps across its own restarts: the tally of messages handed to the app,
 * and its incoming-message store. A client with durable storage keeps the latter: MQTT.js
 * hands a QoS 2 message to the app on PUBREL, which may come only after the broker's
 * restart, to a new client instance that must still hold the PUBLISH it acknowledged.
 */
interface SubscriberMemory {
  received: Map<string, number>;
  incoming: Store;
}

/** MQTT.js's in-memory store, kept open when a client ends: the next instance goes on with it, as with a store on disk. */
class KeptStore extends Store {
  override close(cb: (error?: Error) => void): void {
    cb();
  }
}

function subscriberMemory(): SubscriberMemory {
  return { received: new Map(), incoming: new KeptStore() };
}

function durableSubscriber(port: number, clientId: string, { received, incoming }: SubscriberMemory): { client: MqttClient; present: Promise<boolean> } {
  const client = connect(`mqtt://127.0.0.1:${port}`, { clientId, clean: false, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, incomingStore: incoming });
  clients.push(client);
  client.on('error', () => undefined);
  // Attached before CONNACK: queued messages follow it at once.
  client.on('message', (_topic, payload) => received.set(payload.toString(), (received.get(payload.toString()) ?? 0) + 1));
  const present = withTimeout(new Promise<boolean>((resolve) => client.once('connect', (connack) => resolve(connack.sessionPresent))), 5000, 'subscriber CONNACK');
  return { client, present };
}

/**
 * Publishes up to TOTAL messages (QoS 1 and 2 alternating, WINDOW in flight) on `topic`
 * and kills the broker by PID once KILL_AFTER acknowledgements arrived. Resolves
 * with the payloads acknowledged: PUBACK for QoS 1, PUBREC for QoS 2.
 */
async function publishUntilKilled(broker: CliProcess, topic: string): Promise<{ q1: Set<string>; q2: Set<string> }> {
  const publisher = await mqttClient(broker.port, { clientId: 'crash-pub', protocolVersion: 4 });
  clients.push(publisher);
  publisher.on('error', () => undefined);
  const acked = { q1: new Set<string>(), q2: new Set<string>() };
  const q2ById = new Map<number, string>();
  let killed = false;
  const ackArrived = (): void => {
    if (!killed && acked.q1.size + acked.q2.size >= KILL_AFTER) {
      killed = true;
      process.kill(broker.pid, 'SIGKILL'); // mid-traffic
    }
  };
  publisher.on('packetsend', (packet: Packet) => {
    if (packet.cmd === 'publish' && packet.qos === 2) q2ById.set(packet.messageId!, packet.payload.toString());
  });
  publisher.on('packetreceive', (packet: Packet) => {
    if (packet.cmd !== 'pubrec') return;
    const payload = q2ById.get(packet.messageId!);
    if (payload !== undefined) acked.q2.add(payload); // from PUBREC on the broker owns the message
    ackArrived();
  });
  // Every message publishes at most once; the loop ends at the kill or after TOTAL.
  for (let i = 0; i < TOTAL && !killed; i++) {
    await until(() => killed || i - (acked.q1.size + acked.q2.size) < WINDOW, 10_000, 'an acknowledgement to open the window').catch((error: Error) => {
      // Say where it stalled: how far the traffic got and what the broker printed.
      throw new Error(`${error.message} (sent ${i}, acknowledged ${acked.q1.size + acked.q2.size}); broker output:\n${broker.output().slice(-2000)}`);
    });
    if (killed) break;
    const qos = i % 2 === 0 ? 1 : 2;
    const payload = `q${qos}-${i}`;
    publisher.publish(topic, payload, { qos }, (error) => {
      if (error || qos !== 1) return;
      acked.q1.add(payload);
      ackArrived();
    });
  }
  const { signal } = await withTimeout(broker.exited, 10_000, 'the broker to be killed');
  expect(signal).toBe('SIGKILL');
  brokers.splice(brokers.indexOf(broker), 1);
  await endAll(publisher);
  // Killed mid-traffic: some messages were acknowledged, not all.
  expect(acked.q1.size + acked.q2.size).toBeGreaterThanOrEqual(KILL_AFTER);
  expect(acked.q1.size + acked.q2.size).toBeLessThan(TOTAL);
  return acked;
}

/**
 * Waits until every acknowledged payload arrived, then proves the redelivery finished by
 * ordering, not by a quiet spell: a QoS 2 marker published now is queued behind whatever the
 * session still holds, and its PUBREL follows theirs, so when it is handed to the app every
 * earlier copy (a duplicate included) has been too. Then checks the counts.
 */
async function expectDelivered(port: number, topic: string, received: Map<string, number>, acked: { q1: Set<string>; q2: Set<string> }): Promise<void> {
  const mustArrive = [...acked.q1, ...acked.q2];
  await until(() => mustArrive.every((p) => received.has(p)), 10_000, `all ${mustArrive.length} acknowledged messages to arrive`);
  const marker = await mqttClient(port, { clientId: 'crash-marker' });
  clients.push(marker);
  await marker.publishAsync(topic, 'marker', { qos: 2 });
  await until(() => received.has('marker'), 10_000, 'the marker behind the redelivery');
  received.delete('marker');
  expect(mustArrive.filter((p) => !received.has(p))).toEqual([]);
  expect([...received].filter(([payload, count]) => payload.startsWith('q2-') && count > 1)).toEqual([]); // QoS 2: never twice
  expect([...received.keys()].every((p) => /^q[12]-\d+$/.test(p))).toBe(true);
}

describe('persistence when the broker is killed (SIGKILL)', () => {
  it('delivers every acknowledged QoS 1 and QoS 2 message to an offline subscriber after a restart, QoS 2 once, and keeps retained messages', async () => {
    const dir = tempDataDir('mqtt-desk-crash-');
    dirs.push(dir);
    const first = await startCli(dir);
    const memory = subscriberMemory();
    const setup = durableSubscriber(first.port, 'crash-sub', memory);
    expect(await setup.present).toBe(false);
    await setup.client.subscribeAsync('crash/#', { qos: 2 });
    await setup.client.endAsync(); // everything below is queued for it
    const keeper = await mqttClient(first.port, { clientId: 'crash-retain' });
    clients.push(keeper);
    await keeper.publishAsync('keep/retained', 'kept across the crash', { qos: 1, retain: true });
    await endAll(keeper);

    const acked = await publishUntilKilled(first, 'crash/stream');

    const second = await startCli(dir);
    expect(second.output()).toMatch(/Restored 1 retained messages, 1 sessions and 0 pending wills/);
    const after = durableSubscriber(second.port, 'crash-sub', memory);
    expect(await after.present).toBe(true);
    await expectDelivered(second.port, 'crash/marker', memory.received, acked);

    const reader = await mqttClient(second.port, { clientId: 'crash-reader' });
    clients.push(reader);
    const retained = withTimeout(new Promise<IPublishPacket>((resolve) => reader.once('message', (_t, _p, packet) => resolve(packet))), 5000, 'the retained message');
    await reader.subscribeAsync('keep/#', { qos: 1 });
    const packet = await retained;
    expect([packet.topic, packet.payload.toString(), packet.retain]).toEqual(['keep/retained', 'kept across the crash', true]);
  }, 60_000);

  it('completes the deliveries that were in flight to an online subscriber: resent after the restart, QoS 2 still once', async () => {
    const dir = tempDataDir('mqtt-desk-crash-live-');
    dirs.push(dir);
    const first = await startCli(dir);
    // One subscriber session, two MQTT.js instances (before and after the crash), one memory.
    const memory = subscriberMemory();
    const before = durableSubscriber(first.port, 'live-sub', memory);
    await before.present;
    await before.client.subscribeAsync('live/#', { qos: 2 });
    // The first instance stops acknowledging at a QoS 1 message after its 20th, and MQTT.js
    // reads nothing further until it does: deliveries are in flight (sent, not acknowledged)
    // and queued when the broker dies, however fast the machine.
    let handled = 0;
    let stalledOn: string | undefined;
    before.client.handleMessage = (packet, callback) => {
      if (++handled > 20 && packet.qos === 1 && stalledOn === undefined) {
        stalledOn = packet.payload.toString();
        return; // never acknowledged
      }
      callback();
    };

    const acked = await publishUntilKilled(first, 'live/stream');
    await endAll(before.client);
    const beforeCrash = new Set(memory.received.keys());
    expect(stalledOn).toBeDefined();

    const second = await startCli(dir);
    const after = durableSubscriber(second.port, 'live-sub', memory);
    expect(await after.present).toBe(true);
    await expectDelivered(second.port, 'live/marker', memory.received, acked);
    // Acknowledged messages that reached the app only after the restart, and the unacknowledged one resent.
    expect([...acked.q1, ...acked.q2].filter((p) => !beforeCrash.has(p)).length).toBeGreaterThan(0);
    expect(memory.received.get(stalledOn!)).toBe(2);
  }, 60_000);
});
