/**
 * The main window's size and position, saved in the app's settings (backend/settings-store.ts)
 * and restored at the next start — unless the display it was on is gone, then the default
 * size is used.
 */

import { SettingsStore } from '../backend/settings-store';

/** Saved window geometry. */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

/** A display's usable area. */
export interface WorkArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Used on first start and when the saved state does not fit. */
export const DEFAULT_WINDOW: WindowState = { width: 1280, height: 820, maximized: false };

/** Reads the saved state; anything unreadable or off-screen gives the default. */
export async function loadWindowState(configDir: string, displays: readonly WorkArea[]): Promise<WindowState> {
  let saved: Partial<WindowState>;
  try {
    saved = ((await new SettingsStore(configDir).read()).settings.window ?? {}) as Partial<WindowState>;
  } catch {
    return DEFAULT_WINDOW;
  }
  const width = Number(saved.width);
  const height = Number(saved.height);
  if (!(width >= 400 && height >= 300)) return DEFAULT_WINDOW;
  const state: WindowState = { width, height, maximized: saved.maximized === true };
  if (typeof saved.x === 'number' && typeof saved.y === 'number') {
    // Keep the position only when the window's title bar lands on a display that still exists.
    const x = saved.x;
    const y = saved.y;
    const visible = displays.some((d) => x + 100 > d.x && x < d.x + d.width - 100 && y >= d.y && y < d.y + d.height - 50);
    if (visible) Object.assign(state, { x, y });
  }
  return state;
}

/** Writes the state; failures are not worth interrupting a quit for. */
export async function saveWindowState(configDir: string, state: WindowState): Promise<void> {
  try {
    await new SettingsStore(configDir).update({ window: { ...state } });
  } catch {
    // The next start uses the default size; nothing else depends on this file.
  }
}
