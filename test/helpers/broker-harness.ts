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

/** Collects every message a client receives; `next(n)` waits until at least n arrived. */
export function collect(client: MqttClient): { messages: Received[]; waitFor(n: number, ms?: number): Promise<Received[]> } {
  const messages: Received[] = [];
  const waiters: Array<() => void> = [];
  client.on('message', (topic, payload, packet) => {
    messages.push({ topic, payload: payload.toString(), packet });
    for (const w of waiters.splice(0)) w();
  });
  return {
    messages,
    waitFor(n, ms = 3000) {
      const reached = async (): Promise<Received[]> => {
        while (messages.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
        return messages;
      };
      return withTimeout(reached(), ms, `${n} message(s), got ${messages.length}`);
    },
  };
}

/**
 * A raw TCP client: writes exact bytes or packets and decodes what the broker sends with
 * mqtt-packet, keeping the raw bytes too so tests can assert on them.
 */
export class RawClient {
  readonly received: Buffer[] = [];
  readonly packets: Packet[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly parser;
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(
    readonly socket: net.Socket,
    private version: 3 | 4 | 5,
  ) {
    this.parser = createParser({ protocolVersion: version });
    this.parser.on('packet', (packet: Packet) => {
      this.packets.push(packet);
      this.wake();
    });
    this.parser.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      this.received.push(chunk);
      this.parser.parse(chunk);
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
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

  /** The next decoded packet (in arrival order); rejects on timeout or close. */
  async next(ms = 2000): Promise<Packet> {
    const wait = async (): Promise<Packet> => {
      while (this.packets.length === 0) {
        if (this.closedFlag) throw new Error('socket closed before a packet arrived');
        await new Promise<void>((resolve) => this.waiters.push(resolve));
      }
      return this.packets.shift()!;
    };
    return withTimeout(wait(), ms, 'a packet from the broker');
  }

  /** Resolves when the broker closes the socket. */
  waitClosed(ms = 2000): Promise<void> {
    return withTimeout(this.closed, ms, 'the broker to close the socket');
  }

  /** Resolves true if nothing arrives for `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    const before = this.packets.length;
    await sleep(ms);
    return this.packets.length === before;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
