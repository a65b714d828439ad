/**
 * Who may connect, publish and subscribe. Injected into the broker so that password files
 * and ACLs (later issues) are just other implementations; the default lets everyone in.
 */

import type { ListenerProfile } from './options';
import type { ProtocolVersion } from './types';

/** What the broker knows about a client when it asks for a decision. */
export interface ConnectRequest {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  protocolVersion: ProtocolVersion;
  remoteAddress: string;
  /**
   * The subject CN of the client certificate, on TLS listeners that asked for one; what
   * mosquitto's use_identity_as_username turns into the username.
   */
  tlsIdentity?: string;
}

/** One step of a 5.0 enhanced authentication (§4.12). */
export interface AuthRequest {
  clientId: string;
  username: string | undefined;
  /** The Authentication Method of the CONNECT; every step of one exchange has the same. */
  method: string;
  data: Buffer | undefined;
  /**
   * 'connect': the CONNECT itself; 'continue': the client's AUTH 0x18 answering our
   * challenge; 'reauthenticate': the client's AUTH 0x19 after CONNACK.
   */
  step: 'connect' | 'continue' | 'reauthenticate';
  remoteAddress: string;
}

/**
 * The hook's answer: accept (optionally with final data for the CONNACK / AUTH 0x00),
 * challenge the client with more data (AUTH 0x18), or refuse with a 5.0 reason code
 * (default 0x87 Not authorized) and an optional Reason String.
 */
export type AuthStepResult =
  | { kind: 'success'; data?: Buffer }
  | { kind: 'continue'; data?: Buffer }
  | { kind: 'fail'; reasonCode?: number; reason?: string };

/** The outcome of authentication; `reason` picks the CONNACK code. */
export type AuthDecision = { ok: true } | { ok: false; reason: 'bad-credentials' | 'not-authorized' };

/**
 * Decides access. `authenticate` may be async (a password file, a remote service); the
 * connection holds back later packets until it settles. The authorize hooks are sync
 * because they run on the hot path of every PUBLISH/SUBSCRIBE.
 */
export interface Authenticator {
  authenticate(request: ConnectRequest): AuthDecision | Promise<AuthDecision>;
  /**
   * Enhanced authentication (5.0 AUTH exchanges). Without it, a CONNECT with an
   * Authentication Method is refused with CONNACK 0x8C. With it, such CONNECTs are decided
   * here alone (`authenticate` is not called for them).
   */
  auth?(request: AuthRequest): AuthStepResult | Promise<AuthStepResult>;
  authorizePublish?(clientId: string, topic: string): boolean;
  authorizeSubscribe?(clientId: string, filter: string): boolean;
  /**
   * Whether a message on `topic` may be delivered to the client: asked once per delivery,
   * retained ones included, as mosquitto checks read access per message.
   */
  authorizeRead?(clientId: string, topic: string): boolean;
  /** The username a connected client was admitted with (for where a retained message came from). */
  usernameOf?(clientId: string): string | undefined;
  /**
   * Whether a publisher, known by client ID and username, may still write a topic: asked
   * before a retained message goes to a new subscriber (mosquitto's check_retain_source).
   */
  mayPublishAs?(clientId: string, username: string | undefined, topic: string): boolean;
  /**
   * The client is gone for good (its session ended, or it disconnected without one), so
   * whatever was remembered about it may be dropped. Not called for a take-over: the new
   * connection already owns the client ID.
   */
  disconnected?(clientId: string): void;
}

/** What a listener contributes to a connection accepted on it. */
export interface ListenerAccess {
  /** This listener's authenticator (per_listener_settings); default: the broker's. */
  authenticator?: Authenticator;
  /** Client certificate CN (or subject, or TLS-PSK identity), on TLS listeners that use identities. */
  tlsIdentity?: string;
  /** The listener's options and connection limit; default: the broker's options, no limit. */
  profile?: ListenerProfile;
}

/** The default: anonymous access, everything allowed, as a local debugging broker expects. */
export const allowAll: Authenticator = {
  authenticate: () => ({ ok: true }),
};
