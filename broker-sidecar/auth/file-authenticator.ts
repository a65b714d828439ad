/**
 * The mosquitto-style Authenticator: allow_anonymous, a mosquitto_passwd file, an ACL file
 * and use_identity_as_username, decided the way mosquitto 2.0 decides them.
 *
 * The Authenticator interface hands the authorize hooks only a client id, so the username a
 * client connected with is remembered here from `authenticate`. A newer connection with the
 * same id replaces the entry (as the broker's take-over does); the broker's `disconnected`
 * hook (= `forget`) drops it once the client is gone for good. The TLS identity comes as
 * `tlsIdentity` on the request, and the broker asks `authorizeRead` per delivered message.
 */

import type { AuthDecision, Authenticator, ConnectRequest } from '../authenticator';
import { silentLogger, type Logger } from '../logger';
import { loadAclFile, type AclFile } from './acl-file';
import { hashPassword, loadPasswordFile, verifyPassword, type PasswordHash, type PasswordTable } from './password-file';

/** A CONNECT, plus the client certificate's identity (subject CN) on TLS listeners that have one. */
export type ConnectWithIdentity = ConnectRequest & { tlsIdentity?: string };

/** What the file authenticator is built from (already loaded files). */
export interface FileAuthenticatorOptions {
  allowAnonymous: boolean;
  /** Without one, a username proves nothing: such clients count as anonymous for admission. */
  passwords?: PasswordTable;
  /** Without one, every publish and subscribe is allowed. */
  acl?: AclFile;
  /** Use the client certificate's identity as the username, ignoring CONNECT's username/password. */
  useIdentityAsUsername?: boolean;
  logger?: Logger;
}

/** File paths to load, as a parsed mosquitto.conf gives them. */
export interface FileAuthenticatorFiles {
  allowAnonymous: boolean;
  passwordFile: string | undefined;
  aclFile: string | undefined;
  useIdentityAsUsername?: boolean;
  logger?: Logger;
}

/**
 * Verified against when the user is unknown, so that "no such user" takes as long as "wrong
 * password" and usernames cannot be probed by timing.
 */
let decoy: Promise<PasswordHash> | undefined;

/** mosquitto-compatible access control from password and ACL files. */
export class FileAuthenticator implements Authenticator {
  private readonly usernames = new Map<string, string | undefined>();
  private readonly log: Logger;

  constructor(private readonly options: FileAuthenticatorOptions) {
    this.log = options.logger ?? silentLogger;
  }

  async authenticate(request: ConnectWithIdentity): Promise<AuthDecision> {
    const decision = await this.decide(request);
    if (decision.ok) {
      this.usernames.set(request.clientId, decision.username);
      return { ok: true };
    }
    this.usernames.delete(request.clientId);
    this.log({ level: 'notice', clientId: request.clientId, message: `Client ${request.clientId} refused: ${decision.why}` });
    return { ok: false, reason: decision.reason };
  }

  private async decide(
    request: ConnectWithIdentity,
  ): Promise<{ ok: true; username: string | undefined } | { ok: false; reason: 'bad-credentials' | 'not-authorized'; why: string }> {
    const { passwords, allowAnonymous } = this.options;
    if (this.options.useIdentityAsUsername) {
      // mosquitto: the certificate is the credential; CONNECT's username/password are ignored.
      if (request.tlsIdentity === undefined) return { ok: false, reason: 'not-authorized', why: 'no client certificate identity' };
      return { ok: true, username: request.tlsIdentity };
    }
    const { username, password } = request;
    if (username === undefined || passwords === undefined) {
      // Without a password file a username is unverified, so admission is the anonymous rule;
      // mosquitto still applies the username's ACL section, and so do we.
      if (allowAnonymous) return { ok: true, username };
      return { ok: false, reason: 'not-authorized', why: username === undefined ? 'anonymous access is off' : 'no password file to check the username against' };
    }
    const entry = passwords.get(username);
    const stored = entry?.hash ?? (await (decoy ??= hashPassword('decoy')));
    const matches = await verifyPassword(stored, password ?? Buffer.alloc(0));
    if (entry && password !== undefined && matches) return { ok: true, username };
    // mosquitto answers "not authorised" (0x87 / 5) here too, not "bad user name or password".
    return { ok: false, reason: 'not-authorized', why: entry ? `wrong password for "${username}"` : `unknown user "${username}"` };
  }

  /** The username the client was admitted with (undefined: anonymous or not connected). */
  usernameOf(clientId: string): string | undefined {
    return this.usernames.get(clientId);
  }

  /** Drops what was remembered about a client once it has gone. */
  forget(clientId: string): void {
    this.usernames.delete(clientId);
  }

  /** The broker's hook for a client gone for good: same as `forget`. */
  disconnected(clientId: string): void {
    this.forget(clientId);
  }

  authorizePublish(clientId: string, topic: string): boolean {
    const acl = this.options.acl;
    if (!acl || acl.canWrite(this.usernameOf(clientId), clientId, topic)) return true;
    this.log({ level: 'debug', clientId, message: `Denied PUBLISH to "${topic}" (ACL)` });
    return false;
  }

  authorizeSubscribe(clientId: string, filter: string): boolean {
    const acl = this.options.acl;
    if (!acl || acl.canSubscribe(this.usernameOf(clientId), clientId, filter)) return true;
    this.log({ level: 'debug', clientId, message: `Denied SUBSCRIBE to "${filter}" (ACL)` });
    return false;
  }

  /** Whether a publisher, by client ID and username, may write `topic`: check_retain_source asks this of retained messages. */
  mayPublishAs(clientId: string, username: string | undefined, topic: string): boolean {
    const acl = this.options.acl;
    return !acl || acl.canWrite(username, clientId, topic);
  }

  /** Whether a message on `topic` may be delivered to the client (the check mosquitto makes per message). */
  authorizeRead(clientId: string, topic: string): boolean {
    const acl = this.options.acl;
    return !acl || acl.canRead(this.usernameOf(clientId), clientId, topic);
  }
}

/** Loads the files named by (a listener's) security settings and builds the authenticator. */
export async function createFileAuthenticator(files: FileAuthenticatorFiles): Promise<FileAuthenticator> {
  const [passwords, acl] = await Promise.all([
    files.passwordFile === undefined ? undefined : loadPasswordFile(files.passwordFile),
    files.aclFile === undefined ? undefined : loadAclFile(files.aclFile),
  ]);
  return new FileAuthenticator({
    allowAnonymous: files.allowAnonymous,
    passwords,
    acl,
    useIdentityAsUsername: files.useIdentityAsUsername,
    logger: files.logger,
  });
}
