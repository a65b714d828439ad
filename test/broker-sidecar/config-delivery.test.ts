import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IPublishPacket, Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileAuthenticator } from '../../broker-sidecar/auth/file-authenticator';
import { createBroker } from '../../broker-sidecar/broker';
import { openPersistence } from '../../broker-sidecar/persistence/store';
import { tempDir } from '../helpers/broker-config';
import { RawClient, startBroker } from '../helpers/broker-harness';
import { startPair, type BrokerPair } from '../helpers/mosquitto-conf';
import { until } from '../helpers/wait';

// mosquitto.conf options that decide what is delivered, held and kept: in flight and queue
// limits (messages and bytes), queue_qos0_messages, upgrade_outgoing_qos run side by side in
// our broker and Debian's mosquitto with the same file; memory_limit,
// persistent_client_expiration and check_retain_source against our broker (mosquitto counts
// memory differently, and the smallest expiration it takes is an hour).

let dir: string;
beforeAll(() => {
  dir = tempDir('mqtt-desk-config-delivery-');
  chmodSync(dir, 0o755);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function both<T>(pair: BrokerPair, scenario: (port: number) => Promise<T>): Promise<{ ours: T; mosquitto: T }> {
  return { ours: await scenario(pair.ours[0]!), mosquitto: await scenario(pair.mosquitto[0]!) };
}

/** Publishes QoS 1 messages and waits for every PUBACK: once it returns, the broker has routed them all. */
async function publishAll(port: number, clientId: string, messages: Array<{ topic: string; payload: string; qos?: 0 | 1 | 2 }>): Promise<void> {
  const client = await RawClient.connected(port, clientId, 4);
  let id = 0;
  for (const m of messages) client.send({ cmd: 'publish', topic: m.topic, payload: Buffer.from(m.payload), qos: m.qos ?? 1, retain: false, dup: false, ...((m.qos ?? 1) > 0 ? { messageId: ++id } : {}) } as Packet);
  // A PINGRESP comes after every earlier acknowledgement on this connection: all of them were routed by then.
  client.send({ cmd: 'pingreq' });
  while ((await client.next()).cmd !== 'pingresp');
  client.send({ cmd: 'disconnect' });
  client.destroy();
}

/** Everything a client has been sent up to the answer to a PINGREQ sent now. */
async function drainUntilPing(client: RawClient): Promise<IPublishPacket[]> {
  client.send({ cmd: 'pingreq' });
  const got: IPublishPacket[] = [];
  for (;;) {
    const packet = await client.next();
    if (packet.cmd === 'pingresp') return got;
    if (packet.cmd === 'publish') got.push(packet);
  }
}

/** A subscriber that does not acknowledge until told to. */
async function subscriber(port: number, clientId: string, filter: string, qos: 0 | 1 | 2, clean = true): Promise<RawClient> {
  const client = await RawClient.connected(port, clientId, 4, { clean });
  client.send({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: filter, qos }] });
  await client.next();
  return client;
}

describe('in flight: max_inflight_messages and max_inflight_bytes hold outgoing QoS 1/2', () => {
  let counted: BrokerPair;
  let sized: BrokerPair;
  beforeAll(async () => {
    counted = await startPair(dir, ['listener {P1} 127.0.0.1', 'allow_anonymous true', 'max_inflight_messages 2'], 1);
    sized = await startPair(dir, ['listener {P1} 127.0.0.1', 'allow_anonymous true', 'max_inflight_bytes 10'], 1);
  }, 20_000);
  afterAll(async () => {
    await counted?.stop();
    await sized?.stop();
  });

  it('sends at most max_inflight_messages unacknowledged, the next when one is acknowledged', async () => {
    const outcome = await both(counted, async (port) => {
      const sub = await subscriber(port, 'slow', 'f/#', 1);
      await publishAll(port, 'fast', [1, 2, 3, 4, 5].map((n) => ({ topic: 'f/t', payload: `m${n}` })));
      const first = await drainUntilPing(sub);
      sub.send({ cmd: 'puback', messageId: first[0]!.messageId! });
      const second = await drainUntilPing(sub);
      sub.destroy();
      return [first.map((p) => p.payload.toString()), second.map((p) => p.payload.toString())];
    });
    expect(outcome.ours).toEqual([['m1', 'm2'], ['m3']]);
    // mosquitto 2.0.11 holds the first two too, but after one PUBACK sends two more (three in flight).
    expect(outcome.mosquitto).toEqual([['m1', 'm2'], ['m3', 'm4']]);
  });

  it('sends while the bytes in flight are below max_inflight_bytes, so a larger message goes alone', async () => {
    const outcome = await both(sized, async (port) => {
      const sub = await subscriber(port, 'slow-bytes', 'b/#', 1);
      await publishAll(port, 'fast-bytes', ['aaaaaa', 'bbbbbb', 'cccccccccccccccccccc'].map((payload) => ({ topic: 'b/t', payload })));
      const rounds: string[][] = [];
      let next = await drainUntilPing(sub);
      while (next.length > 0) {
        rounds.push(next.map((p) => p.payload.toString()));
        for (const p of next) sub.send({ cmd: 'puback', messageId: p.messageId! });
        next = await drainUntilPing(sub);
      }
      sub.destroy();
      return rounds;
    });
    // 0 in flight: 'aaaaaa' goes (6); 6 < 10: 'bbbbbb' goes (12); 12 >= 10: the third waits, then goes alone.
    expect(outcome.ours).toEqual([['aaaaaa', 'bbbbbb'], ['cccccccccccccccccccc']]);
    expect(outcome.mosquitto).toEqual(outcome.ours);
  });
});

describe('offline sessions: max_queued_bytes and queue_qos0_messages', () => {
  let pair: BrokerPair;
  beforeAll(async () => {
    pair = await startPair(dir, ['listener {P1} 127.0.0.1', 'allow_anonymous true', 'max_queued_bytes 10', 'queue_qos0_messages true'], 1);
  }, 20_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it('queues QoS 1 while the queue holds fewer bytes than max_queued_bytes, and delivers on reconnect', async () => {
    const outcome = await both(pair, async (port) => {
      const away = await subscriber(port, 'away-1', 'p/#', 1, false);
      away.send({ cmd: 'disconnect' });
      await away.waitClosed();
      await publishAll(port, 'filler-1', ['one-1', 'one-2', 'one-3'].map((payload) => ({ topic: 'p/t', payload })));
      const back = await RawClient.connected(port, 'away-1', 4, { clean: false });
      const got = await drainUntilPing(back);
      back.destroy();
      return got.map((p) => p.payload.toString());
    });
    // 0 bytes queued: take 'one-1' (6); 6 < 10: take 'one-2' (12); 12 >= 10: drop 'one-3'.
    expect(outcome.ours).toEqual(['one-1', 'one-2']);
    expect(outcome.mosquitto).toEqual(outcome.ours);
  });

  it('queues while the queue holds fewer bytes than max_queued_bytes, QoS 0 included, and delivers on reconnect', async () => {
    const outcome = await both(pair, async (port) => {
      const away = await subscriber(port, 'away', 'q/#', 1, false);
      away.send({ cmd: 'disconnect' });
      await away.waitClosed();
      await publishAll(port, 'filler', [
        { topic: 'q/t', payload: 'zero-1', qos: 0 },
        { topic: 'q/t', payload: 'one-1' },
        { topic: 'q/t', payload: 'one-2' },
      ]);
      const back = await RawClient.connected(port, 'away', 4, { clean: false });
      const got = await drainUntilPing(back);
      back.destroy();
      return got.map((p) => [p.payload.toString(), p.qos]);
    });
    // 0 bytes queued: take 'zero-1' (6); 6 < 10: take 'one-1' (12); 12 >= 10: drop 'one-2'.
    expect(outcome.ours).toEqual([
      ['zero-1', 0],
      ['one-1', 1],
    ]);
    // The manual says queued QoS 0 messages count against the limits; mosquitto 2.0.11 counts QoS 1/2 bytes only, so it keeps 'one-2' too.
    expect(outcome.mosquitto).toEqual([...outcome.ours, ['one-2', 1]]);
  });
});

describe('upgrade_outgoing_qos', () => {
  let pair: BrokerPair;
  beforeAll(async () => {
    pair = await startPair(dir, ['listener {P1} 127.0.0.1', 'allow_anonymous true', 'upgrade_outgoing_qos true'], 1);
  }, 20_000);
  afterAll(async () => {
    await pair?.stop();
  });

  it("delivers at the subscription's QoS even when the message's is lower", async () => {
    const outcome = await both(pair, async (port) => {
      const sub = await subscriber(port, 'upgraded', 'u/#', 2);
      await publishAll(port, 'low', [{ topic: 'u/t', payload: 'x', qos: 0 }]);
      const [got] = await drainUntilPing(sub);
      sub.destroy();
      return got?.qos;
    });
    expect(outcome).toEqual({ ours: 2, mosquitto: 2 });
  });
});

describe('memory_limit', () => {
  it('disconnects a publisher whose message would pass the limit of held bytes (5.0: 0x97), keeping what it holds', async () => {
    const running = await startBroker({ memoryLimit: 1000 });
    try {
      const client = await RawClient.connected(running.port, 'hoarder', 5);
      const big = (n: number): Packet => ({ cmd: 'publish', topic: `m/${n}`, payload: Buffer.alloc(600, n), qos: 1, retain: true, dup: false, messageId: n });
      client.send(big(1));
      expect(await client.next()).toMatchObject({ cmd: 'puback', messageId: 1 });
      expect(running.broker.heldBytes()).toBe(600);
      client.send(big(2));
      expect(await client.next()).toMatchObject({ cmd: 'disconnect', reasonCode: 0x97 });
      await client.waitClosed();
      expect(running.broker.retained().map((r) => r.topic)).toEqual(['m/1']);
    } finally {
      await running.stop();
    }
  });
});

describe('persistent_client_expiration', () => {
  it('ends an offline 3.1.1 session (clean session false, "never expires") after the configured time', async () => {
    const running = await startBroker({ persistentClientExpiration: 1 });
    try {
      const client = await RawClient.connected(running.port, 'forgetful', 4, { clean: false });
      client.send({ cmd: 'disconnect' });
      await client.waitClosed();
      expect(running.broker.clients().map((c) => c.clientId)).toEqual(['forgetful']);
      await until(() => running.broker.clients().length === 0, 5000, 'the session to expire');
      const again = await RawClient.open(running.port, 4);
      again.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'forgetful', clean: false, keepalive: 10 });
      expect(await again.next()).toMatchObject({ cmd: 'connack', sessionPresent: false });
      again.destroy();
    } finally {
      await running.stop();
    }
  });
});

describe('check_retain_source', () => {
  it("withholds a retained message whose publisher may no longer write its topic (ACL changed across a restart), unless switched off", async () => {
    const data = path.join(dir, 'retain-source');
    const acl = path.join(dir, 'retain-source.acl');
    const passwords = path.join(dir, 'retain-source.passwd');
    writeFileSync(passwords, '');
    const start = async (aclText: string, checkRetainSource: boolean) => {
      writeFileSync(acl, aclText);
      const authenticator = await createFileAuthenticator({ allowAnonymous: true, passwordFile: undefined, aclFile: acl });
      const persistence = await openPersistence(data);
      const broker = createBroker({ authenticator, persistence, checkRetainSource });
      return { broker, port: await broker.listen({ port: 0 }) };
    };
    const retainedFor = async (port: number, clientId: string): Promise<string[]> => {
      const sub = await subscriber(port, clientId, 'r/#', 1);
      const got = await drainUntilPing(sub);
      sub.destroy();
      return got.map((p) => p.payload.toString());
    };
    // alice may write r/#; anybody may read it.
    const first = await start('topic read r/#\nuser alice\ntopic readwrite r/#\n', true);
    const alice = await RawClient.connected(first.port, 'alice-client', 4, { username: 'alice' });
    alice.send({ cmd: 'publish', topic: 'r/a', payload: Buffer.from('by alice'), qos: 1, retain: true, dup: false, messageId: 1 });
    await alice.next();
    alice.destroy();
    expect(await retainedFor(first.port, 'reader-1')).toEqual(['by alice']);
    await first.broker.close();
    // Restarted with alice reading only: her retained message stays stored but is not sent.
    const second = await start('topic read r/#\nuser alice\ntopic read r/#\n', true);
    expect(second.broker.retained().map((r) => r.topic)).toEqual(['r/a']);
    expect(await retainedFor(second.port, 'reader-2')).toEqual([]);
    await second.broker.close();
    const third = await start('topic read r/#\nuser alice\ntopic read r/#\n', false);
    expect(await retainedFor(third.port, 'reader-3')).toEqual(['by alice']);
    await third.broker.close();
  });
});
