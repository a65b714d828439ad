/**
 * Broker options and their defaults. Everything injectable (auth, stores, logging) is an
 * interface with an in-memory or permissive default, so tests and the CLI need none.
 */

import { allowAll, type Authenticator } from './authenticator';
import { silentLogger, type Logger } from './logger';
import { MemoryRetainedStore, type RetainedStore } from './retained-store';
import type { Persistence } from './persistence/store';
import { MemorySessionStore, type SessionStore } from './session-store';

/** Options of `createBroker`; every field is optional. */
export interface BrokerOptions {
  authenticator?: Authenticator;
  sessions?: SessionStore;
  retained?: RetainedStore;
  logger?: Logger;
  /** Close sockets that have not sent CONNECT within this time. Default 10 s. */
  connectTimeoutMs?: number;
  /**
   * Highest keepalive (seconds) clients may use. Below 65535 it is enforced: 5.0 clients
   * are told the Server Keep Alive, 3.x clients asking for more (or 0) are refused as
   * mosquitto's max_keepalive does. Default 65535 (no limit).
   */
  maxKeepalive?: number;
  /** Bound on QoS 1/2 messages queued per session while offline or out of packet IDs. Default 1000. */
  maxQueuedMessages?: number;
  /** Open sockets beyond which new ones are closed at once (mosquitto's max_connections). -1 (default): no limit. */
  maxConnections?: number;
  /**
   * Largest PUBLISH payload accepted (mosquitto's message_size_limit). A larger one is
   * dropped: 3.x clients get their normal acknowledgement, 5.0 clients PUBACK/PUBREC 0x95.
   * 0 (default): no limit beyond the packet size.
   */
  maxPayloadBytes?: number;
  /** Largest packet accepted, header included. Default: the protocol maximum. */
  maxPacketBytes?: number;
  /** Bytes queued behind a slow socket after which QoS 0 messages to it are dropped. Default 8 MiB. */
  maxWriteBufferBytes?: number;
  /**
   * Receive Maximum announced to 5.0 clients: unacknowledged incoming QoS 2 PUBLISHes a
   * client may have open; one more is answered with DISCONNECT 0x93. Default 65535.
   */
  receiveMaximum?: number;
  /** Topic Alias Maximum announced to 5.0 clients (0 = no aliases). Default 10, as mosquitto. */
  topicAliasMaximum?: number;
  /** Highest QoS accepted in PUBLISH and granted in SUBACK. Default 2. */
  maximumQos?: 0 | 1 | 2;
  /** Whether retained messages are supported. Default true. */
  retainAvailable?: boolean;
  /** Whether filters may contain + and #. Default true. */
  wildcardSubscriptionAvailable?: boolean;
  /** Whether SUBSCRIBE may carry a Subscription Identifier. Default true. */
  subscriptionIdentifiersAvailable?: boolean;
  /** Whether `$share/{group}/{filter}` subscriptions are supported. Default true. */
  sharedSubscriptionAvailable?: boolean;
  /**
   * Accept control characters (U+0001–U+001F, U+007F–U+009F) and Unicode noncharacters in
   * UTF-8 strings: client IDs, topics, user names, properties. The specs say a sender SHOULD
   * NOT send them and a receiver MAY treat them as malformed; mosquitto 2.0 always refuses
   * them, and so does this broker by default (false). An MQTT Desk extension.
   */
  allowControlCharacters?: boolean;
  /**
   * Seconds between `$SYS/broker/...` updates (mosquitto's sys_interval); fractions allowed.
   * Default 0 (none) for an embedded broker; the CLI and mosquitto.conf default to 10 as mosquitto does.
   */
  sysInterval?: number;
  /**
   * An opened durable store (`openPersistence(dir)`): the broker restores its sessions,
   * retained messages and delayed wills, writes every change through, and closes it in
   * `close()`. Absent (default): everything lives in memory only.
   */
  persistence?: Persistence;
}

/** The protocol's largest packet: 4-byte Remaining Length maximum plus a 5-byte header. */
export const PROTOCOL_MAX_PACKET_BYTES = 268_435_460;

/** Options with defaults filled in; the broker takes `persistence` as given. */
export type ResolvedOptions = Required<Omit<BrokerOptions, 'persistence'>>;

/** Fills in defaults. */
export function resolveOptions(options: BrokerOptions = {}): ResolvedOptions {
  return {
    authenticator: options.authenticator ?? allowAll,
    sessions: options.sessions ?? new MemorySessionStore(),
    retained: options.retained ?? new MemoryRetainedStore(),
    logger: options.logger ?? silentLogger,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxKeepalive: options.maxKeepalive ?? 65535,
    maxQueuedMessages: options.maxQueuedMessages ?? 1000,
    maxConnections: options.maxConnections ?? -1,
    maxPayloadBytes: options.maxPayloadBytes ?? 0,
    maxPacketBytes: options.maxPacketBytes ?? PROTOCOL_MAX_PACKET_BYTES,
    maxWriteBufferBytes: options.maxWriteBufferBytes ?? 8 * 1024 * 1024,
    receiveMaximum: options.receiveMaximum ?? 65535,
    topicAliasMaximum: options.topicAliasMaximum ?? 10,
    maximumQos: options.maximumQos ?? 2,
    retainAvailable: options.retainAvailable ?? true,
    wildcardSubscriptionAvailable: options.wildcardSubscriptionAvailable ?? true,
    subscriptionIdentifiersAvailable: options.subscriptionIdentifiersAvailable ?? true,
    sharedSubscriptionAvailable: options.sharedSubscriptionAvailable ?? true,
    allowControlCharacters: options.allowControlCharacters ?? false,
    sysInterval: options.sysInterval ?? 0,
  };
}
