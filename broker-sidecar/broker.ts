/**
 * The broker: listeners, the registry of live connections, session lifetimes (expiry,
 * delayed wills: session-lifetimes.ts) and retained storage around the router. `createBroker().listen()` (TCP)
 * or `listenOn()` (TCP, TLS, WebSocket, secure WebSocket) is all the CLI and tests need.
 *
 * Spec references: an ID without a version tag has the same number in 3.1.1 and 5.0 (as
 * far as we checked); where they differ the comment says "(3.1.1)" or "(5.0)".
 */

import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Authenticator, ListenerAccess } from './authenticator';
import type { BrokerContext } from './broker-context';
import { BrokerEvents } from './broker-events';
import { Connection } from './connection';
import type { Will } from './connection-state';
import type { BrokerClientInfo, BrokerRetainedInfo, BrokerStats } from '../shared/broker-control';
import { clientsOf, retainedOf, statsOf, TrafficCounters } from './introspection';
import { BrokerListeners } from './broker-listeners';
import type { ListenerSpec, RunningListener } from './listeners';
import type { LogEntry, Logger } from './logger';
import { resolveOptions, type BrokerOptions, type ResolvedOptions } from './options';
import type { Persistence } from './persistence/store';
import { Router } from './router';
import { HeldBytes, Session } from './session';
import { SysTree } from './sys-topics';
import { PacketTap } from './tap';
import type { Message, MessageOrigin } from './types';
import type { Violation } from '../shared/packet-rules/violation';
import type { BrokerViolation } from '../shared/broker-control';
import { connectClientId } from './raw-checks';
import { ViolationLog } from './violation-log';
import { SessionLifetimes } from './session-lifetimes';

/** Where to listen. */
export interface ListenOptions {
  /** 0 picks a free port. Default 1883. */
  port?: number;
  /** Default 127.0.0.1: a debugging broker should not be on the network by accident. */
  host?: string;
}

/** An MQTT 3.1 / 3.1.1 / 5.0 broker. */
export class Broker implements BrokerContext {
  readonly options: ResolvedOptions;
  readonly log: Logger;
  /** Every packet in and out, per client; free when nobody listens. */
  readonly tap = new PacketTap();
  readonly router: Router;
  /** Clients, subscriptions and log lines for the app's broker panel; free when nobody listens. */
  readonly events = new BrokerEvents();
  /** Traffic totals (see `stats()`). */
  readonly counters = new TrafficCounters();
  /** Epoch ms of construction. */
  readonly startedAt = Date.now();
  /** The packets refused for breaking a rule, newest kept (see `violations()`). */
  private readonly violationLog = new ViolationLog();
  private readonly listeners: BrokerListeners;
  private readonly connections = new Set<Connection>();
  /** What each connection's listener gave it (authenticator, TLS identity). */
  private readonly access = new WeakMap<Connection, ListenerAccess>();
  /** The authenticator each known client was admitted by, for read checks while it is offline too. */
  private readonly admittedBy = new Map<string, Authenticator>();
  private readonly live = new Map<string, Connection>();
  /** Expiry timers of offline sessions, delayed wills. */
  private readonly lifetimes: SessionLifetimes;
  /** Payload bytes queued and in flight over every session (memory_limit). */
  private readonly held = new HeldBytes();
  private closing = false;
  /** Whether any authenticator in use checks reads (ACL read rules): set at start and when a client is admitted by one that does. */
  private readRules: boolean;
  /** The durable store when persistence is on; also the gate that holds output until writes are done. */
  readonly durability: Persistence | undefined;
  /** The `$SYS` tree publisher; undefined when sysInterval is 0. */
  private readonly sysTree: SysTree | undefined;

  /** @param options see BrokerOptions; all optional */
  constructor(options: BrokerOptions = {}) {
    this.options = resolveOptions(options);
    this.readRules = this.options.authenticator.authorizeRead !== undefined;
    const logger = this.options.logger;
    // Every line goes to the configured logger and, when the panel listens, out as an event.
    this.log = (entry: LogEntry): void => {
      logger(entry);
      if (this.events.has('log')) this.events.emit('log', { time: Date.now(), level: entry.level, clientId: entry.clientId, message: entry.message });
    };
    this.durability = options.persistence;
    this.listeners = new BrokerListeners(this, this.options);
    // Before the router exists: it indexes the subscriptions of the sessions it finds in the store.
    const restored = this.durability?.restore(this.options, Date.now(), (clientId, expiry) => this.newSession(clientId, expiry));
    const resolved = this.options;
    this.lifetimes = new SessionLifetimes({
      log: this.log,
      durability: this.durability,
      persistentClientExpiration: resolved.persistentClientExpiration,
      publish: (message) => this.publish(message),
      endSession: (session) => this.endSession(session),
      expired: (clientId) => {
        this.counters.clientsExpired++;
        if (!this.live.has(clientId)) this.forgetClient(clientId);
      },
    });
    this.router = new Router({
      sessions: resolved.sessions,
      outlet: (id) => this.live.get(id),
      log: this.log,
      // Asked per delivery: with no read rules anywhere (the usual case) that is one flag, not a lookup.
      mayRead: (id, topic) => !this.readRules || ((this.admittedBy.get(id) ?? resolved.authenticator).authorizeRead?.(id, topic) ?? true),
      queueFull: () => void this.counters.droppedQueueFull++,
      policy: { queueQos0: resolved.queueQos0Messages, upgradeQos: resolved.upgradeOutgoingQos, maxInflightBytes: resolved.maxInflightBytes },
    });
    if (restored) {
      this.lifetimes.resume(restored);
      const { retained, sessions, wills } = restored;
      this.log({ level: 'notice', clientId: undefined, message: `Restored ${retained} retained messages, ${sessions.length} sessions and ${wills.length} pending wills from ${this.durability!.dir}.` });
    }
    if (this.options.sysInterval > 0) {
      this.sysTree = new SysTree(this, this.options.sysInterval, this.startedAt);
      this.sysTree.start();
    }
  }

  /** Starts a TCP listener; resolves with the bound port. */
  listen({ port = 1883, host = '127.0.0.1' }: ListenOptions = {}): Promise<number> {
    return this.listenOn({ kind: 'tcp', port, host });
  }

  /** Starts a TCP, TLS, WebSocket or secure WebSocket listener; resolves with the bound port. */
  async listenOn(spec: ListenerSpec): Promise<number> {
    return (await this.openListener(spec)).port;
  }

  /** Like `listenOn`, resolving with what was bound (address, port, socket path). */
  openListener(spec: ListenerSpec): Promise<RunningListener> {
    return this.listeners.open(spec);
  }

  /** Serves one client over any duplex byte stream (TCP, TLS, a WebSocket stream, a test pipe). */
  handle(stream: Duplex, remoteAddress = 'unknown', access: ListenerAccess = {}): void {
    if (this.closing) {
      stream.destroy();
      return;
    }
    this.counters.socketsAccepted++;
    const { profile } = access;
    const max = this.options.maxConnections;
    const listenerMax = profile?.maxConnections ?? -1;
    if ((max >= 0 && this.connections.size >= max) || (listenerMax >= 0 && profile!.open >= listenerMax)) {
      // mosquitto's max_connections (per listener): the socket is closed before any MQTT is read.
      this.log({ level: 'notice', clientId: undefined, message: `Connection from ${remoteAddress} refused: max_connections (${max >= 0 && this.connections.size >= max ? max : listenerMax}) reached.` });
      stream.destroy();
      return;
    }
    this.log({ level: 'info', clientId: undefined, message: `New connection from ${remoteAddress}.`, connection: true });
    const connection = new Connection(this, stream, remoteAddress, profile?.options ?? this.options);
    if (profile) profile.open++;
    this.access.set(connection, access);
    this.connections.add(connection);
  }

  /** The authenticator deciding for a connection: its listener's, else the broker's. */
  authenticatorFor(connection: Connection): Authenticator {
    return this.access.get(connection)?.authenticator ?? this.options.authenticator;
  }

  /** The verified client certificate CN of a TLS connection whose listener uses identities. */
  tlsIdentityOf(connection: Connection): string | undefined {
    return this.access.get(connection)?.tlsIdentity;
  }

  /** Stops listening, tells 5.0 clients 0x8B, closes every connection and clears timers. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.sysTree?.stop();
    const serversClosed = this.listeners.closeAll();
    for (const connection of [...this.connections]) connection.shutdown();
    // Give the final DISCONNECTs a moment to leave, then cut whatever is left.
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const connection of [...this.connections]) connection.destroy();
    this.lifetimes.clear();
    await serversClosed;
    await this.durability?.close(); // after the connections: their ends are written too
    this.log({ level: 'notice', clientId: undefined, message: 'Broker stopped.' });
  }

  /** Counters and sizes for the broker panel. */
  stats(): BrokerStats {
    return statsOf(this.options.sessions, this.options.retained, this.live.size, this.router.subscriptions, this.counters, this.startedAt);
  }

  /** Every session (online or not) with its last connection's details and subscriptions. */
  clients(): BrokerClientInfo[] {
    return clientsOf(this.options.sessions, (clientId) => this.live.has(clientId));
  }

  /** Every retained message, without payloads. */
  retained(): BrokerRetainedInfo[] {
    return retainedOf(this.options.retained);
  }

  /** The refused packets held for the panel, oldest first. */
  violations(): BrokerViolation[] {
    return this.violationLog.list();
  }

  /** Keeps, counts and reports a packet refused for breaking a rule (see BrokerContext). */
  recordViolation(connection: Connection, violation: Violation, text: string, frame: Buffer): void {
    this.counters.packetsRefused++;
    const time = Date.now();
    const clientId = connection.clientId ?? (frame[0]! >> 4 === 1 ? connectClientId(frame) : '');
    const { remoteAddress, protocolVersion } = connection;
    const record = this.violationLog.add(
      { time, clientId, remoteAddress, client: clientId || remoteAddress, protocolVersion, rule: text.slice(0, text.indexOf(']') + 1), message: violation.message, reasonCode: protocolVersion === 5 ? violation.reasonCode : undefined },
      frame,
    );
    if (this.tap.active && frame.length > 0) this.tap.emit({ direction: 'in', clientId, remoteAddress, bytes: frame, packet: undefined, violation: record.rule, protocolVersion, time });
    if (this.events.has('violation')) this.events.emit('violation', record);
  }

  /** Number of sockets currently open (accepted or not). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The live connection of a client ID, if any. */
  online(clientId: string): Connection | undefined {
    return this.live.get(clientId);
  }

  /** A random client ID for clients that sent an empty one, after `prefix` (mosquitto's auto_id_prefix). */
  assignClientId(prefix = this.options.autoIdPrefix): string {
    return `${prefix}${randomBytes(8).toString('hex')}`;
  }

  /** Payload bytes the broker holds: retained messages, and what is queued or in flight per session (memory_limit). */
  heldBytes(): number {
    return this.options.retained.bytes + this.held.bytes;
  }

  /** Who a connection's retained messages come from: its username and listener port (check_retain_source). */
  originOf(connection: Connection): MessageOrigin {
    const clientId = connection.clientId;
    return { username: clientId === undefined ? undefined : this.authenticatorFor(connection).usernameOf?.(clientId), port: this.access.get(connection)?.profile?.port };
  }

  /** check_retain_source: whether a retained message's publisher may still write its topic (on the listener it came in on). */
  retainedSourceAllowed(message: Message): boolean {
    if (!this.options.checkRetainSource || message.senderId === undefined) return true;
    const port = message.origin?.port;
    const authenticator = (port === undefined ? undefined : this.listeners.authenticatorOn(port)) ?? this.options.authenticator;
    return authenticator.mayPublishAs?.(message.senderId, message.origin?.username, message.topic) ?? true;
  }

  /** Starts or resumes a session; settles a pending delayed will and a running expiry timer first. */
  openSession(clientId: string, cleanStart: boolean, expiryInterval: number): { session: Session; present: boolean } {
    this.lifetimes.reconnecting(clientId, cleanStart);
    const { sessions } = this.options;
    let session = sessions.get(clientId);
    if (session && cleanStart) {
      this.endSession(session);
      session = undefined;
    }
    const present = session !== undefined;
    if (session) {
      session.expiryInterval = expiryInterval;
    } else {
      session = this.newSession(clientId, expiryInterval);
      sessions.set(session);
    }
    return { session, present };
  }

  private newSession(clientId: string, expiryInterval: number): Session {
    const { options } = this;
    return new Session(clientId, expiryInterval, options.maxQueuedMessages, options.maxQueuedBytes, this.held);
  }

  /** Registers an accepted connection as the live one for its client ID. */
  attach(connection: Connection, clientId: string): void {
    this.live.set(clientId, connection);
    this.counters.clientsMaximum = Math.max(this.counters.clientsMaximum, this.live.size);
    const authenticator = this.authenticatorFor(connection);
    this.admittedBy.set(clientId, authenticator);
    if (authenticator.authorizeRead) this.readRules = true;
    const state = connection.state;
    if (this.durability && state.kind === 'connected') this.durability.sessionOnline(state.session);
  }

  /** Updates retained storage when flagged (noting who published it, `origin`), then routes to every matching session. */
  publish(message: Message, origin?: MessageOrigin): void {
    if (message.retain) {
      // An empty retained payload clears the topic and is not stored itself [MQTT-3.3.1-10] [MQTT-3.3.1-11] (3.1.1).
      if (message.payload.length === 0) this.options.retained.delete(message.topic);
      // A copy, so a long-lived retained payload does not pin the socket chunk it arrived in.
      else this.options.retained.set({ ...message, payload: Buffer.from(message.payload), ...(origin ? { origin } : {}) }); // replaces the previous one [MQTT-3.3.1-5] (3.1.1)
    }
    this.router.route(message);
  }

  /** End of a connection: publish or schedule the will, end or keep the session. */
  connectionClosed(connection: Connection, will: Will | undefined, session: Session | undefined, clientId: string | undefined): void {
    this.connections.delete(connection);
    const profile = this.access.get(connection)?.profile;
    if (profile) profile.open--;
    if (clientId === undefined || session === undefined) return;
    const current = this.live.get(clientId) === connection; // false after a take-over
    if (current) this.live.delete(clientId);
    if (this.events.has('client-disconnected')) {
      const state = connection.state;
      this.events.emit('client-disconnected', { time: Date.now(), clientId, reason: state.kind === 'closed' ? state.reason : 'closed' });
    }
    const expiry = this.lifetimes.offlineLifetime(session.expiryInterval);
    if (will) this.lifetimes.scheduleWill(clientId, will, expiry, this.closing);
    if (expiry === 0) {
      this.endSession(session);
      if (current) this.forgetClient(clientId);
      return;
    }
    if (current) this.durability?.sessionOffline(session, Date.now());
    if (!this.closing) this.lifetimes.sessionOffline(session, expiry);
  }

  /** Deletes a session from the store and its subscriptions from the routing index. */
  private endSession(session: Session): void {
    const { sessions } = this.options;
    if (sessions.get(session.clientId) !== session) return;
    sessions.delete(session.clientId);
    session.release();
    this.router.forget(session);
    this.durability?.sessionEnded(session);
  }

  /** Tells the client's authenticator it is gone for good (see Authenticator.disconnected). */
  private forgetClient(clientId: string): void {
    const authenticator = this.admittedBy.get(clientId);
    this.admittedBy.delete(clientId);
    authenticator?.disconnected?.(clientId);
  }
}

/** Creates a broker; call `listen()` to accept TCP clients or `handle()` for other streams. */
export function createBroker(options: BrokerOptions = {}): Broker {
  return new Broker(options);
}
