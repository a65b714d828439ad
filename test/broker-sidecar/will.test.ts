import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { IConnectPacket } from 'mqtt-packet';
import { collect, endAll, mqttClient, RawClient, startBroker, type Inbox, type RunningBroker } from '../helpers/broker-harness';
import { until } from '../helpers/wait';

let running: RunningBroker;
const clients: MqttClient[] = [];
const raws: RawClient[] = [];

/** A client subscribed to `filter`, collecting what it gets. */
async function watcher(filter: string): Promise<Inbox & { client: MqttClient }> {
  const c = await mqttClient(running.port, { clientId: `watch-${filter.replace(/\W/g, '')}`, protocolVersion: 5 });
  clients.push(c);
  const inbox = collect(c);
  await c.subscribeAsync(filter, { qos: 2 });
  return { ...inbox, client: c };
}

async function withWill(clientId: string, version: 4 | 5, will: NonNullable<IConnectPacket['will']>, extra: Partial<IConnectPacket> = {}): Promise<RawClient> {
  const c = await RawClient.connected(running.port, clientId, version, { will, ...extra });
  raws.push(c);
  return c;
}

beforeAll(async () => {
  running = await startBroker();
});
afterEach(async () => {
  await endAll(...clients.splice(0));
  for (const r of raws.splice(0)) r.destroy();
});
afterAll(async () => {
  await running.stop();
});

describe('will messages', () => {
  it('publishes the will with its QoS when the connection drops', async () => {
    const inbox = await watcher('will/drop');
    const c = await withWill('w-drop', 4, { topic: 'will/drop', payload: Buffer.from('gone'), qos: 1, retain: false });
    c.destroy();
    const [m] = await inbox.waitFor(1);
    expect([m!.topic, m!.payload, m!.packet.qos]).toEqual(['will/drop', 'gone', 1]);
  });

  it('retains a will published with the retain flag', async () => {
    const inbox = await watcher('will/retained');
    const c = await withWill('w-retain', 4, { topic: 'will/retained', payload: Buffer.from('offline'), qos: 0, retain: true });
    c.destroy();
    await inbox.waitFor(1); // published, so stored
    expect([...running.broker.options.retained.match('will/retained')].map((m) => m.payload.toString())).toEqual(['offline']);
  });

  it('discards the will after a normal DISCONNECT', async () => {
    const inbox = await watcher('will/clean');
    const c = await withWill('w-clean', 4, { topic: 'will/clean', payload: Buffer.from('never'), qos: 1, retain: false });
    c.write([0xe0, 0x00]);
    await c.waitClosed(); // the broker decides about the will as it closes
    await inbox.client.publishAsync('will/clean', 'marker', { qos: 0 });
    expect(await inbox.until((m) => m.payload === 'marker')).toEqual([]);
  });

  it('publishes the will after a 5.0 DISCONNECT with reason 0x04', async () => {
    const inbox = await watcher('will/asked');
    const c = await withWill('w-asked', 5, { topic: 'will/asked', payload: Buffer.from('on purpose'), qos: 0, retain: false });
    c.write([0xe0, 0x01, 0x04]);
    const [m] = await inbox.waitFor(1);
    expect(m!.payload).toBe('on purpose');
  });

  it('publishes the will of a connection taken over by the same client ID', async () => {
    const inbox = await watcher('will/takeover');
    await withWill('w-take', 4, { topic: 'will/takeover', payload: Buffer.from('replaced'), qos: 0, retain: false });
    const second = await RawClient.connected(running.port, 'w-take', 4);
    raws.push(second);
    const [m] = await inbox.waitFor(1);
    expect(m!.payload).toBe('replaced');
  });

  it('waits the Will Delay Interval before publishing (5.0)', async () => {
    const inbox = await watcher('will/delayed');
    const c = await withWill(
      'w-delay',
      5,
      { topic: 'will/delayed', payload: Buffer.from('late'), qos: 1, retain: false, properties: { willDelayInterval: 1 } },
      { properties: { sessionExpiryInterval: 60 } },
    );
    const dropped = Date.now();
    c.destroy();
    await inbox.waitFor(1, 10_000);
    expect(Date.now() - dropped).toBeGreaterThanOrEqual(900); // not before the delay (timer granularity aside)
  });

  it('cancels a delayed will when the client reconnects in time (5.0)', async () => {
    const inbox = await watcher('will/cancelled');
    const will = { topic: 'will/cancelled', payload: Buffer.from('not sent'), qos: 1 as const, retain: false, properties: { willDelayInterval: 1 } };
    const c = await withWill('w-back', 5, will, { properties: { sessionExpiryInterval: 60 }, clean: false });
    c.destroy();
    await until(() => running.broker.online('w-back') === undefined, 5000, 'the broker to see w-back drop');
    const again = await RawClient.connected(running.port, 'w-back', 5, { clean: false, properties: { sessionExpiryInterval: 60 } });
    raws.push(again);
    // The marker: another client's will with the same delay, dropped later, so due later.
    const control = await withWill('w-back-ctl', 5, { ...will, payload: Buffer.from('control') }, { properties: { sessionExpiryInterval: 60 } });
    control.destroy();
    expect(await inbox.until((m) => m.payload === 'control', 10_000)).toEqual([]);
  });

  it('publishes a delayed will at once when the session ends first (5.0)', async () => {
    const inbox = await watcher('will/session-end');
    const c = await withWill('w-end', 5, { topic: 'will/session-end', payload: Buffer.from('now'), qos: 0, retain: false, properties: { willDelayInterval: 30 } });
    c.destroy(); // Session Expiry Interval 0: the session ends with the connection
    const [m] = await inbox.waitFor(1, 10_000); // a hang guard, well below the 30 s delay
    expect(m!.payload).toBe('now');
  });
});
