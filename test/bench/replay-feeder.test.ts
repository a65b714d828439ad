/**
 * The ingest bench's replay feeder (test/bench/replay-feeder.ts): its pool decodes with
 * mqtt-packet as the fleet publisher's messages, and a real MQTT.js client of each protocol
 * version receives every message, in order, then the marker.
 */

import { connectAsync, type IClientOptions } from 'mqtt';
import { parser as packetParser, type IPublishPacket, type Packet } from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { PAYLOAD_KINDS, topicName } from './fleet-publisher';
import { encodePool, poolSize, REPLAY_MARKER_TOPIC, startReplayServer, type ReplayPlan, type ReplayServer } from './replay-feeder';

/** Every packet of `bytes`, parsed by mqtt-packet for `protocolVersion`. */
function decodeAll(bytes: Buffer, protocolVersion: number): Packet[] {
  const parser = packetParser({ protocolVersion });
  const packets: Packet[] = [];
  const errors: Error[] = [];
  parser.on('packet', (p: Packet) => packets.push(p));
  parser.on('error', (e: Error) => errors.push(e));
  parser.parse(bytes);
  expect(errors).toEqual([]);
  return packets;
}

describe('poolSize', () => {
  it.each([
    { plan: { topics: 10_000, payloadKind: 'json', payloadBytes: 100, messages: 200_000 }, size: 20_000 },
    { plan: { topics: 1, payloadKind: 'json', payloadBytes: 100, messages: 200_000 }, size: 20_000 },
    { plan: { topics: 30_000, payloadKind: 'json', payloadBytes: 100, messages: 200_000 }, size: 30_000 },
    { plan: { topics: 3, payloadKind: 'json', payloadBytes: 100, messages: 50 }, size: 50 },
    { plan: { topics: 100, payloadKind: 'sparkplug', payloadBytes: 0, messages: 200_000 }, size: 25_600 },
    { plan: { topics: 10_000, payloadKind: 'sparkplug', payloadBytes: 0, messages: 2_000_000 }, size: 262_144 },
  ])('$plan.topics topics of $plan.payloadKind, $plan.messages messages: $size', ({ plan, size }) => {
    expect(poolSize(plan)).toBe(size);
  });
});

describe('encodePool', () => {
  it.each([
    { kind: 'json', version: 4 },
    { kind: 'json', version: 5 },
    { kind: 'sparkplug', version: 4 },
    { kind: 'binary', version: 5 },
  ])('$kind for protocol $version: QoS 0 PUBLISHes of the fleet, one per offset', ({ kind, version }) => {
    const plan: ReplayPlan = { topics: 7, payloadKind: kind, payloadBytes: 100, messages: 40 };
    const pool = encodePool(plan, version);
    const packets = decodeAll(pool.bytes, version) as IPublishPacket[];
    expect(packets.length).toBe(poolSize(plan));
    expect(pool.offsets.length).toBe(packets.length + 1);
    expect(pool.offsets.at(-1)).toBe(pool.bytes.length);
    const topic = (i: number) => (PAYLOAD_KINDS[kind]!.topic ? PAYLOAD_KINDS[kind]!.topic(i) : topicName('fleet', i));
    packets.forEach((packet, n) => {
      expect(packet).toMatchObject({ cmd: 'publish', qos: 0, retain: false, dup: false, topic: topic(n % plan.topics) });
      // Each offset starts its own packet: the bytes between two offsets are exactly one PUBLISH.
      expect(decodeAll(pool.bytes.subarray(pool.offsets[n]!, pool.offsets[n + 1]!), version)).toHaveLength(1);
      // Sparkplug payloads carry the time of encoding; the others are the publisher's bytes.
      if (kind !== 'sparkplug') expect(Buffer.from(packet.payload as Buffer).equals(PAYLOAD_KINDS[kind]!.payload(n, n % plan.topics, plan.topics, plan.payloadBytes))).toBe(true);
    });
  });
});

describe('startReplayServer', () => {
  let server: ReplayServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each([
    { version: 3, writeBytes: undefined },
    { version: 4, writeBytes: undefined },
    { version: 5, writeBytes: undefined },
    { version: 4, writeBytes: 0 },
  ] as const)('feeds a real MQTT.js client of protocol $version every message in order, then the marker (writes of $writeBytes bytes)', async ({ version, writeBytes }) => {
    // More messages than the pool holds, so the feeder cycles through it.
    const plan: ReplayPlan = { topics: 50, payloadKind: 'json', payloadBytes: 100, messages: 45_000, writeBytes };
    server = await startReplayServer(plan);
    const fed = new Promise<{ messages: number }>((resolve) => (server!.onFed = resolve));
    const options: IClientOptions = { protocolVersion: version, ...(version === 3 ? { protocolId: 'MQIsdp' } : {}), reconnectPeriod: 0 };
    const client = await connectAsync(`mqtt://127.0.0.1:${server.port}`, options);
    try {
      const topics: string[] = [];
      let marker: string | undefined;
      const done = new Promise<void>((resolve) =>
        client.on('message', (topic, payload) => {
          if (topic === REPLAY_MARKER_TOPIC) {
            marker = payload.toString();
            resolve();
          } else topics.push(topic);
        }),
      );
      const granted = await client.subscribeAsync('flood/#', { qos: 0 });
      expect(granted.map((g) => g.qos)).toEqual([0]);
      await done;
      expect(await fed).toMatchObject({ messages: plan.messages });
      expect(marker).toBe(String(plan.messages));
      expect(topics.length).toBe(plan.messages);
      const firstWrong = topics.findIndex((topic, n) => topic !== topicName('fleet', n % plan.topics));
      expect(firstWrong).toBe(-1);
    } finally {
      await client.endAsync();
    }
  });
});
