/**
 * One client connection over any duplex byte stream (TCP, TLS, WebSocket: listeners.ts).
 * Owns framing, decoding, the single write path with backpressure, the CONNECT timer and
 * keepalive supervision, and the close path. Protocol decisions live in the handlers.
 */

import type { Duplex } from 'node:stream';
import type { Packet } from 'mqtt-packet';
import type { BrokerContext } from './broker-context';
import { transition, type ConnectionEvent, type ConnectionState } from './connection-state';
import { describeViolation, type Violation } from '../shared/packet-rules/violation';
import { decodeInbound } from './decoder';
import { dispatch } from './dispatcher';
import { Framer } from './framer';
import { checkFirstFrame, framingViolation } from './raw-checks';
import { Reason } from './reason-codes';
import type { ResolvedOptions } from './options';
import type { Outlet } from './router';
import { InboundAliases, OutboundAliases } from './topic-aliases';
import type { ProtocolVersion } from './types';
import { DEFAULT_PEER, encodePacket, withoutDiagnostics, type PeerLimits } from './outgoing';
import { Keepalive } from './keepalive';
import { readChunks } from './socket-reader';
import { batch, SocketWriter } from './socket-writer';
import { unmountTopic } from './mount-point';

/** The frame of a connection with no packet in hand. */
const EMPTY = Buffer.alloc(0);

const NO_ALIASES = new OutboundAliases(0);

/** A client connection. */
export class Connection implements Outlet {
  private stateValue: ConnectionState = { kind: 'awaiting-connect' };
  /** Codec setting, learned from the CONNECT before it is decoded; not a state flag. */
  protocolVersion: ProtocolVersion = 4;
  /** QoS 0 PUBLISHes dropped because the socket stayed full. */
  droppedQos0 = 0;
  /** PUBLISHes discarded because they exceeded the client's Maximum Packet Size [MQTT-3.1.2-25]. */
  droppedTooLarge = 0;
  /** The client's limits; set from CONNECT by `configurePeer`. */
  peer: PeerLimits = DEFAULT_PEER;
  /** Client → broker Topic Aliases of this connection. */
  inboundAliases: InboundAliases;
  private outboundAliases = NO_ALIASES;
  /** Set when the CONNECT carried mosquitto's bridge bit (protocol level | 0x80, try_private). */
  bridge = false;
  /** Raw bytes of the packet being dispatched, for handlers that read what the codec drops. */
  currentFrame: Buffer = EMPTY;

  private readonly framer: Framer;
  /** A handler is still working (async auth); frames wait in the framer, in order. */
  private busy = false;
  private readonly writer: SocketWriter;
  /** Packets waiting for the persistence store (see `send`). */
  private held = 0;
  private connectTimer: NodeJS.Timeout | undefined;
  private readonly keepalive: Keepalive;

  /**
   * @param broker the broker services this connection may use
   * @param stream the byte stream; the connection owns it from now on
   * @param remoteAddress "host:port" for logs and the authenticator
   * @param options the options of the listener it came in on (the broker's, with that listener's overrides)
   */
  constructor(
    readonly broker: BrokerContext,
    private readonly stream: Duplex,
    readonly remoteAddress: string,
    readonly options: ResolvedOptions = broker.options,
  ) {
    this.framer = new Framer(options.maxPacketBytes);
    this.inboundAliases = new InboundAliases(options.topicAliasMaximum);
    readChunks(stream, (chunk) => this.onData(chunk));
    this.writer = new SocketWriter(stream, {
      // A client that does not read its messages must not make us read (and buffer) more of its own.
      full: () => this.stream.pause(),
      drained: () => {
        if (!this.busy && this.stateValue.kind !== 'closed') this.stream.resume();
      },
    });
    stream.on('end', () => this.close('client closed the connection', true));
    stream.on('close', () => this.close('connection lost', true));
    stream.on('error', (error: Error) => this.close(`socket error: ${error.message}`, true));
    this.connectTimer = setTimeout(() => this.close('no CONNECT in time', true), options.connectTimeoutMs);
    this.keepalive = new Keepalive(
      () => this.writer.blocked,
      () => this.fail(Reason.keepAliveTimeout, 'keepalive timeout'),
    );
  }

  /** Bytes waiting for the socket to drain; 0 when the client keeps up. */
  get backlogBytes(): number {
    return this.writer.backlogBytes;
  }

  /** Outgoing QoS 1/2 unacknowledged at most: the client's Receive Maximum, lowered by max_inflight_messages. */
  get receiveMaximum(): number {
    const cap = this.options.maxInflightMessages;
    return cap > 0 && cap < this.peer.receiveMaximum ? cap : this.peer.receiveMaximum;
  }

  /** Records the limits a 5.0 client announced in CONNECT. */
  configurePeer(peer: PeerLimits): void {
    this.peer = peer;
    this.outboundAliases = peer.topicAliasMaximum > 0 ? new OutboundAliases(peer.topicAliasMaximum) : NO_ALIASES;
  }

  /**
   * A Reason String for a packet other than CONNACK, DISCONNECT and PUBLISH, or nothing
   * when the client set Request Problem Information to 0 [MQTT-3.1.2-29] or speaks 3.x.
   */
  explain(text: string): { reasonString: string } | undefined {
    return this.protocolVersion === 5 && this.peer.requestProblemInformation ? { reasonString: text } : undefined;
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
   * The one write path. Applies outgoing Topic Aliases, encodes for this client's protocol
   * version (splicing in ordered User Properties), enforces the client's Maximum Packet
   * Size, reports to the tap and queues while the socket is full. Returns false when the
   * packet was discarded: too large, or a QoS 0 PUBLISH past the backpressure bound.
   */
  send(packet: Packet, userPropertyBytes?: Buffer): boolean {
    if (this.stateValue.kind === 'closed') return true;
    let out = packet;
    if (packet.cmd === 'publish' && this.options.mountPoint !== '') {
      // mount_point: the client sees topics without it; anything else is not for it (mosquitto drops it too).
      const topic = unmountTopic(this.options.mountPoint, packet.topic);
      if (topic === undefined) return false;
      out = { ...packet, topic };
    }
    let commitAlias = noop;
    if (out.cmd === 'publish' && this.outboundAliases.enabled) ({ packet: out, commit: commitAlias } = this.outboundAliases.apply(out));
    let bytes = this.encode(out, userPropertyBytes);
    if (!bytes) return true;
    if (bytes.length > this.peer.maximumPacketSize) {
      if (out.cmd === 'publish') {
        // Never above the client's maximum [MQTT-3.1.2-24]: discard and carry on as if sent [MQTT-3.1.2-25].
        this.droppedTooLarge++;
        this.broker.counters.droppedTooLarge++;
        this.log('warning', `PUBLISH on '${packet.cmd === 'publish' ? packet.topic : ''}' (${bytes.length} bytes) exceeds the client's Maximum Packet Size ${this.peer.maximumPacketSize}; not sent.`);
        return false;
      }
      // Reason String and User Properties are what a sender leaves out to fit [MQTT-3.4.2-2] [MQTT-3.4.2-3].
      out = withoutDiagnostics(out);
      bytes = this.encode(out, undefined);
      if (!bytes || bytes.length > this.peer.maximumPacketSize) {
        // The client's own setting keeps it out [MQTT-3.1.2-24]: not the broker's error.
        this.log('warning', `${packet.cmd.toUpperCase()} does not fit the client's Maximum Packet Size ${this.peer.maximumPacketSize}; not sent.`);
        return false;
      }
    }
    if (this.writer.blocked && out.cmd === 'publish' && out.qos === 0 && this.writer.backlogBytes >= this.options.maxWriteBufferBytes) {
      this.droppedQos0++;
      this.broker.counters.droppedQos0++;
      return false;
    }
    commitAlias();
    const { tap, counters } = this.broker;
    counters.bytesSent += bytes.length;
    counters.packetOut(out);
    if (tap.active) tap.emit({ direction: 'out', clientId: this.clientId ?? '', remoteAddress: this.remoteAddress, bytes, packet: out, protocolVersion: this.protocolVersion, time: Date.now() });
    const gate = this.broker.durability;
    if (gate !== undefined && gate.pending) {
      // Output commit: nothing leaves before the state it reflects is in the store, so a PUBACK,
      // PUBREC, SUBACK or PUBCOMP promises what survives a restart. Held in order [MQTT-4.6.0-2].
      this.held++;
      gate.afterDurable(() => {
        this.held--;
        this.writer.write(bytes);
      });
      return true;
    }
    this.writer.write(bytes);
    return true;
  }

  /** The size of a packet as `send` would write it to this client, optional diagnostics left out (0 if it cannot be encoded). */
  encodedSize(packet: Packet): number {
    return this.encode(withoutDiagnostics(packet), undefined)?.length ?? 0;
  }

  /** Starts keepalive supervision: 1.5 × the keepalive without a packet closes [MQTT-3.1.2-24] (3.1.1; 5.0: [MQTT-3.1.2-22]). */
  startKeepalive(seconds: number): void {
    this.keepalive.start(seconds);
  }

  /** Closes because the broker cannot take what the client sent (memory_limit): 5.0 clients are told 0x97 first. */
  quotaExceeded(reason: string): void {
    this.fail(Reason.quotaExceeded, `quota exceeded: ${reason}`, reason);
  }

  /**
   * Refuses what the client sent because it broke `violation.rule`: before CONNACK with a
   * CONNACK (5.0: the reason code; 3.x: the return code the spec gives, if any), after it
   * with DISCONNECT (5.0), then closes [MQTT-4.13.1-1]. The Reason String (where the client
   * accepts problem information) and the log line name the rule; the broker keeps the
   * packet for the panel's "Protocol violations".
   */
  violation(violation: Violation, frame: Buffer = this.currentFrame): void {
    if (this.stateValue.kind === 'closed') return;
    const text = describeViolation(violation, this.protocolVersion);
    this.broker.recordViolation(this, violation, text, frame);
    const properties = this.peer.requestProblemInformation ? { reasonString: text } : undefined;
    if (this.protocolVersion === 5) {
      if (this.stateValue.kind === 'connected') this.send({ cmd: 'disconnect', reasonCode: violation.reasonCode, properties });
      else this.send({ cmd: 'connack', sessionPresent: false, reasonCode: violation.reasonCode, properties }); // [MQTT-3.2.2-6] [MQTT-3.2.2-7]
    } else if (violation.returnCode !== undefined && this.stateValue.kind !== 'connected') {
      this.send({ cmd: 'connack', sessionPresent: false, returnCode: violation.returnCode });
    }
    this.close(`protocol violation: ${text}`, true, 'notice'); // shown by default, as mosquitto shows its malformed-packet lines
  }

  /** Ends a connected 5.0 client with DISCONNECT and `code` (3.x: just closes); for ends that are not the client's fault. */
  disconnectWith(code: number, reason: string, reasonString?: string): void {
    this.fail(code, reason, reasonString);
  }

  /**
   * Refuses a CONNECT with a CONNACK carrying the version's code, then closes
   * [MQTT-3.2.2-5]. `v3Code` undefined means 3.x has no fitting code: close silently.
   */
  refuse(v3Code: number | undefined, v5Code: number, reason: string, reasonString?: string): void {
    if (this.protocolVersion === 5) {
      const properties = reasonString === undefined ? undefined : { reasonString };
      this.send({ cmd: 'connack', sessionPresent: false, reasonCode: v5Code, properties }); // [MQTT-3.2.2-6]
    }
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
   * [MQTT-3.1.2-10]; the broker then publishes the will and settles the session. `level`
   * of the log line: by default a notice for a client that had a session, else info.
   */
  close(reason: string, publishWill: boolean, level?: 'info' | 'notice'): void {
    if (this.stateValue.kind === 'closed') return;
    const closed = transition(this.stateValue, { type: 'close', reason, publishWill });
    this.stateValue = closed;
    clearTimeout(this.connectTimer);
    this.keepalive.stop();
    // Packets still waiting for the store (a final DISCONNECT among them) go out before the end.
    if (this.held > 0 && this.broker.durability) this.broker.durability.afterDurable(() => this.writer.end());
    else this.writer.end();
    if (closed.kind !== 'closed') return; // cannot happen; narrows the type
    level ??= publishWill && closed.session ? 'notice' : 'info';
    const line = !closed.session
      ? `Connection from ${this.remoteAddress} closed: ${reason}.`
      : publishWill
        ? `Client ${closed.clientId} disconnected: ${reason}.`
        : `Client ${closed.clientId} disconnected.`;
    this.broker.log({ level, clientId: this.clientId, message: line, connection: true }); // connection_messages can hide it
    this.broker.connectionClosed(this, closed.will, closed.session, closed.clientId);
  }

  private fail(code: number, reason: string, reasonString?: string): void {
    if (this.protocolVersion === 5) {
      const properties = reasonString === undefined ? undefined : { reasonString };
      // Before CONNACK the only way to give a reason is a CONNACK [MQTT-3.2.2-7]; after it, DISCONNECT.
      const kind = this.stateValue.kind;
      if (kind === 'connected') this.send({ cmd: 'disconnect', reasonCode: code, properties });
      else if (kind === 'authenticating' || kind === 'auth-exchange') this.send({ cmd: 'connack', sessionPresent: false, reasonCode: code, properties });
    }
    this.close(reason, true);
  }

  private onData(chunk: Buffer): void {
    if (this.stateValue.kind === 'closed') return;
    this.framer.push(chunk);
    // What the chunk's packets write, to this client and to every subscriber, goes out as the read ends.
    batch(this.processFramesNow);
  }

  private readonly processFramesNow = (): void => this.processFrames();

  private processFrames(): void {
    while (!this.busy && this.stateValue.kind !== 'closed') {
      const next = this.framer.next();
      if (next.kind === 'need-more') return;
      // What cannot be framed is kept as far as it goes (its fixed header and what follows, up to 64 KiB).
      if (next.kind !== 'frame') return this.violation(framingViolation(next, this.protocolVersion), this.framer.peek(64 * 1024));
      this.handleFrame(next.bytes);
    }
  }

  private handleFrame(bytes: Buffer): void {
    this.keepalive.lastPacketAt = Date.now();
    const { counters } = this.broker;
    counters.bytesReceived += bytes.length;
    if (this.stateValue.kind === 'awaiting-connect') {
      const first = checkFirstFrame(bytes); // CONNECT first [MQTT-3.1.0-1], a protocol we speak
      if (first.version !== undefined) this.protocolVersion = first.version;
      if (first.violation) return this.violation(first.violation, bytes);
    }
    const packet = decodeInbound(bytes, this.protocolVersion, this.options);
    if (packet.cmd === undefined) {
      if (packet.codecGap) this.log('error', packet.codecGap);
      return this.violation(packet.violation, bytes);
    }
    counters.packetIn(packet);
    const { tap } = this.broker;
    if (tap.active) {
      const clientId = this.clientId ?? (packet.cmd === 'connect' ? packet.clientId : '');
      tap.emit({ direction: 'in', clientId, remoteAddress: this.remoteAddress, bytes, packet, protocolVersion: this.protocolVersion, time: Date.now() });
    }
    this.currentFrame = bytes;
    let pending: void | Promise<void>;
    try {
      pending = dispatch(this, packet);
    } catch (error) {
      // A bug in one handler must cost one connection, not the broker.
      this.log('error', `Handler failed on ${packet.cmd.toUpperCase()}: ${(error as Error).message}`);
      this.fail(Reason.implementationSpecificError, 'internal error');
      return;
    }
    if (pending) this.holdUntil(pending);
    else this.forgetFrame();
  }

  /** Drops the last packet once handled: an idle client must not pin its last (maybe 1 MB) PUBLISH. */
  private forgetFrame(): void {
    this.currentFrame = EMPTY;
  }

  private encode(packet: Packet, userPropertyBytes: Buffer | undefined): Buffer | undefined {
    try {
      return encodePacket(packet, this.protocolVersion, userPropertyBytes);
    } catch (error) {
      this.log('error', `Could not encode ${packet.cmd.toUpperCase()}: ${(error as Error).message}`);
      return undefined;
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
        this.fail(Reason.implementationSpecificError, 'internal error');
      },
    );
  }

  private release(): void {
    this.busy = false;
    this.forgetFrame();
    if (this.stateValue.kind === 'closed') return;
    if (!this.writer.blocked) this.stream.resume();
    this.processFrames();
  }

  private log(level: 'debug' | 'info' | 'notice' | 'warning' | 'error', message: string): void {
    this.broker.log({ level, clientId: this.clientId, message });
  }
}

function noop(): void {}
