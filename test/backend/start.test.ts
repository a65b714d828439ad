/**
 * `npm start` where Electron cannot open a window (no display, or no binary): the launcher
 * must say why and serve the same UI in browser mode.
 */

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { desktopBlocker } from '../../backend/start-checks';

describe('desktopBlocker', () => {
  it.each([
    [{}, 'linux', /no display/],
    [{ DISPLAY: ':0' }, 'linux', undefined],
    [{ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', undefined],
    [{}, 'darwin', undefined],
    [{}, 'win32', undefined],
    [{ DISPLAY: ':0', MQTT_DESK_BROWSER: '1' }, 'linux', /MQTT_DESK_BROWSER=1/],
  ] as const)('%j on %s', (env, platform, expected) => {
    const reason = desktopBlocker(env, platform);
    if (expected) expect(reason).toMatch(expected);
    else expect(reason).toBeUndefined();
  });
});

function runUntilUrl(env: NodeJS.ProcessEnv): Promise<{ output: string; url: string; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['dist/backend/start.js', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no URL within 15 s:\n${output}`));
    }, 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({
          output,
          url: match[1]!,
          kill: async () => {
            child.kill('SIGTERM');
            await exited;
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('close', (code) => reject(new Error(`exited ${code} before printing a URL:\n${output}`)));
  });
}

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) =>
    http
      .get(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject),
  );
}

/** Fails, never skips, when the launcher was not built: a skipped test would read as a pass. */
function requireBuiltLauncher(): void {
  if (!existsSync('dist/backend/start.js')) throw new Error('dist/backend/start.js is missing: run "npm run build" first (npm test does).');
}

describe('npm start without a usable Electron', () => {
  beforeAll(requireBuiltLauncher);

  it('says why and serves the UI in browser mode', async () => {
    const configDir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-start-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: os.homedir(), MQTT_DESK_CONFIG_DIR: configDir };
    const run = await runUntilUrl(env);
    try {
      expect(run.output).toMatch(/desktop window not opened: no display/);
      expect(run.output).toMatch(/browser mode/);
      expect(await status(run.url)).toBe(200);
    } finally {
      await run.kill();
      rmSync(configDir, { recursive: true, force: true });
    }
  });

  it('falls back when the Electron binary cannot be had, naming the cause', async () => {
    const configDir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-start-'));
    // A display is claimed, so the launcher goes on to look for Electron's binary, which
    // cannot be downloaded here (no route to its host) and is not installed.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: os.homedir(),
      MQTT_DESK_CONFIG_DIR: configDir,
      DISPLAY: ':99',
      ELECTRON_GET_USE_PROXY: '',
      electron_config_cache: configDir,
      ELECTRON_MIRROR: 'http://127.0.0.1:9/',
    };
    const run = await runUntilUrl(env);
    try {
      expect(run.output).toMatch(/desktop window not opened: the Electron binary is not installed and could not be downloaded \(.+\)|Electron exited at start/);
      expect(await status(run.url)).toBe(200);
    } finally {
      await run.kill();
      rmSync(configDir, { recursive: true, force: true });
    }
  });
});
