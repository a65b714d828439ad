/**
 * The contract over Electron IPC: one invoke channel for calls, one send channel for
 * events. Calls from any frame other than the app's own are refused before dispatch.
 */

import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { Backend } from '../backend/backend';
import { BatchWindow } from '../backend/batch-window';
import type { MessageBatch, PacketBatch } from '../shared/contract';
import { decodeWatchFrame } from '../shared/wire-batches';
import { encodeEvent } from '../shared/rpc';
import { isAppDocument } from './guards';

/** Channel the preload invokes for every command. */
export const CALL_CHANNEL = 'mqtt-desk:call';
/** Channel the main process sends every event on. */
export const EVENT_CHANNEL = 'mqtt-desk:event';
/** Channel the page sends on when it has taken in a message batch (backend/batch-window.ts). */
export const ACK_CHANNEL = 'mqtt-desk:ack';
/** Channel the page sends a watch frame on: whose captured packets it shows (shared/wire-batches.ts). */
export const WATCH_CHANNEL = 'mqtt-desk:watch';

/** Decides whether an IPC message comes from the app's own page. */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * Registers the call handler. Errors never reject the invoke (Electron would strip their
 * fields); they travel as `{ok: false, error: {name, message, code}}`.
 */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle'>, backend: Backend, isTrusted: SenderCheck): void {
  ipcMain.handle(CALL_CHANNEL, async (event, command: unknown, args: unknown) => {
    if (!isTrusted(event)) {
      return { ok: false, error: { name: 'DeskError', message: 'IPC call from an untrusted frame refused', code: 'INTERNAL' } };
    }
    return compactViews(await backend.dispatch(command, args));
  });
}

/**
 * Forwards every backend event to one window; returns the function that stops it. Message
 * and packet batches cross as one binary frame each (shared/wire-batches.ts), the same
 * frames as over the browser-mode WebSocket; the page's bridge decodes them. With
 * `onAck` (given a function to call for each acknowledgement from the window), message
 * batches go through the same window as over the WebSocket (backend/batch-window.ts). With
 * `onWatch` (given a function to call with each watch frame from the window), packet batches
 * go only for the connections the page last said it shows, as over the WebSocket.
 */
export function forwardEvents(
  backend: Backend,
  webContents: Pick<WebContents, 'send' | 'isDestroyed'>,
  onAck?: (ack: () => void) => void,
  onWatch?: (watch: (frame: unknown) => void) => void,
): () => void {
  const forward = (stream: string, data: unknown) => webContents.send(EVENT_CHANNEL, stream, compactViews(data));
  const batches = new BatchWindow((batch) => forward('messages.batch', encodeEvent('messages.batch', batch)));
  onAck?.(() => {
    if (!webContents.isDestroyed()) batches.ack();
  });
  let watched: Set<string> | undefined;
  onWatch?.((frame) => {
    const ids = frame instanceof Uint8Array ? decodeWatchFrame(frame) : undefined;
    if (ids) watched = new Set(ids);
  });
  if (onWatch) watched = new Set();
  return backend.events.subscribe((stream, data) => {
    if (webContents.isDestroyed()) return;
    if (stream === 'messages.batch') return batches.offer(data as MessageBatch);
    if (stream === 'packets.batch' && watched && !watched.has((data as PacketBatch).connectionId)) return;
    forward(stream, stream === 'packets.batch' ? encodeEvent(stream, data) : data);
  });
}

/**
 * A sender check that accepts only the main frame of one window showing the app's file.
 * Arguments are not checked here: the backend's dispatcher validates the command name and
 * every argument against the contract's schemas before any handler runs.
 */
export function trustedSender(getWebContents: () => WebContents | undefined, appUrl: string): SenderCheck {
  return (event) => {
    const contents = getWebContents();
    return (
      contents !== undefined &&
      event.sender === contents &&
      event.senderFrame !== null &&
      event.senderFrame === contents.mainFrame &&
      isAppDocument(event.senderFrame.url, appUrl)
    );
  };
}

/**
 * Copies out byte arrays that are views into a larger buffer, leaving the input untouched.
 * Electron's IPC uses the structured clone algorithm, which serializes a typed array with
 * its whole underlying ArrayBuffer; payloads and packets cut from a socket read share that
 * read's chunk (often 64 KiB), so a batch of 1,000 small messages would otherwise cross as
 * 1,000 copies of the chunk.
 */
export function compactViews(value: unknown): unknown {
  if (value instanceof Uint8Array) return value.byteLength === value.buffer.byteLength ? value : new Uint8Array(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const compact = compactViews(item);
      if (compact !== item) (out ??= value.slice())[i] = compact;
    }
    return out ?? value;
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    let out: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const compact = compactViews(item);
      if (compact !== item) (out ??= { ...(value as Record<string, unknown>) })[key] = compact;
    }
    return out ?? value;
  }
  return value;
}
