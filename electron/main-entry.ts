/** Electron's entry point: hands the real Electron modules to the shell. */

import { app, BrowserWindow, ipcMain, safeStorage, session } from 'electron';
import { defaultPaths, startDesktop } from './main';

startDesktop({ app, BrowserWindow, ipcMain, safeStorage, defaultSession: () => session.defaultSession }, defaultPaths(__dirname)).catch((error: Error) => {
  console.error('MQTT Desk failed to start:', error);
  app.quit();
});
