/**
 * Profiles as one JSON file in the config directory, their secrets in a second one (see
 * secret-store.ts). Writes are atomic (temp file + rename) and serialised; a file that does
 * not parse is reported with its line and moved aside unchanged, never overwritten, so a
 * hand edit gone wrong loses nothing and the app can go on. The file is versioned
 * (shared/store-version.ts): an older one is migrated with a backup kept, a newer one is
 * refused untouched, and fields this version does not know survive every rewrite.
 */

import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { DeskError } from '../shared/errors';
import { checkSchemas } from '../shared/schema-codecs/compile';
import { checkProfile, type Profile } from '../shared/profile';
import { unknownFields, withUnknownFields, type StoreFormat } from '../shared/store-version';
import { writeFileAtomic } from './atomic-file';
import { mergeSecrets, SecretStore, splitSecrets, type ProfileSecrets, type SecretCipher } from './secret-store';
import { loadVersioned, moveAside } from './versioned-file';

/**
 * profiles.json versions. 1: every file before versions mattered (the first ones kept
 * passwords in it); 2: secrets only in secrets.json. Going to 2 is a rewrite, which moves
 * any password still in the file to the secrets file.
 */
export const PROFILES_FORMAT: StoreFormat = { name: 'profiles', current: 2, steps: { 1: (data) => data } };

interface ProfileFile {
  version: number;
  profiles: Profile[];
}

/** Reads and writes the profile file. */
export class ProfileStore {
  /** Absolute path of the JSON file. */
  readonly file: string;
  private queue: Promise<unknown> = Promise.resolve();

  private readonly secrets: SecretStore;
  /** Fields of each profile (by id) and of the file that this version does not know. */
  private readonly extras = new Map<string, Record<string, unknown>>();
  private fileExtras: Record<string, unknown> = {};

  /**
   * @param options.verify extra checks that need Node (files, PEM parsing); throws
   *   DeskError INVALID_PROFILE with field messages to refuse the save.
   * @param options.cipher seals passwords and passphrases (safeStorage in Electron).
   */
  constructor(
    configDir: string,
    private readonly options: { verify?: (profile: Profile) => Promise<void>; cipher?: SecretCipher } = {},
  ) {
    this.file = path.join(configDir, 'profiles.json');
    this.secrets = new SecretStore(configDir, options.cipher);
  }

  /** All saved profiles, in saved order. */
  list(): Promise<Profile[]> {
    return this.serial(() => this.read());
  }

  /** Finds one profile. @throws DeskError NOT_FOUND */
  async get(id: string): Promise<Profile> {
    const profile = (await this.list()).find((p) => p.id === id);
    if (!profile) throw new DeskError('NOT_FOUND', `No profile with id ${id}`);
    return profile;
  }

  /**
   * Validates and saves a profile, creating it when it has no id. `verify: false` skips the
   * Node-side checks (imports keep profiles whose certificate files are elsewhere; the
   * problem shows when connecting or editing).
   * @throws DeskError INVALID_PROFILE with a message per field.
   */
  async save(input: unknown, options: { verify?: boolean } = {}): Promise<Profile> {
    const check = checkProfile(input);
    if (!check.ok) {
      const first = Object.entries(check.fields)[0];
      throw new DeskError('INVALID_PROFILE', `Profile is not valid: ${first?.[1] ?? 'unknown problem'}`, check.fields);
    }
    // Schema files are compiled at save, so a .proto that does not parse is refused next to its field.
    const schemaProblems = checkSchemas(check.profile.schemas);
    const firstProblem = Object.values(schemaProblems)[0];
    if (firstProblem) throw new DeskError('INVALID_PROFILE', `Schema is not valid: ${firstProblem}`, schemaProblems);
    const profile: Profile = { ...check.profile, id: check.profile.id ?? randomUUID() };
    if (options.verify !== false) await this.options.verify?.(profile);
    return this.serial(async () => {
      const profiles = await this.read();
      const index = profiles.findIndex((p) => p.id === profile.id);
      if (index >= 0) profiles[index] = profile;
      else profiles.push(profile);
      await this.write(profiles);
      return profile;
    });
  }

  /** Deletes a profile; reports whether it existed. */
  delete(id: string): Promise<{ deleted: boolean }> {
    return this.serial(async () => {
      const profiles = await this.read();
      const remaining = profiles.filter((p) => p.id !== id);
      if (remaining.length === profiles.length) return { deleted: false };
      await this.write(remaining);
      return { deleted: true };
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<Profile[]> {
    const { profiles, migrated } = await this.readProfiles();
    if (profiles.length === 0) {
      if (migrated) await this.write(profiles);
      return profiles;
    }
    const secrets = await this.secrets.readAll();
    const merged = profiles.map((profile) => mergeSecrets(profile, secrets.get(profile.id)));
    // A migrated file is rewritten at once in this version's form (its backup is kept),
    // with the secrets in place so the write moves any still in profiles.json out.
    if (migrated) await this.write(merged);
    return merged;
  }

  private async readProfiles(): Promise<{ profiles: Profile[]; migrated: boolean }> {
    let loaded;
    try {
      loaded = await loadVersioned(this.file, PROFILES_FORMAT);
    } catch (error) {
      // Unreadable: moved aside; newer: refused and left exactly where it is.
      if (error instanceof DeskError && error.code === 'STORE_CORRUPT') throw await this.setAside(error.message);
      throw error;
    }
    this.extras.clear();
    this.fileExtras = {};
    if (!loaded) return { profiles: [], migrated: false };
    const { version: _version, profiles: entries, ...rest } = loaded.data;
    if (!Array.isArray(entries)) throw await this.setAside(`${this.file}: expected {"version": ${PROFILES_FORMAT.current}, "profiles": [...]}`);
    this.fileExtras = rest;
    const profiles: Profile[] = [];
    for (const [index, entry] of entries.entries()) {
      const check = checkProfile(entry);
      const id = (entry as { id?: unknown } | null)?.id;
      if (!check.ok || typeof id !== 'string') {
        const problem = check.ok ? 'id: missing' : Object.entries(check.fields).map(([f, m]) => `${f}: ${m}`).join('; ');
        throw await this.setAside(`${this.file}: profile #${index + 1} is not valid (${problem})`);
      }
      const extra = unknownFields(entry, check.profile);
      if (extra) this.extras.set(id, extra);
      profiles.push({ ...check.profile, id });
    }
    return { profiles, migrated: loaded.backup !== undefined };
  }

  private setAside(problem: string): Promise<DeskError> {
    return moveAside(this.file, problem);
  }

  private async write(profiles: Profile[]): Promise<void> {
    const secrets = new Map<string, ProfileSecrets>();
    const stored = profiles.map((full) => {
      const split = splitSecrets(full);
      secrets.set(full.id, split.secrets);
      return split.profile;
    });
    // Secrets first: a crash between the two writes leaves a secret without its profile
    // (dropped on the next write), never a profile whose password is gone.
    await this.secrets.writeAll(secrets);
    const body: ProfileFile = { ...this.fileExtras, version: PROFILES_FORMAT.current, profiles: stored.map((p) => withUnknownFields(p, this.extras.get(p.id))) };
    await writeFileAtomic(this.file, JSON.stringify(body, null, 2) + '\n', 0o600);
  }
}
