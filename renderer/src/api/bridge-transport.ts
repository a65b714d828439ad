/** The contract over the Electron preload bridge (`window.mqttDesk`). */

import type { CommandName, DeskApi, EventStreams, StreamName } from '../../../shared/contract';
import { DeskError, type ErrorInfo } from '../../../shared/errors';
import { decodeFrame, encodeWatchFrame } from '../../../shared/wire-batches';

/** What electron/preload.ts exposes on `window.mqttDesk`. */
export interface PreloadBridge {
  call(command: string, args: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: ErrorInfo }>;
  onEvent(listener: (stream: string, data: unknown) => void): () => void;
  /** Says a message batch was taken in (absent in an older preload). */
  ack?(): void;
  /** Sends a watch frame: whose captured packets the page shows (absent in an older preload). */
  watch?(frame: Uint8Array): void;
}

/** The preload bridge when running inside the desktop app, else undefined. */
export function findPreloadBridge(): PreloadBridge | undefined {
  return (window as unknown as { mqttDesk?: PreloadBridge }).mqttDesk;
}

/** Wraps the bridge into the contract's DeskApi. */
export function createBridgeApi(bridge: PreloadBridge): DeskApi {
  const listeners = new Map<string, Set<(data: unknown) => void>>();
  bridge.onEvent((stream, data) => {
    // Message and packet batches cross as binary frames, as over the WebSocket.
    let value = data;
    try {
      if (data instanceof Uint8Array) value = decodeFrame(data).data;
      for (const listener of listeners.get(stream) ?? []) listener(value);
    } catch (error) {
      console.error('[mqtt-desk] unreadable event from the backend:', error);
    } finally {
      // Taken in (or given up on): the backend may send one more (backend/batch-window.ts).
      if (stream === 'messages.batch') bridge.ack?.();
    }
  });
  return {
    async call<K extends CommandName>(command: K, args: unknown) {
      const result = await bridge.call(command, args);
      if (!result.ok) throw DeskError.fromInfo(result.error);
      return result.value as never;
    },
    on<S extends StreamName>(stream: S, listener: (data: EventStreams[S]) => void) {
      let set = listeners.get(stream);
      if (!set) listeners.set(stream, (set = new Set()));
      const l = listener as (data: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    watchPackets(connectionIds) {
      bridge.watch?.(encodeWatchFrame(connectionIds));
    },
  };
}
