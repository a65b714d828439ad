/**
 * Where sessions live between connections. Injected so that durable persistence (a later
 * issue) fits; the default keeps them in memory for the lifetime of the process.
 */

import type { Session } from './session';

/** Storage for sessions, keyed by client ID. */
export interface SessionStore {
  /** The session of a client ID, if one exists. */
  get(clientId: string): Session | undefined;
  /** Adds or replaces the session under its client ID. */
  set(session: Session): void;
  /** Ends a session. */
  delete(clientId: string): void;
  /** Every session, online or not, for routing. */
  all(): Iterable<Session>;
  /** Number of sessions. */
  readonly size: number;
}

/** In-memory session store. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, Session>();

  /** See the interface. */
  get(clientId: string): Session | undefined {
    return this.sessions.get(clientId);
  }

  /** See the interface. */
  set(session: Session): void {
    this.sessions.set(session.clientId, session);
  }

  /** See the interface. */
  delete(clientId: string): void {
    this.sessions.delete(clientId);
  }

  /** See the interface. */
  all(): Iterable<Session> {
    return this.sessions.values();
  }

  /** See the interface. */
  get size(): number {
    return this.sessions.size;
  }
}
