/**
 * `npm start`: the desktop window where Electron can run, browser mode otherwise — and it
 * says which and why. Electron's binary is fetched on first use by the electron package
 * itself, so `npm ci` never needs the network for it.
 */

import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { desktopBlocker } from './start-checks';
import { runWebMode } from './web-mode';

/**
 * Finds the Electron binary, fetching it on first use with the electron package's own
 * installer (its output captured, so a failure reads as one line, not a stack trace).
 */
function electronBinary(): { path: string } | { error: string } {
  const require = createRequire(import.meta.url);
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { error: 'the electron package is not installed (run npm ci)' };
  }
  if (!existsSync(path.join(packageDir, 'path.txt'))) {
    console.log('MQTT Desk: fetching the Electron binary (first start only)...');
    const install = spawnSync(process.execPath, [path.join(packageDir, 'install.js')], { encoding: 'utf8', timeout: 10 * 60_000 });
    if (install.status !== 0) {
      const cause = `${install.stderr ?? ''}`.split('\n').find((line) => line.trim()) ?? `exit ${install.status}`;
      return { error: `the Electron binary is not installed and could not be downloaded (${cause.trim()})` };
    }
  }
  try {
    const binary: unknown = require('electron');
    if (typeof binary !== 'string') return { error: 'the electron package did not return a binary path' };
    return { path: binary };
  } catch (error) {
    return { error: `the Electron binary could not be loaded (${(error as Error).message.split('\n')[0]})` };
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
