/**
 * Test helpers for the sidecar broker: start it in-process on a free loopback port, talk
 * to it with MQTT.js or with a raw socket that writes exact bytes and decodes replies.
 */

import net from 'node:net';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { generate, parser as createParser, type IConnectPacket, type IPublishPacket, type Packet } from 'mqtt-packet';
import { createBroker, type Broker } from '../../broker-sidecar/broker';
import type { BrokerOptions } from '../../broker-sidecar/options';

/** A broker listening on 127.0.0.1 for one test file. */
export interface RunningBroker {
  broker: Broker;
  port: number;
  stop(): Promise<void>;
}

/** Starts a broker on a free port. */
export async function startBroker(options: BrokerOptions = {}): Promise<RunningBroker> {
  const broker = createBroker(options);
  const port = await broker.listen({ port: 0, host: '127.0.0.1' });
  return { broker, port, stop: () => broker.close() };
}

/** Rejects after `ms` with a message naming what was awaited. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Timed out after ${ms} ms waiting for ${what}`)), ms);
    }),
  ]);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Connects MQTT.js without reconnects (a test must see a refused or dropped connection). */
export async function mqttClient(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  return withTimeout(
    connectAsync(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 0, connectTimeout: 3000, ...options }),
    4000,
    'MQTT.js connect',
  );
}

/** Ends MQTT.js clients, forcing if they hang. */
export async function endAll(...clients: Array<MqttClient | undefined>): Promise<void> {
  await Promise.all(clients.map((c) => (c ? withTimeout(c.endAsync(true), 2000, 'client end').catch(() => undefined) : undefined)));
}

/** A received application message, as collected by `collect`. */
export interface Received {
  topic: string;
  payload: string;
  packet: IPublishPacket;
}

/** What `collect` returns. */
export interface Inbox {
  /** Every message received, markers included, in arrival order. */
  messages: Received[];
  /** Waits until at least `n` messages arrived (markers count). */
  waitFor(n: number, ms?: number): Promise<Received[]>;
  /**
   * Proves absence by ordering, not by waiting: waits for the next marker (a message on the
   * topic `marker`, or one the predicate matches) and returns the messages that arrived
   * after the previous marker (or the start) and before this one. Publish the marker after
   * the action, from the connection that acted (or after its acknowledgement), to a topic
   * the receiver is subscribed to.
   */
  until(marker: string | ((message: Received) => boolean), ms?: number): Promise<Received[]>;
}

/** Collects every message a client receives. */
export function collect(client: MqttClient): Inbox {
  const messages: Received[] = [];
  const waiters: Array<() => void> = [];
  let cursor = 0;
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), packet });
    for (const w of waiters.splice(0)) w();
  });
  const arrival = (): Promise<void> => new Promise<void>((resolve) => waiters.push(resolve));
  return {
    messages,
    waitFor(n, ms = 3000) {
      const reached = async (): Promise<Received[]> => {
        while (messages.length < n) await arrival();
        return messages;
      };
      return withTimeout(reached(), ms, `${n} message(s), got ${messages.length}`);
    },
    until(marker, ms = 3000) {
      const isMarker = typeof marker === 'string' ? (m: Received) => m.topic === marker : marker;
      const found = async (): Promise<Received[]> => {
        for (let i = cursor; ; i++) {
          while (i >= messages.length) await arrival();
          if (!isMarker(messages[i]!)) continue;
          const before = messages.slice(cursor, i);
          cursor = i + 1;
          return before;
        }
      };
      return withTimeout(found(), ms, typeof marker === 'string' ? `the marker on '${marker}'` : 'the marker');
    },
  };
}

/**
 * Proves absence by ordering for MQTT.js clients: `sender` publishes a QoS 0 marker to
 * `topic`, which the inbox's client subscribes to, and what the inbox got before the marker
 * is returned (see `Inbox.until`). With the subscriber as sender, everything its own earlier
 * packets caused (retained messages after a SUBACK) comes first.
 */
export async function untilMarker(sender: MqttClient, inbox: Inbox, topic: string): Promise<Received[]> {
  await sender.publishAsync(topic, 'marker', { qos: 0 });
  return inbox.until(topic);
}

/** A frame the raw client could not decode, kept so that garbage never looks like silence. */
export interface Undecodable {
  bytes: Buffer;
  error: string;
}

/** Matches a PUBLISH on `topic`: a control-topic marker for `RawClient.until`. */
export function publishOn(topic: string): (packet: Packet) => boolean {
  return (packet) => packet.cmd === 'publish' && packet.topic === topic;
}

/**
 * A raw TCP client: writes exact bytes or packets and decodes what the broker sends with
 * mqtt-packet, keeping the raw bytes too so tests can assert on them. It cuts frames itself
 * (fixed header and Remaining Length), so a frame mqtt-packet cannot decode is kept in
 * `undecodable` and makes `next` and `until` fail instead of passing for silence.
 */
export class RawClient {
  /** Every chunk received, in order. */
  readonly received: Buffer[] = [];
  /** Decoded packets not yet taken by `next` or `until`, in arrival order. */
  readonly packets: Packet[] = [];
  /** Frames that did not decode, and bytes left over when the socket closed. */
  readonly undecodable: Undecodable[] = [];
  /** Bytes received so far, decoded or not. */
  byteCount = 0;
  private reported = 0;
  private pending: Buffer = Buffer.alloc(0);
  private readonly waiters: Array<() => void> = [];
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: net.Socket,
    private version: 3 | 4 | 5,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.byteCount += chunk.length;
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      this.cutFrames();
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        if (this.pending.length > 0) this.undecodable.push({ bytes: this.pending, error: 'incomplete frame when the socket closed' });
        this.pending = Buffer.alloc(0);
        this.closedFlag = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Opens a socket; `version` picks how replies are decoded. */
  static async open(port: number, version: 3 | 4 | 5 = 4): Promise<RawClient> {
    const socket = net.connect(port, '127.0.0.1');
    await withTimeout(new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)), 2000, 'raw connect');
    socket.setNoDelay(true);
    return new RawClient(socket, version);
  }

  /** Opens a socket and completes a CONNECT/CONNACK exchange. */
  static async connected(port: number, clientId: string, version: 3 | 4 | 5 = 4, extra: Partial<IConnectPacket> = {}): Promise<RawClient> {
    const client = await RawClient.open(port, version);
    client.send({ cmd: 'connect', clientId, protocolVersion: version, protocolId: version === 3 ? 'MQIsdp' : 'MQTT', clean: true, keepalive: 10, ...extra });
    const connack = await client.next();
    if (connack.cmd !== 'connack' || (connack.returnCode ?? connack.reasonCode ?? 0) !== 0) throw new Error(`CONNECT refused: ${JSON.stringify(connack)}`);
    return client;
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  /** All bytes received so far, concatenated. */
  bytes(): Buffer {
    return Buffer.concat(this.received);
  }

  write(bytes: Buffer | number[]): void {
    this.socket.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  send(packet: Packet): void {
    this.write(generate(packet, { protocolVersion: this.version }));
  }

  /** The next decoded packet (in arrival order); rejects on timeout, close, or bytes that did not decode. */
  async next(ms = 2000): Promise<Packet> {
    const wait = async (): Promise<Packet> => {
      while (this.packets.length === 0) {
        this.throwIfUndecodable();
        if (this.closedFlag) throw new Error('socket closed before a packet arrived');
        await this.arrival();
      }
      return this.packets.shift()!;
    };
    return withTimeout(wait(), ms, 'a packet from the broker');
  }

  /**
   * Proves absence by ordering, not by waiting: waits for the first packet `isMarker`
   * matches, takes it and everything before it off the queue, and returns the packets
   * before it. Rejects if bytes that did not decode arrived, or the socket closed first.
   */
  async until(isMarker: (packet: Packet) => boolean, ms = 2000, what = 'the marker'): Promise<Packet[]> {
    const wait = async (): Promise<Packet[]> => {
      for (;;) {
        this.throwIfUndecodable();
        const at = this.packets.findIndex(isMarker);
        if (at >= 0) return this.packets.splice(0, at + 1).slice(0, at);
        if (this.closedFlag) throw new Error(`socket closed before ${what}; got ${JSON.stringify(this.packets.map((p) => p.cmd))}`);
        await this.arrival();
      }
    };
    return withTimeout(wait(), ms, what);
  }

  /**
   * Sends PINGREQ and returns what the broker sent before its PINGRESP. The broker answers
   * a connection's packets in order, so anything this connection's earlier packets caused,
   * or that was queued for it before the PINGREQ was read, comes first.
   */
  beforePingresp(ms = 2000): Promise<Packet[]> {
    this.write([0xc0, 0x00]);
    return this.until((p) => p.cmd === 'pingresp', ms, 'PINGRESP');
  }

  /** Resolves when the broker closes the socket. */
  waitClosed(ms = 2000): Promise<void> {
    return withTimeout(this.closed, ms, 'the broker to close the socket');
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Cuts whole frames off `pending` (fixed header, Remaining Length) and decodes each on its own. */
  private cutFrames(): void {
    for (;;) {
      const buf = this.pending;
      if (buf.length < 2) return;
      let length = 0;
      let at = 1;
      for (let multiplier = 1; ; multiplier *= 128) {
        if (at > 4) {
          this.undecodable.push({ bytes: buf, error: 'Remaining Length longer than 4 bytes' });
          this.pending = Buffer.alloc(0);
          return;
        }
        if (at >= buf.length) return; // Remaining Length not complete yet
        const byte = buf[at++]!;
        length += (byte & 0x7f) * multiplier;
        if ((byte & 0x80) === 0) break;
      }
      if (buf.length < at + length) return;
      this.decode(buf.subarray(0, at + length));
      this.pending = buf.subarray(at + length);
    }
  }

  private decode(frame: Buffer): void {
    const parser = createParser({ protocolVersion: this.version });
    let packet: Packet | undefined;
    let error: string | undefined;
    parser.on('packet', (p: Packet) => (packet = p));
    parser.on('error', (e: Error) => (error = e.message));
    const left = parser.parse(frame);
    if (packet && !error && left === 0) this.packets.push(packet);
    else this.undecodable.push({ bytes: Buffer.from(frame), error: error ?? 'mqtt-packet did not decode it' });
  }

  private throwIfUndecodable(): void {
    if (this.undecodable.length === this.reported) return;
    const frame = this.undecodable[this.reported++]!;
    throw new Error(`the broker sent bytes that do not decode (${frame.error}): ${frame.bytes.toString('hex')}`);
  }

  private arrival(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
