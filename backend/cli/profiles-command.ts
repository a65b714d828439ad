/**
 * `mqtt-desk profiles ls | show NAME [--mosquitto-sub] | export [NAME...] [--include-secrets]
 * | import FILE`: the desk's saved profiles, read and written through the same stores and
 * the same import and export code as the app.
 */

import { promises as fs } from 'node:fs';
import { exportProfiles } from '../../shared/profile-transfer';
import type { Profile } from '../../shared/profile';
import { profileToMosquittoSub } from '../../shared/command-line-profile';
import { CollectionStore } from '../collection-store';
import { resolveConfigDir } from '../config-dir';
import { importProfiles } from '../profile-import';
import { ProfileStore } from '../profile-store';
import type { CliIo } from './cli-io';
import { findIn, noProfile } from './mosquitto-tools';

/** `mqtt-desk profiles --help`. */
export const PROFILES_USAGE = `mqtt-desk profiles: the desk's saved connection profiles.

Usage: mqtt-desk profiles ls
       mqtt-desk profiles show NAME [--mosquitto-sub]
       mqtt-desk profiles export [NAME...] [--include-secrets]
       mqtt-desk profiles import FILE
 ls                 one line per profile: name, then protocol://host:port
 show NAME          the profile as JSON (secrets blanked); --mosquitto-sub prints the
                    mosquitto_sub command that connects the same way instead
 export [NAME...]   an MQTT Desk export of the named profiles (all without names) on stdout;
                    secrets only with --include-secrets
 import FILE        profiles from an MQTT Desk, MQTTX, MQTT Explorer (settings.json) or
                    MQTT.fx (mqttfx-config.xml) file; '-' reads stdin. A file that does not
                    read is refused with the reason and changes nothing; an entry
                    that does not check out is named and left out (exit code 1).
The profiles live in the desk's config directory (MQTT_DESK_CONFIG_DIR moves it).
`;

/** Runs a profiles subcommand; resolves to the exit code. */
export async function runProfiles(argv: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  const flags = rest.filter((a) => a.startsWith('--'));
  const names = rest.filter((a) => !a.startsWith('--') || a === '-');
  const fail = (text: string) => {
    io.stderr(`Error: ${text}\n`);
    return 1;
  };
  const allowOnly = (allowed: string[]) => flags.find((f) => !allowed.includes(f));
  const dir = resolveConfigDir(io.env);
  const profiles = new ProfileStore(dir);
  try {
    switch (sub) {
      case 'ls': {
        const bad = allowOnly([]) ?? names[0];
        if (bad !== undefined) return fail(`profiles ls takes no arguments (got '${bad}').`);
        for (const p of await profiles.list()) io.stdout(`${p.name}\t${p.protocol}://${p.host}:${p.port}\n`);
        return 0;
      }
      case 'show': {
        const bad = allowOnly(['--mosquitto-sub']);
        if (bad) return fail(`Unknown option '${bad}' for profiles show.`);
        if (names.length !== 1) return fail('profiles show takes one profile name.');
        const profile = await find(profiles, names[0]!);
        if (flags.includes('--mosquitto-sub')) {
          const line = profileToMosquittoSub(profile, profile.subscriptions);
          for (const warning of line.warnings) io.stderr(`Warning: ${warning}.\n`);
          io.stdout(`${line.command}\n`);
        } else {
          io.stdout(JSON.stringify(exportProfiles([profile], { includeSecrets: false, now: new Date() }).profiles[0], null, 2) + '\n');
        }
        return 0;
      }
      case 'export': {
        const bad = allowOnly(['--include-secrets']);
        if (bad) return fail(`Unknown option '${bad}' for profiles export.`);
        const chosen = names.length ? await Promise.all(names.map((n) => find(profiles, n))) : await profiles.list();
        io.stdout(JSON.stringify(exportProfiles(chosen, { includeSecrets: flags.includes('--include-secrets'), now: new Date() }), null, 2) + '\n');
        return 0;
      }
      case 'import': {
        const bad = allowOnly([]);
        if (bad) return fail(`Unknown option '${bad}' for profiles import.`);
        if (names.length !== 1) return fail('profiles import takes one file (- for stdin).');
        const file = names[0]!;
        let text: string;
        try {
          text = file === '-' ? await readAll(io.stdin()) : await fs.readFile(file, 'utf8');
        } catch (error) {
          return fail(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}.`);
        }
        let outcome;
        try {
          outcome = await importProfiles(text, profiles, new CollectionStore(dir));
        } catch (error) {
          return fail(`${file}: ${(error as Error).message}. Nothing was imported.`);
        }
        for (const p of outcome.imported) io.stdout(`Imported profile ${p.name} (${p.protocol}://${p.host}:${p.port})\n`);
        for (const c of outcome.collections) io.stdout(`Imported collection ${c.name} (${c.requests.length} requests)\n`);
        for (const s of outcome.skipped) io.stderr(`Skipped ${s.name}: ${s.reason}\n`);
        for (const w of outcome.warnings) io.stderr(`Warning: ${w}\n`);
        // A script must notice an entry left out; the ones that checked out are saved.
        return outcome.skipped.length ? 1 : 0;
      }
      case undefined:
      case '--help':
        io.stdout(PROFILES_USAGE);
        return sub === undefined ? 1 : 0;
      default:
        return fail(`Unknown profiles command '${sub}' (ls, show, export or import).`);
    }
  } catch (error) {
    // A profiles file that is newer, broken or missing a name: the store's own message.
    return fail((error as Error).message);
  }
}

async function find(store: ProfileStore, nameOrId: string): Promise<Profile> {
  const found = findIn(await store.list(), nameOrId);
  if (!found) throw new Error(noProfile(nameOrId));
  return found;
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}
