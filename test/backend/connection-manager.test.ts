/**
 * Live connections through MQTT.js against a real mosquitto: state events, message
 * batches, and the errors a user sees when a broker refuses or is not there.
 */

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../backend/connection-manager';
import { EventHub } from '../../backend/event-hub';
import type { ConnectionSnapshot, MessageBatch } from '../../shared/contract';
import { DeskError } from '../../shared/errors';
import { freePort, startMosquitto, type Mosquitto } from '../helpers/mosquitto';
import { testProfile } from '../helpers/profiles';
import { until } from '../helpers/wait';

const profile = testProfile;

function recorder() {
  const hub = new EventHub();
  const states: ConnectionSnapshot[] = [];
  const batches: MessageBatch[] = [];
  hub.subscribe((stream, data) => {
    if (stream === 'connection.state') states.push(data as ConnectionSnapshot);
    else if (stream === 'messages.batch') batches.push(data as MessageBatch);
  });
  return { hub, states, batches };
}


describe('ConnectionManager against mosquitto', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await startMosquitto();
  });
  afterAll(() => mosquitto.stop());

  it.each(['3.1', '3.1.1', '5.0'] as const)('connects with MQTT %s, subscribes, publishes and receives its own message', async (version) => {
    const { hub, states, batches } = recorder();
    const manager = new ConnectionManager(hub);
    const p = profile(mosquitto.port, { mqttVersion: version, clientId: `cm-${version}` });
    const snapshot = await manager.connect(p);
    expect(snapshot.state.status).toBe('connected');
    expect(states.map((s) => s.state.status)).toEqual(['connecting', 'connected']);

    await expect(manager.subscribe(p.id, 'demo/#', 1)).resolves.toEqual({ filter: 'demo/#', qos: 1 });
    await manager.publish(p.id, { topic: 'demo/room1', payload: new TextEncoder().encode('{"t":21.5}'), qos: 1, retain: false });
    await until(() => batches.flatMap((b) => b.messages).some((m) => m.direction === 'in'));
    const messages = batches.flatMap((b) => b.messages);
    expect(messages.map((m) => [m.direction, m.topic, m.qos, m.retain, new TextDecoder().decode(m.payload)])).toEqual([
      ['out', 'demo/room1', 1, false, '{"t":21.5}'],
      ['in', 'demo/room1', 1, false, '{"t":21.5}'],
    ]);
    // This case's client, with its protocol level as mosquitto prints it (p1 = 3.1, p2 = 3.1.1, p5 = 5.0).
    const level = { '3.1': 1, '3.1.1': 2, '5.0': 5 }[version];
    expect(mosquitto.log()).toMatch(new RegExp(`New client connected from 127\\.0\\.0\\.1:\\d+ as cm-${version.replace(/\./g, '\\.')} \\(p${level},`));
    await manager.disconnect(p.id);
    expect(states.at(-1)?.state.status).toBe('closed');
  });

  it('batches a burst into far fewer events than messages, in order, losing none', async () => {
    const { hub, batches } = recorder();
    const manager = new ConnectionManager(hub, { batcher: { intervalMs: 50, maxPending: 100_000 } });
    const p = profile(mosquitto.port);
    await manager.connect(p);
    await manager.subscribe(p.id, 'burst/+', 0);
    const publisher = await connectAsync(`mqtt://127.0.0.1:${mosquitto.port}`);
    const total = 2000;
    for (let i = 0; i < total; i++) publisher.publish('burst/x', String(i));
    await until(() => batches.reduce((n, b) => n + b.messages.length, 0) >= total, 10_000);
    await publisher.endAsync();
    const messages = batches.flatMap((b) => b.messages);
    expect(messages.map((m) => new TextDecoder().decode(m.payload))).toEqual(Array.from({ length: total }, (_, i) => String(i)));
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(batches.length).toBeLessThan(total / 10);
    await manager.closeAll();
  });

  it('rejects bad topics and filters with a message for the field', async () => {
    const manager = new ConnectionManager(new EventHub());
    const p = profile(mosquitto.port);
    await manager.connect(p);
    await expect(manager.subscribe(p.id, 'a/#/b', 0)).rejects.toMatchObject({ code: 'INVALID_ARGUMENTS', fields: { filter: "'#' must be the last level" } });
    await expect(manager.publish(p.id, { topic: 'a/+', payload: new Uint8Array(), qos: 0, retain: false })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENTS',
      fields: { topic: 'Topic must not contain wildcards (+ or #)' },
    });
    await manager.disconnect(p.id);
    await expect(manager.publish(p.id, { topic: 'a', payload: new Uint8Array(), qos: 0, retain: false })).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    await expect(manager.subscribe('nope', 'a', 0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a second connect while connected', async () => {
    const manager = new ConnectionManager(new EventHub());
    const p = profile(mosquitto.port);
    await manager.connect(p);
    await expect(manager.connect(p)).rejects.toMatchObject({ code: 'ALREADY_CONNECTED' });
    await manager.closeAll();
  });

  it('reports a port with no broker as CONNECT_FAILED and ends closed with the socket error', async () => {
    const { hub, states } = recorder();
    const manager = new ConnectionManager(hub);
    const p = profile(await freePort());
    const error = (await manager.connect(p).catch((e: unknown) => e)) as DeskError;
    expect(error).toBeInstanceOf(DeskError);
    expect(error.code).toBe('CONNECT_FAILED');
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(states.at(-1)?.state).toMatchObject({ status: 'closed', error: { message: expect.stringMatching(/ECONNREFUSED/) } });
  });

  it('goes to closed when the broker goes away', async () => {
    const own = await startMosquitto();
    const { hub, states } = recorder();
    const manager = new ConnectionManager(hub);
    const p = profile(own.port);
    await manager.connect(p);
    await own.stop();
    await until(() => states.at(-1)?.state.status === 'closed');
  });
});

describe('ConnectionManager with credentials', () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-passwd-'));
    const passwordFile = path.join(dir, 'passwd');
    execFileSync('mosquitto_passwd', ['-c', '-b', passwordFile, 'alice', 's3cret']);
    // mosquitto started as root drops to its own user, which must be able to read the file.
    chmodSync(dir, 0o755);
    chmodSync(passwordFile, 0o644);
    mosquitto = await startMosquitto(['allow_anonymous false', `password_file ${passwordFile}`]);
  });
  afterAll(() => mosquitto.stop());

  it('connects with the right username and password', async () => {
    const manager = new ConnectionManager(new EventHub());
    const p = profile(mosquitto.port, { username: 'alice', password: 's3cret' });
    await expect(manager.connect(p)).resolves.toMatchObject({ state: { status: 'connected' } });
    await manager.closeAll();
  });

  it.each(['3.1.1', '5.0'] as const)('shows the broker refusal with its reason code (MQTT %s)', async (version) => {
    const { hub, states } = recorder();
    const manager = new ConnectionManager(hub);
    const p = profile(mosquitto.port, { username: 'alice', password: 'wrong', mqttVersion: version });
    const error = (await manager.connect(p).catch((e: unknown) => e)) as DeskError;
    expect(error.code).toBe('CONNECT_FAILED');
    // 3.1.1: CONNACK return code 5; 5.0: reason code 0x86 (134) or 0x87 (135).
    const code = version === '5.0' ? /reason code 13[45]/ : /reason code 5/;
    expect(error.message).toMatch(code);
    expect(states.at(-1)?.state).toMatchObject({ status: 'closed', error: { message: expect.stringMatching(code) } });
  });
});
