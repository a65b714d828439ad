import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectRequest } from '../../broker-sidecar/authenticator';
import type { LogEntry } from '../../broker-sidecar/logger';
import { ConfigError } from '../../broker-sidecar/config/config-error';
import { parseAclFile } from '../../broker-sidecar/auth/acl-file';
import { FileAuthenticator, createFileAuthenticator, type ConnectWithIdentity } from '../../broker-sidecar/auth/file-authenticator';
import { formatPasswordFile, hashPassword, parsePasswordFile, type PasswordTable } from '../../broker-sidecar/auth/password-file';

// The Authenticator on its own, without a broker: admission, the username it remembers per
// client id, and the ACL decisions made with that username.

let passwords: PasswordTable;
const acl = parseAclFile('topic read public/#\nuser alice\ntopic readwrite alice/#\nuser carol\ntopic read carol/#\npattern write clients/%c/#\n', 'acl');

beforeAll(async () => {
  const text = formatPasswordFile([
    { username: 'alice', hash: await hashPassword('alice-pw') },
    { username: 'bob', hash: await hashPassword('bob-pw', { iterations: 1000 }) },
  ]);
  // carol's line is the old $6$ format, as written by `mosquitto_passwd -H sha512 -b f carol pw3`.
  passwords = parsePasswordFile(`${text}carol:$6$ZqFu9aL89z8c7VLD$T1tbG0uxbCdHVwgluQgrYheDT7mKJq0Wik5EcAHfZo3u2/UD1dnXl5f0E9boiYrgWpp/Z5gtTRsHokTcddbPaw==\n`, 'passwd');
});

function request(username?: string, password?: string, extra: Partial<ConnectWithIdentity> = {}): ConnectWithIdentity {
  const base: ConnectRequest = {
    clientId: 'c1',
    username,
    password: password === undefined ? undefined : Buffer.from(password),
    protocolVersion: 5,
    remoteAddress: '127.0.0.1',
  };
  return { ...base, ...extra };
}

describe('admission', () => {
  const refused = { ok: false, reason: 'not-authorized' } as const;
  const accepted = { ok: true } as const;
  it.each([
    { name: 'anonymous, allowed', anon: true, files: false, req: () => request(), expected: accepted },
    { name: 'anonymous, not allowed', anon: false, files: false, req: () => request(), expected: refused },
    { name: 'a username without a password file counts as anonymous (allowed)', anon: true, files: false, req: () => request('x', 'y'), expected: accepted },
    { name: 'a username without a password file counts as anonymous (not allowed)', anon: false, files: false, req: () => request('x', 'y'), expected: refused },
    { name: 'the right password', anon: false, files: true, req: () => request('alice', 'alice-pw'), expected: accepted },
    { name: 'the right password with other iterations', anon: false, files: true, req: () => request('bob', 'bob-pw'), expected: accepted },
    { name: 'the right password, $6$ entry', anon: false, files: true, req: () => request('carol', 'pw3'), expected: accepted },
    { name: 'a wrong password (mosquitto says not authorised, too)', anon: false, files: true, req: () => request('alice', 'bob-pw'), expected: refused },
    { name: 'a username without a password', anon: true, files: true, req: () => request('alice'), expected: refused },
    { name: 'an unknown user', anon: true, files: true, req: () => request('mallory', 'alice-pw'), expected: refused },
    { name: 'anonymous next to a password file, allowed', anon: true, files: true, req: () => request(), expected: accepted },
    { name: 'anonymous next to a password file, not allowed', anon: false, files: true, req: () => request(), expected: refused },
  ])('$name', async ({ anon, files, req, expected }) => {
    const auth = new FileAuthenticator({ allowAnonymous: anon, passwords: files ? passwords : undefined });
    expect(await auth.authenticate(req())).toEqual(expected);
  });

  it.each([
    { name: 'the certificate identity becomes the username', req: request('ignored', 'ignored', { tlsIdentity: 'alice' }), ok: true, username: 'alice' },
    { name: 'without a certificate identity the client is refused', req: request('alice', 'alice-pw'), ok: false, username: undefined },
  ])('use_identity_as_username: $name', async ({ req, ok, username }) => {
    const auth = new FileAuthenticator({ allowAnonymous: false, passwords, useIdentityAsUsername: true });
    expect((await auth.authenticate(req)).ok).toBe(ok);
    expect(auth.usernameOf('c1')).toBe(username);
  });
});

describe('ACL decisions follow the username a client connected with', () => {
  it.each([
    { name: 'alice publishes in her tree', user: 'alice', pw: 'alice-pw', publish: 'alice/x', subscribe: 'alice/#', ok: [true, true, true] },
    { name: 'alice does not get the anonymous section', user: 'alice', pw: 'alice-pw', publish: 'public/x', subscribe: 'public/#', ok: [false, false, false] },
    { name: 'anonymous reads public only', user: undefined, pw: undefined, publish: 'public/x', subscribe: 'public/#', ok: [false, true, true] },
    { name: 'the %c pattern uses the client id', user: undefined, pw: undefined, publish: 'clients/c1/out', subscribe: 'clients/c1/in', ok: [true, false, false] },
    { name: 'carol ($6$) reads her tree', user: 'carol', pw: 'pw3', publish: 'carol/x', subscribe: 'carol/+', ok: [false, true, true] },
  ])('$name', async ({ user, pw, publish, subscribe, ok }) => {
    const auth = new FileAuthenticator({ allowAnonymous: true, passwords, acl });
    expect(await auth.authenticate(request(user, pw))).toEqual({ ok: true });
    // [publish to `publish`, subscribe to `subscribe`, receive a message on `publish`]
    expect([auth.authorizePublish('c1', publish), auth.authorizeSubscribe('c1', subscribe), auth.authorizeRead('c1', publish)]).toEqual(ok);
  });

  it('allows everything without an ACL file', async () => {
    const auth = new FileAuthenticator({ allowAnonymous: true });
    await auth.authenticate(request());
    expect([auth.authorizePublish('c1', 'any/thing'), auth.authorizeSubscribe('c1', '#'), auth.authorizeRead('c1', 'x')]).toEqual([true, true, true]);
  });

  it('forgets a username on a refused reconnect and on forget()', async () => {
    const auth = new FileAuthenticator({ allowAnonymous: true, passwords, acl });
    await auth.authenticate(request('alice', 'alice-pw'));
    expect(auth.authorizePublish('c1', 'alice/x')).toBe(true);
    await auth.authenticate(request('alice', 'wrong'));
    expect([auth.usernameOf('c1'), auth.authorizePublish('c1', 'alice/x')]).toEqual([undefined, false]);
    await auth.authenticate(request('alice', 'alice-pw'));
    auth.forget('c1');
    expect(auth.authorizePublish('c1', 'alice/x')).toBe(false);
  });
});

describe('logging hooks', () => {
  it('reports refusals as notices and ACL denials as debug entries', async () => {
    const entries: LogEntry[] = [];
    const auth = new FileAuthenticator({ allowAnonymous: false, passwords, acl, logger: (e) => entries.push(e) });
    await auth.authenticate(request('alice', 'nope'));
    await auth.authenticate(request('alice', 'alice-pw'));
    auth.authorizePublish('c1', 'elsewhere');
    auth.authorizeSubscribe('c1', 'elsewhere/#');
    expect(entries).toEqual([
      { level: 'notice', clientId: 'c1', message: 'Client c1 refused: wrong password for "alice"' },
      { level: 'debug', clientId: 'c1', message: 'Denied PUBLISH to "elsewhere" (ACL)' },
      { level: 'debug', clientId: 'c1', message: 'Denied SUBSCRIBE to "elsewhere/#" (ACL)' },
    ]);
  });
});

describe('createFileAuthenticator', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-fileauth-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the password and ACL files named by the settings', async () => {
    writeFileSync(path.join(dir, 'passwd'), formatPasswordFile([...passwords.values()]));
    writeFileSync(path.join(dir, 'acl'), 'user alice\ntopic alice/#\n');
    const auth = await createFileAuthenticator({ allowAnonymous: false, passwordFile: path.join(dir, 'passwd'), aclFile: path.join(dir, 'acl') });
    expect(await auth.authenticate(request('alice', 'alice-pw'))).toEqual({ ok: true });
    expect([auth.authorizePublish('c1', 'alice/1'), auth.authorizePublish('c1', 'bob/1')]).toEqual([true, false]);
  });

  it('fails with the file and line of a bad entry', async () => {
    writeFileSync(path.join(dir, 'bad-acl'), 'user alice\ntopik x\n');
    const attempt = createFileAuthenticator({ allowAnonymous: true, passwordFile: undefined, aclFile: path.join(dir, 'bad-acl') });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(attempt).rejects.toThrow(`${path.join(dir, 'bad-acl')}:2: unknown keyword "topik"`);
  });
});
