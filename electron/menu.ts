/**
 * The application menu: File (New connection, Import, Open capture, Export, Quit), View (theme, zoom,
 * developer tools), Help (About with versions). Built as a plain template from injected
 * actions, so tests can click every item without Electron.
 */

import type { MenuItemConstructorOptions } from 'electron';
import type { MenuAction } from '../shared/contract';

/** What menu items do. */
export interface MenuActions {
  /** Tells the page (over the contract's `app.menu` stream). */
  send: (action: MenuAction) => void;
  toggleDevTools: () => void;
  zoom: (direction: 'in' | 'out' | 'reset') => void;
  about: () => void;
  quit: () => void;
}

/** The versions the About box shows. */
export function aboutText(appVersion: string, versions: NodeJS.ProcessVersions): string {
  return [`MQTT Desk ${appVersion}`, `Electron ${versions.electron ?? '?'}`, `Chromium ${versions.chrome ?? '?'}`, `Node.js ${versions.node}`, `V8 ${versions.v8}`].join('\n');
}

/** Builds the menu template. */
export function menuTemplate(actions: MenuActions, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  return [
    {
      label: 'File',
      submenu: [
        { label: 'New connection', accelerator: 'CmdOrCtrl+N', click: () => actions.send('new-connection') },
        { label: 'Import connections…', accelerator: 'CmdOrCtrl+O', click: () => actions.send('import') },
        { label: 'Open capture…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.send('open-capture') },
        { label: 'Export connections…', accelerator: 'CmdOrCtrl+S', click: () => actions.send('export') },
        { type: 'separator' },
        { label: platform === 'darwin' ? 'Quit MQTT Desk' : 'Quit', accelerator: 'CmdOrCtrl+Q', click: actions.quit },
      ],
    },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        {
          label: 'Theme',
          submenu: [
            { label: 'System', click: () => actions.send('theme-system') },
            { label: 'Light', click: () => actions.send('theme-light') },
            { label: 'Dark', click: () => actions.send('theme-dark') },
          ],
        },
        { type: 'separator' },
        { label: 'Zoom in', accelerator: 'CmdOrCtrl+=', click: () => actions.zoom('in') },
        { label: 'Zoom out', accelerator: 'CmdOrCtrl+-', click: () => actions.zoom('out') },
        { label: 'Actual size', accelerator: 'CmdOrCtrl+0', click: () => actions.zoom('reset') },
        { type: 'separator' },
        { label: 'Developer tools', accelerator: platform === 'darwin' ? 'Alt+Cmd+I' : 'Ctrl+Shift+I', click: actions.toggleDevTools },
      ],
    },
    { label: 'Help', submenu: [{ label: 'About MQTT Desk', click: actions.about }] },
  ];
}
