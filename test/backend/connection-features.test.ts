/**
 * Profile options that change what happens on the wire, checked against Debian's
 * mosquitto and outside clients: the last will, MQTT 5 properties both ways, subscription
 * options, and auto-reconnect with resubscription after a broker restart.
 */

import { connectAsync, type IPublishPacket } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../backend/connection-manager';
import { createBroker } from '../../broker-sidecar/broker';
import { EventHub } from '../../backend/event-hub';
import type { ConnectionSnapshot, MessageBatch, MessageRecord } from '../../shared/contract';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { testProfile } from '../helpers/profiles';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { until } from '../helpers/wait';

let mosquitto: Mosquitto;
beforeAll(async () => {
  mosquitto = await startMosquitto();
});
afterAll(() => mosquitto.stop());


function recorder() {
  const hub = new EventHub();
  const states: ConnectionSnapshot[] = [];
  const messages: MessageRecord[] = [];
  hub.subscribe((stream, data) => {
    if (stream === 'connection.state') states.push(data as ConnectionSnapshot);
    else if (stream === 'messages.batch') messages.push(...(data as MessageBatch).messages);
  });
  return { manager: new ConnectionManager(hub), states, messages };
}

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('last will', () => {
  it.each(['3.1.1', '5.0'] as const)('is published by the broker when the connection dies (MQTT %s), not after a clean disconnect', async (version) => {
    const watcher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`, { protocolVersion: 5 });
    const seen: IPublishPacket[] = [];
    watcher.on('message', (_t, _p, packet) => seen.push(packet));
    await watcher.subscribeAsync(`will/${version}/#`, { qos: 1 });

    const proxy = await startTcpProxy(mosquitto.port);
    const { manager } = recorder();
    const will = {
      enabled: true,
      topic: `will/${version}/desk`,
      payload: '{"status":"gone"}',
      payloadFormat: 'json' as const,
      qos: 1 as const,
      retain: false,
      ...(version === '5.0' ? { contentType: 'application/json', userProperties: [{ key: 'why', value: 'test' }] } : {}),
    };
    // A clean disconnect first: no will. Its will says so, should it come; it would come
    // before the dying link's, whose will therefore is the marker.
    const clean = testProfile(proxy.port, { mqttVersion: version, will: { ...will, payload: '{"status":"clean"}' } });
    await manager.connect(clean);
    await manager.disconnect(clean.id);
    // Then a link that dies.
    const dying = testProfile(proxy.port, { mqttVersion: version, will, clientId: `dying-${version.replace('.', '')}` });
    await manager.connect(dying);
    proxy.cut();
    await until(() => seen.some((p) => p.payload.toString() === '{"status":"gone"}'), 5000, 'will delivery');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.topic).toBe(`will/${version}/desk`);
    expect(seen[0]!.payload.toString()).toBe('{"status":"gone"}');
    expect(seen[0]!.qos).toBe(1);
    if (version === '5.0') {
      expect(seen[0]!.properties?.contentType).toBe('application/json');
      expect(seen[0]!.properties?.userProperties).toEqual({ why: 'test' });
    }
    await manager.closeAll();
    await proxy.close();
    await watcher.endAsync();
  });
});

describe('MQTT 5 properties', () => {
  // MQTT.js takes user properties as an object, so repeated keys are grouped on send
  // (b, b, a for b, a, b): the order within one key is kept, interleaving is not.
  it('sends publish properties and shows received ones, repeated user properties kept', async () => {
    const { manager, messages } = recorder();
    const p = testProfile(mosquitto.port, { mqttVersion: '5.0' });
    await manager.connect(p);
    await manager.subscribe(p.id, 'props/#', 1, { subscriptionIdentifier: 42 });
    await manager.publish(p.id, {
      topic: 'props/a',
      payload: new TextEncoder().encode('{"v":1}'),
      qos: 1,
      retain: false,
      properties: {
        payloadFormatIndicator: true,
        messageExpiryInterval: 3600,
        contentType: 'application/json',
        responseTopic: 'props/reply',
        correlationData: new Uint8Array([1, 2, 3]),
        userProperties: [
          { key: 'b', value: '1' },
          { key: 'a', value: '2' },
          { key: 'b', value: '3' },
        ],
      },
    });
    await until(() => messages.some((m) => m.direction === 'in'));
    const received = messages.find((m) => m.direction === 'in')!;
    expect(received.properties).toMatchObject({
      payloadFormatIndicator: true,
      contentType: 'application/json',
      responseTopic: 'props/reply',
      correlationData: new Uint8Array([1, 2, 3]),
      subscriptionIdentifiers: [42],
      userProperties: [
        { key: 'b', value: '1' },
        { key: 'b', value: '3' },
        { key: 'a', value: '2' },
      ],
    });
    // The broker decrements the expiry interval; it must still be there and not above ours.
    expect(received.properties?.messageExpiryInterval).toBeLessThanOrEqual(3600);
    await manager.closeAll();
  });

  it('sends CONNECT properties the broker acts on (session expiry keeps the session)', async () => {
    const { manager, states } = recorder();
    const p = testProfile(mosquitto.port, { mqttVersion: '5.0', clean: false, clientId: 'desk-session', mqtt5: { sessionExpiryInterval: 60 } });
    await manager.connect(p);
    await manager.subscribe(p.id, 'session/#', 1);
    await manager.disconnect(p.id);
    await manager.connect(p);
    expect(states.at(-1)?.state).toMatchObject({ status: 'connected', sessionPresent: true });
    await manager.closeAll();
  });

  it('honours No Local: our own publishes do not come back', async () => {
    const { manager, messages } = recorder();
    const p = testProfile(mosquitto.port, { mqttVersion: '5.0' });
    await manager.connect(p);
    await manager.subscribe(p.id, 'nolocal/#', 0, { noLocal: true });
    // QoS 1: once acknowledged, mosquitto has routed it; 'theirs', published after, is the marker.
    await manager.publish(p.id, { topic: 'nolocal/mine', payload: new TextEncoder().encode('mine'), qos: 1, retain: false });
    const other = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`);
    await other.publishAsync('nolocal/theirs', 'theirs');
    await until(() => messages.some((m) => m.direction === 'in' && text(m.payload) === 'theirs'));
    expect(messages.filter((m) => m.direction === 'in').map((m) => text(m.payload))).toEqual(['theirs']);
    await other.endAsync();
    await manager.closeAll();
  });

  it('refuses MQTT 5 options on a 3.1.1 connection with a field message', async () => {
    const { manager } = recorder();
    const p = testProfile(mosquitto.port);
    await manager.connect(p);
    await expect(manager.subscribe(p.id, 'x', 0, { noLocal: true })).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', fields: { options: 'Subscription options need MQTT 5.0' } });
    await expect(manager.publish(p.id, { topic: 'x', payload: new Uint8Array(), qos: 0, retain: false, properties: { contentType: 'x' } })).rejects.toMatchObject({
      fields: { properties: 'Message properties need MQTT 5.0' },
    });
    await manager.closeAll();
  });
});

describe('auto-reconnect', () => {
  it('reconnects after the broker restarts and gets its subscriptions back', async () => {
    const broker = await startMosquitto();
    const { manager, states, messages } = recorder();
    const p = testProfile(broker.port, { autoReconnect: true, reconnectPeriod: 200 });
    await manager.connect(p);
    await manager.subscribe(p.id, 'back/#', 1);
    await broker.restart();
    await until(() => states.some((s) => s.state.status === 'reconnecting'), 5000, 'reconnecting state');
    const waiting = states.find((s) => s.state.status === 'reconnecting')!.state;
    expect(waiting).toMatchObject({ status: 'reconnecting', attempt: 0, nextAttemptAt: expect.any(Number) });
    await until(() => states.at(-1)?.state.status === 'connected', 10_000, 'reconnected');
    expect(states.at(-1)?.subscriptions).toEqual([{ filter: 'back/#', qos: 1 }]);

    const publisher = await connectAsync(`mqtt://127.0.0.1:${broker.port}`);
    // The resubscription races our publish: retry until it arrives, bounded.
    for (let i = 0; i < 50 && !messages.some((m) => m.direction === 'in'); i++) {
      await publisher.publishAsync('back/again', 'after restart', { qos: 1 });
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(messages.filter((m) => m.direction === 'in').map((m) => text(m.payload))).toContain('after restart');
    await publisher.endAsync();
    await manager.closeAll();
    await broker.stop();
  });

  it('stays closed after a drop when auto-reconnect is off', async () => {
    const broker = await startMosquitto();
    const { manager, states } = recorder();
    await manager.connect(testProfile(broker.port));
    await broker.restart();
    await until(() => states.at(-1)?.state.status === 'closed');
    await new Promise((r) => setTimeout(r, 500));
    expect(states.at(-1)?.state.status).toBe('closed');
    expect(states.some((s) => s.state.status === 'reconnecting')).toBe(false);
    await manager.closeAll();
    await broker.stop();
  });
});

describe('server DISCONNECT', () => {
  // mosquitto 2.0.11 just drops the socket on a takeover; our own broker sends DISCONNECT 0x8E.
  it('shows the reason code and name when the broker ends an MQTT 5 session (client ID taken over)', async () => {
    const broker = createBroker();
    const port = await broker.listen({ port: 0 });
    const { manager, states } = recorder();
    const p = testProfile(port, { mqttVersion: '5.0', clientId: 'taken-over' });
    await manager.connect(p);
    const thief = await connectAsync(`mqtt://127.0.0.1:${port}`, { protocolVersion: 5, clientId: 'taken-over' });
    await until(() => states.at(-1)?.state.status === 'closed', 5000, 'closed after takeover');
    expect(states.at(-1)?.state).toMatchObject({ status: 'closed', error: { message: 'The broker disconnected: Session taken over (0x8E)' } });
    await thief.endAsync();
    await manager.closeAll();
    await broker.close();
  });
});
