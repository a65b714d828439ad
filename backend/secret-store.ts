/**
 * Profile secrets (passwords, key passphrases) live apart from profiles.json, in a file only
 * its owner can read, each value sealed by a {@link SecretCipher}: Electron's safeStorage
 * (the OS keyring) in the desktop app, none beyond file permissions in browser mode. A value
 * sealed by a cipher that is not available now (say, the keyring's, read in browser mode)
 * is kept as it is and never overwritten by a blank.
 */

import path from 'node:path';
import { DeskError } from '../shared/errors';
import type { Profile } from '../shared/profile';
import type { StoreFormat } from '../shared/store-version';
import { writeFileAtomic } from './atomic-file';
import { loadVersioned } from './versioned-file';

/** secrets.json versions: 1 is the only one so far. */
export const SECRETS_FORMAT: StoreFormat = { name: 'secrets', current: 1, steps: {} };

/** Seals and opens secret strings. `kind` is stored with every value. */
export interface SecretCipher {
  readonly kind: string;
  seal(plain: string): string;
  open(sealed: string): string;
}

/** Browser mode: the secrets file is readable by its owner only; values are not encrypted. */
export const ownerOnlyFileCipher: SecretCipher = {
  kind: 'owner-only-file',
  seal: (plain) => plain,
  open: (sealed) => sealed,
};

/** The secrets of one profile. */
export interface ProfileSecrets {
  password: string;
  passphrase: string;
}

interface SealedEntry {
  cipher: string;
  password?: string;
  passphrase?: string;
}

interface SecretFile {
  version: 1;
  secrets: Record<string, SealedEntry>;
  /** Fields of a newer version this one keeps as they are. */
  [other: string]: unknown;
}

/** Takes the secrets out of a profile: what goes to profiles.json, and what goes here. */
export function splitSecrets(profile: Profile): { profile: Profile; secrets: ProfileSecrets } {
  return {
    profile: { ...profile, password: '', tls: { ...profile.tls, passphrase: '' } },
    secrets: { password: profile.password, passphrase: profile.tls.passphrase },
  };
}

/** Puts secrets back into a profile read from profiles.json. */
export function mergeSecrets(profile: Profile, secrets: ProfileSecrets | undefined): Profile {
  if (!secrets) return profile;
  // A profile file from before secrets moved out may still hold them: keep those.
  return {
    ...profile,
    password: secrets.password || profile.password,
    tls: { ...profile.tls, passphrase: secrets.passphrase || profile.tls.passphrase },
  };
}

/** The secrets file of one config directory. */
export class SecretStore {
  /** Absolute path of the secrets file. */
  readonly file: string;

  constructor(
    configDir: string,
    private readonly cipher: SecretCipher = ownerOnlyFileCipher,
  ) {
    this.file = path.join(configDir, 'secrets.json');
  }

  /** Opens every entry sealed by the current cipher; others read as blank (and are kept). */
  async readAll(): Promise<Map<string, ProfileSecrets>> {
    const file = await this.readFile();
    const out = new Map<string, ProfileSecrets>();
    for (const [id, entry] of Object.entries(file.secrets)) {
      if (entry.cipher !== this.cipher.kind) continue;
      try {
        out.set(id, {
          password: entry.password ? this.cipher.open(entry.password) : '',
          passphrase: entry.passphrase ? this.cipher.open(entry.passphrase) : '',
        });
      } catch (error) {
        throw new DeskError('STORE_CORRUPT', `${this.file}: the secrets of profile ${id} cannot be opened (${(error as Error).message}). The file was left as it is.`);
      }
    }
    return out;
  }

  /**
   * Stores the secrets of the given profiles and drops entries of profiles that no longer
   * exist. Blank secrets over an entry this cipher cannot open keep that entry.
   */
  async writeAll(current: ReadonlyMap<string, ProfileSecrets>): Promise<void> {
    const before = await this.readFile();
    const secrets: Record<string, SealedEntry> = {};
    for (const [id, value] of current) {
      const previous = before.secrets[id];
      const blank = !value.password && !value.passphrase;
      if (blank && previous && previous.cipher !== this.cipher.kind) {
        secrets[id] = previous;
        continue;
      }
      if (blank) continue;
      // Fields of the entry this version does not know stay with it.
      const { cipher: _c, password: _p, passphrase: _s, ...unknown } = previous ?? { cipher: '' };
      secrets[id] = {
        ...unknown,
        cipher: this.cipher.kind,
        ...(value.password ? { password: this.cipher.seal(value.password) } : {}),
        ...(value.passphrase ? { passphrase: this.cipher.seal(value.passphrase) } : {}),
      };
    }
    const { version: _v, secrets: _s, ...rest } = before;
    const body: SecretFile = { ...rest, version: 1, secrets };
    await writeFileAtomic(this.file, JSON.stringify(body, null, 2) + '\n', 0o600);
  }

  private async readFile(): Promise<SecretFile> {
    let loaded;
    try {
      loaded = await loadVersioned(this.file, SECRETS_FORMAT);
    } catch (error) {
      if (error instanceof DeskError && error.code === 'STORE_CORRUPT') throw new DeskError('STORE_CORRUPT', `${error.message}. The file was left as it is; fix or move it.`);
      throw error;
    }
    if (!loaded) return { version: 1, secrets: {} };
    const secrets = loaded.data.secrets;
    if (typeof secrets !== 'object' || secrets === null || Array.isArray(secrets)) {
      throw new DeskError('STORE_CORRUPT', `${this.file}: no "secrets" object. The file was left as it is; fix or move it.`);
    }
    return loaded.data as SecretFile;
  }
}
