/**
 * Importing a profiles file (MQTT Desk, MQTTX, MQTT Explorer, MQTT.fx): the one path the
 * app's "Import" and `mqtt-desk profiles import` share. A file that does not read is
 * refused with the reason before anything is saved.
 */

import type { Collection } from '../shared/collections';
import { DeskError } from '../shared/errors';
import type { Profile } from '../shared/profile';
import { parseProfileImport, type ImportSource } from '../shared/profile-transfer';
import type { CollectionStore } from './collection-store';
import type { ProfileStore } from './profile-store';

/** What an import saved, and what it left out and why. */
export interface ImportOutcome {
  source: ImportSource;
  imported: Profile[];
  skipped: Array<{ name: string; reason: string }>;
  warnings: string[];
  collections: Collection[];
}

/**
 * Reads the file's text and saves its profiles (and the collections it brings).
 * @throws DeskError INVALID_ARGUMENTS with the reason when the file cannot be read; nothing is saved then.
 */
export async function importProfiles(json: string, profiles: ProfileStore, collections: CollectionStore): Promise<ImportOutcome> {
  let parsed;
  try {
    parsed = parseProfileImport(json);
  } catch (error) {
    throw new DeskError('INVALID_ARGUMENTS', (error as Error).message, { json: (error as Error).message });
  }
  // Collections first: one that does not check out refuses the file before anything is saved.
  const added = await collections.addAll(parsed.collections);
  const imported = [];
  const skipped = [...parsed.skipped];
  for (const profile of parsed.profiles) {
    try {
      imported.push(await profiles.save(profile, { verify: false }));
    } catch (error) {
      // A profile whose schema files do not compile is listed, not saved.
      if (!(error instanceof DeskError && error.code === 'INVALID_PROFILE')) throw error;
      skipped.push({ name: profile.name, reason: Object.entries(error.fields ?? {}).map(([f, m]) => `${f}: ${m}`).join('; ') || error.message });
    }
  }
  return { source: parsed.source, imported, skipped, warnings: parsed.warnings, collections: added };
}
