/**
 * A lean MQTT client swarm for scale runs: thousands of raw TCP connections from one
 * process, without MQTT.js. CONNECT and SUBSCRIBE bytes are generated once per client with
 * mqtt-packet and written together; replies are framed by hand and only the fixed header,
 * return codes and PUBLISH packet IDs are read. Connections are opened in bounded
 * concurrency from several 127.0.0.x source addresses (each has its own ephemeral ports),
 * so the only limits are the file-descriptor limit and the brokers under test.
 *
 * Used by the scale benchmark (test/bench/scale-bench.ts) and by the CI-sized correctness
 * test (test/broker-sidecar/scale.test.ts).
 */

import net from 'node:net';
import { generate } from 'mqtt-packet';

/** Packet types (upper nibble of the first byte). */
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const SUBACK = 9;

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

/** One received PUBLISH, as the swarm sees it. */
type PublishListener = (client: LeanClient, qos: number) => void;

/** One raw connection: frames replies, answers QoS 1 PUBLISHes with PUBACK, counts the rest. */
export class LeanClient {
  /** PUBLISHes received since the last `resetCounts()` of the swarm. */
  received = 0;
  /** PUBACKs received (publisher role). */
  pubacks = 0;
  closed = false;
  private rest: Buffer | undefined;
  private onConnack: ((code: number) => void) | undefined;
  private onSuback: ((codes: number[]) => void) | undefined;

  constructor(
    readonly socket: net.Socket,
    readonly protocolVersion: 4 | 5,
    private readonly onPublish: PublishListener,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }

  /** Writes CONNECT (and SUBSCRIBE, pipelined) and resolves on CONNACK (and SUBACK) or rejects. */
  handshake(connect: Buffer, subscribe: Buffer | undefined, timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('no CONNACK/SUBACK in time')), timeoutMs);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        this.onConnack = undefined;
        this.onSuback = undefined;
        reject(error);
      };
      const done = (): void => {
        clearTimeout(timer);
        this.socket.off('close', closedEarly);
        resolve();
      };
      const closedEarly = (): void => fail(new Error('closed during handshake'));
      this.socket.once('close', closedEarly);
      this.onConnack = (code) => {
        this.onConnack = undefined;
        if (code !== 0) return fail(new Error(`CONNACK ${code}`));
        if (!subscribe) done();
      };
      this.onSuback = (codes) => {
        this.onSuback = undefined;
        if (codes.some((c) => c >= 0x80)) return fail(new Error(`SUBACK ${codes.join(',')}`));
        done();
      };
      this.socket.write(subscribe ? Buffer.concat([connect, subscribe]) : connect);
    });
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let at = 0;
    while (buf.length - at >= 2) {
      // Remaining Length: variable byte integer of at most 4 bytes after the first byte.
      let length = 0;
      let multiplier = 1;
      let i = at + 1;
      let complete = false;
      while (i < buf.length && i < at + 5) {
        const byte = buf[i++]!;
        length += (byte & 0x7f) * multiplier;
        multiplier *= 128;
        if ((byte & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i >= at + 5) this.socket.destroy(); // not MQTT: give up on this connection
        break;
      }
      const end = i + length;
      if (end > buf.length) break;
      this.onPacket(buf[at]!, buf, i, end);
      at = end;
    }
    if (at < buf.length) this.rest = buf.subarray(at);
  }

  private onPacket(first: number, buf: Buffer, body: number, end: number): void {
    switch (first >> 4) {
      case CONNACK:
        this.onConnack?.(buf[body + 1] ?? 0xff);
        return;
      case SUBACK: {
        // 5.0 puts properties between packet ID and reason codes; the codes are the last `n` bytes.
        let codesAt = body + 2;
        if (this.protocolVersion === 5) codesAt += 1 + (buf[codesAt] ?? 0); // property length < 128 here
        this.onSuback?.([...buf.subarray(codesAt, end)]);
        return;
      }
      case PUBLISH: {
        const qos = (first >> 1) & 3;
        if (qos > 0) {
          const topicLength = buf.readUInt16BE(body);
          const idAt = body + 2 + topicLength;
          this.socket.write(Buffer.from([PUBACK << 4, 2, buf[idAt]!, buf[idAt + 1]!])); // QoS 2 is never requested
        }
        this.received++;
        this.onPublish(this, qos);
        return;
      }
      case PUBACK:
        this.pubacks++;
        return;
      default:
        return; // PINGRESP, DISCONNECT: nothing to count
    }
  }
}

/** Opens one raw connection from `localAddress` and completes CONNECT (and SUBSCRIBE). */
export async function openLean(
  port: number,
  localAddress: string,
  clientId: string,
  options: { protocolVersion?: 4 | 5; filters?: string[]; qos?: 0 | 1; keepalive?: number; timeoutMs?: number; onPublish?: PublishListener } = {},
): Promise<LeanClient> {
  const protocolVersion = options.protocolVersion ?? 4;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.setNoDelay(true);
  const client = new LeanClient(socket, protocolVersion, options.onPublish ?? (() => undefined));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('TCP connect timeout')), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const connect = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion, clientId, clean: true, keepalive: options.keepalive ?? 300 }, { protocolVersion });
    const filters = options.filters ?? [];
    const subscribe = filters.length === 0 ? undefined : generate({ cmd: 'subscribe', messageId: 1, subscriptions: filters.map((topic) => ({ topic, qos: options.qos ?? 0 })) }, { protocolVersion });
    await client.handshake(connect, subscribe, timeoutMs);
    return client;
  } catch (error) {
    socket.destroy();
    throw error;
  }
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
    const acksBefore = publisher.pubacks;
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
    while (qos > 0 && publisher.pubacks === acksBefore && Date.now() < ackDeadline) await new Promise((r) => setTimeout(r, 10));
    let receivers = 0;
    let duplicates = 0;
    for (const client of this.clients) {
      if (client.received > 0) receivers++;
      if (client.received > 1) duplicates += client.received - 1;
    }
    return { receivers, duplicates, ms, acked: qos === 0 || publisher.pubacks > acksBefore };
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
