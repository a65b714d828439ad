/**
 * The life of one live connection as a discriminated union with a single transition
 * function, so the UI can never show "connected" and "reconnecting" at once.
 */

import type { ErrorInfo } from './errors';

/** Where a connection is. `closed` carries the reason when it did not close on request. */
export type ConnectionState =
  | { status: 'idle' }
  | { status: 'connecting'; since: number }
  | { status: 'connected'; since: number; sessionPresent: boolean }
  /** Auto-reconnect: between attempts `nextAttemptAt` says when the next one starts. */
  | { status: 'reconnecting'; since: number; attempt: number; lastError?: ErrorInfo; nextAttemptAt?: number }
  | { status: 'closed'; since: number; error?: ErrorInfo };

/** Everything that can happen to a connection. */
export type ConnectionEvent =
  | { type: 'connect-requested'; at: number }
  | { type: 'connack'; at: number; sessionPresent: boolean }
  | { type: 'error'; at: number; error: ErrorInfo }
  | { type: 'reconnecting'; at: number }
  /** The transport closed; `retryAt` when auto-reconnect will try again then. */
  | { type: 'closed'; at: number; retryAt?: number }
  | { type: 'disconnect-requested'; at: number };

function lastErrorOf(state: ConnectionState): ErrorInfo | undefined {
  return state.status === 'closed' ? state.error : state.status === 'reconnecting' ? state.lastError : undefined;
}

/** The one place connection state changes. Events that make no sense in a state are ignored. */
export function transition(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  switch (event.type) {
    case 'connect-requested':
      if (state.status === 'connecting' || state.status === 'connected') return state;
      return { status: 'connecting', since: event.at };
    case 'connack':
      if (state.status !== 'connecting' && state.status !== 'reconnecting') return state;
      return { status: 'connected', since: event.at, sessionPresent: event.sessionPresent };
    case 'error':
      if (state.status === 'reconnecting') return { ...state, lastError: event.error };
      if (state.status === 'idle') return state;
      // An error while connecting or connected ends this attempt; a 'reconnecting' or
      // 'closed' event follows from the client and decides what comes next.
      return { status: 'closed', since: event.at, error: event.error };
    case 'reconnecting': {
      if (state.status === 'idle') return state;
      const attempt = state.status === 'reconnecting' ? state.attempt + 1 : 1;
      const lastError = lastErrorOf(state);
      return { status: 'reconnecting', since: event.at, attempt, ...(lastError ? { lastError } : {}) };
    }
    case 'closed':
      if (event.retryAt !== undefined && state.status !== 'idle') {
        // Waiting for the next attempt: still reconnecting, with the time it starts.
        const lastError = lastErrorOf(state);
        const attempt = state.status === 'reconnecting' ? state.attempt : 0;
        return { status: 'reconnecting', since: event.at, attempt, nextAttemptAt: event.retryAt, ...(lastError ? { lastError } : {}) };
      }
      if (state.status === 'closed' || state.status === 'idle') return state;
      if (state.status === 'reconnecting' && state.lastError) {
        return { status: 'closed', since: event.at, error: state.lastError };
      }
      return { status: 'closed', since: event.at };
    case 'disconnect-requested':
      return { status: 'closed', since: event.at };
    default: {
      const never: never = event;
      throw new Error(`Unhandled connection event ${JSON.stringify(never)}`);
    }
  }
}
