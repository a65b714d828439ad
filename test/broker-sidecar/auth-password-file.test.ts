import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../broker-sidecar/config/config-error';
import {
  PBKDF2_DEFAULTS,
  formatPasswordHash,
  hashPassword,
  loadPasswordFile,
  parsePasswordFile,
  passwdCommand,
  verifyPassword,
} from '../../broker-sidecar/auth/password-file';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto';

// Files written by Debian's mosquitto_passwd are read and verified here, and files written here
// are given to Debian's mosquitto, which must let the right password in and keep a wrong one out.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-passwd-'));
  chmodSync(dir, 0o755); // mosquitto reads the file as the mosquitto user
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function mosquittoPasswd(args: string[]): void {
  execFileSync('/usr/bin/mosquitto_passwd', args, { timeout: 5000, stdio: 'pipe' });
}

describe('files written by mosquitto_passwd', () => {
  const users = [
    { user: 'alice', password: 'secret', hashArgs: [] },
    { user: 'bob', password: 'with:colon and spaces', hashArgs: [] },
    { user: 'carol', password: 'old-style', hashArgs: ['-H', 'sha512'] },
    { user: 'dave', password: 'ünïcødé', hashArgs: [] },
    { user: 'eve  with spaces', password: 'pw', hashArgs: [] },
  ];
  let file: string;
  beforeAll(() => {
    file = path.join(dir, 'from-mosquitto');
    writeFileSync(file, '');
    for (const u of users) mosquittoPasswd([...u.hashArgs, '-b', file, u.user, u.password]);
  });

  it('uses $7$ with 101 iterations, a 12-byte salt and a 64-byte hash by default, $6$ with -H sha512', async () => {
    const table = await loadPasswordFile(file);
    const alice = table.get('alice')!.hash;
    expect(alice).toMatchObject({ kind: 'pbkdf2-sha512', iterations: PBKDF2_DEFAULTS.iterations });
    expect([alice.salt.length, alice.hash.length]).toEqual([PBKDF2_DEFAULTS.saltBytes, PBKDF2_DEFAULTS.hashBytes]);
    expect(table.get('carol')!.hash.kind).toBe('sha512');
  });

  it.each(users)('verifies $user: the right password and not a wrong one', async ({ user, password }) => {
    const stored = (await loadPasswordFile(file)).get(user)!.hash;
    expect(await verifyPassword(stored, password)).toBe(true);
    expect(await verifyPassword(stored, Buffer.from(password, 'utf8'))).toBe(true);
    expect(await verifyPassword(stored, `${password}x`)).toBe(false);
    expect(await verifyPassword(stored, '')).toBe(false);
  });

  it('writes each line back exactly as mosquitto_passwd did', async () => {
    const text = readFileSync(file, 'utf8');
    const table = parsePasswordFile(text, file);
    const rewritten = [...table.values()].map((e) => `${e.username}:${formatPasswordHash(e.hash)}\n`).join('');
    expect(rewritten).toBe(text);
  });
});

describe('bad password files name file and line', () => {
  const good = 'alice:$7$101$+5lNZg8IDM03MQBp$tfRJQm8A7bAifNFLG0FCq2Z42bVRWm2yK7bd2mJoumM5B3X8k0zw2lsEY3dxlz8FcM7Zgvvgd8JWxcA/kZX+PA==';
  const cases = [
    { name: 'a line without a colon', text: 'alice\n', errors: ['1: expected "user:hash"'] },
    { name: 'a plain-text password', text: 'alice:secret\n', errors: ['1: password of "alice" is not a $7$ or $6$ hash (run mosquitto_passwd -U on plain-text files)'] },
    { name: 'an unknown hash type', text: 'alice:$5$abc$def\n', errors: [expect.stringMatching(/^1: password of "alice" is not/)] },
    { name: 'zero iterations', text: good.replace('$101$', '$0$'), errors: [expect.stringMatching(/^1: password of "alice"/)] },
    { name: 'a salt that is not base64', text: good.replace('+5lN', '!5lN'), errors: [expect.stringMatching(/^1: password of "alice"/)] },
    { name: 'an empty username', text: good.replace('alice', ''), errors: ['1: username must not be empty'] },
    { name: 'a user twice', text: `${good}\n${good}\n`, errors: ['2: user "alice" repeats line 1'] },
    {
      name: 'every bad line at once, comments and blanks skipped',
      text: `# comment\n\nbroken\n${good}\nbob:plain\n`,
      errors: ['3: expected "user:hash"', '5: password of "bob" is not a $7$ or $6$ hash (run mosquitto_passwd -U on plain-text files)'],
    },
  ];
  it.each(cases)('$name', ({ text, errors }) => {
    let thrown: unknown;
    try {
      parsePasswordFile(text, 'passwd');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).issues.map((i) => `${i.line}: ${i.message}`)).toEqual(errors);
    expect((thrown as ConfigError).message).toMatch(/^passwd:\d+: /);
  });
});

describe('passwdCommand', () => {
  it('creates a missing file with mode 0600 and one entry that verifies', async () => {
    const file = path.join(dir, 'created');
    expect(await passwdCommand(file, 'alice', 'pw1')).toBe('created');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const table = await loadPasswordFile(file);
    expect([...table.keys()]).toEqual(['alice']);
    expect(await verifyPassword(table.get('alice')!.hash, 'pw1')).toBe(true);
  });

  it('updates an existing user in place and keeps comments and other users', async () => {
    const file = path.join(dir, 'updated');
    writeFileSync(file, '# managed by hand\n');
    await passwdCommand(file, 'alice', 'one');
    await passwdCommand(file, 'bob', 'two');
    expect(await passwdCommand(file, 'alice', 'three')).toBe('updated');
    const lines = readFileSync(file, 'utf8').split('\n');
    expect([lines[0], lines[1]!.split(':')[0], lines[2]!.split(':')[0], lines[3]]).toEqual(['# managed by hand', 'alice', 'bob', '']);
    const table = await loadPasswordFile(file);
    expect(await verifyPassword(table.get('alice')!.hash, 'three')).toBe(true);
    expect(await verifyPassword(table.get('bob')!.hash, 'two')).toBe(true);
  });

  it.each([
    { name: 'a username with a colon', user: 'a:b', password: 'x', error: 'passwd: username must not contain ":"' },
    { name: 'an empty username', user: '', password: 'x', error: 'passwd: username must not be empty' },
    { name: 'no password', user: 'alice', password: undefined, error: /a password argument is required/ },
    { name: 'a password with a line break', user: 'alice', password: 'a\nb', error: 'passwd: password must not contain a line break' },
  ])('refuses $name', async ({ user, password, error }) => {
    await expect(passwdCommand(path.join(dir, 'refused'), user, password)).rejects.toThrow(error);
  });

  it('refuses to touch a file with bad lines, naming the line', async () => {
    const file = path.join(dir, 'broken');
    writeFileSync(file, 'alice:plain\n');
    await expect(passwdCommand(file, 'bob', 'x')).rejects.toThrow(`${file}:1: password of "alice"`);
    expect(readFileSync(file, 'utf8')).toBe('alice:plain\n');
  });

  it('verifies off the event loop: timers keep firing during a slow hash', async () => {
    const slow = await hashPassword('pw', { iterations: 200_000 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    try {
      expect(await verifyPassword(slow, 'pw')).toBe(true);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('hashes with the given salt and iterations deterministically', async () => {
    const a = await hashPassword('pw', { salt: Buffer.alloc(12, 1), iterations: 5 });
    const b = await hashPassword('pw', { salt: Buffer.alloc(12, 1), iterations: 5 });
    expect(formatPasswordHash(a)).toBe(formatPasswordHash(b));
    expect(formatPasswordHash(a)).toMatch(/^\$7\$5\$AQEBAQEBAQEBAQEB\$[A-Za-z0-9+/]{86}==$/);
  });
});

describe('Debian mosquitto accepts files written by passwdCommand', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    const file = path.join(dir, 'for-mosquitto');
    writeFileSync(file, '# comments and blank lines are kept, and mosquitto skips them too\n\n');
    await passwdCommand(file, 'alice', 'right one');
    await passwdCommand(file, 'bob', 'b0b');
    chmodSync(file, 0o644); // mosquitto drops to its own user before reading the file
    broker = await startMosquitto(['allow_anonymous false', `password_file ${file}`]);
  });
  afterAll(async () => {
    await broker?.stop();
  });

  function pub(args: string[]): Promise<{ ok: boolean; output: string }> {
    return new Promise((resolve) => {
      execFile('/usr/bin/mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-t', 't', '-m', 'm', ...args], { timeout: 5000 }, (error, stdout, stderr) =>
        resolve({ ok: error === null, output: stdout + stderr }),
      );
    });
  }

  it.each([
    { name: 'alice with her password', args: ['-u', 'alice', '-P', 'right one'], ok: true },
    { name: 'bob with his password, MQTT 3.1.1', args: ['-u', 'bob', '-P', 'b0b', '-V', 'mqttv311'], ok: true },
    { name: 'alice with a wrong password', args: ['-u', 'alice', '-P', 'wrong'], ok: false },
    { name: 'alice with bob’s password', args: ['-u', 'alice', '-P', 'b0b'], ok: false },
    { name: 'an unknown user', args: ['-u', 'eve', '-P', 'right one'], ok: false },
    { name: 'no credentials', args: [], ok: false },
  ])('$name → connected: $ok', async ({ args, ok }) => {
    const result = await pub(['-V', 'mqttv5', ...args]);
    expect(result.ok, result.output).toBe(ok);
    if (!ok) expect(result.output).toMatch(/not authori[sz]ed|Bad user name or password/i);
  });
});
