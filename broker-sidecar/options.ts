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
   * Highest keepalive (seconds) 5.0 clients may use (mosquitto's max_keepalive): a 5.0
   * client asking for more, or for 0, is told this as its Server Keep Alive. 3.x clients keep
   * their own keepalive, as the mosquitto 2.0 manual says. Default 0: no maximum, no Server
   * Keep Alive (a mosquitto.conf always has one: 65535 unless it says otherwise).
   */
  maxKeepalive?: number;
  /** Bound on QoS 1/2 messages queued per session while offline or out of packet IDs. Default 1000. */
  maxQueuedMessages?: number;
  /** Bound on the payload bytes queued per session (mosquitto's max_queued_bytes). 0 (default): none. */
  maxQueuedBytes?: number;
  /**
   * Outgoing QoS 1/2 PUBLISHes unacknowledged per client at most, below the client's own
   * Receive Maximum (mosquitto's max_inflight_messages). 0 (default): the client's limit only.
   */
  maxInflightMessages?: number;
  /**
   * Payload bytes of outgoing QoS 1/2 PUBLISHes unacknowledged per client (mosquitto's
   * max_inflight_bytes): nothing more is sent while that many are in flight, so a larger
   * message still goes, alone. 0 (default): none.
   */
  maxInflightBytes?: number;
  /**
   * Bytes of message data the broker holds (retained, queued and in-flight payloads, counted
   * per holder) beyond which an incoming PUBLISH is dropped and its sender disconnected, as
   * mosquitto's memory_limit does when an allocation is denied. 0 (default): no limit.
   */
  memoryLimit?: number;
  /** Queue QoS 0 messages for offline durable sessions too (mosquitto's queue_qos0_messages). Default false. */
  queueQos0Messages?: boolean;
  /** Deliver at the subscription's QoS even above the message's (mosquitto's upgrade_outgoing_qos, non-standard). Default false. */
  upgradeOutgoingQos?: boolean;
  /**
   * Before a retained message goes to a new subscriber, ask the authenticator whether its
   * publisher may still write the topic (mosquitto's check_retain_source). Default true.
   */
  checkRetainSource?: boolean;
  /** Only client IDs starting with this may connect (mosquitto's clientid_prefixes). Default '' (any). */
  clientidPrefixes?: string;
  /** Whether 3.1.1/5.0 clients may send an empty client ID and get one assigned. Default true. */
  allowZeroLengthClientid?: boolean;
  /** Prefix of assigned client IDs (mosquitto's auto_id_prefix). Default `auto-`. */
  autoIdPrefix?: string;
  /** Use the username (or the TLS identity that replaces it) as the client ID (mosquitto's use_username_as_clientid). Default false. */
  useUsernameAsClientid?: boolean;
  /** Prefix added to every topic of a client and removed from what it receives (mosquitto's mount_point). Default '' (none). */
  mountPoint?: string;
  /** Seconds an offline durable session lasts at most (mosquitto's persistent_client_expiration). 0 (default): as the session says. */
  persistentClientExpiration?: number;
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

/**
 * What a listener gives the connections it accepts: their options (the broker's, with the
 * listener's overrides) and its own connection limit (mosquitto's per-listener options).
 */
export interface ListenerProfile {
  readonly options: ResolvedOptions;
  /** Open connections beyond which new ones are closed at once; -1: no limit. */
  readonly maxConnections: number;
  /** Connections open on the listener now. */
  open: number;
  /** The bound port: where a retained message came in, for check_retain_source. */
  port: number;
}

/** What a listener may set for its own clients (mosquitto's per-listener options). */
export type ListenerOverrides = Partial<Pick<ResolvedOptions, 'maximumQos' | 'topicAliasMaximum' | 'allowZeroLengthClientid' | 'autoIdPrefix' | 'useUsernameAsClientid' | 'mountPoint'>>;

/** Fills in defaults. */
export function resolveOptions(options: BrokerOptions = {}): ResolvedOptions {
  return {
    authenticator: options.authenticator ?? allowAll,
    sessions: options.sessions ?? new MemorySessionStore(),
    retained: options.retained ?? new MemoryRetainedStore(),
    logger: options.logger ?? silentLogger,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    maxKeepalive: options.maxKeepalive ?? 0,
    maxQueuedMessages: options.maxQueuedMessages ?? 1000,
    maxQueuedBytes: options.maxQueuedBytes ?? 0,
    maxInflightMessages: options.maxInflightMessages ?? 0,
    maxInflightBytes: options.maxInflightBytes ?? 0,
    memoryLimit: options.memoryLimit ?? 0,
    queueQos0Messages: options.queueQos0Messages ?? false,
    upgradeOutgoingQos: options.upgradeOutgoingQos ?? false,
    checkRetainSource: options.checkRetainSource ?? true,
    clientidPrefixes: options.clientidPrefixes ?? '',
    allowZeroLengthClientid: options.allowZeroLengthClientid ?? true,
    autoIdPrefix: options.autoIdPrefix ?? 'auto-',
    useUsernameAsClientid: options.useUsernameAsClientid ?? false,
    mountPoint: options.mountPoint ?? '',
    persistentClientExpiration: options.persistentClientExpiration ?? 0,
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
