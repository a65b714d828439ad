/**
 * The desktop shell with Electron's boundary injected (no Electron binary runs here): the
 * window is created with the hardened options, IPC carries the real backend's contract,
 * and calls from anything but the app's own frame are refused.
 */

import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrowserWindowConstructorOptions, IpcMainInvokeEvent, MenuItemConstructorOptions } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../electron/ipc';
import { createAppWindow, defaultPaths, safeStorageCipher, startDesktop, type ElectronBoundary } from '../../electron/main';
import { commandArgs } from '../../shared/contract';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

/** Records what the shell asks of Electron. */
function fakeElectron() {
  const handlers = new Map<string, Handler>();
  const appEvents = new EventEmitter();
  const sent: unknown[][] = [];
  let windowOpenHandler: ((details: unknown) => unknown) | undefined;
  type Frame = { isMainFrame: boolean; requestingUrl?: string };
  let permissionHandler: ((contents: unknown, permission: string, callback: (ok: boolean) => void, details: Frame) => void) | undefined;
  let permissionCheck: ((contents: unknown, permission: string, origin: string, details: Frame) => boolean) | undefined;
  let beforeRequest: ((details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void) | undefined;
  const mainFrame = { url: '' };
  const contentsEvents = new EventEmitter();
  let zoom = 0;
  let devTools = 0;
  const webContents = {
    mainFrame,
    getZoomLevel: () => zoom,
    setZoomLevel: (level: number) => (zoom = level),
    toggleDevTools: () => devTools++,
    send: (...args: unknown[]) => sent.push(args),
    isDestroyed: () => false,
    setWindowOpenHandler: (h: (details: unknown) => unknown) => (windowOpenHandler = h),
    on: (name: string, listener: (...args: unknown[]) => void) => contentsEvents.on(name, listener),
  };
  const created: BrowserWindowConstructorOptions[] = [];
  const windows: EventEmitter[] = [];
  const opened: string[] = [];
  const messages: string[] = [];
  let menu: MenuItemConstructorOptions[] = [];
  const loaded: string[] = [];
  class FakeWindow extends EventEmitter {
    webContents = webContents;
    maximized = false;
    constructor(options: BrowserWindowConstructorOptions) {
      super();
      created.push(options);
      windows.push(this);
    }
    maximize() {
      this.maximized = true;
    }
    isMaximized() {
      return this.maximized;
    }
    getNormalBounds() {
      return { x: 40, y: 60, width: 1000, height: 700 };
    }
    async loadFile(file: string) {
      loaded.push(file);
      mainFrame.url = `file://${file}`;
    }
    show() {}
    focus() {}
  }
  const boundary = {
    Menu: {
      buildFromTemplate: (template: MenuItemConstructorOptions[]) => (menu = template),
      setApplicationMenu: () => undefined,
    },
    shell: { openExternal: async (url: string) => void opened.push(url) },
    screen: () => ({ getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] }),
    showMessage: (_window: unknown, message: string) => messages.push(message),
    app: {
      getVersion: () => '0.1.0',
      requestSingleInstanceLock: () => true,
      whenReady: async () => undefined,
      on: (name: string, listener: (...args: unknown[]) => void) => appEvents.on(name, listener),
      quit: () => appEvents.emit('quit-called'),
    },
    BrowserWindow: FakeWindow,
    ipcMain: { handle: (channel: string, handler: Handler) => handlers.set(channel, handler), on: () => undefined },
    defaultSession: () => ({
      setPermissionRequestHandler: (h: typeof permissionHandler) => (permissionHandler = h),
      setPermissionCheckHandler: (h: typeof permissionCheck) => (permissionCheck = h),
      webRequest: { onBeforeRequest: (h: typeof beforeRequest) => (beforeRequest = h) },
    }),
    // Stands in for the OS keyring: reversible, and visibly not plaintext.
    safeStorage: {
      isEncryptionAvailable: () => true,
      getSelectedStorageBackend: () => 'gnome_libsecret',
      encryptString: (plain: string) => Buffer.from(`sealed:${plain}`).reverse(),
      decryptString: (sealed: Buffer) => Buffer.from(sealed).reverse().toString().slice('sealed:'.length),
    },
  } as unknown as ElectronBoundary;
  return {
    boundary,
    handlers,
    sent,
    created,
    loaded,
    webContents,
    contentsEvents,
    windowOpen: (details: unknown) => windowOpenHandler?.(details),
    opened,
    messages,
    menu: () => menu,
    windows,
    zoom: () => zoom,
    devTools: () => devTools,
    /** Asks for a permission as the page's main frame would, unless another frame is given. */
    askPermission: (permission: string, frame: Frame = { isMainFrame: true, requestingUrl: mainFrame.url }) =>
      new Promise<boolean>((resolve) => permissionHandler?.({}, permission, resolve, frame)),
    checkPermission: (permission: string, frame: Frame = { isMainFrame: true, requestingUrl: mainFrame.url }) => permissionCheck?.({}, permission, 'file://', frame),
    /** What the session answers a request from the page: cancelled or let through. */
    request: (url: string) => new Promise<{ cancel?: boolean }>((resolve) => beforeRequest?.({ url }, resolve)),
  };
}

describe('createAppWindow', () => {
  it('follows Electron security checklist', () => {
    const created: BrowserWindowConstructorOptions[] = [];
    class RecordingWindow {
      constructor(options: BrowserWindowConstructorOptions) {
        created.push(options);
      }
    }
    createAppWindow(RecordingWindow as unknown as ElectronBoundary['BrowserWindow'], '/app/preload.cjs');
    expect(created[0]!.webPreferences).toEqual({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    });
  });
});

describe('startDesktop', () => {
  let configDir: string;
  let fake: ReturnType<typeof fakeElectron>;
  const paths = defaultPaths('/opt/mqtt-desk/dist/electron');

  beforeAll(async () => {
    configDir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-electron-'));
    process.env.MQTT_DESK_CONFIG_DIR = configDir;
    fake = fakeElectron();
    await startDesktop(fake.boundary, paths);
  });
  afterAll(() => {
    delete process.env.MQTT_DESK_CONFIG_DIR;
    rmSync(configDir, { recursive: true, force: true });
  });

  const trustedEvent = () => ({ sender: fake.webContents, senderFrame: fake.webContents.mainFrame }) as unknown as IpcMainInvokeEvent;

  it('opens one hardened window on the built UI with the bundled preload', () => {
    expect(fake.created).toHaveLength(1);
    expect(fake.created[0]!.webPreferences).toMatchObject({ preload: '/opt/mqtt-desk/dist/electron/preload.cjs', contextIsolation: true, sandbox: true, nodeIntegration: false });
    expect(fake.loaded).toEqual(['/opt/mqtt-desk/dist/renderer/index.html']);
  });

  it('registers the call channel and answers every contract command with a result, never a throw', async () => {
    const handler = fake.handlers.get(CALL_CHANNEL)!;
    expect(handler).toBeDefined();
    await expect(handler(trustedEvent(), 'profiles.list', {})).resolves.toEqual({ ok: true, value: [] });
    for (const command of Object.keys(commandArgs)) {
      const result = (await handler(trustedEvent(), command, { bogus: true })) as { ok: boolean; error?: { code: string } };
      expect(result.ok, command).toBe(false);
      expect(result.error?.code, command).toBe('INVALID_ARGUMENTS');
    }
    await expect(handler(trustedEvent(), 'nope', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    // What a compromised page could send instead of a command name, or instead of arguments.
    for (const command of [42, null, { toString: () => 'profiles.list' }, ['profiles.list'], '__proto__', 'constructor']) {
      await expect(handler(trustedEvent(), command, {}), String(command)).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    }
    for (const args of ['id', 42, [], { id: 42 }, { id: 'p1', extra: true }]) {
      await expect(handler(trustedEvent(), 'profiles.delete', args), JSON.stringify(args)).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENTS' } });
    }
  });

  it('refuses calls from another frame or another page', async () => {
    const handler = fake.handlers.get(CALL_CHANNEL)!;
    const otherFrame = { sender: fake.webContents, senderFrame: { url: fake.webContents.mainFrame.url } } as unknown as IpcMainInvokeEvent;
    const otherContents = { sender: {}, senderFrame: fake.webContents.mainFrame } as unknown as IpcMainInvokeEvent;
    for (const event of [otherFrame, otherContents]) {
      await expect(handler(event, 'profiles.list', {})).resolves.toMatchObject({ ok: false, error: { message: 'IPC call from an untrusted frame refused' } });
    }
    // The right window and frame, but showing something other than the app's page.
    const appUrl = fake.webContents.mainFrame.url;
    try {
      for (const url of ['https://example.com/', 'file:///opt/mqtt-desk/dist/renderer/index.html.evil', 'file:///tmp/index.html']) {
        fake.webContents.mainFrame.url = url;
        await expect(handler(trustedEvent(), 'profiles.list', {}), url).resolves.toMatchObject({ ok: false, error: { message: 'IPC call from an untrusted frame refused' } });
      }
      fake.webContents.mainFrame.url = `${appUrl}?theme=dark#publish`;
      await expect(handler(trustedEvent(), 'profiles.list', {})).resolves.toMatchObject({ ok: true });
    } finally {
      fake.webContents.mainFrame.url = appUrl;
    }
  });

  it('saves through IPC into the config directory and forwards backend events to the window', async () => {
    const handler = fake.handlers.get(CALL_CHANNEL)!;
    const saved = (await handler(trustedEvent(), 'profiles.save', { profile: { name: 'Desk', protocol: 'mqtt', host: '127.0.0.1', port: 1883 } })) as {
      ok: true;
      value: { id: string };
    };
    expect(saved.ok).toBe(true);
    const listed = (await handler(trustedEvent(), 'profiles.list', {})) as { value: Array<{ id: string }> };
    expect(listed.value.map((p) => p.id)).toEqual([saved.value.id]);

    // Connecting to a closed port fails, and the state change reaches the window.
    fake.sent.length = 0;
    const profile = (await handler(trustedEvent(), 'profiles.save', { profile: { name: 'Closed', protocol: 'mqtt', host: '127.0.0.1', port: 9 } })) as {
      value: { id: string };
    };
    const result = await handler(trustedEvent(), 'connections.connect', { profileId: profile.value.id });
    expect(result).toMatchObject({ ok: false, error: { code: 'CONNECT_FAILED' } });
    expect(fake.sent.some(([channel, stream]) => channel === EVENT_CHANNEL && stream === 'connection.state')).toBe(true);
  });

  it('saves the window size and position when it closes', async () => {
    fake.windows[0]!.emit('close');
    await new Promise((r) => setTimeout(r, 100));
    expect(JSON.parse(readFileSync(path.join(configDir, 'settings.json'), 'utf8'))).toEqual({ version: 1, window: { x: 40, y: 60, width: 1000, height: 700, maximized: false } });
  });

  it('stores profile passwords sealed by safeStorage', async () => {
    const handler = fake.handlers.get(CALL_CHANNEL)!;
    const saved = (await handler(trustedEvent(), 'profiles.save', {
      profile: { name: 'Secret', protocol: 'mqtt', host: '127.0.0.1', port: 1883, password: 'hunter2' },
    })) as { value: { id: string } };
    const secrets = readFileSync(path.join(configDir, 'secrets.json'), 'utf8');
    expect(secrets).not.toContain('hunter2');
    expect(JSON.parse(secrets).secrets[saved.value.id].cipher).toBe('electron-safe-storage');
    const listed = (await handler(trustedEvent(), 'profiles.list', {})) as { value: Array<{ id: string; password: string }> };
    expect(listed.value.find((p) => p.id === saved.value.id)?.password).toBe('hunter2');
  });

  it('wires every menu item: page actions go over the contract, the rest act on the window', () => {
    const items = new Map<string, MenuItemConstructorOptions>();
    const walk = (list: MenuItemConstructorOptions[]) =>
      list.forEach((item) => {
        if (item.label) items.set(item.label, item);
        if (Array.isArray(item.submenu)) walk(item.submenu);
      });
    walk(fake.menu());
    const click = (label: string) => (items.get(label)!.click as () => void)();
    fake.sent.length = 0;
    for (const label of ['New connection', 'Import connections…', 'Open capture…', 'Export connections…', 'Dark']) click(label);
    expect(fake.sent.filter(([channel, stream]) => channel === EVENT_CHANNEL && stream === 'app.menu').map(([, , data]) => (data as { action: string }).action)).toEqual([
      'new-connection',
      'import',
      'open-capture',
      'export',
      'theme-dark',
    ]);
    click('Zoom in');
    click('Zoom in');
    expect(fake.zoom()).toBe(1);
    click('Actual size');
    expect(fake.zoom()).toBe(0);
    click('Developer tools');
    expect(fake.devTools()).toBe(1);
    click('About MQTT Desk');
    expect(fake.messages[0]).toMatch(/^MQTT Desk 0\.1\.0\nElectron .*\nChromium .*\nNode\.js /);
    expect(items.get('New connection')!.accelerator).toBe('CmdOrCtrl+N');
  });

  it('denies every new window, handing only web and mail links to the system', () => {
    fake.opened.length = 0;
    for (const url of ['https://example.com/docs', 'mailto:ops@example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'https://user:pw@example.com/', 'not a url']) {
      expect(fake.windowOpen({ url }), url).toEqual({ action: 'deny' });
    }
    expect(fake.opened).toEqual(['https://example.com/docs', 'mailto:ops@example.com']);
  });

  it("blocks navigation away from the app's page", () => {
    const navigate = (url: string) => {
      let prevented = false;
      fake.contentsEvents.emit('will-navigate', { preventDefault: () => (prevented = true) }, url);
      return prevented;
    };
    expect(navigate('https://example.com')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate('file:///opt/mqtt-desk/dist/renderer/other.html')).toBe(true);
    expect(navigate('file:///opt/mqtt-desk/dist/renderer/index.html')).toBe(false);
  });

  it('denies every permission, requested or only checked, but clipboard writes from the app page', async () => {
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read', 'openExternal', 'fileSystem', 'unknown']) {
      await expect(fake.askPermission(permission), permission).resolves.toBe(false);
      expect(fake.checkPermission(permission), permission).toBe(false);
    }
    // The message detail's Copy button (navigator.clipboard.writeText).
    await expect(fake.askPermission('clipboard-sanitized-write')).resolves.toBe(true);
    expect(fake.checkPermission('clipboard-sanitized-write')).toBe(true);
    for (const frame of [{ isMainFrame: false, requestingUrl: fake.webContents.mainFrame.url }, { isMainFrame: true, requestingUrl: 'https://example.com/' }, { isMainFrame: true }]) {
      await expect(fake.askPermission('clipboard-sanitized-write', frame), JSON.stringify(frame)).resolves.toBe(false);
      expect(fake.checkPermission('clipboard-sanitized-write', frame), JSON.stringify(frame)).toBe(false);
    }
  });

  it("cancels the page's requests to the network and lets its own files through", async () => {
    for (const url of ['https://cdn.example.com/x.js', 'http://127.0.0.1:8080/', 'ws://broker.example.com:8083/mqtt', 'wss://example.com/', 'ftp://example.com/f']) {
      await expect(fake.request(url), url).resolves.toEqual({ cancel: true });
    }
    for (const url of ['file:///opt/mqtt-desk/dist/renderer/assets/index.js', 'data:image/png;base64,AA==', 'blob:file:///1234', 'devtools://devtools/bundled/inspector.html']) {
      await expect(fake.request(url), url).resolves.toEqual({ cancel: false });
    }
  });
});

describe('safeStorageCipher', () => {
  const storage = (available: boolean, backend: string) =>
    ({
      isEncryptionAvailable: () => available,
      getSelectedStorageBackend: () => backend,
      encryptString: (s: string) => Buffer.from(s),
      decryptString: (b: Buffer) => b.toString(),
    }) as unknown as ElectronBoundary['safeStorage'];

  it.each([
    [true, 'gnome_libsecret', 'linux', true],
    [true, 'kwallet5', 'linux', true],
    [true, 'basic_text', 'linux', false],
    [false, 'unknown', 'linux', false],
    [true, 'unknown', 'darwin', true],
    [false, 'unknown', 'win32', false],
  ] as const)('encryption available=%s backend=%s on %s → uses keyring: %s', (available, backend, platform, uses) => {
    const warnings: string[] = [];
    const cipher = safeStorageCipher(storage(available, backend), platform, (m) => warnings.push(m));
    expect(cipher !== undefined).toBe(uses);
    expect(warnings).toEqual(uses ? [] : ['No OS keyring is available: connection passwords are stored in a file only your user can read, not encrypted.']);
  });
});
