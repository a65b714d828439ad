/**
 * The desktop shell: one hardened window showing the built UI, the backend in this
 * process, the contract over IPC. Electron itself is passed in, so tests can check the
 * window options and the IPC wiring without an Electron binary.
 */

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { App, BrowserWindow, BrowserWindowConstructorOptions, IpcMain, IpcMainInvokeEvent, Menu, SafeStorage, Screen, Session, Shell, WebContents, WebRequest } from 'electron';
import type { SecretCipher } from '../backend/secret-store';
import { createBackend } from '../backend/backend';
import { resolveConfigDir } from '../backend/config-dir';
import { messageLimitsFrom } from '../backend/message-store';
import { externalUrl, isRemoteRequest, permissionGranted } from './guards';
import { ACK_CHANNEL, forwardEvents, registerIpc, trustedSender, WATCH_CHANNEL } from './ipc';
import { aboutText, menuTemplate } from './menu';
import { DEFAULT_WINDOW, loadWindowState, saveWindowState, type WindowState } from './window-state';

/** The parts of Electron the shell uses. */
export interface ElectronBoundary {
  app: Pick<App, 'whenReady' | 'on' | 'quit' | 'requestSingleInstanceLock' | 'getVersion'>;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  ipcMain: Pick<IpcMain, 'handle' | 'on'>;
  defaultSession: () => Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'> & { webRequest: Pick<WebRequest, 'onBeforeRequest'> };
  safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;
  Menu: Pick<typeof Menu, 'buildFromTemplate' | 'setApplicationMenu'>;
  shell: Pick<Shell, 'openExternal'>;
  screen: () => Pick<Screen, 'getAllDisplays'>;
  showMessage: (window: BrowserWindow, message: string) => void;
}

/**
 * Seals secrets with the OS keyring through safeStorage. Undefined (file permissions only,
 * as in browser mode) where no keyring is available; `warn` says so.
 */
export function safeStorageCipher(safeStorage: ElectronBoundary['safeStorage'], platform: NodeJS.Platform, warn: (message: string) => void): SecretCipher | undefined {
  // On Linux without a keyring, safeStorage "encrypts" with a hard-coded key: no better
  // than the owner-only file, and misleading, so it is not used.
  const weak = platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text';
  if (!safeStorage.isEncryptionAvailable() || weak) {
    warn('No OS keyring is available: connection passwords are stored in a file only your user can read, not encrypted.');
    return undefined;
  }
  return {
    kind: 'electron-safe-storage',
    seal: (plain) => safeStorage.encryptString(plain).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}

/** Where the built files are, relative to the bundled main script. */
export interface ShellPaths {
  preload: string;
  indexHtml: string;
  /** The sidecar broker, started as its own process. */
  sidecar: string;
}

/**
 * Opens the app's one window, hardened by Electron's security checklist. The options are
 * written out at the constructor call on purpose: electronegativity (run by
 * test/electron/electronegativity.test.ts) only checks the literal passed to
 * `new BrowserWindow(...)`, so this is where the settings must stay for the scan to see them.
 */
export function createAppWindow(BrowserWindow: ElectronBoundary['BrowserWindow'], preload: string, state: WindowState = DEFAULT_WINDOW): BrowserWindow {
  return new BrowserWindow({
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: 800,
    minHeight: 500,
    title: 'MQTT Desk',
    show: false,
    webPreferences: {
      // Reviewed exception to PRELOAD_JS_CHECK (flags every preload for review): preload.ts
      // exposes two functions over contextBridge, call and onEvent, and no Electron or Node object.
      preload, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // A middle click on a link would open it outside the page's click handling; nothing in
      // the app needs the auxclick event (Monaco only uses it for optional middle-click extras).
      disableBlinkFeatures: 'Auxclick',
      // Both are off by default; stated so a change of default or a stray edit shows here.
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
}

/** Starts the desktop app; resolves once the window is created. */
export async function startDesktop(electron: ElectronBoundary, paths: ShellPaths): Promise<BrowserWindow | undefined> {
  if (!electron.app.requestSingleInstanceLock()) {
    electron.app.quit();
    return undefined;
  }
  // safeStorage can only be asked once the app is ready.
  await electron.app.whenReady();
  const secretCipher = safeStorageCipher(electron.safeStorage, process.platform, (message) => console.warn(`MQTT Desk: ${message}`));
  const backend = createBackend({
    configDir: resolveConfigDir(),
    sidecarScript: paths.sidecar,
    messageLimits: messageLimitsFrom(process.env),
    ...(secretCipher ? { secretCipher } : {}),
  });
  let window: BrowserWindow | undefined;
  const appUrl = pathToFileURL(paths.indexHtml).href;
  registerIpc(electron.ipcMain, backend, trustedSender(() => window?.webContents, appUrl));
  lockDownSession(electron.defaultSession(), appUrl);

  const configDir = resolveConfigDir();
  const state = await loadWindowState(configDir, electron.screen().getAllDisplays().map((d) => d.workArea));
  window = createAppWindow(electron.BrowserWindow, paths.preload, state);
  if (state.maximized) window.maximize();
  const contents = window.webContents;
  const trusted = trustedSender(() => window?.webContents, appUrl);
  // Acknowledgements count only from the app's own page, as calls do.
  const stopForwarding = forwardEvents(
    backend,
    contents,
    (ack) => electron.ipcMain.on(ACK_CHANNEL, (event) => (trusted(event as unknown as IpcMainInvokeEvent) ? ack() : undefined)),
    (watch) => electron.ipcMain.on(WATCH_CHANNEL, (event, frame: unknown) => (trusted(event as unknown as IpcMainInvokeEvent) ? watch(frame) : undefined)),
  );
  guardNavigation(contents, appUrl, electron.shell);
  window.once('ready-to-show', () => window?.show());
  window.on('close', () => {
    if (!window) return;
    const bounds = window.getNormalBounds();
    void saveWindowState(configDir, { ...bounds, maximized: window.isMaximized() });
  });
  electron.Menu.setApplicationMenu(
    electron.Menu.buildFromTemplate(
      menuTemplate({
        send: (action) => backend.events.emit('app.menu', { action }),
        toggleDevTools: () => window?.webContents.toggleDevTools(),
        zoom: (direction) => {
          if (!window) return;
          const level = window.webContents.getZoomLevel();
          window.webContents.setZoomLevel(direction === 'reset' ? 0 : level + (direction === 'in' ? 0.5 : -0.5));
        },
        about: () => window && electron.showMessage(window, aboutText(electron.app.getVersion(), process.versions)),
        quit: () => electron.app.quit(),
      }),
    ),
  );
  window.on('closed', () => {
    stopForwarding();
    window = undefined;
  });
  electron.app.on('second-instance', () => window?.focus());
  electron.app.on('window-all-closed', () => {
    void backend.close().finally(() => electron.app.quit());
  });
  await window.loadFile(paths.indexHtml);
  return window;
}

/**
 * The session refuses what the page could ask for beyond its own files: every permission
 * but clipboard writes from the app's page (camera, notifications, clipboard reads, ...),
 * asked or merely checked (Chromium checks first, so both handlers are needed), and any
 * request to the network. The CSP in index.html says the same from the page's side; this
 * holds even if the page's policy were loosened.
 */
export function lockDownSession(session: ReturnType<ElectronBoundary['defaultSession']>, appUrl: string): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => callback(permissionGranted(permission, details, appUrl)));
  session.setPermissionCheckHandler((_contents, permission, _origin, details) => permissionGranted(permission, details, appUrl));
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: isRemoteRequest(details.url) }));
}

/**
 * The window stays on the app's page: no navigation elsewhere and no new windows. A link the
 * page tries to open in a new window goes to the system browser if it is a web or mail link.
 */
export function guardNavigation(contents: Pick<WebContents, 'setWindowOpenHandler' | 'on'>, appUrl: string, shell: ElectronBoundary['shell']): void {
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrl(url);
    // Reviewed exception to electronegativity's OPEN_EXTERNAL_JS_CHECK (it flags any
    // non-literal argument): `external` is externalUrl's output, a parsed http(s)/mailto URL.
    if (external !== undefined) void shell.openExternal(external); // eng-disable OPEN_EXTERNAL_JS_CHECK
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event, url) => {
    if (url !== appUrl) event.preventDefault();
  });
}

/** Paths of the built preload and UI beside the bundled main script. */
export function defaultPaths(mainDir: string): ShellPaths {
  return {
    preload: path.join(mainDir, 'preload.cjs'),
    indexHtml: path.join(mainDir, '..', 'renderer', 'index.html'),
    sidecar: path.join(mainDir, '..', 'broker-sidecar', 'main.js'),
  };
}
