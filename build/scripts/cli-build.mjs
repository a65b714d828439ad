// The `mqtt-desk` command's bundle, shared by `npm run build` (build-node.mjs) and the bin
// launcher (bin/mqtt-desk.js), which builds it on first use so `npx mqtt-desk` works right
// after `npm ci`.
import { build } from 'esbuild';

/** Where the bundle goes, relative to the repository root. */
export const CLI_OUTFILE = 'dist/cli/mqtt-desk.js';

/** Bundles backend/cli/main.ts into CLI_OUTFILE (dependencies stay in node_modules). */
export async function buildCli(root = process.cwd()) {
  await build({
    absWorkingDir: root,
    entryPoints: ['backend/cli/main.ts'],
    outfile: CLI_OUTFILE,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}
