/**
 * What can be checked of the installers without an Electron binary: the electron-builder
 * config is valid against electron-builder's own schema, the icons are generated from the
 * one SVG in every size, every file the config packs exists after a build, and runtime
 * dependencies hold only what the packed Node code loads.
 */

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/** Width and height from a PNG's IHDR chunk. */
function pngSize(file: string): [number, number] {
  const bytes = readFileSync(file);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('electron-builder config', () => {
  it("validates against electron-builder's schema", () => {
    const schema = JSON.parse(readFileSync(path.join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false, validateSchema: false });
    const validate = ajv.compile(schema);
    const { $schema: _schema, ...rest } = config;
    const valid = validate(rest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('rejects a config with a mistake, so the check can fail', () => {
    const schema = JSON.parse(readFileSync(path.join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false, validateSchema: false }).compile(schema);
    expect(validate({ appId: 'x', linux: { target: 42 } })).toBe(false);
  });

  it('targets AppImage and deb, nsis, and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(pkg.scripts.dist).toContain('electron-builder --config build/electron-builder.json');
  });

  it('generates every icon size from build/icon.svg', () => {
    execFileSync(process.execPath, ['build/scripts/make-icons.mjs'], { cwd: root, timeout: 60_000 });
    for (const size of [16, 24, 32, 48, 64, 128, 256, 512, 1024]) {
      expect(pngSize(path.join(root, `build/icons/${size}x${size}.png`))).toEqual([size, size]);
    }
    expect(pngSize(path.join(root, config.mac.icon))).toEqual([1024, 1024]);
    const ico = readFileSync(path.join(root, config.win.icon));
    expect(ico.readUInt16LE(2)).toBe(1); // ICO type
    expect(ico.readUInt16LE(4)).toBe(7); // images: 16–256 px
  });

  it('packs files that the build produces', () => {
    for (const file of [config.extraMetadata.main, pkg.main, 'dist/electron/preload.cjs', 'dist/renderer/index.html', 'dist/broker-sidecar/main.js']) {
      expect(existsSync(path.join(root, file)), `${file} (run npm run build first; npm test does)`).toBe(true);
    }
  });

  it('ships only Node-side runtime dependencies; the UI is bundled by Vite', () => {
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['ajv', 'avsc', 'classic-level', 'long', 'mqtt', 'mqtt-packet', 'protobufjs', 'ws', 'zod']);
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
