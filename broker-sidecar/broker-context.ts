/**
 * What a connection and its packet handlers may use of the broker. An interface rather
 * than the Broker class so that handlers stay testable and the import graph has no cycle.
 */

import type { Violation } from '../shared/packet-rules/violation';
import type { Authenticator } from './authenticator';
import type { BrokerEvents } from './broker-events';
import type { Connection } from './connection';
import type { Will } from './connection-state';
import type { TrafficCounters } from './introspection';
import type { Logger } from './logger';
import type { ResolvedOptions } from './options';
import type { Router } from './router';
import type { Session } from './session';
import type { DurabilityGate } from './persistence/write-queue';
import type { PacketTap } from './tap';
import type { Message, MessageOrigin } from './types';

/** The broker as seen from one connection. */
export interface BrokerContext {
  readonly options: ResolvedOptions;
  readonly log: Logger;
  readonly tap: PacketTap;
  readonly router: Router;
  /** Events for the broker panel; emit only after checking `events.has(name)`. */
  readonly events: BrokerEvents;
  /** Traffic totals, bumped on the read and write paths. */
  readonly counters: TrafficCounters;
  /**
   * With persistence on: output waits here until the changes it reflects are written
   * (an acknowledgement promises durability). Undefined without persistence: no waiting.
   */
  readonly durability: DurabilityGate | undefined;
  /** The live, accepted connection of a client ID. */
  online(clientId: string): Connection | undefined;
  /** The authenticator for this connection: its listener's (per_listener_settings) or the broker's. */
  authenticatorFor(connection: Connection): Authenticator;
  /** The client certificate CN of a TLS connection whose listener uses identities. */
  tlsIdentityOf(connection: Connection): string | undefined;
  /** A fresh client identifier for clients that sent an empty one, after `prefix` (default: the broker's auto_id_prefix). */
  assignClientId(prefix?: string): string;
  /** Payload bytes held (retained, queued, in flight), for memory_limit. */
  heldBytes(): number;
  /** Who a connection's retained messages come from: its username and listener port (check_retain_source). */
  originOf(connection: Connection): MessageOrigin;
  /** check_retain_source: whether a retained message's publisher may still write its topic. */
  retainedSourceAllowed(message: Message): boolean;
  /**
   * Starts or resumes the session for a client, after any older connection with that ID
   * has been closed. Returns whether an existing session was resumed.
   */
  openSession(clientId: string, cleanStart: boolean, expiryInterval: number): { session: Session; present: boolean };
  /** Marks a connection as the live one for its client ID. */
  attach(connection: Connection, clientId: string): void;
  /**
   * Keeps a refused packet for the panel, counts it, and shows it to the tap and to
   * 'violation' listeners. `text` is the rule and message as the client and the log see them.
   */
  recordViolation(connection: Connection, violation: Violation, text: string, frame: Buffer): void;
  /** Retains (when flagged, remembering `origin`) and routes an application message. */
  publish(message: Message, origin?: MessageOrigin): void;
  /** Called once when a connection reaches the closed state. */
  connectionClosed(connection: Connection, will: Will | undefined, session: Session | undefined, clientId: string | undefined): void;
}
