/**
 * The broker bench's lean raw clients (test/bench/lean-client.ts) and its device fleet
 * (test/bench/fleet-clients.ts) are measuring instruments: if they lost or miscounted
 * messages, or left a QoS 2 flow half done, every figure of `npm run bench` would be wrong.
 * Here they run the bench's own cases, small, against our broker and against mosquitto, and
 * every message must arrive exactly once.
 */

import net from 'node:net';
import { generate, parser as mqttParser, type Packet } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLeanCase, type Qos, type Version } from '../bench/broker-bench-cases';
import { runFleetCase } from '../bench/fleet-clients';
import { startBroker, type RunningBroker } from '../helpers/broker-harness';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';

let ours: RunningBroker;
let mosquitto: Mosquitto;

beforeAll(async () => {
  ours = await startBroker();
  mosquitto = await startMosquitto(['max_inflight_messages 0', 'max_queued_messages 0']);
});
afterAll(async () => {
  await ours.stop();
  await mosquitto.stop();
});

/**
 * A deliberately wrong broker: every PUBLISH goes to the (last) subscriber twice as QoS 0,
 * except every tenth, which it drops; with `stalled`, it forwards nothing at all (a broker
 * that fell behind for good).
 */
async function startFaultyBroker(stalled = false): Promise<{ port: number; stop(): void }> {
  const sockets: net.Socket[] = [];
  let subscriber: net.Socket | undefined;
  let forwarded = 0;
  const server = net.createServer((socket) => {
    sockets.push(socket);
    const p = mqttParser({ protocolVersion: 4 });
    socket.on('data', (chunk) => p.parse(chunk));
    socket.on('error', () => undefined);
    p.on('packet', (packet: Packet) => {
      if (packet.cmd === 'connect') socket.write(generate({ cmd: 'connack', returnCode: 0, sessionPresent: false }));
      if (packet.cmd === 'subscribe') {
        subscriber = socket;
        socket.write(generate({ cmd: 'suback', messageId: packet.messageId, granted: [0] }));
      }
      if (packet.cmd === 'publish' && subscriber && !stalled && forwarded++ % 10 !== 9) {
        const copy = generate({ cmd: 'publish', topic: packet.topic, payload: packet.payload, qos: 0, dup: false, retain: false });
        subscriber.write(Buffer.concat([copy, copy]));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    stop: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

const cases: Array<[Version, Qos, number]> = [];
for (const version of [4, 5] as const) for (const qos of [0, 1, 2] as const) for (const fanout of [1, 3]) cases.push([version, qos, fanout]);

describe('bench lean clients', () => {
  let n = 0;
  it.each(cases)('deliver every message once: protocol %i, QoS %i, 1→%i, on our broker and mosquitto', async (version, qos, fanout) => {
    for (const port of [ours.port, mosquitto.port]) {
      const result = await runLeanCase({ port, version, qos, fanout, tag: `lean-${n++}`, messages: 2000, timeoutMs: 10_000 });
      expect(result.delivered).toBe(2000 * fanout);
      expect(result.expected).toBe(2000 * fanout);
      expect(result.duplicates).toBe(0);
      expect(result.rate).toBeGreaterThan(0);
      expect(result.p50).toBeGreaterThanOrEqual(0);
      expect(result.p99).toBeGreaterThanOrEqual(result.p50);
    }
  });

  it("counts a faulty broker's duplicates apart, so they cannot hide its losses", async () => {
    const faulty = await startFaultyBroker();
    try {
      const port = faulty.port;
      const result = await runLeanCase({ port, version: 4, qos: 0, fanout: 1, tag: 'faulty', messages: 1000, timeoutMs: 1000 });
      expect(result.delivered).toBe(900);
      expect(result.duplicates).toBe(900);
    } finally {
      faulty.stop();
    }
  });
});

describe('bench fleet clients', () => {
  let n = 0;
  it.each([
    [0, 'pairs'],
    [1, 'pairs'],
    [1, 'fan-in'],
  ] as const)('deliver every message once: QoS %i, %s, 20 publishers × 50/s, on our broker and mosquitto', async (qos, shape) => {
    for (const port of [ours.port, mosquitto.port]) {
      const result = await runFleetCase({ port, publishers: 20, rate: 50, qos, shape, tag: `fleet-${n++}`, warmupMs: 200, measureMs: 600, timeoutMs: 10_000, sourceAddresses: ['127.0.0.1'] });
      expect(result.sent).toBeGreaterThan(0);
      expect(result.delivered).toBe(result.sent);
      expect(result.duplicates).toBe(0);
      expect(result.reordered).toBe(0);
      expect(result.windowDeliveries).toBeGreaterThan(0);
      expect(result.p99).toBeGreaterThanOrEqual(result.p50);
      expect(result.stoppedEarly).toBeUndefined();
      expect(result.clientsBusy).toBeGreaterThan(0);
    }
  });

  it('stops sending to a broker that fell behind, and says so, instead of running its whole window', async () => {
    const stalled = await startFaultyBroker(true);
    try {
      // 10 × 50/s with at most 0.1 s of it undelivered: the run stops after about 50 messages,
      // not after the 10 minutes asked for (the test's own timeout would end it first).
      const result = await runFleetCase({ port: stalled.port, publishers: 10, rate: 50, qos: 0, shape: 'fan-in', tag: 'fleet-stalled', warmupMs: 600_000, measureMs: 600_000, timeoutMs: 10_000, sourceAddresses: ['127.0.0.1'], maxBacklogSeconds: 0.1, behindDrainMs: 100 });
      expect(result.stoppedEarly).toMatch(/^fell behind: \d+ sent and not delivered$/);
      expect(result.delivered).toBe(0);
      expect(result.sent).toBeGreaterThan(50);
      expect(result.sent).toBeLessThan(1000);
      expect(result.windowDeliveries).toBe(0);
    } finally {
      stalled.stop();
    }
  });

  it("counts a faulty broker's duplicates and losses", async () => {
    const faulty = await startFaultyBroker();
    try {
      const port = faulty.port;
      const result = await runFleetCase({ port, publishers: 10, rate: 50, qos: 0, shape: 'fan-in', tag: 'fleet-faulty', warmupMs: 100, measureMs: 400, timeoutMs: 1000, sourceAddresses: ['127.0.0.1'] });
      const dropped = Math.floor(result.sent / 10);
      expect(result.delivered).toBe(result.sent - dropped);
      expect(result.duplicates).toBe(result.sent - dropped);
    } finally {
      faulty.stop();
    }
  });
});
