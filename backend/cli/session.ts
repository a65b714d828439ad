/**
 * One MQTT.js connection run the way libmosquitto runs mosquitto's clients: packet IDs
 * from 1 (QoS 0 publishes use one too), `-d` lines as libmosquitto logs them, and a
 * received QoS 1/2 message handed on only after its PUBACK/PUBCOMP went out, as
 * libmosquitto does, so output and debug lines come in mosquitto's order.
 */

import { connect, MqttClient, type IClientOptions, type IPublishPacket, type Packet } from 'mqtt';
import { generate } from 'mqtt-packet';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { isTlsError, openSslError } from './loop-end';
import { describeSocketError, openSocket, type TransportTarget } from './transport';
import type { ReceivedMessage } from './sub-output';

/** What the session reports to the command that runs it. */
export interface SessionEvents {
  /** The first socket could not be opened (mosquitto's "Error: Connection refused"). */
  connectError(text: string): void;
  /** A CONNACK arrived (every connection, reconnects included). */
  connack(code: number, sessionPresent: boolean): void;
  message(message: ReceivedMessage): void;
  /** A SUBACK: its packet ID and the granted QoS / reason codes. */
  suback?(mid: number, granted: number[]): void;
  /** The connection closed; `requested` when we ended it. */
  close(requested: boolean, error: Error | undefined): void;
}

/** libmosquitto's packet IDs: one counter for everything, from 1, wrapping after 65535. */
class MidCounter {
  private last = 0;
  allocate(): number {
    this.last = this.last === 65535 ? 1 : this.last + 1;
    return this.last;
  }
  getLastAllocated(): number {
    return this.last;
  }
  register(): boolean {
    return true;
  }
  deallocate(): void {}
  /** MQTT.js clears on every CONNACK; libmosquitto keeps counting across connections. */
  clear(): void {}
}

/** A connection with mosquitto's conventions. */
export class Session {
  readonly client: MqttClient;
  readonly mids = new MidCounter();
  /** The client ID as libmosquitto names it in -d lines (updated by an assigned one). */
  private id: string;
  private everConnected = false;
  private connackSeen = false;
  private socketReady = true;
  private heldConnectLine: string | undefined;
  private ending = false;
  private lastError: Error | undefined;
  /** QoS 0 publishes: the packet IDs libmosquitto would have given them, in send order. */
  private readonly qos0Mids: number[] = [];
  /** QoS 1/2 messages waiting for their ack to be sent, by packet ID. */
  private readonly waiting = new Map<number, ReceivedMessage>();
  /** Messages whose ack is being written, handed on right after. */
  private released: ReceivedMessage[] = [];

  constructor(
    target: TransportTarget,
    options: IClientOptions,
    private readonly events: SessionEvents,
    private readonly debug: ((line: string) => void) | undefined,
  ) {
    this.id = options.clientId ?? '';
    const full: IClientOptions = { ...options, manualConnect: true, messageIdProvider: this.mids as never };
    let client: MqttClient;
    if (target.kind === 'ws' || target.kind === 'wss') {
      const url = `${target.kind}://${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}${target.socketPath ?? '/mqtt'}`;
      client = connect(url, { ...full, ...(target.tls ?? {}) } as IClientOptions);
    } else {
      client = new MqttClient(() => this.watch(openSocket(target)), full);
    }
    this.client = client;
    const internals = client as unknown as { _writePacket(packet: Packet, cb?: () => void): void };
    const write = internals._writePacket.bind(client);
    internals._writePacket = (packet, cb) => {
      write(packet, cb);
      const ready = this.released;
      this.released = [];
      for (const message of ready) if (!this.ending) this.events.message(message);
    };
    client.on('packetsend', (packet) => this.sent(packet));
    client.on('packetreceive', (packet) => this.received(packet));
    client.on('message', (_topic, _payload, packet) => this.incoming(packet));
    client.on('error', (error) => (this.lastError = error));
    client.on('close', () => {
      // A socket that never got to MQTT was reported by connectError already.
      if (!this.connackSeen && this.ending && !this.everConnected && this.lastError) return;
      this.events.close(this.ending, this.lastError);
    });
  }

  /**
   * Reports a socket error before any connection in mosquitto's words, and holds the
   * CONNECT's -d line until the socket (and TLS) is up, when libmosquitto sends it.
   */
  private watch(stream: Duplex): Duplex {
    this.socketReady = false;
    stream.once(stream instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
      this.socketReady = true;
      if (this.heldConnectLine) this.log(this.heldConnectLine);
      this.heldConnectLine = undefined;
    });
    stream.once('error', (error: NodeJS.ErrnoException) => {
      if (!this.everConnected && !this.ending) {
        this.ending = true;
        if (isTlsError(error)) {
          this.log(`OpenSSL Error[0]: ${openSslError(error)}`);
          this.events.connectError('Unable to connect (A TLS error occurred.).');
        } else this.events.connectError(describeSocketError(error));
      }
    });
    return stream;
  }

  /** Opens the connection. */
  start(): void {
    this.client.connect();
  }

  /**
   * Publishes with mosquitto's packet ID numbering; resolves when acknowledged (QoS 0:
   * written) with the packet ID and the broker's reason code (MQTT 5; 0 otherwise).
   */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1 | 2, retain: boolean, properties?: IPublishPacket['properties']): Promise<{ mid: number; reasonCode: number }> {
    const qos0Mid = qos === 0 ? this.mids.allocate() : 0;
    if (qos === 0) this.qos0Mids.push(qos0Mid);
    return new Promise((resolve, reject) => {
      this.client.publish(topic, Buffer.from(payload), { qos, retain, ...(properties ? { properties } : {}) }, (error, packet) => {
        const mid = qos === 0 ? qos0Mid : ((packet as { messageId?: number } | undefined)?.messageId ?? 0);
        // MQTT.js reports a refusing PUBACK/PUBREC as an error with the reason code.
        const code = (error as { code?: unknown } | undefined)?.code;
        if (error && typeof code !== 'number') reject(error);
        else resolve({ mid, reasonCode: typeof code === 'number' ? code : ((packet as { reasonCode?: number } | undefined)?.reasonCode ?? 0) });
      });
    });
  }

  /**
   * Sends DISCONNECT (with a reason code for MQTT 5) and closes at once, without waiting
   * for acknowledgements still due, as mosquitto_disconnect does; `force` closes without one.
   */
  end(reasonCode = 0, force = false): void {
    if (force) {
      this.ending = true;
      this.client.end(true);
      return;
    }
    if (this.ending) return;
    this.ending = true;
    const stream = (this.client as unknown as { stream?: Duplex }).stream;
    // A DISCONNECT makes sense once the broker answered the CONNECT, even with a refusal.
    if (!this.connackSeen || !stream || stream.writableEnded || stream.destroyed) return void this.client.end(true);
    // MQTT.js's end() waits for every outstanding ack before its DISCONNECT; libmosquitto
    // sends it now and closes. Tell MQTT.js we are leaving (no reconnect), then write it.
    (this.client as unknown as { disconnecting: boolean }).disconnecting = true;
    const v5 = this.client.options.protocolVersion === 5;
    this.log(`Client ${this.id || '(null)'} sending DISCONNECT`);
    stream.write(generate({ cmd: 'disconnect', ...(v5 && reasonCode ? { reasonCode } : {}) } as Packet, { protocolVersion: this.client.options.protocolVersion ?? 4 }));
    stream.end();
  }

  /** Whether end() was called (or the first connection failed). */
  get ended(): boolean {
    return this.ending;
  }

  private log(text: string): void {
    this.debug?.(text);
  }

  private sent(packet: Packet): void {
    const id = this.id || '(null)';
    switch (packet.cmd) {
      case 'connect':
        if (this.socketReady) return this.log(`Client ${id} sending CONNECT`);
        this.heldConnectLine = `Client ${id} sending CONNECT`;
        return;
      case 'subscribe': {
        for (const sub of packet.subscriptions) {
          const options = (sub.nl ? 0x04 : 0) | (sub.rap ? 0x08 : 0) | ((sub.rh ?? 0) << 4);
          this.log(`Client ${id} sending SUBSCRIBE (Mid: ${packet.messageId}, Topic: ${sub.topic}, QoS: ${sub.qos}, Options: 0x${options.toString(16).padStart(2, '0')})`);
        }
        return;
      }
      case 'unsubscribe':
        for (const topic of packet.unsubscriptions) this.log(`Client ${id} sending UNSUBSCRIBE (Mid: ${packet.messageId}, Topic: ${topic})`);
        return;
      case 'publish': {
        const mid = packet.qos === 0 ? (this.qos0Mids.shift() ?? 0) : packet.messageId;
        const topic = packet.topic === '' ? '(null)' : packet.topic;
        return this.log(`Client ${id} sending PUBLISH (d${packet.dup ? 1 : 0}, q${packet.qos}, r${packet.retain ? 1 : 0}, m${mid}, '${topic}', ... (${packet.payload.length} bytes))`);
      }
      case 'puback':
        this.log(`Client ${id} sending PUBACK (m${packet.messageId}, rc${packet.reasonCode ?? 0})`);
        return this.release(packet.messageId);
      case 'pubrec':
        return this.log(`Client ${id} sending PUBREC (m${packet.messageId}, rc${packet.reasonCode ?? 0})`);
      case 'pubrel':
        return this.log(`Client ${id} sending PUBREL (m${packet.messageId})`);
      case 'pubcomp':
        this.log(`Client ${id} sending PUBCOMP (m${packet.messageId})`);
        return this.release(packet.messageId);
      case 'pingreq':
        return this.log(`Client ${id} sending PINGREQ`);
      default:
        return;
    }
  }

  private received(packet: Packet): void {
    // After our DISCONNECT libmosquitto has closed the socket: nothing more is read.
    if (this.ending) return;
    switch (packet.cmd) {
      case 'connack': {
        const code = packet.reasonCode ?? packet.returnCode ?? 0;
        const assigned = packet.properties?.assignedClientIdentifier;
        if (assigned) this.id = assigned;
        this.log(`Client ${this.id || '(null)'} received CONNACK (${code})`);
        if (code === 0) this.everConnected = true;
        this.connackSeen = true;
        return this.events.connack(code, packet.sessionPresent);
      }
      case 'suback':
        this.log(`Client ${this.id || '(null)'} received SUBACK`);
        return this.events.suback?.(packet.messageId ?? 0, (packet.granted as Array<number | { qos: number }>).map((g) => (typeof g === 'number' ? g : g.qos)));
      case 'unsuback':
        return this.log(`Client ${this.id || '(null)'} received UNSUBACK`);
      case 'publish':
        return this.log(
          `Client ${this.id || '(null)'} received PUBLISH (d${packet.dup ? 1 : 0}, q${packet.qos}, r${packet.retain ? 1 : 0}, m${packet.messageId ?? 0}, '${packet.topic}', ... (${packet.payload.length} bytes))`,
        );
      case 'puback':
      case 'pubcomp':
        return this.log(`Client ${this.id || '(null)'} received ${packet.cmd.toUpperCase()} (Mid: ${packet.messageId}, RC:${packet.reasonCode ?? 0})`);
      case 'pubrec':
        return this.log(`Client ${this.id || '(null)'} received PUBREC (Mid: ${packet.messageId})`);
      case 'pubrel':
        return this.log(`Client ${this.id || '(null)'} received PUBREL (Mid: ${packet.messageId})`);
      case 'pingresp':
        return this.log(`Client ${this.id || '(null)'} received PINGRESP`);
      case 'disconnect':
        return this.log(`Received DISCONNECT (${packet.reasonCode ?? 0})`);
      case 'auth':
        return this.log(`Client ${this.id || '(null)'} received AUTH`);
      default:
        return;
    }
  }

  private incoming(packet: IPublishPacket): void {
    if (this.ending) return;
    const message: ReceivedMessage = {
      topic: packet.topic,
      payload: packet.payload as Uint8Array,
      qos: packet.qos,
      retain: packet.retain,
      mid: packet.qos > 0 ? (packet.messageId ?? 0) : 0,
      ...(packet.properties ? { properties: packet.properties as Record<string, unknown> } : {}),
    };
    if (packet.qos === 0) this.events.message(message);
    else this.waiting.set(message.mid, message);
  }

  private release(mid: number | undefined): void {
    if (mid === undefined) return;
    const message = this.waiting.get(mid);
    if (!message) return;
    this.waiting.delete(mid);
    // Handed on once the ack is written (MQTT.js announces a packet just before writing
    // it), so a DISCONNECT the message leads to (-C) follows the ack on the wire.
    this.released.push(message);
  }

  /** The client ID for -d lines. */
  get clientId(): string {
    return this.id;
  }

  /** Whether a CONNACK accepted a connection at least once. */
  get connected(): boolean {
    return this.everConnected;
  }
}
