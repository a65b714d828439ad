/** Electron's entry point: hands the real Electron modules to the shell. */

import { app, BrowserWindow, dialog, ipcMain, Menu, safeStorage, screen, session, shell } from 'electron';
import { defaultPaths, startDesktop } from './main';

const electron = {
  app,
  BrowserWindow,
  ipcMain,
  safeStorage,
  Menu,
  shell,
  screen: () => screen,
  showMessage: (window: BrowserWindow, message: string) => void dialog.showMessageBox(window, { type: 'info', title: 'About MQTT Desk', message }),
  defaultSession: () => session.defaultSession,
};

startDesktop(electron, defaultPaths(__dirname)).catch((error: Error) => {
  console.error('MQTT Desk failed to start:', error);
  app.quit();
});
