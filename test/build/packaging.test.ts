/**
 * What can be checked of the installers without an Electron binary: the electron-builder
 * config is valid against electron-builder's own schema, the icons are generated from the
 * one SVG in every size, every file the config packs exists after a build, and runtime
 * dependencies hold only what the packed Node code loads.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';

const root = path.resolve('.');
const config = JSON.parse(readFileSync(path.join(root, 'build/electron-builder.json'), 'utf8')) as Record<string, unknown> & {
  linux: { icon: string; target: string[] };
  win: { icon: string; target: string[] };
  mac: { icon: string; target: string[] };
  extraMetadata: { main: string };
  asarUnpack: string[];
};
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; scripts: Record<string, string> };

/** What electron-builder's own JSON schema says is wrong with a config. */
function schemaErrors(candidate: Record<string, unknown>): Array<{ instancePath: string; message?: string }> {
  const schema = JSON.parse(readFileSync(path.join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(schema);
  const { $schema: _schema, ...rest } = candidate;
  return validate(rest) ? [] : (validate.errors ?? [{ instancePath: '', message: 'invalid' }]);
}

/** Package names a bundle imports or requires (Node built-ins left out). */
function externalImports(code: string): Set<string> {
  const found = new Set<string>();
  for (const match of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*)["']([a-z@][\w@.\-/]*)["']/g)) {
    const specifier = match[1]!;
    if (specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) continue;
    const parts = specifier.split('/');
    found.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!);
  }
  return found;
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('electron-builder config', () => {
  it("validates against electron-builder's schema", () => {
    expect(schemaErrors(config)).toEqual([]);
  });

  it('fails the same check for our config with one field broken, naming the field', () => {
    const broken = { ...config, linux: { ...config.linux, target: 42 } };
    expect(schemaErrors(broken)).toContainEqual(expect.objectContaining({ instancePath: '/linux/target' }));
  });

  it('targets AppImage and deb, nsis, and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(pkg.scripts.dist).toContain('electron-builder --config build/electron-builder.json');
  });

  it('generates every icon size from build/icon.svg', () => {
    // Rendered into a temp dir: the test never rewrites the repository's build/icons.
    const out = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-icons-'));
    try {
      execFileSync(process.execPath, ['build/scripts/make-icons.mjs', out], { cwd: root, timeout: 60_000 });
      // Where the config looks for them, mapped into the temp dir.
      const icon = (configured: string): string => {
        expect(configured.startsWith('build/icons')).toBe(true);
        return path.join(out, path.relative('build/icons', configured));
      };
      for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
        expect(pngSize(path.join(icon(config.linux.icon), `${size}x${size}.png`))).toEqual([size, size]);
      }
      expect(pngSize(icon(config.mac.icon))).toEqual([1024, 1024]);
      const ico = readFileSync(icon(config.win.icon));
      expect(ico.readUInt16LE(2)).toBe(1); // ICO type
      expect(ico.readUInt16LE(4)).toBe(7); // images: 16–256 px
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('packs files that the build produces', () => {
    for (const file of [config.extraMetadata.main, pkg.main, 'dist/electron/preload.cjs', 'dist/renderer/index.html', 'dist/broker-sidecar/main.js']) {
      expect(existsSync(path.join(root, file)), `${file} (run npm run build first; npm test does)`).toBe(true);
    }
  });

  it('ships only Node-side runtime dependencies, exactly those the packed code loads; the UI is bundled by Vite', () => {
    const loaded = new Set<string>();
    for (const file of ['dist/backend/start.js', 'dist/backend/web-main.js', 'dist/broker-sidecar/main.js', 'dist/electron/main.cjs', 'dist/electron/preload.cjs']) {
      expect(existsSync(path.join(root, file)), `${file} (run npm run build first; npm test does)`).toBe(true);
      for (const specifier of externalImports(readFileSync(path.join(root, file), 'utf8'))) loaded.add(specifier);
    }
    loaded.delete('electron'); // the runtime itself, not a dependency
    expect([...loaded].sort()).toEqual(Object.keys(pkg.dependencies).sort());
  });

  it("unpacks classic-level's prebuilt N-API binaries from the asar, where Node cannot load them", () => {
    expect(config.asarUnpack).toContain('node_modules/classic-level/prebuilds/**');
    const prebuilds = path.join(root, 'node_modules/classic-level/prebuilds');
    expect(existsSync(path.join(prebuilds, `${process.platform}-${process.arch}`)), 'a prebuild for this platform').toBe(true);
  });

  it('keeps classic-level out of the sidecar bundle, so it loads its binary from node_modules', () => {
    const bundle = readFileSync(path.join(root, 'dist/broker-sidecar/main.js'), 'utf8');
    expect(bundle).toMatch(/import\(["']classic-level["']\)/);
    expect(bundle).not.toContain('node-gyp-build');
  });
});
