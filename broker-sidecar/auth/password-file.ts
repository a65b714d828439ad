/**
 * mosquitto_passwd files: `user:$7$ITERATIONS$SALT$HASH` (PBKDF2-SHA512, mosquitto 2's
 * default) and the older `user:$6$SALT$HASH` (one SHA-512 of password then salt), base64
 * throughout. Defaults checked against Debian's mosquitto_passwd 2.0.11: 101 iterations,
 * 12-byte salt, 64-byte hash. Hashing runs on the libuv pool (crypto.pbkdf2), never on the
 * event loop, and comparisons are constant-time.
 */

import { createHash, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { IssueList, sourceLines } from '../config/config-error';

const pbkdf2Async = promisify(pbkdf2);

/** mosquitto_passwd's defaults for new `$7$` entries. */
export const PBKDF2_DEFAULTS = { iterations: 101, saltBytes: 12, hashBytes: 64 } as const;

/** A stored password hash. */
export type PasswordHash =
  | { kind: 'pbkdf2-sha512'; iterations: number; salt: Buffer; hash: Buffer }
  | { kind: 'sha512'; salt: Buffer; hash: Buffer };

/** One `user:hash` line. */
export interface PasswordEntry {
  username: string;
  hash: PasswordHash;
  /** 1-based line in the file it came from (0 for entries made in memory). */
  line: number;
}

/** A parsed password file: username to hash. */
export type PasswordTable = Map<string, PasswordEntry>;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function decode(text: string | undefined): Buffer | undefined {
  if (text === undefined || !BASE64.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, 'base64');
}

/** Parses the part after `user:`; undefined when it is not a hash mosquitto 2 accepts. */
export function parsePasswordHash(text: string): PasswordHash | undefined {
  const parts = text.split('$');
  if (parts[0] !== '') return undefined;
  if (parts[1] === '7' && parts.length === 5) {
    const iterations = /^\d{1,9}$/.test(parts[2]!) ? Number(parts[2]) : 0;
    const salt = decode(parts[3]);
    const hash = decode(parts[4]);
    if (iterations < 1 || !salt || !hash) return undefined;
    return { kind: 'pbkdf2-sha512', iterations, salt, hash };
  }
  if (parts[1] === '6' && parts.length === 4) {
    const salt = decode(parts[2]);
    const hash = decode(parts[3]);
    if (!salt || !hash) return undefined;
    return { kind: 'sha512', salt, hash };
  }
  return undefined;
}

/** Formats a hash the way mosquitto_passwd writes it. */
export function formatPasswordHash(hash: PasswordHash): string {
  return hash.kind === 'pbkdf2-sha512'
    ? `$7$${hash.iterations}$${hash.salt.toString('base64')}$${hash.hash.toString('base64')}`
    : `$6$${hash.salt.toString('base64')}$${hash.hash.toString('base64')}`;
}

/** Why a username cannot go into a password file, or undefined when it can. */
export function checkUsername(username: string): string | undefined {
  if (username === '') return 'username must not be empty';
  if (username.includes(':')) return 'username must not contain ":"';
  if (/[\r\n]/.test(username)) return 'username must not contain a line break';
  return undefined;
}

/**
 * Parses password-file text; `file` names it in errors. Blank lines and `#` comments are
 * skipped. Plain-text passwords, unknown hash types and repeated users are errors (mosquitto 2
 * refuses unhashed entries too). Throws ConfigError listing every bad line.
 */
export function parsePasswordFile(text: string, file: string): PasswordTable {
  const issues = new IssueList(file);
  const table: PasswordTable = new Map();
  for (const { line, raw } of sourceLines(text)) {
    // Usernames may contain spaces, so the line is split at its first colon only.
    const whole = raw.trim();
    const colon = whole.indexOf(':');
    if (colon < 0) {
      issues.add(line, 'expected "user:hash"');
      continue;
    }
    const username = whole.slice(0, colon);
    const hash = parsePasswordHash(whole.slice(colon + 1));
    const bad = checkUsername(username);
    if (bad) issues.add(line, bad);
    else if (!hash) issues.add(line, `password of "${username}" is not a $7$ or $6$ hash (run mosquitto_passwd -U on plain-text files)`);
    else if (table.has(username)) issues.add(line, `user "${username}" repeats line ${table.get(username)!.line}`);
    else table.set(username, { username, hash, line });
  }
  issues.throwIfAny();
  return table;
}

/** Reads and parses a password file. */
export async function loadPasswordFile(file: string): Promise<PasswordTable> {
  return parsePasswordFile(await readFile(file, 'utf8'), file);
}

/** Hashes a new password as mosquitto_passwd does by default ($7$, 101 iterations, 12-byte salt). */
export async function hashPassword(password: string | Buffer, options: { iterations?: number; salt?: Buffer } = {}): Promise<PasswordHash> {
  const iterations = options.iterations ?? PBKDF2_DEFAULTS.iterations;
  const salt = options.salt ?? randomBytes(PBKDF2_DEFAULTS.saltBytes);
  const hash = await pbkdf2Async(password, salt, iterations, PBKDF2_DEFAULTS.hashBytes, 'sha512');
  return { kind: 'pbkdf2-sha512', iterations, salt, hash };
}

async function derive(stored: PasswordHash, password: string | Buffer): Promise<Buffer> {
  if (stored.kind === 'pbkdf2-sha512') {
    return pbkdf2Async(password, stored.salt, stored.iterations, stored.hash.length, 'sha512');
  }
  return createHash('sha512').update(password).update(stored.salt).digest();
}

/** Whether `password` matches `stored`, compared in constant time. */
export async function verifyPassword(stored: PasswordHash, password: string | Buffer): Promise<boolean> {
  const derived = await derive(stored, password);
  return derived.length === stored.hash.length && timingSafeEqual(derived, stored.hash);
}

/** Formats a whole file, one `user:hash` line per entry, in the order given. */
export function formatPasswordFile(entries: Iterable<{ username: string; hash: PasswordHash }>): string {
  let out = '';
  for (const e of entries) out += `${e.username}:${formatPasswordHash(e.hash)}\n`;
  return out;
}

/** What passwdCommand did. */
export type PasswdResult = 'created' | 'updated';

/**
 * `mqtt-desk-broker passwd FILE USER [PASSWORD]`: adds USER to FILE, or replaces their hash,
 * creating the file (mode 0600) when missing. Other lines, comments included, are kept as they
 * are. The file is replaced atomically, so a crash never leaves half a file behind.
 */
export async function passwdCommand(file: string, user: string, password?: string): Promise<PasswdResult> {
  if (password === undefined) throw new Error('passwd: a password argument is required (no interactive prompt yet)');
  const bad = checkUsername(user);
  if (bad) throw new Error(`passwd: ${bad}`);
  if (/[\r\n]/.test(password)) throw new Error('passwd: password must not contain a line break');

  let text = '';
  let mode = 0o600;
  try {
    text = await readFile(file, 'utf8');
    mode = (await stat(file)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const existing = parsePasswordFile(text, file).get(user);
  const entry = `${user}:${formatPasswordHash(await hashPassword(password))}`;

  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  if (existing) lines[existing.line - 1] = entry;
  else lines.push(entry);

  const temp = `${file}.tmp-${process.pid}`;
  await writeFile(temp, `${lines.join('\n')}\n`, { mode });
  await chmod(temp, mode);
  await rename(temp, file);
  return existing ? 'updated' : 'created';
}
