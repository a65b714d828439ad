/**
 * The life of one client connection as a discriminated union with a single transition
 * function: awaiting CONNECT → authenticating (⇄ auth-exchange) → connected → closed. Handlers read the
 * state; only `transition` makes a new one, so impossible mixes (a session without a
 * client ID, a will after DISCONNECT) cannot be represented.
 */

import type { ConnectPlan } from './connect-plan';
import type { Session } from './session';
import type { Message } from './types';

/**
 * A will as stored at CONNECT. Its Message Expiry starts when it is published, not at
 * CONNECT, so the message is kept without `expiresAt` and the interval beside it.
 */
export interface Will {
  message: Message;
  expirySeconds: number | undefined;
  /** 5.0 Will Delay Interval; 0 for 3.x. */
  delaySeconds: number;
}

/** Connection state. */
export type ConnectionState =
  | { kind: 'awaiting-connect' }
  /** CONNECT parsed, authenticator not answered yet; later packets wait. */
  | { kind: 'authenticating'; clientId: string }
  /** 5.0 enhanced authentication: we sent AUTH 0x18 and wait for the client's AUTH; only AUTH may come. */
  | { kind: 'auth-exchange'; clientId: string; plan: ConnectPlan }
  | {
      kind: 'connected';
      clientId: string;
      session: Session;
      will: Will | undefined;
      /** Session Expiry Interval from CONNECT; 0 forbids raising it at DISCONNECT [MQTT-3.14.2-2]. */
      connectExpiry: number;
      /** The CONNECT's Authentication Method; re-authentication must use the same [MQTT-4.12.1-1]. */
      authMethod: string | undefined;
    }
  | {
      kind: 'closed';
      reason: string;
      clientId: string | undefined;
      /** Set when the connection had been accepted: its session needs end-of-connection handling. */
      session: Session | undefined;
      /** The will to publish now, if the close was not a normal DISCONNECT [MQTT-3.1.2-8]. */
      will: Will | undefined;
    };

/** What can happen to a connection. */
export type ConnectionEvent =
  | { type: 'connect-received'; clientId: string }
  | { type: 'auth-challenge'; plan: ConnectPlan }
  | { type: 'accepted'; clientId: string; session: Session; will: Will | undefined; connectExpiry: number; authMethod: string | undefined }
  | { type: 'close'; reason: string; publishWill: boolean };

/** Raised for a transition the protocol code should never attempt. */
export class InvalidTransition extends Error {}

/** The one place connection state changes. Closing a closed connection keeps it closed. */
export function transition(state: ConnectionState, event: ConnectionEvent): ConnectionState {
  switch (event.type) {
    case 'connect-received':
      if (state.kind !== 'awaiting-connect') throw new InvalidTransition(`CONNECT in state ${state.kind}`);
      return { kind: 'authenticating', clientId: event.clientId };
    case 'auth-challenge':
      if (state.kind !== 'authenticating' && state.kind !== 'auth-exchange') throw new InvalidTransition(`AUTH challenge in state ${state.kind}`);
      return { kind: 'auth-exchange', clientId: state.clientId, plan: event.plan };
    case 'accepted':
      if (state.kind !== 'authenticating' && state.kind !== 'auth-exchange') throw new InvalidTransition(`accept in state ${state.kind}`);
      return {
        kind: 'connected',
        clientId: event.clientId,
        session: event.session,
        will: event.will,
        connectExpiry: event.connectExpiry,
        authMethod: event.authMethod,
      };
    case 'close':
      switch (state.kind) {
        case 'closed':
          return state;
        case 'awaiting-connect':
          return { kind: 'closed', reason: event.reason, clientId: undefined, session: undefined, will: undefined };
        case 'authenticating':
        case 'auth-exchange':
          return { kind: 'closed', reason: event.reason, clientId: state.clientId, session: undefined, will: undefined };
        case 'connected':
          return {
            kind: 'closed',
            reason: event.reason,
            clientId: state.clientId,
            session: state.session,
            will: event.publishWill ? state.will : undefined, // DISCONNECT discards the will [MQTT-3.14.4-3]
          };
      }
  }
}

/** The connected variant, which most packet handlers work with. */
export type ConnectedState = Extract<ConnectionState, { kind: 'connected' }>;

/** The enhanced-authentication variant. */
export type AuthExchangeState = Extract<ConnectionState, { kind: 'auth-exchange' }>;
