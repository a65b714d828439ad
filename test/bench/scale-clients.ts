/**
 * A lean MQTT client swarm for scale runs: thousands of raw TCP connections from one
 * process, without MQTT.js (each a LeanClient, lean-client.ts). Connections are opened in bounded
 * concurrency from several 127.0.0.x source addresses (each has its own ephemeral ports),
 * so the only limits are the file-descriptor limit and the brokers under test.
 *
 * Used by the scale benchmark (test/bench/scale-bench.ts) and by the CI-sized correctness
 * test (test/broker-sidecar/scale.test.ts).
 */

import { generate } from 'mqtt-packet';
import { openLean, type LeanClient, type PublishListener } from './lean-client';

/** How to open the swarm. */
export interface SwarmOptions {
  port: number;
  /** Number of subscribing connections. */
  count: number;
  /** Source addresses, used round-robin (127.0.0.x). */
  sourceAddresses: string[];
  /** Filters every client subscribes to, in one SUBSCRIBE. */
  filters: string[];
  /** Requested QoS of every filter. */
  qos: 0 | 1;
  /** Client IDs are `${prefix}${index}`. */
  clientIdPrefix: string;
  /** Protocol version of client i (3.1.1 unless told). */
  protocolVersionOf?: (index: number) => 4 | 5;
  /** Connections being opened at the same time. Default 100. */
  concurrency?: number;
  /** Per connection, from connect() to SUBACK. Default 10 s. */
  timeoutMs?: number;
  /** Keepalive sent in CONNECT. Default 300 s: idle for the whole run without PINGREQs. */
  keepalive?: number;
}

/** Result of one broadcast. */
export interface BroadcastResult {
  /** Clients that received at least one copy. */
  receivers: number;
  /** Copies beyond the first, summed over clients (must be 0). */
  duplicates: number;
  /** From the PUBLISH write to the last subscriber's receipt. */
  ms: number;
  /** The publisher's PUBACK arrived (QoS 1 only; true for QoS 0). */
  acked: boolean;
}

/** Many subscribed connections plus the bookkeeping to check a broadcast reached each once. */
export class Swarm {
  readonly clients: LeanClient[] = [];
  /** Failed connection attempts, by error message. */
  readonly failures = new Map<string, number>();
  /** Wall time of opening every connection (connect + CONNACK + SUBACK). */
  openMs = 0;
  private firstCopies = 0;
  private lastReceiptAt = 0n;
  private waiter: (() => void) | undefined;

  private constructor() {}

  /** Opens `count` connections, `concurrency` at a time; failures are counted, not thrown. */
  static async open(options: SwarmOptions): Promise<Swarm> {
    const swarm = new Swarm();
    const concurrency = Math.max(1, Math.min(options.concurrency ?? 100, options.count));
    const onPublish: PublishListener = (client) => {
      if (client.received === 1) swarm.firstCopies++;
      swarm.lastReceiptAt = process.hrtime.bigint();
      swarm.waiter?.();
    };
    let next = 0;
    const started = process.hrtime.bigint();
    const worker = async (): Promise<void> => {
      while (next < options.count) {
        const index = next++;
        const localAddress = options.sourceAddresses[index % options.sourceAddresses.length]!;
        try {
          const client = await openLean(options.port, localAddress, `${options.clientIdPrefix}${index}`, {
            protocolVersion: options.protocolVersionOf?.(index) ?? 4,
            filters: options.filters,
            qos: options.qos,
            keepalive: options.keepalive,
            timeoutMs: options.timeoutMs,
            onPublish,
          });
          swarm.clients.push(client);
        } catch (error) {
          const message = (error as Error).message;
          swarm.failures.set(message, (swarm.failures.get(message) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    swarm.openMs = Number(process.hrtime.bigint() - started) / 1e6;
    return swarm;
  }

  /** Connections that completed CONNECT and SUBSCRIBE and are still open. */
  get established(): number {
    return this.clients.filter((c) => !c.closed).length;
  }

  /**
   * Publishes one message through `publisher` and waits until every open client has a copy
   * (or `timeoutMs`), then `settleMs` more to catch duplicates.
   */
  async broadcast(publisher: LeanClient, topic: string, qos: 0 | 1, timeoutMs: number, settleMs = 200): Promise<BroadcastResult> {
    for (const client of this.clients) client.received = 0;
    this.firstCopies = 0;
    const target = this.established;
    const acksBefore = publisher.acked;
    const bytes = generate({ cmd: 'publish', topic, payload: Buffer.from('broadcast'), qos, messageId: qos > 0 ? 1 : undefined, retain: false, dup: false }, { protocolVersion: publisher.protocolVersion });
    const started = process.hrtime.bigint();
    this.lastReceiptAt = started;
    publisher.write(bytes);
    const deadline = Date.now() + timeoutMs;
    while (this.firstCopies < target && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiter = () => {
          if (this.firstCopies < target) return;
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.waiter = undefined;
    const ms = Number(this.lastReceiptAt - started) / 1e6;
    // Let late copies and the publisher's PUBACK arrive.
    const ackDeadline = Date.now() + Math.max(settleMs, qos > 0 ? 2000 : 0);
    await new Promise((r) => setTimeout(r, settleMs));
    while (qos > 0 && publisher.acked === acksBefore && Date.now() < ackDeadline) await new Promise((r) => setTimeout(r, 10));
    let receivers = 0;
    let duplicates = 0;
    for (const client of this.clients) {
      if (client.received > 0) receivers++;
      if (client.received > 1) duplicates += client.received - 1;
    }
    return { receivers, duplicates, ms, acked: qos === 0 || publisher.acked > acksBefore };
  }

  /** Closes every connection. */
  destroy(): void {
    for (const client of this.clients) client.destroy();
  }
}

/** `count` source addresses 127.0.0.2 … 127.0.0.(count + 1). */
export function loopbackSources(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `127.0.0.${i + 2}`);
}
