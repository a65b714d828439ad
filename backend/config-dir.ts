/** Where the app keeps its files: the user's config directory, or MQTT_DESK_CONFIG_DIR. */

import os from 'node:os';
import path from 'node:path';

/** Environment variable that moves every config file (tests point it at a temp dir). */
export const CONFIG_DIR_ENV = 'MQTT_DESK_CONFIG_DIR';

/** Resolves the config directory by the platform's convention unless overridden. */
export function resolveConfigDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const override = env[CONFIG_DIR_ENV];
  if (override) return path.resolve(override);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'MQTT Desk');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'MQTT Desk');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'mqtt-desk');
}
