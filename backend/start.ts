/**
 * `npm start`: the desktop window where Electron can run, browser mode otherwise — and it
 * says which and why. Electron's binary is fetched on first use by the electron package
 * itself, so `npm ci` never needs the network for it.
 */

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { runWebMode } from './web-mode';

/** Why the desktop app cannot start here, or undefined when it can. */
export function desktopBlocker(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  if (env.MQTT_DESK_BROWSER === '1') return 'MQTT_DESK_BROWSER=1 is set';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return undefined;
}

/** Finds the Electron binary, downloading it on first use; a message when that fails. */
function electronBinary(): { path: string } | { error: string } {
  try {
    const require = createRequire(import.meta.url);
    const binary: unknown = require('electron');
    if (typeof binary !== 'string') return { error: 'the electron package did not return a binary path' };
    return { path: binary };
  } catch (error) {
    return { error: `the Electron binary is not installed and could not be downloaded (${(error as Error).message.split('\n')[0]})` };
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const blocker = desktopBlocker(process.env, process.platform);
  if (blocker) return runWebMode(argv, `desktop window not opened: ${blocker}. Serving the same UI in your browser instead.`);
  const electron = electronBinary();
  if ('error' in electron) return runWebMode(argv, `desktop window not opened: ${electron.error}. Serving the same UI in your browser instead.`);

  const appDir = fileURLToPath(new URL('../../', import.meta.url));
  const started = Date.now();
  const child = spawn(electron.path, [appDir], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    // A window that dies within seconds never really opened (missing libraries, no GPU
    // stack…): fall back rather than leave the user with nothing.
    if (code !== 0 && Date.now() - started < 5000) {
      void runWebMode(argv, `Electron exited at start (${signal ?? `code ${code}`}). Serving the same UI in your browser instead.`);
      return;
    }
    process.exit(code ?? 1);
  });
}

main().catch((error: Error) => {
  console.error(`MQTT Desk: ${error.message}`);
  process.exit(1);
});
