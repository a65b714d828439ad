/**
 * The only bridge between the sandboxed page and the app: four functions, no Node, no
 * Electron objects. The page wraps them into the contract's DeskApi.
 */

import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
// A sandboxed preload can only require 'electron': the build bundles these constants in.
import { ACK_CHANNEL, CALL_CHANNEL, EVENT_CHANNEL, WATCH_CHANNEL } from './ipc';

contextBridge.exposeInMainWorld('mqttDesk', {
  call: (command: string, args: unknown): Promise<unknown> => ipcRenderer.invoke(CALL_CHANNEL, command, args),
  onEvent: (listener: (stream: string, data: unknown) => void): (() => void) => {
    const handler = (_event: IpcRendererEvent, stream: string, data: unknown) => listener(stream, data);
    ipcRenderer.on(EVENT_CHANNEL, handler);
    return () => ipcRenderer.removeListener(EVENT_CHANNEL, handler);
  },
  ack: (): void => ipcRenderer.send(ACK_CHANNEL),
  watch: (frame: Uint8Array): void => ipcRenderer.send(WATCH_CHANNEL, frame),
});
