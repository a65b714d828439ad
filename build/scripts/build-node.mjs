// Bundles the Node-side entry points with esbuild: the backend (browser mode and the
// launcher), the `mqtt-desk` command and the broker sidecar (both by cli-build.mjs, which the
// `mqtt-desk` launcher also uses), the Electron main process and preload. Dependencies stay
// external (node_modules is present wherever these run); the preload is bundled whole
// because a sandboxed preload can only require 'electron'.
import { build } from 'esbuild';
import { buildCli } from './cli-build.mjs';

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning' };

await Promise.all([
  buildCli(),
  build({
    ...common,
    entryPoints: { 'backend/web-main': 'backend/web-main.ts', 'backend/start': 'backend/start.ts' },
    outdir: 'dist',
    format: 'esm',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
  }),
  build({
    ...common,
    entryPoints: { 'electron/main': 'electron/main-entry.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    packages: 'external',
  }),
  build({
    ...common,
    entryPoints: { 'electron/preload': 'electron/preload.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.cjs' },
    format: 'cjs',
    external: ['electron'],
  }),
]);
