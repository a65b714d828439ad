/**
 * App settings in settings.json (versioned, see shared/store-version.ts): for now the
 * desktop window's size and position. Before versions the window lived alone in
 * window-state.json; that file is migrated into settings.json and kept as a backup.
 * Settings are never worth stopping the app for: an unreadable file is moved aside, a
 * newer one is left alone and nothing is saved over it.
 */

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DeskError } from '../shared/errors';
import type { StoreFormat } from '../shared/store-version';
import { writeFileAtomic } from './atomic-file';
import { loadVersioned } from './versioned-file';

/** settings.json versions. 0: window-state.json, the window's geometry alone; 1: settings.json. */
export const SETTINGS_FORMAT: StoreFormat = {
  name: 'settings',
  current: 1,
  unversioned: 0,
  steps: { 0: ({ version: _v, ...window }) => ({ window }) },
};

/** What settings.json holds; unknown fields of newer versions are kept as they are. */
export interface Settings {
  window?: Record<string, unknown>;
  [other: string]: unknown;
}

/** The settings file of one config directory. */
export class SettingsStore {
  readonly file: string;
  private readonly legacy: string;
  /** Set when the file is newer than this version: nothing is written over it. */
  private frozen = false;

  constructor(configDir: string) {
    this.file = path.join(configDir, 'settings.json');
    this.legacy = path.join(configDir, 'window-state.json');
  }

  /** The settings; {} when there are none or they cannot be read (the reason is in `problem`). */
  async read(): Promise<{ settings: Settings; problem?: string }> {
    let file = this.file;
    try {
      let loaded = await loadVersioned(file, SETTINGS_FORMAT);
      if (!loaded) {
        file = this.legacy;
        loaded = await loadVersioned(file, SETTINGS_FORMAT);
        if (loaded) {
          await this.write(loaded.data);
          // Its content is in settings.json now and a copy in the backup beside it.
          await fs.rm(this.legacy, { force: true });
        }
      } else if (loaded.backup) await this.write(loaded.data);
      const { version: _v, ...settings } = loaded?.data ?? {};
      return { settings };
    } catch (error) {
      if (!(error instanceof DeskError)) throw error;
      if (error.code === 'STORE_TOO_NEW') this.frozen = true;
      if (error.code === 'STORE_CORRUPT') {
        const aside = file.replace(/\.json$/, `.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
        await fs.rename(file, aside).catch(() => undefined);
        return { settings: {}, problem: `${error.message}. Moved to ${aside}.` };
      }
      return { settings: {}, problem: error.message };
    }
  }

  /** Changes some settings, keeping the rest. Does nothing over a newer file. */
  async update(patch: Settings): Promise<void> {
    const { settings } = await this.read();
    if (this.frozen) return;
    await this.write({ ...settings, ...patch });
  }

  private async write(settings: Record<string, unknown>): Promise<void> {
    const { version: _v, ...rest } = settings;
    await writeFileAtomic(this.file, JSON.stringify({ version: SETTINGS_FORMAT.current, ...rest }, null, 2) + '\n', 0o600);
  }
}
