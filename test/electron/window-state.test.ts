import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW, loadWindowState, saveWindowState } from '../../electron/window-state';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-window-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const display = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window state', () => {
  it('starts with the default size', async () => {
    await expect(loadWindowState(dir, display)).resolves.toEqual(DEFAULT_WINDOW);
  });

  it('restores what was saved', async () => {
    await saveWindowState(dir, { x: 100, y: 80, width: 1000, height: 700, maximized: true });
    await expect(loadWindowState(dir, display)).resolves.toEqual({ x: 100, y: 80, width: 1000, height: 700, maximized: true });
  });

  it.each([
    ['a display that is gone', { x: 2500, y: 100, width: 1000, height: 700, maximized: false }, { width: 1000, height: 700, maximized: false }],
    ['a title bar above the screen', { x: 100, y: -400, width: 1000, height: 700, maximized: false }, { width: 1000, height: 700, maximized: false }],
    ['a window too small to use', { x: 10, y: 10, width: 50, height: 20, maximized: false }, DEFAULT_WINDOW],
  ])('drops a position on %s', async (_name, saved, expected) => {
    await saveWindowState(dir, saved);
    await expect(loadWindowState(dir, display)).resolves.toEqual(expected);
  });

  it('sets a broken file aside, unchanged, and goes on with the default', async () => {
    writeFileSync(path.join(dir, 'settings.json'), '{nope');
    await expect(loadWindowState(dir, display)).resolves.toEqual(DEFAULT_WINDOW);
    const aside = readdirSync(dir).find((f) => f.startsWith('settings.corrupt-'))!;
    expect(readFileSync(path.join(dir, aside), 'utf8')).toBe('{nope');
    await saveWindowState(dir, DEFAULT_WINDOW);
    expect(JSON.parse(readFileSync(path.join(dir, 'settings.json'), 'utf8'))).toEqual({ version: 1, window: DEFAULT_WINDOW });
  });
});
