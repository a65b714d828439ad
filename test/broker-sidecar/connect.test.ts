import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IConnackPacket } from 'mqtt-packet';
import { endAll, mqttClient, RawClient, sleep, startBroker, withTimeout, type RunningBroker } from '../helpers/broker-harness';

/** CONNECT bytes with an arbitrary protocol name, level and flags, and an empty client ID. */
function rawConnect(name: string, level: number, flags = 0x02, clientId = ''): Buffer {
  const nameBytes = Buffer.from(name, 'latin1');
  const id = Buffer.from(clientId);
  const body = Buffer.concat([Buffer.from([0, nameBytes.length]), nameBytes, Buffer.from([level, flags, 0, 10]), Buffer.from([0, id.length]), id]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

let running: RunningBroker;
const raws: RawClient[] = [];
async function raw(version: 3 | 4 | 5 = 4): Promise<RawClient> {
  const client = await RawClient.open(running.port, version);
  raws.push(client);
  return client;
}

beforeAll(async () => {
  running = await startBroker({ connectTimeoutMs: 300, maxKeepalive: 30 });
});
afterEach(() => {
  for (const c of raws.splice(0)) c.destroy();
});
afterAll(async () => {
  await running.stop();
});

describe('protocol levels', () => {
  it.each([3, 4, 5] as const)('accepts MQTT.js at protocol level %i', async (protocolVersion) => {
    const protocolId = protocolVersion === 3 ? 'MQIsdp' : 'MQTT';
    const client = await mqttClient(running.port, { protocolVersion, protocolId, clientId: `level-${protocolVersion}`, keepalive: 10 });
    expect(client.connected).toBe(true);
    await endAll(client);
  });

  it('answers an unsupported 3.x level with CONNACK 0x01 and closes', async () => {
    const client = await raw();
    client.write(rawConnect('MQTT', 2));
    await client.waitClosed();
    expect(client.bytes()).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x01]));
  });

  it('answers MQIsdp with level 4 (a mismatched pair) with CONNACK 0x01', async () => {
    const client = await raw();
    client.write(rawConnect('MQIsdp', 4));
    await client.waitClosed();
    expect(client.bytes()).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x01]));
  });

  it('answers a level newer than 5 with a 5.0 CONNACK 0x84 and closes', async () => {
    const client = await raw(5);
    client.write(rawConnect('MQTT', 6));
    await client.waitClosed();
    // CONNACK 0x84 with a Reason String naming the rule (0x1f: Reason String).
    expect(client.bytes().subarray(2, 6)).toEqual(Buffer.from([0x00, 0x84, client.bytes()[1]! - 3, 0x1f]));
    expect(client.packets).toEqual([expect.objectContaining({ cmd: 'connack', reasonCode: 0x84, properties: { reasonString: expect.stringMatching(/^\[MQTT-3\.1\.2-2\] /) } })]);
  });

  it('closes without a reply when the protocol name is not MQTT', async () => {
    const client = await raw();
    client.write(rawConnect('HTTP', 4));
    await client.waitClosed();
    expect(client.bytes().length).toBe(0);
  });

  it('closes a 3.1.1 CONNECT with the reserved flag set, without CONNACK', async () => {
    const client = await raw();
    client.write(rawConnect('MQTT', 4, 0x03, 'reserved'));
    await client.waitClosed();
    expect(client.bytes().length).toBe(0);
  });

  it('refuses a 5.0 CONNECT with the reserved flag set with CONNACK 0x81', async () => {
    const client = await raw(5);
    const bytes = rawConnect('MQTT', 5, 0x03, 'reserved5');
    // 5.0 has a properties length after keepalive: insert a zero and fix the remaining length.
    const withProps = Buffer.concat([bytes.subarray(0, 12), Buffer.from([0]), bytes.subarray(12)]);
    withProps[1] = withProps.length - 2;
    client.write(withProps);
    await client.waitClosed();
    expect(client.packets).toEqual([expect.objectContaining({ cmd: 'connack', reasonCode: 0x81, properties: { reasonString: expect.stringMatching(/^\[MQTT-3\.1\.2-3\] /) } })]);
  });
});

describe('client identifiers', () => {
  it('rejects an empty 3.1.1 client ID with clean session 0 (CONNACK 0x02)', async () => {
    const client = await raw();
    client.write(rawConnect('MQTT', 4, 0x00));
    await client.waitClosed();
    expect(client.bytes()).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x02]));
  });

  it('rejects an empty 3.1 client ID (CONNACK 0x02)', async () => {
    const client = await raw(3);
    client.write(rawConnect('MQIsdp', 3, 0x02));
    await client.waitClosed();
    expect(client.bytes()).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x02]));
  });

  it('accepts an empty 3.1.1 client ID with clean session 1', async () => {
    const client = await raw();
    client.write(rawConnect('MQTT', 4, 0x02));
    const connack = (await client.next()) as IConnackPacket;
    expect(connack).toMatchObject({ cmd: 'connack', returnCode: 0, sessionPresent: false });
  });

  it('assigns a client ID to an empty 5.0 one and says so in CONNACK', async () => {
    const client = await raw(5);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: '', clean: true, keepalive: 10 });
    const connack = (await client.next()) as IConnackPacket;
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties?.assignedClientIdentifier).toMatch(/^auto-[0-9a-f]{16}$/);
    expect(running.broker.online(connack.properties!.assignedClientIdentifier!)).toBeDefined();
  });
});

describe('will validation at CONNECT', () => {
  it('refuses a will topic with a wildcard: 5.0 CONNACK 0x90, 3.1.1 plain close', async () => {
    const v5 = await raw(5);
    v5.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'wild-will5', clean: true, keepalive: 10, will: { topic: 'a/+', payload: Buffer.from('x'), qos: 0, retain: false } });
    await v5.waitClosed();
    expect(v5.packets).toEqual([expect.objectContaining({ cmd: 'connack', reasonCode: 0x90, properties: { reasonString: expect.stringMatching(/^\[MQTT-4\.7\.0-1\] /) } })]);
    const v4 = await raw(4);
    v4.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'wild-will4', clean: true, keepalive: 10, will: { topic: 'a/#', payload: Buffer.from('x'), qos: 0, retain: false } });
    await v4.waitClosed();
    expect(v4.bytes().length).toBe(0);
  });

  it('closes a CONNECT whose will QoS is 3', async () => {
    const client = await raw(4);
    const body = Buffer.concat([
      Buffer.from([0, 4]), Buffer.from('MQTT'), Buffer.from([4, 0x1e, 0, 10]), // will flag + both will QoS bits + clean
      Buffer.from([0, 2]), Buffer.from('q3'), Buffer.from([0, 1]), Buffer.from('w'), Buffer.from([0, 1]), Buffer.from('p'),
    ]);
    client.write(Buffer.concat([Buffer.from([0x10, body.length]), body]));
    await client.waitClosed();
    expect(client.bytes().length).toBe(0);
    expect(running.broker.online('q3')).toBeUndefined();
  });
});

describe('connection state', () => {
  it('closes a connection whose first packet is not CONNECT', async () => {
    const client = await raw();
    client.write([0xc0, 0x00]); // PINGREQ
    await client.waitClosed();
    expect(client.bytes().length).toBe(0);
  });

  it('treats a second CONNECT as a protocol error (5.0: DISCONNECT 0x82)', async () => {
    const client = await RawClient.connected(running.port, 'twice', 5);
    raws.push(client);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'twice', clean: true, keepalive: 0 });
    const reply = await client.next();
    expect(reply).toMatchObject({ cmd: 'disconnect', reasonCode: 0x82 });
    await client.waitClosed();
  });

  it('closes a 3.1.1 connection that sends a second CONNECT', async () => {
    const client = await RawClient.connected(running.port, 'twice4', 4);
    raws.push(client);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'twice4', clean: true, keepalive: 10 });
    await client.waitClosed();
    expect(client.packets).toEqual([]);
  });

  it('closes sockets that never send CONNECT', async () => {
    const client = await raw();
    const started = Date.now();
    await client.waitClosed(2000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(client.bytes().length).toBe(0);
  });
});

describe('client ID takeover', () => {
  it('closes the older 3.1.1 connection when the same client ID connects again', async () => {
    const first = await mqttClient(running.port, { clientId: 'dup-311', protocolVersion: 4, keepalive: 10 });
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    const second = await mqttClient(running.port, { clientId: 'dup-311', protocolVersion: 4, keepalive: 10 });
    await withTimeout(closed, 2000, 'the first client to be closed');
    expect(second.connected).toBe(true);
    expect(running.broker.online('dup-311')).toBeDefined();
    await endAll(first, second);
  });

  it('sends DISCONNECT 0x8E to the older 5.0 connection', async () => {
    const first = await RawClient.connected(running.port, 'dup-5', 5);
    const second = await RawClient.connected(running.port, 'dup-5', 5);
    raws.push(first, second);
    await first.waitClosed();
    expect(first.packets).toEqual([expect.objectContaining({ cmd: 'disconnect', reasonCode: 0x8e })]);
    expect(first.bytes().subarray(-4)).toEqual(Buffer.from([0xe0, 0x02, 0x8e, 0x00]));
    expect(second.isClosed).toBe(false);
  });
});

describe('keepalive', () => {
  it('closes a client silent for 1.5 × its keepalive, not before (5.0: DISCONNECT 0x8D)', async () => {
    const client = await RawClient.connected(running.port, 'sleepy', 5, { keepalive: 1 });
    raws.push(client);
    const started = Date.now();
    await client.waitClosed(10_000); // a hang guard; how late a loaded machine closes is not the point
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(client.packets).toEqual([expect.objectContaining({ cmd: 'disconnect', reasonCode: 0x8d })]);
  });

  it('keeps a client that sends PINGREQ within the keepalive, answering PINGRESP', async () => {
    const client = await RawClient.connected(running.port, 'pinger', 4, { keepalive: 1 });
    raws.push(client);
    for (let i = 0; i < 4; i++) {
      client.write([0xc0, 0x00]);
      expect(await client.next()).toMatchObject({ cmd: 'pingresp' });
      await sleep(500);
    }
    expect(client.isClosed).toBe(false);
    expect(client.bytes().subarray(-2)).toEqual(Buffer.from([0xd0, 0x00]));
  });

  it('announces the maximum keepalive to 5.0 clients as Server Keep Alive', async () => {
    const client = await raw(5);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'ka5', clean: true, keepalive: 120 });
    const connack = (await client.next()) as IConnackPacket;
    expect(connack).toMatchObject({ reasonCode: 0, properties: expect.objectContaining({ serverKeepAlive: 30 }) });
  });

  it('accepts a 3.1.1 keepalive above the maximum: max_keepalive is for 5.0 clients only (mosquitto 2.0 manual)', async () => {
    const client = await raw();
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'ka4', clean: true, keepalive: 120 });
    expect(await client.next()).toMatchObject({ cmd: 'connack', returnCode: 0 });
    expect(client.isClosed).toBe(false);
  });
});

describe('authentication', () => {
  it('refuses bad credentials with 0x04 (3.1.1) and 0x86 (5.0)', async () => {
    const guarded = await startBroker({
      authenticator: { authenticate: (r) => (r.username === 'alice' && r.password?.toString() === 'pw' ? { ok: true } : { ok: false, reason: 'bad-credentials' }) },
    });
    try {
      const v4 = await RawClient.open(guarded.port, 4);
      v4.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'x', clean: true, keepalive: 0, username: 'bob', password: Buffer.from('no') });
      await v4.waitClosed();
      expect(v4.bytes()).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x04]));
      const v5 = await RawClient.open(guarded.port, 5);
      v5.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'y', clean: true, keepalive: 0, username: 'bob' });
      await v5.waitClosed();
      expect(v5.bytes()).toEqual(Buffer.from([0x20, 0x03, 0x00, 0x86, 0x00]));
      const ok = await mqttClient(guarded.port, { username: 'alice', password: 'pw' });
      expect(ok.connected).toBe(true);
      await endAll(ok);
    } finally {
      await guarded.stop();
    }
  });

  it('holds packets sent right behind CONNECT until a slow authenticator answers', async () => {
    const slow = await startBroker({ authenticator: { authenticate: () => sleep(150).then(() => ({ ok: true as const })) } });
    try {
      const client = await RawClient.open(slow.port, 4);
      // CONNECT and SUBSCRIBE in one write: SUBACK must still come after CONNACK.
      const { generate } = await import('mqtt-packet');
      client.write(
        Buffer.concat([
          generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'pipelined', clean: true, keepalive: 0 }),
          generate({ cmd: 'subscribe', messageId: 7, subscriptions: [{ topic: 'p/#', qos: 1 }] }),
        ]),
      );
      expect(await client.next()).toMatchObject({ cmd: 'connack', returnCode: 0 });
      expect(await client.next()).toMatchObject({ cmd: 'suback', messageId: 7, granted: [1] });
      client.destroy();
    } finally {
      await slow.stop();
    }
  });
});
