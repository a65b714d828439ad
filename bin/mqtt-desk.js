#!/usr/bin/env node
// The `mqtt-desk` command. It runs the bundles `npm run build` makes (dist/cli/mqtt-desk.js
// and the broker `mqtt-desk broker` starts, dist/broker-sidecar/main.js) and builds them first
// when they are missing or older than the sources, so `npx mqtt-desk ...` works right after
// `npm ci`, before any build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist', 'cli', 'mqtt-desk.js');
const broker = path.join(root, 'dist', 'broker-sidecar', 'main.js');

/** The newest modification time of the TypeScript sources the bundle is made from. */
function newestSource() {
  let newest = statSync(path.join(root, 'package.json')).mtimeMs;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(file).mtimeMs);
    }
  };
  for (const dir of ['backend', 'shared', 'broker-sidecar']) walk(path.join(root, dir));
  return newest;
}

const newest = newestSource();
if (![bundle, broker].every((file) => existsSync(file) && statSync(file).mtimeMs >= newest)) {
  try {
    const { buildCli } = await import(pathToFileURL(path.join(root, 'build', 'scripts', 'cli-build.mjs')).href);
    await buildCli(root);
  } catch (error) {
    process.stderr.write(`mqtt-desk: cannot build ${path.relative(root, bundle)} (${error.message}); run "npm ci" and "npm run build".\n`);
    process.exit(1);
  }
}
await import(pathToFileURL(bundle).href);
