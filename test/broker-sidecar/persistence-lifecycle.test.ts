/**
 * Persistence and time: session expiry and delayed wills continue across a restart, clean
 * sessions are never stored, and a store that cannot be used is refused with its directory named.
 */

import { ClassicLevel } from 'classic-level';
import type { IConnectPacket, IPublishPacket } from 'mqtt-packet';
import { describe, expect, it } from 'vitest';
import { openPersistence, PersistenceError } from '../../broker-sidecar/persistence/store';
import { RawClient, sleep } from '../helpers/broker-harness';
import { durableTestRuns, type DurableBroker } from '../helpers/persistence';
import { until } from '../helpers/wait';

const { dataDir, start, stop, track } = durableTestRuns();

/** Connects a raw 5.0 client; returns it with its CONNACK's Session Present. */
async function connect5(port: number, clientId: string, extra: Partial<IConnectPacket> = {}): Promise<{ client: RawClient; present: boolean }> {
  const client = track(await RawClient.open(port, 5));
  client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId, clean: false, keepalive: 30, ...extra });
  const connack = await client.next();
  if (connack.cmd !== 'connack') throw new Error(`expected CONNACK, got ${connack.cmd}`);
  return { client, present: connack.sessionPresent };
}

/** A durable 5.0 session subscribed to `filter`, left offline. */
async function offlineSubscriber(port: number, clientId: string, filter: string, expiry = 3600): Promise<void> {
  const { client } = await connect5(port, clientId, { properties: { sessionExpiryInterval: expiry } });
  client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos: 1 }] });
  await client.next();
  client.send({ cmd: 'disconnect' });
  await client.waitClosed();
}

/** A 5.0 client with a delayed will whose connection then drops (so the will is pending). */
async function dropWithWill(run: DurableBroker, clientId: string, delaySeconds: number): Promise<void> {
  const { client } = await connect5(run.port, clientId, {
    properties: { sessionExpiryInterval: 60 },
    will: { topic: 'wills/gone', payload: Buffer.from([0x67, 0x00, 0xff]), qos: 1, retain: false, properties: { willDelayInterval: delaySeconds, contentType: 'x/bin' } },
  });
  client.destroy();
  await until(() => run.broker.online(clientId) === undefined, 2000, 'the broker to see the connection drop');
}

describe('session expiry across a restart', () => {
  it('drops a session whose expiry ran out while the broker was down, and keeps one that has time left', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await offlineSubscriber(first.port, 'short', 'short/#', 1);
    await offlineSubscriber(first.port, 'long', 'long/#', 3600);
    await stop(first);
    await sleep(1100);

    const second = await start(dir);
    expect(second.broker.options.sessions.get('short')).toBeUndefined();
    expect(second.broker.options.sessions.get('long')?.subscriptions.has('long/#')).toBe(true);
    expect(second.log.map((e) => e.message)).toContain('Session of short expired.');
    expect((await connect5(second.port, 'short', { properties: { sessionExpiryInterval: 60 } })).present).toBe(false);
  });

  it('counts the expiry from the disconnect, not from the restart', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await offlineSubscriber(first.port, 'ticking', 'tick/#', 3);
    await stop(first);
    await sleep(1500); // time passes while the broker is down
    const restartedAt = Date.now();
    const second = await start(dir);
    // Counted from the disconnect, it ends about 1.5 s after the restart (at once, if the
    // restart was slow); a clock restarted at the restart would keep it 3 s from then.
    await until(() => second.broker.options.sessions.get('ticking') === undefined, 10_000, 'the restored session to expire');
    expect(Date.now() - restartedAt).toBeLessThan(3000);
    expect(second.log.map((e) => e.message)).toContain('Session of ticking expired.');
  });
});

describe('delayed wills across a restart', () => {
  it('publishes a pending will after the restart when its delay runs out', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await offlineSubscriber(first.port, 'will-watch', 'wills/#');
    await dropWithWill(first, 'willer', 2); // 2 s: room for the restart before it is due
    await stop(first);

    const second = await start(dir);
    expect(second.log.map((e) => e.message)).toContainEqual(expect.stringMatching(/^Restored 0 retained messages, 2 sessions and 1 pending wills/));
    const watcher = second.broker.options.sessions.get('will-watch')!;
    expect(watcher.queue).toHaveLength(0);
    await until(() => watcher.queue.length === 1, 10_000, 'the will to be published');
    const { client } = await connect5(second.port, 'will-watch', { properties: { sessionExpiryInterval: 3600 } });
    const will = (await client.next()) as IPublishPacket;
    expect([will.topic, [...will.payload], will.properties?.contentType]).toEqual(['wills/gone', [0x67, 0x00, 0xff], 'x/bin']);
  });

  it('publishes at start a will whose delay ran out while the broker was down, once', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await offlineSubscriber(first.port, 'late-watch', 'wills/#');
    await dropWithWill(first, 'late-willer', 1);
    await stop(first);
    await sleep(1100);

    const second = await start(dir);
    expect(second.broker.options.sessions.get('late-watch')!.queue).toHaveLength(1);
    await stop(second);
    const third = await start(dir);
    expect(third.log.map((e) => e.message)).toContainEqual(expect.stringMatching(/and 0 pending wills/));
    expect(third.broker.options.sessions.get('late-watch')!.queue).toHaveLength(1); // queued, not published again
  });

  it('cancels the restored will when its client reconnects in time [MQTT-3.1.3-9]', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await offlineSubscriber(first.port, 'cancel-watch', 'wills/#');
    await dropWithWill(first, 'comeback', 2); // 2 s: room for the restart and the reconnect
    // The marker: the same delay, dropped later, so due later than the cancelled will.
    await dropWithWill(first, 'control', 2);
    await stop(first);

    const second = await start(dir);
    expect((await connect5(second.port, 'comeback', { properties: { sessionExpiryInterval: 60 } })).present).toBe(true);
    const watcher = second.broker.options.sessions.get('cancel-watch')!;
    await until(() => watcher.queue.length > 0, 10_000, "the control client's will");
    expect(watcher.queue.map((d) => d.message.senderId)).toEqual(['control']);
    await stop(second);
    const third = await start(dir);
    expect(third.log.map((e) => e.message)).toContainEqual(expect.stringMatching(/and 0 pending wills/));
  });
});

describe('what is not stored', () => {
  it('does not restore clean sessions (3.1.1 clean session 1, 5.0 Session Expiry Interval 0)', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const v4 = await RawClient.connected(first.port, 'clean4', 4, { clean: true });
    track(v4);
    v4.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'c/#', qos: 1 }] });
    await v4.next();
    const { client: v5 } = await connect5(first.port, 'clean5', { clean: false, properties: { sessionExpiryInterval: 0 } });
    v5.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'c/#', qos: 1 }] });
    await v5.next();
    await stop(first);
    const second = await start(dir);
    expect(second.log.map((e) => e.message)).toContainEqual(expect.stringMatching(/^Restored 0 retained messages, 0 sessions and 0 pending wills/));
  });

  it('forgets a durable session when it ends with a clean start', async () => {
    const dir = dataDir();
    const first = await start(dir);
    await offlineSubscriber(first.port, 'restart-clean', 'rc/#');
    const { client, present } = await connect5(first.port, 'restart-clean', { clean: true, properties: { sessionExpiryInterval: 3600 } });
    expect(present).toBe(false);
    client.send({ cmd: 'disconnect' });
    await client.waitClosed();
    await stop(first);
    const second = await start(dir);
    expect(second.broker.options.sessions.get('restart-clean')?.subscriptions.size).toBe(0);
  });
});

describe('a store that cannot be used', () => {
  it('is refused while another broker holds it, naming the directory', async () => {
    const dir = dataDir();
    await start(dir);
    const error = await openPersistence(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PersistenceError);
    expect((error as Error).message).toBe(`cannot open the persistence store in ${dir}: it is in use by another broker`);
  });

  it('is refused when it was written in another format version', async () => {
    const dir = dataDir();
    const db = new ClassicLevel<string, string>(dir);
    await db.put('format', JSON.stringify({ version: 99 }));
    await db.close();
    await expect(openPersistence(dir)).rejects.toThrow(`the persistence store in ${dir} has format version 99; this broker reads version 1`);
  });
});
