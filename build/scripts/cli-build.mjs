// The `mqtt-desk` command's bundle, shared by `npm run build` (build-node.mjs) and the bin
// launcher (bin/mqtt-desk.js), which builds it on first use so `npx mqtt-desk` works right
// after `npm ci`.
import { build } from 'esbuild';

/** Where the bundle goes, relative to the repository root. */
export const CLI_OUTFILE = 'dist/cli/mqtt-desk.js';

/**
 * Bundles backend/cli/main.ts into CLI_OUTFILE, and the broker `mqtt-desk broker` starts
 * (dist/broker-sidecar/main.js, which is also the `mqtt-desk-broker` bin). Dependencies
 * stay in node_modules.
 */
export async function buildCli(root = process.cwd()) {
  const common = { absWorkingDir: root, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', sourcemap: true, logLevel: 'warning' };
  await Promise.all([
    build({ ...common, entryPoints: ['backend/cli/main.ts'], outfile: CLI_OUTFILE }),
    build({ ...common, entryPoints: { 'broker-sidecar/main': 'broker-sidecar/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } }),
  ]);
}
