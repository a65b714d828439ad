/**
 * Broker options and their defaults. Everything injectable (auth, stores, logging) is an
 * interface with an in-memory or permissive default, so tests and the CLI need none.
 */

import { allowAll, type Authenticator } from './authenticator';
import { silentLogger, type Logger } from './logger';
import { MemoryRetainedStore, type RetainedStore } from './retained-store';
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
  /** Largest packet accepted, header included. Default: the protocol maximum. */
  maxPacketBytes?: number;
  /** Bytes queued behind a slow socket after which QoS 0 messages to it are dropped. Default 8 MiB. */
  maxWriteBufferBytes?: number;
}

/** Options with defaults filled in. */
export type ResolvedOptions = Required<BrokerOptions>;

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
    maxPacketBytes: options.maxPacketBytes ?? 268_435_460,
    maxWriteBufferBytes: options.maxWriteBufferBytes ?? 8 * 1024 * 1024,
  };
}
