/** Decisions `npm start` makes before touching Electron, kept apart so tests can import them. */

/** Why the desktop app cannot start here, or undefined when it can. */
export function desktopBlocker(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  if (env.MQTT_DESK_BROWSER === '1') return 'MQTT_DESK_BROWSER=1 is set';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return 'no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  return undefined;
}
