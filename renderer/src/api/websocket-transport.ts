/**
 * The contract over the browser-mode WebSocket. Calls made while the socket is (re)opening
 * wait for it; a lost socket fails pending calls and is reopened with a growing delay.
 */

import type { DeskApi } from '../../../shared/contract';
import { createRpcClient, decodeIncoming, encodeWire, type WireCall } from '../../../shared/rpc';
import { ACK_FRAME, encodeWatchFrame, FRAME_KIND } from '../../../shared/wire-batches';

/** Reports whether the UI currently has a live link to the backend. */
export type LinkListener = (up: boolean) => void;

/**
 * Opens the socket to `/api` on the page's own server, with the page's token. A message batch
 * is acknowledged when `whenIngested` calls back (the page may take a large batch in over
 * several tasks); at once without it.
 */
export function createWebSocketApi(onLink: LinkListener, whenIngested: (callback: () => void) => void = (callback) => callback()): DeskApi {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const url = `${scheme}://${location.host}/api?token=${encodeURIComponent(token)}`;
  let socket: WebSocket | undefined;
  let queue: string[] = [];
  let retryMs = 500;
  // Whose packets the page shows: said again on every new socket (the server forgets).
  let watch: Uint8Array = encodeWatchFrame([]);

  const client = createRpcClient((message: WireCall) => {
    const text = encodeWire(message);
    if (socket?.readyState === WebSocket.OPEN) socket.send(text);
    else queue.push(text);
  });

  const open = () => {
    const ws = new WebSocket(url);
    // Message and packet batches arrive as binary frames (shared/wire-batches.ts).
    ws.binaryType = 'arraybuffer';
    socket = ws;
    ws.onopen = () => {
      retryMs = 500;
      // The watch first: calls made on the link coming back (a fetch of the packets missed)
      // then reach the server after it, so every packet is in that fetch or in a batch.
      ws.send(watch);
      onLink(true);
      for (const text of queue) ws.send(text);
      queue = [];
    };
    ws.onmessage = (event) => {
      const data: unknown = event.data;
      try {
        if (typeof data === 'string') client.receive(decodeIncoming(data));
        else if (data instanceof ArrayBuffer) client.receive(decodeIncoming(new Uint8Array(data)));
      } catch (error) {
        // A frame this page cannot read is a bug between backend and page: say so, keep going.
        console.error('[mqtt-desk] unreadable message from the backend:', error);
      } finally {
        // Taken in (or given up on): the backend may send one more (backend/batch-window.ts).
        // Not on a socket since closed: the server's window was reset with it.
        if (data instanceof ArrayBuffer && new Uint8Array(data, 0, Math.min(1, data.byteLength))[0] === FRAME_KIND.messages)
          whenIngested(() => {
            if (ws.readyState === WebSocket.OPEN) ws.send(ACK_FRAME);
          });
      }
    };
    ws.onclose = () => {
      onLink(false);
      queue = [];
      client.failAll({ name: 'DeskError', message: 'Lost the connection to the MQTT Desk backend', code: 'TRANSPORT_CLOSED' });
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  open();
  return Object.assign(client, {
    watchPackets(connectionIds: readonly string[]) {
      watch = encodeWatchFrame(connectionIds);
      if (socket?.readyState === WebSocket.OPEN) socket.send(watch);
    },
  });
}
