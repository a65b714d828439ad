import { chmodSync, rmSync } from 'node:fs';
import net from 'node:net';
import type { IConnackPacket, IConnectPacket, Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient, tempDir } from '../helpers/broker-config';
import { RawClient, withTimeout } from '../helpers/broker-harness';
import { startPair, type BrokerPair } from '../helpers/mosquitto-conf';

// mosquitto.conf options that decide how clients connect, run with the same file in our
// broker and in Debian's mosquitto 2.0.11: every scenario runs against both, and the outcomes
// (return codes, reason codes, CONNACK properties, what arrives where) must be the same.

let dir: string;
beforeAll(() => {
  dir = tempDir('mqtt-desk-config-clients-');
  chmodSync(dir, 0o755);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `scenario` against our port and mosquitto's; returns both outcomes. */
async function both<T>(pair: BrokerPair, scenario: (ports: number[]) => Promise<T>): Promise<{ ours: T; mosquitto: T }> {
  return { ours: await scenario(pair.ours), mosquitto: await scenario(pair.mosquitto) };
}

/** Sends CONNECT and returns the CONNACK (or 'closed' when the socket closes without one). */
async function connack(port: number, version: 4 | 5, connect: Partial<IConnectPacket>): Promise<IConnackPacket | 'closed'> {
  const client = await RawClient.open(port, version);
  try {
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: version, clean: true, keepalive: 30, clientId: '', ...connect } as IConnectPacket);
    return (await client.next().catch(() => 'closed' as const)) as IConnackPacket | 'closed';
  } finally {
    client.destroy();
  }
}

/** The parts of a CONNACK both brokers must agree on. */
function summary(ack: IConnackPacket | 'closed'): unknown {
  if (ack === 'closed') return 'closed';
  const p = ack.properties;
  return {
    code: ack.returnCode ?? ack.reasonCode,
    // Generated IDs differ in their random part (mosquitto's look like UUIDs): compare the prefix.
    assigned: p?.assignedClientIdentifier?.startsWith('desk-auto-') ? 'desk-auto-…' : p?.assignedClientIdentifier,
    serverKeepAlive: p?.serverKeepAlive,
    maximumQoS: p?.maximumQoS,
    topicAliasMaximum: p?.topicAliasMaximum,
    maximumPacketSize: p?.maximumPacketSize,
  };
}

describe('client IDs: allow_zero_length_clientid, auto_id_prefix, clientid_prefixes, use_username_as_clientid', () => {
  let pair: BrokerPair;
  beforeAll(async () => {
    pair = await startPair(
      dir,
      [
        'per_listener_settings true',
        'clientid_prefixes desk-',
        'listener {P1} 127.0.0.1',
        'allow_anonymous true',
        'allow_zero_length_clientid false',
        'listener {P2} 127.0.0.1',
        'allow_anonymous true',
        'auto_id_prefix desk-auto-',
        'use_username_as_clientid true',
        'listener {P3} 127.0.0.1',
        'allow_anonymous true',
        'auto_id_prefix desk-auto-',
      ],
      3,
    );
  }, 20_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it.each([
    ['an empty ID where allow_zero_length_clientid is false (3.1.1)', 0, 4, {}, { code: 2 }],
    // mosquitto 2.0.11 answers 0x80 (Unspecified error); the precise 5.0 code is 0x85 (Client Identifier not valid).
    ['an empty ID where allow_zero_length_clientid is false (5.0)', 0, 5, {}, { code: 0x85 }, { code: 0x80 }],
    ['an empty ID gets auto_id_prefix, and is told to a 5.0 client', 2, 5, {}, { code: 0, assigned: 'desk-auto-…' }],
    ['an ID without the clientid_prefixes prefix (3.1.1)', 2, 4, { clientId: 'other' }, { code: 5 }],
    ['an ID without the clientid_prefixes prefix (5.0)', 2, 5, { clientId: 'other' }, { code: 0x87 }],
    ['an ID with the prefix', 2, 4, { clientId: 'desk-1' }, { code: 0 }],
    ['use_username_as_clientid with a username: an empty ID becomes the username, told to 5.0', 1, 5, { username: 'desk-alice' }, { code: 0, assigned: 'desk-alice' }],
    ['use_username_as_clientid without a username (3.1.1)', 1, 4, { clientId: 'desk-x' }, { code: 5 }],
    ['use_username_as_clientid without a username (5.0)', 1, 5, {}, { code: 0x87 }],
  ] as Array<[string, number, 4 | 5, Partial<IConnectPacket>, Record<string, unknown>, Record<string, unknown>?]>)('%s', async (_name, listener, version, connect, expected, mosquittoDiffers) => {
    const outcome = await both(pair, async (ports) => summary(await connack(ports[listener]!, version, connect)));
    expect(outcome.ours).toMatchObject(expected);
    expect(outcome.mosquitto).toEqual({ ...(outcome.ours as object), ...mosquittoDiffers });
  });

  it('use_username_as_clientid: two clients with one username are one session (the second takes over)', async () => {
    const outcome = await both(pair, async (ports) => {
      const first = await RawClient.connected(ports[1]!, 'desk-a', 4, { username: 'desk-same' });
      const second = await RawClient.connected(ports[1]!, 'desk-b', 4, { username: 'desk-same' });
      await first.waitClosed();
      second.destroy();
      return 'first closed';
    });
    expect(outcome).toEqual({ ours: 'first closed', mosquitto: 'first closed' });
    expect(pair.log.some((e) => /New client connected .* as desk-same /.test(e.message))).toBe(true);
  });
});

describe('max_keepalive is for 5.0 clients (Server Keep Alive); 3.1.1 clients keep theirs', () => {
  let pair: BrokerPair;
  beforeAll(async () => {
    pair = await startPair(dir, ['listener {P1} 127.0.0.1', 'allow_anonymous true', 'max_keepalive 30', 'listener {P2} 127.0.0.1'], 2);
  }, 20_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it('lets plain mosquitto_pub (3.1.1, keepalive 60) publish under max_keepalive 30', async () => {
    const outcome = await both(pair, async (ports) => {
      const run = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(ports[0]), '-V', 'mqttv311', '-k', '60', '-t', 'ka/t', '-m', 'x', '-d']);
      return { code: run.code, connack: /received CONNACK \((\d+)\)/.exec(run.stdout)?.[1] };
    });
    expect(outcome.ours).toEqual({ code: 0, connack: '0' });
    expect(outcome.mosquitto).toEqual(outcome.ours);
    expect(pair.log.some((e) => / \(p2, c1, k60\)\.$/.test(e.message))).toBe(true); // kept its 60 seconds
  });

  it.each([
    ['5.0 asking for more gets Server Keep Alive', 5, 60, 0, 30],
    ['5.0 asking for none (0) gets it too', 5, 0, 0, 30],
    ['5.0 within the maximum gets none', 5, 20, 0, undefined],
    ['3.1.1 above the maximum is accepted', 4, 120, 0, undefined],
  ] as const)('%s', async (_name, version, keepalive, listener, expected) => {
    const outcome = await both(pair, async (ports) => summary(await connack(ports[listener]!, version, { clientId: `ka-${version}-${keepalive}`, keepalive })));
    expect(outcome.ours).toEqual(outcome.mosquitto);
    expect(outcome.ours).toMatchObject({ code: 0, serverKeepAlive: expected });
  });
});

describe('per-listener limits: max_qos, max_topic_alias, max_connections; max_packet_size', () => {
  let pair: BrokerPair;
  beforeAll(async () => {
    pair = await startPair(
      dir,
      ['max_packet_size 200', 'listener {P1} 127.0.0.1', 'allow_anonymous true', 'max_qos 1', 'max_topic_alias 3', 'max_connections 1', 'listener {P2} 127.0.0.1', 'allow_anonymous true'],
      2,
    );
  }, 20_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it('announces the listener\'s Maximum QoS and Topic Alias Maximum and the Maximum Packet Size to 5.0 clients', async () => {
    const outcome = await both(pair, async (ports) => [summary(await connack(ports[0]!, 5, { clientId: 'caps-1' })), summary(await connack(ports[1]!, 5, { clientId: 'caps-2' }))]);
    expect(outcome.ours).toEqual(outcome.mosquitto);
    expect(outcome.ours).toEqual([expect.objectContaining({ maximumQoS: 1, topicAliasMaximum: 3, maximumPacketSize: 200 }), expect.objectContaining({ maximumQoS: undefined, topicAliasMaximum: 10 })]);
  });

  it('tells a 5.0 client asking for no keepalive the default max_keepalive, 65535, as mosquitto does', async () => {
    const outcome = await both(pair, async (ports) => summary(await connack(ports[1]!, 5, { clientId: 'ka-none', keepalive: 0 })));
    expect(outcome.ours).toEqual(outcome.mosquitto);
    expect(outcome.ours).toMatchObject({ code: 0, serverKeepAlive: 65535 });
  });

  it('grants at most max_qos and disconnects a 5.0 client publishing above it (0x9B)', async () => {
    const outcome = await both(pair, async (ports) => {
      const client = await RawClient.connected(ports[0]!, 'qos-cap', 5);
      client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'q/#', qos: 2 }] });
      const suback = (await client.next()) as Packet & { granted: number[] };
      client.send({ cmd: 'publish', topic: 'q/x', payload: Buffer.from('x'), qos: 2, retain: false, dup: false, messageId: 2 });
      const next = await client.next().catch(() => undefined);
      await client.waitClosed();
      return { granted: suback.granted, then: next?.cmd, reason: (next as { reasonCode?: number } | undefined)?.reasonCode };
    });
    expect(outcome.ours).toEqual(outcome.mosquitto);
    expect(outcome.ours).toEqual({ granted: [1], then: 'disconnect', reason: 0x9b });
  });

  it('disconnects a 5.0 client whose packet exceeds max_packet_size (0x95)', async () => {
    const outcome = await both(pair, async (ports) => {
      const client = await RawClient.connected(ports[1]!, 'big', 5);
      client.send({ cmd: 'publish', topic: 'big', payload: Buffer.alloc(300), qos: 0, retain: false, dup: false });
      const next = await client.next().catch(() => undefined);
      await client.waitClosed();
      return { then: next?.cmd, reason: (next as { reasonCode?: number } | undefined)?.reasonCode };
    });
    expect(outcome.ours).toEqual(outcome.mosquitto);
    expect(outcome.ours).toEqual({ then: 'disconnect', reason: 0x95 });
  });
});

describe('max_connections, per listener', () => {
  let pair: BrokerPair;
  // A pair of its own, so no earlier scenario's connections count.
  beforeAll(async () => {
    pair = await startPair(dir, ['listener {P1} 127.0.0.1', 'allow_anonymous true', 'max_connections 1', 'listener {P2} 127.0.0.1', 'allow_anonymous true'], 2);
  }, 20_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it('closes a second connection on a listener with max_connections 1, not on another listener', async () => {
    const outcome = await both(pair, async (ports) => {
      const first = await RawClient.connected(ports[0]!, 'only-one', 4);
      const extra = net.connect(ports[0]!, '127.0.0.1');
      await withTimeout(new Promise<void>((resolve) => extra.once('close', () => resolve())), 3000, `the extra socket to close on ${ports[0]}`);
      const elsewhere = await RawClient.connected(ports[1]!, 'other-listener', 4);
      const stillOpen = !first.isClosed && !elsewhere.isClosed;
      first.destroy();
      elsewhere.destroy();
      return stillOpen;
    });
    expect(outcome).toEqual({ ours: true, mosquitto: true });
  });

});

describe('mount_point', () => {
  let pair: BrokerPair;
  beforeAll(async () => {
    pair = await startPair(dir, ['listener {P1} 127.0.0.1', 'allow_anonymous true', 'mount_point tenant/', 'listener {P2} 127.0.0.1', 'allow_anonymous true'], 2);
  }, 20_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it("puts a listener's clients under its prefix: what they publish, subscribe to and leave as a will", async () => {
    const outcome = await both(pair, async (ports) => {
      const watcher = await RawClient.connected(ports[1]!, 'watcher', 4);
      watcher.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '#', qos: 0 }] });
      await watcher.next();
      const inside = await RawClient.connected(ports[0]!, 'inside', 4, { will: { topic: 'gone', payload: Buffer.from('bye'), qos: 0, retain: false } });
      inside.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'x/#', qos: 0 }] });
      await inside.next();
      inside.send({ cmd: 'publish', topic: 'a', payload: Buffer.from('from inside'), qos: 0, retain: false, dup: false });
      const sender = await RawClient.connected(ports[1]!, 'sender', 4);
      // 'x/1' is not below the mount point: had it reached the mounted client, it would come before 'second'.
      for (const [topic, text] of [['x/1', 'first'], ['tenant/x/2', 'second']]) sender.send({ cmd: 'publish', topic: topic!, payload: Buffer.from(text!), qos: 0, retain: false, dup: false });
      const seenInside = (await inside.next()) as Packet & { topic: string; payload: Buffer };
      inside.destroy(); // no DISCONNECT: the will goes out
      const watched: string[] = [];
      while (!watched.includes('tenant/gone')) watched.push(((await watcher.next()) as Packet & { topic: string }).topic);
      sender.destroy();
      watcher.destroy();
      return { watched, inside: [seenInside.topic, seenInside.payload.toString()] };
    });
    expect(outcome.ours).toEqual({ watched: ['tenant/a', 'x/1', 'tenant/x/2', 'tenant/gone'], inside: ['x/2', 'second'] });
    // mosquitto 2.0.11 puts the prefix on what its clients publish, subscribe and leave as a will too, but sends
    // their messages with the prefix still on ('tenant/x/2'), although its manual says the prefix is removed.
    expect(outcome.mosquitto).toEqual({ watched: outcome.ours.watched, inside: ['tenant/x/2', 'second'] });
  });
});
