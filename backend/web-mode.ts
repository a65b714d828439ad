/**
 * Browser mode: serves the built UI and the backend (127.0.0.1 by default) and prints the
 * URL with this run's token. Entered by `npm run web`, and by `npm start` without Electron.
 */

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createBackend } from './backend';
import { resolveConfigDir } from './config-dir';
import { messageLimitsFrom } from './message-store';
import { startWebServer } from './web-server';

/** Parses `--host` and `--port`; exits with a message on anything else. */
export function parseWebArgs(argv: string[]): { host: string; port: number } {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '0' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log('Usage: npm run web -- [--host 127.0.0.1] [--port 0]\n  --port 0 picks a free port.');
    process.exit(0);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${values.port}`);
  return { host: values.host, port };
}

/** Runs browser mode until SIGINT/SIGTERM. `reason` says why the desktop window is not used. */
export async function runWebMode(argv: string[], reason?: string): Promise<void> {
  const { host, port } = parseWebArgs(argv);
  const configDir = resolveConfigDir();
  const backend = createBackend({
    configDir,
    sidecarScript: fileURLToPath(new URL('../broker-sidecar/main.js', import.meta.url)),
    messageLimits: messageLimitsFrom(process.env),
  });
  const staticDir = fileURLToPath(new URL('../renderer/', import.meta.url));
  const server = await startWebServer({ backend, staticDir, host, port });
  if (reason) console.log(`MQTT Desk: ${reason}`);
  console.log(`MQTT Desk is running in browser mode. Open:\n\n  ${server.url}\n`);
  console.log(`Profiles: ${configDir}`);
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    console.log(`Warning: listening on ${host}; anyone who can reach it and has the URL can use your connections.`);
  }
  const stop = async () => {
    await server.close();
    await backend.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}
