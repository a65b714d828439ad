/**
 * Who may connect, publish and subscribe. Injected into the broker so that password files
 * and ACLs (later issues) are just other implementations; the default lets everyone in.
 */

import type { ProtocolVersion } from './types';

/** What the broker knows about a client when it asks for a decision. */
export interface ConnectRequest {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  protocolVersion: ProtocolVersion;
  remoteAddress: string;
}

/** The outcome of authentication; `reason` picks the CONNACK code. */
export type AuthDecision = { ok: true } | { ok: false; reason: 'bad-credentials' | 'not-authorized' };

/**
 * Decides access. `authenticate` may be async (a password file, a remote service); the
 * connection holds back later packets until it settles. The authorize hooks are sync
 * because they run on the hot path of every PUBLISH/SUBSCRIBE.
 */
export interface Authenticator {
  authenticate(request: ConnectRequest): AuthDecision | Promise<AuthDecision>;
  authorizePublish?(clientId: string, topic: string): boolean;
  authorizeSubscribe?(clientId: string, filter: string): boolean;
}

/** The default: anonymous access, everything allowed, as a local debugging broker expects. */
export const allowAll: Authenticator = {
  authenticate: () => ({ ok: true }),
};
