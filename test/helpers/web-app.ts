/** Runs the real backend and browser-mode server in the test process, on a temp config dir. */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBackend, type Backend } from '../../backend/backend';
import { startWebServer, type WebServer, type WebServerOptions } from '../../backend/web-server';

/** Built UI folder; `npm test` builds it before the tests run. */
export const STATIC_DIR = path.resolve('dist/renderer');

/** A backend plus its web server, and the temp dir they write to. */
export interface WebApp {
  backend: Backend;
  server: WebServer;
  configDir: string;
  stop(): Promise<void>;
}

/** The built sidecar broker. */
export const SIDECAR_SCRIPT = path.resolve('dist/broker-sidecar/main.js');

/**
 * Starts backend + server; the UI must have been built (npm run build). The local broker,
 * when started, asks for `sidecarPort` (give a free one: 1883 may be in use).
 */
export async function startWebApp(options: { sidecarPort?: number; sidecarConfig?: string; maxBufferedBytes?: number; onBatchSent?: WebServerOptions['onBatchSent'] } = {}): Promise<WebApp> {
  if (!existsSync(path.join(STATIC_DIR, 'index.html'))) {
    throw new Error(`${STATIC_DIR}/index.html is missing: run "npm run build" first (npm test does).`);
  }
  const configDir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-config-'));
  const backend = createBackend({
    configDir,
    sidecarScript: SIDECAR_SCRIPT,
    // Any free WebSocket port: 8083 may be taken on a developer's machine.
    sidecarWsPort: 0,
    ...(options.sidecarPort !== undefined ? { sidecarPort: options.sidecarPort } : {}),
    ...(options.sidecarConfig !== undefined ? { sidecarConfig: options.sidecarConfig } : {}),
  });
  const server = await startWebServer({ backend, staticDir: STATIC_DIR, ...(options.maxBufferedBytes !== undefined ? { maxBufferedBytes: options.maxBufferedBytes } : {}), ...(options.onBatchSent ? { onBatchSent: options.onBatchSent } : {}) });
  return {
    backend,
    server,
    configDir,
    stop: async () => {
      await server.close();
      await backend.close();
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}
