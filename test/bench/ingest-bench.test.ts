/**
 * The ingest bench's subscribers (test/bench/ingest-bench.ts) against the replay feeder:
 * every message counted, however the feeder's writes fall into the subscriber's reads.
 */

import { afterEach, describe, expect, it } from 'vitest';
import { bareSubscriber } from './ingest-bench';
import { startReplayServer, type ReplayServer } from './replay-feeder';

let server: ReplayServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the bare MQTT.js subscriber', () => {
  it.each([
    // 10,000 Sparkplug births (about 2 MB) right behind the SUBACK: the first read holds the SUBACK and hundreds of them.
    { kind: 'sparkplug', topics: 10_000, messages: 2_000, births: 10_000 },
    { kind: 'json', topics: 1_000, messages: 20_000, births: 0 },
  ])('counts every message of $kind over $topics topics, births and marker included', async ({ kind, topics, messages, births }) => {
    server = await startReplayServer({ topics, payloadKind: kind, payloadBytes: 100, messages });
    const fed = new Promise<{ messages: number }>((resolve) => (server!.onFed = resolve));
    let received = 0;
    const expected = births + messages + 1; // the marker too
    const sub = await bareSubscriber(server.port, kind === 'sparkplug' ? 'spBv1.0/#' : '#', (count) => (received += count));
    try {
      expect((await fed).messages).toBe(messages);
      for (let i = 0; i < 500 && received < expected; i++) await new Promise((r) => setTimeout(r, 10));
      expect(received).toBe(expected);
    } finally {
      await sub.stop();
    }
  });
});
