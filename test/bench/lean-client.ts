/**
 * A raw MQTT client for load generation, without MQTT.js: CONNECT and SUBSCRIBE bytes come
 * from mqtt-packet once per client, replies are framed by hand and only what a load test
 * needs is read (fixed header, CONNACK/SUBACK codes, packet IDs, the payload's offset).
 *
 * It completes QoS 1 and QoS 2 flows in both roles — PUBACK or PUBREC → PUBCOMP for a
 * PUBLISH it receives, PUBREL for a PUBREC it receives — and writes all the replies one
 * chunk of input calls for in a single write, so one process can drive a broker harder
 * than the broker can go. Used by the broker bench (broker-bench.ts), the scale bench
 * (scale-clients.ts) and the scale test.
 */

import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { generate } from 'mqtt-packet';

/** Packet types (upper nibble of the first byte). */
const CONNACK = 2;
const PUBLISH = 3;
const PUBACK = 4;
const PUBREC = 5;
const PUBREL = 6;
const PUBCOMP = 7;
const SUBACK = 9;

/** First bytes of the replies this client writes; PUBREL has its reserved flags 0b0010 [MQTT-3.6.1-1]. */
const REPLY_FIRST_BYTE = { puback: PUBACK << 4, pubrec: PUBREC << 4, pubrel: (PUBREL << 4) | 2, pubcomp: PUBCOMP << 4 } as const;

/**
 * A PUBLISH arrived. `payloadAt`/`end` delimit its payload in `buf` (valid only during the
 * call); `client.chunkAt` is when the chunk holding it was read (performance.now()).
 */
export type PublishListener = (client: LeanClient, qos: number, buf: Buffer, payloadAt: number, end: number) => void;

/** Callbacks of one connection. */
export interface LeanHandlers {
  onPublish?: PublishListener;
  /** A QoS 1 or 2 publish of ours is complete: PUBACK or PUBCOMP arrived. */
  onAcked?: (client: LeanClient) => void;
  /** Every packet of a chunk has been handled and its replies written. */
  afterChunk?: (client: LeanClient) => void;
}

/** One raw connection. */
export class LeanClient {
  /** PUBLISHes received since the count was last reset. */
  received = 0;
  /** Our QoS 1/2 publishes completed (PUBACK or PUBCOMP). */
  acked = 0;
  closed = false;
  /** performance.now() when the chunk being handled was read. */
  chunkAt = 0;
  private rest: Buffer | undefined;
  private replies: Buffer | undefined;
  private repliesLength = 0;
  private onConnack: ((code: number) => void) | undefined;
  private onSuback: ((codes: number[]) => void) | undefined;

  constructor(
    readonly socket: net.Socket,
    readonly protocolVersion: 4 | 5,
    private readonly handlers: LeanHandlers = {},
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

  /** Writes bytes as they are; false when the socket's buffer is full (wait for 'drain'). */
  write(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.chunkAt = performance.now();
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
    if (at < buf.length) this.rest = Buffer.from(buf.subarray(at));
    if (this.repliesLength > 0) {
      this.socket.write(this.replies!.subarray(0, this.repliesLength));
      this.replies = undefined;
      this.repliesLength = 0;
    }
    this.handlers.afterChunk?.(this);
  }

  /** Queues a 4-byte ack (type + packet ID) for the write at the end of the chunk. */
  private reply(firstByte: number, buf: Buffer, idAt: number): void {
    // A fresh buffer per chunk: the socket keeps the one it was given until it is sent.
    this.replies ??= Buffer.allocUnsafe(4096);
    if (this.repliesLength + 4 > this.replies.length) {
      const bigger = Buffer.allocUnsafe(this.replies.length * 2);
      this.replies.copy(bigger, 0, 0, this.repliesLength);
      this.replies = bigger;
    }
    const r = this.replies;
    const n = this.repliesLength;
    r[n] = firstByte;
    r[n + 1] = 2;
    r[n + 2] = buf[idAt]!;
    r[n + 3] = buf[idAt + 1]!;
    this.repliesLength = n + 4;
  }

  private onPacket(first: number, buf: Buffer, body: number, end: number): void {
    switch (first >> 4) {
      case PUBLISH: {
        const qos = (first >> 1) & 3;
        let at = body + 2 + buf.readUInt16BE(body);
        const idAt = at;
        if (qos > 0) {
          at += 2;
          this.reply(qos === 1 ? REPLY_FIRST_BYTE.puback : REPLY_FIRST_BYTE.pubrec, buf, idAt);
        }
        if (this.protocolVersion === 5) at = skipProperties(buf, at);
        this.received++;
        this.handlers.onPublish?.(this, qos, buf, at, end);
        return;
      }
      case PUBREC:
        this.reply(REPLY_FIRST_BYTE.pubrel, buf, body);
        return;
      case PUBREL:
        this.reply(REPLY_FIRST_BYTE.pubcomp, buf, body);
        return;
      case PUBACK:
      case PUBCOMP:
        this.acked++;
        this.handlers.onAcked?.(this);
        return;
      case CONNACK:
        this.onConnack?.(buf[body + 1] ?? 0xff);
        return;
      case SUBACK: {
        // 5.0 puts properties between packet ID and reason codes; the codes are the rest.
        const codesAt = this.protocolVersion === 5 ? skipProperties(buf, body + 2) : body + 2;
        this.onSuback?.([...buf.subarray(codesAt, end)]);
        return;
      }
      default:
        return; // PINGRESP, DISCONNECT: nothing to count
    }
  }
}

/** Offset just past a 5.0 property block (a variable byte integer length, then that many bytes). */
function skipProperties(buf: Buffer, at: number): number {
  let length = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    const byte = buf[at++]!;
    length += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
  }
  return at + length;
}

/** Options of one connection. */
export interface OpenLeanOptions extends LeanHandlers {
  protocolVersion?: 4 | 5;
  /** Filters to subscribe to, all in one SUBSCRIBE pipelined after CONNECT. */
  filters?: string[];
  /** Requested QoS of every filter. */
  qos?: 0 | 1 | 2;
  /** Keepalive sent in CONNECT. Default 300 s: idle through a whole run without PINGREQs. */
  keepalive?: number;
  /** From connect() to CONNACK (and SUBACK). Default 10 s. */
  timeoutMs?: number;
}

/** Opens one raw connection from `localAddress` and completes CONNECT (and SUBSCRIBE). */
export async function openLean(port: number, localAddress: string, clientId: string, options: OpenLeanOptions = {}): Promise<LeanClient> {
  const protocolVersion = options.protocolVersion ?? 4;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.setNoDelay(true);
  const client = new LeanClient(socket, protocolVersion, options);
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
