/**
 * Reading a versioned store file (see shared/store-version.ts) from disk: JSON errors with
 * their line and column, a newer file refused untouched, an older one copied to a backup
 * beside it before the caller writes the migrated form.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DeskError } from '../shared/errors';
import { jsonErrorLocation } from '../shared/json-location';
import { StoreVersionError, upgradeDocument, type StoreFormat, type Upgraded } from '../shared/store-version';

/** A file read and brought to the current version; `backup` when it was migrated. */
export interface LoadedStore extends Upgraded {
  backup?: string;
}

/** Turns JSON.parse's error into ":line:column" so the user can find the mistake. */
export function jsonLocation(text: string, error: Error): string {
  const where = jsonErrorLocation(text, error);
  return where ? `:${where.line}:${where.column}` : '';
}

/** Where the copy of a file written by an older version goes: name.vN.backup.ext. */
export async function backupPath(file: string, version: number): Promise<string> {
  const ext = path.extname(file);
  const base = file.slice(0, file.length - ext.length);
  const plain = `${base}.v${version}.backup${ext}`;
  try {
    await fs.access(plain);
  } catch {
    return plain;
  }
  // An earlier migration left one already: keep both.
  return `${base}.v${version}.backup-${new Date().toISOString().replace(/[:.]/g, '-')}${ext}`;
}

/**
 * Reads `file`; undefined when it does not exist.
 * @throws DeskError STORE_CORRUPT (JSON or version unreadable, with file:line:column),
 *   STORE_TOO_NEW (written by a newer version; the file is left as it is), STORE_IO.
 */
export async function loadVersioned(file: string, format: StoreFormat): Promise<LoadedStore | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DeskError('STORE_IO', `Cannot read ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new DeskError('STORE_CORRUPT', `${file}${jsonLocation(text, error as Error)}: ${(error as Error).message}`);
  }
  let upgraded: Upgraded;
  try {
    upgraded = upgradeDocument(format, parsed);
  } catch (error) {
    if (!(error instanceof StoreVersionError)) throw error;
    throw new DeskError(error.kind === 'too-new' ? 'STORE_TOO_NEW' : 'STORE_CORRUPT', `${file}: ${error.message}`);
  }
  if (upgraded.from === format.current) return upgraded;
  const backup = await backupPath(file, upgraded.from);
  try {
    await fs.copyFile(file, backup);
    await fs.chmod(backup, 0o600);
  } catch (error) {
    throw new DeskError('STORE_IO', `Cannot keep a backup of ${file} before migrating it: ${(error as Error).message}`);
  }
  return { ...upgraded, backup };
}

/**
 * Moves a store file that cannot be read aside, untouched, so the app can go on with an
 * empty list and nothing is lost; returns the error that tells the user where it went.
 */
export async function moveAside(file: string, problem: string): Promise<DeskError> {
  const aside = file.replace(/\.json$/, `.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  try {
    await fs.rename(file, aside);
  } catch (error) {
    return new DeskError('STORE_CORRUPT', `${problem}. It could not be moved aside (${(error as Error).message}); fix it to go on.`);
  }
  return new DeskError('STORE_CORRUPT', `${problem}. The file was moved to ${aside}, unchanged; fix it and import it again. MQTT Desk goes on with an empty list.`);
}
