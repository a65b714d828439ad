/**
 * One client connection over any duplex byte stream (TCP today; TLS and WebSocket streams
 * later). Owns framing, decoding, the single write path with backpressure, the CONNECT
 * and keepalive timers, and the close path. Protocol decisions live in the handlers.
 */

import type { Duplex } from 'node:stream';
import { generate, parser as createParser, type Packet, type Parser } from 'mqtt-packet';
import type { BrokerContext } from './broker-context';
import { transition, type ConnectionEvent, type ConnectionState } from './connection-state';
import { dispatch } from './dispatcher';
import { Framer } from './framer';
import { findInvalidUtf8, inspectConnect } from './raw-checks';
import { ConnackV3, Reason } from './reason-codes';
import type { Outlet } from './router';
import type { ProtocolVersion } from './types';

/** How long a closing socket may take to flush before it is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** A client connection. */
export class Connection implements Outlet {
  private stateValue: ConnectionState = { kind: 'awaiting-connect' };
  /** Codec setting, learned from the CONNECT before it is decoded; not a state flag. */
  protocolVersion: ProtocolVersion = 4;
  /** QoS 0 PUBLISHes dropped because the socket stayed full. */
  droppedQos0 = 0;

  private readonly framer: Framer;
  private readonly parser: Parser;
  private decoded: Packet | undefined;
  private decodeError: Error | undefined;
  /** A handler is still working (async auth); frames wait in the framer, in order. */
  private busy = false;
  private readonly pendingWrites: Buffer[] = [];
  private pendingBytes = 0;
  private writeBlocked = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private keepaliveLimitMs = 0;
  private lastPacketAt = Date.now();

  /**
   * @param broker the broker services this connection may use
   * @param stream the byte stream; the connection owns it from now on
   * @param remoteAddress "host:port" for logs and the authenticator
   */
  constructor(
    readonly broker: BrokerContext,
    private readonly stream: Duplex,
    readonly remoteAddress: string,
  ) {
    this.framer = new Framer(broker.options.maxPacketBytes);
    this.parser = createParser({ protocolVersion: 4 });
    this.parser.on('packet', (packet: Packet) => (this.decoded = packet));
    this.parser.on('error', (error: Error) => (this.decodeError = error));
    stream.on('data', (chunk: Buffer) => this.onData(chunk));
    stream.on('drain', () => this.onDrain());
    stream.on('end', () => this.close('client closed the connection', true));
    stream.on('close', () => this.close('connection lost', true));
    stream.on('error', (error: Error) => this.close(`socket error: ${error.message}`, true));
    this.connectTimer = setTimeout(() => this.close('no CONNECT in time', true), broker.options.connectTimeoutMs);
  }

  /** Bytes waiting for the socket to drain; 0 when the client keeps up. */
  get backlogBytes(): number {
    return this.pendingBytes;
  }

  /** Current state; change it only through `apply`. */
  get state(): ConnectionState {
    return this.stateValue;
  }

  /** Client ID once the CONNECT has been read. */
  get clientId(): string | undefined {
    return this.stateValue.kind === 'awaiting-connect' ? undefined : this.stateValue.clientId;
  }

  /** Applies a state transition (see connection-state.ts). */
  apply(event: ConnectionEvent): void {
    this.stateValue = transition(this.stateValue, event);
    if (this.stateValue.kind === 'connected' && this.connectTimer) {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }

  /**
   * The one write path. Encodes for this client's protocol version, reports to the tap,
   * and queues while the socket is full; QoS 0 PUBLISHes are dropped past the bound.
   */
  send(packet: Packet): void {
    if (this.stateValue.kind === 'closed') return;
    let bytes: Buffer;
    try {
      bytes = generate(packet, { protocolVersion: this.protocolVersion });
    } catch (error) {
      this.log('error', `Could not encode ${packet.cmd.toUpperCase()}: ${(error as Error).message}`);
      return;
    }
    const { tap } = this.broker;
    if (tap.active) tap.emit({ direction: 'out', clientId: this.clientId ?? '', bytes, packet, time: Date.now() });
    if (this.writeBlocked) {
      if (packet.cmd === 'publish' && packet.qos === 0 && this.pendingBytes >= this.broker.options.maxWriteBufferBytes) {
        this.droppedQos0++;
        return;
      }
      this.pendingWrites.push(bytes);
      this.pendingBytes += bytes.length;
      return;
    }
    if (!this.stream.write(bytes)) this.block();
  }

  /** Starts keepalive supervision: 1.5 × the keepalive without a packet closes [MQTT-3.1.2-24] (3.1.1; 5.0: [MQTT-3.1.2-22]). */
  startKeepalive(seconds: number): void {
    if (seconds <= 0) return; // keepalive 0 switches supervision off
    this.keepaliveLimitMs = seconds * 1500;
    this.lastPacketAt = Date.now();
    this.armKeepalive(this.keepaliveLimitMs);
  }

  /** Closes for a malformed packet: 5.0 clients are told 0x81 first [MQTT-4.13.1-1]. */
  malformed(reason: string): void {
    this.fail(Reason.malformedPacket, `malformed packet: ${reason}`);
  }

  /** Closes for a protocol error: 5.0 clients get DISCONNECT (or CONNACK) with the code first. */
  protocolError(reason: string, code: number = Reason.protocolError): void {
    this.fail(code, `protocol error: ${reason}`);
  }

  /**
   * Refuses a CONNECT with a CONNACK carrying the version's code, then closes
   * [MQTT-3.2.2-5]. `v3Code` undefined means 3.x has no fitting code: close silently.
   */
  refuse(v3Code: number | undefined, v5Code: number, reason: string): void {
    if (this.protocolVersion === 5) this.send({ cmd: 'connack', sessionPresent: false, reasonCode: v5Code }); // [MQTT-3.2.2-6]
    else if (v3Code !== undefined) this.send({ cmd: 'connack', sessionPresent: false, returnCode: v3Code }); // [MQTT-3.2.2-4]
    this.close(`refused: ${reason}`, true);
  }

  /** Closes because another connection took over the client ID [MQTT-3.1.4-2] (3.1.1). */
  takeOver(): void {
    if (this.protocolVersion === 5) this.send({ cmd: 'disconnect', reasonCode: Reason.sessionTakenOver }); // [MQTT-3.1.4-3]
    this.close('session taken over by a new connection', true);
  }

  /** Sends DISCONNECT 0x8B to 5.0 clients and closes; for broker shutdown. */
  shutdown(): void {
    if (this.stateValue.kind === 'connected' && this.protocolVersion === 5) {
      this.send({ cmd: 'disconnect', reasonCode: Reason.serverShuttingDown });
    }
    this.close('broker shutting down', true);
  }

  /** Drops the socket without ceremony (after `shutdown` had its chance to flush). */
  destroy(): void {
    this.stream.destroy();
  }

  /**
   * The close path, run once. `publishWill` is false only for a normal DISCONNECT
   * [MQTT-3.1.2-10]; the broker then publishes the will and settles the session.
   */
  close(reason: string, publishWill: boolean): void {
    if (this.stateValue.kind === 'closed') return;
    const closed = transition(this.stateValue, { type: 'close', reason, publishWill });
    this.stateValue = closed;
    clearTimeout(this.connectTimer);
    clearTimeout(this.keepaliveTimer);
    for (const bytes of this.pendingWrites) this.stream.write(bytes);
    this.pendingWrites.length = 0;
    this.pendingBytes = 0;
    this.stream.end();
    setTimeout(() => this.stream.destroy(), CLOSE_GRACE_MS).unref();
    if (closed.kind !== 'closed') return; // cannot happen; narrows the type
    const level = publishWill && closed.session ? 'notice' : 'info';
    const line = !closed.session
      ? `Connection from ${this.remoteAddress} closed: ${reason}.`
      : publishWill
        ? `Client ${closed.clientId} disconnected: ${reason}.`
        : `Client ${closed.clientId} disconnected.`;
    this.log(level, line);
    this.broker.connectionClosed(this, closed.will, closed.session, closed.clientId);
  }

  private fail(code: number, reason: string): void {
    if (this.protocolVersion === 5) {
      // Before CONNACK the only way to give a reason is a CONNACK [MQTT-3.2.2-7]; after it, DISCONNECT.
      if (this.stateValue.kind === 'connected') this.send({ cmd: 'disconnect', reasonCode: code });
      else if (this.stateValue.kind === 'authenticating') this.send({ cmd: 'connack', sessionPresent: false, reasonCode: code });
    }
    this.close(reason, true);
  }

  private onData(chunk: Buffer): void {
    if (this.stateValue.kind === 'closed') return;
    this.framer.push(chunk);
    this.processFrames();
  }

  private processFrames(): void {
    while (!this.busy && this.stateValue.kind !== 'closed') {
      const next = this.framer.next();
      if (next.kind === 'need-more') return;
      if (next.kind === 'malformed') return this.malformed(next.reason);
      this.handleFrame(next.bytes);
    }
  }

  private handleFrame(bytes: Buffer): void {
    this.lastPacketAt = Date.now();
    const type = bytes[0]! >> 4;
    if (this.stateValue.kind === 'awaiting-connect' && type === 1 && !this.learnVersion(bytes)) return;
    const badString = findInvalidUtf8(bytes, this.protocolVersion);
    if (badString) return this.malformedConnectAware(`ill-formed UTF-8 in ${badString}`); // [MQTT-1.5.3-1] (3.1.1; 5.0: [MQTT-1.5.4-1])
    this.decoded = undefined;
    this.decodeError = undefined;
    this.parser.parse(bytes);
    // Both are set by the parser's synchronous callbacks, which TypeScript cannot see.
    const packet = this.decoded as Packet | undefined;
    const error = this.decodeError as Error | undefined;
    if (error || !packet) return this.malformedConnectAware(error?.message ?? 'undecodable packet');
    const { tap } = this.broker;
    if (tap.active) {
      const clientId = this.clientId ?? (packet.cmd === 'connect' ? packet.clientId : '');
      tap.emit({ direction: 'in', clientId, bytes, packet, time: Date.now() });
    }
    const pending = dispatch(this, packet);
    if (pending) this.holdUntil(pending);
  }

  /** A malformed CONNECT of a 5.0 client still deserves a CONNACK 0x81 [MQTT-3.2.2-7]. */
  private malformedConnectAware(reason: string): void {
    if (this.stateValue.kind === 'awaiting-connect' && this.protocolVersion === 5) {
      this.send({ cmd: 'connack', sessionPresent: false, reasonCode: Reason.malformedPacket });
    }
    this.malformed(reason);
  }

  /** Reads protocol name and level off the CONNECT; refuses what we do not speak. */
  private learnVersion(bytes: Buffer): boolean {
    const preamble = inspectConnect(bytes);
    switch (preamble.kind) {
      case 'ok':
        this.protocolVersion = preamble.version;
        return true;
      case 'unknown-protocol':
        this.close(`unknown protocol name '${preamble.name}'`, true); // [MQTT-3.1.2-1]
        return false;
      case 'truncated':
        this.malformed('CONNECT too short');
        return false;
      case 'unsupported-level':
        // A level above 5 comes from a newer client: answer in the newest format we know.
        this.protocolVersion = preamble.level > 5 ? 5 : 4;
        if (this.protocolVersion === 5) this.send({ cmd: 'connack', sessionPresent: false, reasonCode: Reason.unsupportedProtocolVersion });
        else this.send({ cmd: 'connack', sessionPresent: false, returnCode: ConnackV3.unacceptableProtocolVersion }); // [MQTT-3.1.2-2]
        this.close(`unsupported protocol level ${preamble.level}`, true);
        return false;
    }
  }

  /** Holds further frames (and reading) until an async handler settles, keeping their order. */
  private holdUntil(pending: Promise<void>): void {
    this.busy = true;
    this.stream.pause();
    pending.then(
      () => this.release(),
      (error: unknown) => {
        this.log('error', `Handler failed: ${(error as Error).message}`);
        this.close('internal error', true);
      },
    );
  }

  private release(): void {
    this.busy = false;
    if (this.stateValue.kind === 'closed') return;
    if (!this.writeBlocked) this.stream.resume();
    this.processFrames();
  }

  /** The socket is full: queue further writes and stop reading this client's input. */
  private block(): void {
    this.writeBlocked = true;
    // A client that does not read its messages must not make us read (and buffer) more of its own.
    this.stream.pause();
  }

  private onDrain(): void {
    if (!this.writeBlocked) return;
    while (this.pendingWrites.length > 0) {
      const bytes = this.pendingWrites.shift()!;
      this.pendingBytes -= bytes.length;
      if (!this.stream.write(bytes)) return; // still full: wait for the next 'drain'
    }
    this.writeBlocked = false;
    if (!this.busy && this.stateValue.kind !== 'closed') this.stream.resume();
  }

  private armKeepalive(ms: number): void {
    // One timer per connection, re-armed lazily, instead of a reset per packet.
    this.keepaliveTimer = setTimeout(() => {
      const idle = Date.now() - this.lastPacketAt;
      // While we stopped reading for backpressure the client is not idle, we are.
      if (this.writeBlocked || idle < this.keepaliveLimitMs) {
        this.armKeepalive(this.writeBlocked ? this.keepaliveLimitMs : this.keepaliveLimitMs - idle);
        return;
      }
      this.fail(Reason.keepAliveTimeout, 'keepalive timeout'); // [MQTT-3.1.2-24] (3.1.1)
    }, ms);
    this.keepaliveTimer.unref?.();
  }

  private log(level: 'debug' | 'info' | 'notice' | 'warning' | 'error', message: string): void {
    this.broker.log({ level, clientId: this.clientId, message });
  }
}
