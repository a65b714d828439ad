/**
 * One case of the broker bench: one publisher, `fanout` subscribers on one topic,
 * `messages` 64-byte messages each stamped with its send time, at most WINDOW unacknowledged
 * (QoS 1/2) or sent WINDOW at a time (QoS 0, waiting for 'drain' when the socket is full).
 * Throughput is deliveries per second from the first send to the last receipt; latency is
 * send → receive per delivery, so under this saturating load it includes queueing.
 *
 * Two drivers with the same shape: lean raw clients (lean-client.ts, the default), which
 * one process can run faster than any of the brokers can serve them, so the figures are the
 * broker's; and MQTT.js (BENCH_CLIENTS=mqttjs), which tops out near 100,000 deliveries/s
 * per process on this machine and then measures itself more than the broker.
 */

import { performance } from 'node:perf_hooks';
import { connectAsync, type MqttClient } from 'mqtt';
import { generate } from 'mqtt-packet';
import { openLean, type LeanClient } from './lean-client';

export const PAYLOAD_BYTES = 64;
export const WINDOW = 100;

export type Qos = 0 | 1 | 2;
export type Version = 4 | 5;

/** Figures of one case on one broker. */
export interface CaseResult {
  rate: number;
  p50: number;
  p99: number;
  /** Distinct (subscriber, message) pairs received. */
  delivered: number;
  expected: number;
  /** Copies of a message a subscriber already had: a broker fault, never counted as deliveries. */
  duplicates: number;
  /** CPU the broker process spent per delivered message, in microseconds. */
  cpuPerDelivery?: number;
}

/** What a case runs with. */
export interface CaseSpec {
  port: number;
  version: Version;
  qos: Qos;
  fanout: number;
  /** Unique per run: names the topic and the client IDs. */
  tag: string;
  messages: number;
  /** Gives up after this long and reports what arrived. */
  timeoutMs: number;
}

/** Writes the send time (performance.now(), a double) and the sequence number (u32) at the start of a payload. */
function stamp(payload: Buffer, at: number, sentAt: number, seq: number): void {
  payload.writeDoubleBE(sentAt, at);
  payload.writeUInt32BE(seq, at + 8);
}

function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Deliveries of one case: which message each subscriber got (a message carries its sequence
 * number, so a duplicate cannot make up for a loss), latencies, the last receipt, and a
 * promise that settles when all are in or time is up.
 */
class Tally {
  readonly expected: number;
  delivered = 0;
  duplicates = 0;
  private readonly latencies: Float64Array;
  /** Per subscriber, one flag per sequence number. */
  private readonly seen: Uint8Array[];
  private lastAt = 0;
  private done: () => void = () => undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Settles when every expected delivery is in, or after the case's timeout. */
  readonly finished: Promise<void>;

  constructor(spec: CaseSpec) {
    this.expected = spec.messages * spec.fanout;
    this.latencies = new Float64Array(this.expected);
    this.seen = Array.from({ length: spec.fanout }, () => new Uint8Array(spec.messages));
    this.finished = new Promise<void>((resolve) => {
      this.done = resolve;
      this.timer = setTimeout(resolve, spec.timeoutMs);
    }).finally(() => clearTimeout(this.timer));
  }

  /** Subscriber `sub` received, at `receivedAt`, the payload at `payloadAt` in `buf` (see `stamp`). */
  record(sub: number, receivedAt: number, buf: Buffer, payloadAt: number): void {
    const seq = buf.readUInt32BE(payloadAt + 8);
    const seen = this.seen[sub]!;
    if (seq >= seen.length || seen[seq] === 1) {
      this.duplicates++;
      return;
    }
    seen[seq] = 1;
    this.latencies[this.delivered++] = receivedAt - buf.readDoubleBE(payloadAt);
    this.lastAt = receivedAt;
    if (this.delivered === this.expected) this.done();
  }

  /** Throughput from `startedAt` to the last receipt, and latency percentiles. */
  result(startedAt: number): CaseResult {
    const seen = this.latencies.subarray(0, this.delivered).sort();
    const seconds = Math.max(1e-9, ((this.lastAt || performance.now()) - startedAt) / 1000);
    return { rate: this.delivered / seconds, p50: percentile(seen, 50), p99: percentile(seen, 99), delivered: this.delivered, expected: this.expected, duplicates: this.duplicates };
  }
}

/** The case with lean raw clients: the whole publish loop is a byte copy and a packet ID. */
export async function runLeanCase(spec: CaseSpec): Promise<CaseResult> {
  const { port, version, qos, fanout, tag, messages } = spec;
  const topic = `bench/${tag}`;
  const tally = new Tally(spec);
  const clients: LeanClient[] = [];
  try {
    for (let sub = 0; sub < fanout; sub++) {
      clients.push(
        await openLean(port, '127.0.0.1', `${tag}-s${sub}`, {
          protocolVersion: version,
          filters: [topic],
          qos,
          onPublish: (client, _qos, buf, payloadAt) => tally.record(sub, client.chunkAt, buf, payloadAt),
        }),
      );
    }
    // One encoded PUBLISH, copied per message; only its packet ID, send time and sequence number change.
    const template = generate({ cmd: 'publish', topic, payload: Buffer.alloc(PAYLOAD_BYTES, 0x61), qos, messageId: qos > 0 ? 1 : undefined, retain: false, dup: false }, { protocolVersion: version });
    const payloadAt = template.length - PAYLOAD_BYTES;
    const idAt = payloadAt - 2 - (version === 5 ? 1 : 0); // 5.0: an empty property block follows the ID
    let sent = 0;
    let outstanding = 0;
    let nextId = 1;
    const batch = (count: number): Buffer => {
      const out = Buffer.allocUnsafe(template.length * count);
      const now = performance.now();
      for (let i = 0; i < count; i++) {
        const at = i * template.length;
        template.copy(out, at);
        if (qos > 0) {
          out.writeUInt16BE(nextId, at + idAt);
          nextId = nextId === 0xffff ? 1 : nextId + 1;
        }
        stamp(out, at + payloadAt, now, sent + i);
      }
      sent += count;
      return out;
    };
    // QoS 1/2: keep the window full from the acknowledgements' chunks.
    const topUp = (publisher: LeanClient): void => {
      const room = Math.min(WINDOW - outstanding, messages - sent);
      if (room <= 0) return;
      outstanding += room;
      publisher.write(batch(room));
    };
    const publisher = await openLean(port, '127.0.0.1', `${tag}-p`, {
      protocolVersion: version,
      onAcked: () => outstanding--,
      afterChunk: qos > 0 ? topUp : undefined,
    });
    clients.push(publisher);
    const startedAt = performance.now();
    if (qos > 0) topUp(publisher);
    else {
      while (sent < messages && !publisher.closed) {
        const full = !publisher.write(batch(Math.min(WINDOW, messages - sent)));
        await new Promise<void>((resolve) => (full ? publisher.socket.once('drain', resolve) : setImmediate(resolve)));
      }
    }
    await tally.finished;
    return tally.result(startedAt);
  } finally {
    for (const client of clients) client.destroy();
  }
}

function mqttjsClient(port: number, clientId: string, protocolVersion: Version): Promise<MqttClient> {
  const connecting = connectAsync(`mqtt://127.0.0.1:${port}`, { clientId, protocolVersion, clean: true, reconnectPeriod: 0, connectTimeout: 3000 });
  return Promise.race([connecting, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('connect timeout')), 4000))]);
}

/** The case with MQTT.js clients, all in this process. */
export async function runMqttjsCase(spec: CaseSpec): Promise<CaseResult> {
  const { port, version, qos, fanout, tag, messages } = spec;
  const topic = `bench/${tag}`;
  const tally = new Tally(spec);
  const clients: MqttClient[] = [];
  try {
    for (let sub = 0; sub < fanout; sub++) {
      const client = await mqttjsClient(port, `${tag}-s${sub}`, version);
      clients.push(client);
      await client.subscribeAsync(topic, { qos });
      client.on('message', (_t, payload) => tally.record(sub, performance.now(), payload, 0));
    }
    const pub = await mqttjsClient(port, `${tag}-p`, version);
    clients.push(pub);
    const startedAt = performance.now();
    let outstanding = 0;
    let wake: () => void = () => undefined;
    for (let i = 0; i < messages; i++) {
      const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);
      stamp(payload, 0, performance.now(), i);
      if (qos === 0) {
        pub.publish(topic, payload, { qos });
        if (i % WINDOW === WINDOW - 1) await new Promise((r) => setImmediate(r));
        continue;
      }
      while (outstanding >= WINDOW) await new Promise<void>((r) => (wake = r));
      outstanding++;
      pub.publish(topic, payload, { qos }, () => {
        outstanding--;
        wake();
      });
    }
    await tally.finished;
    return tally.result(startedAt);
  } finally {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
  }
}
