/**
 * `mqtt-desk broker [options]`: the desk's MQTT broker (broker-sidecar/), run as its own
 * process as the app runs it, never imported. Every option goes to it unchanged (`-c
 * mosquitto.conf`, `-p PORT`, `-v`, `--help`); signals are passed on and its exit code is
 * the command's.
 */

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliIo } from './cli-io';

/** The built broker: dist/broker-sidecar/main.js of the package this bundle belongs to. */
export function brokerScript(env: NodeJS.ProcessEnv, from = fileURLToPath(import.meta.url)): string | undefined {
  if (env.MQTT_DESK_BROKER_SCRIPT) return env.MQTT_DESK_BROKER_SCRIPT;
  // The bundle sits in dist/cli/ (or a test's cache folder): walk up to the package root.
  for (let dir = path.dirname(from); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const script = path.join(dir, 'dist', 'broker-sidecar', 'main.js');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(script)) return script;
  }
  return undefined;
}

/** Runs the broker until it exits; resolves to its exit code. */
export function runBroker(argv: string[], io: CliIo): Promise<number> {
  const script = brokerScript(io.env);
  if (!script) {
    io.stderr("Error: The broker is not built (dist/broker-sidecar/main.js): run 'npm run build'.\n");
    return Promise.resolve(1);
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...argv], { stdio: 'inherit', env: io.env });
    const stopSignals = io.onSignal((signal) => child.kill(signal));
    child.once('error', (error) => {
      stopSignals();
      io.stderr(`Error: Cannot start the broker: ${error.message}\n`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      stopSignals();
      resolve(code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1));
    });
  });
}
