/**
 * A small Chrome DevTools Protocol client over the browser's WebSocket endpoint, for the UI
 * bench's flood: it enables only the domains the bench asks for. Playwright enables the
 * Network domain on every page it drives, so Chromium's inspector base64-encodes every
 * WebSocket frame the page receives and sends it over the DevTools connection, on the page's
 * main thread; a user's browser does none of that.
 *
 * Flat sessions (Target.attachToTarget with `flatten`): one socket, each message carrying the
 * session it belongs to. The routing of messages is {@link CdpRouter}, apart from the socket,
 * so it is unit-tested without a browser.
 */

import type { CDPSession } from 'playwright-core';
import WebSocket from 'ws';

/**
 * What the bench's helpers need of a CDP session: Playwright's CDPSession, whose types (the
 * protocol's commands and events) the bench's own sessions take on.
 */
export type CdpSender = Pick<CDPSession, 'send' | 'on' | 'once'>;

/** A protocol error answered by the browser, with its code (e.g. -32601: method not found). */
export class CdpError extends Error {
  override name = 'CdpError';
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message} (${code})`);
  }
}

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

type Listener = (params: unknown) => void;

/**
 * Numbers requests, matches answers to them by id and hands events to the listeners of their
 * session (`''` for the browser's own). Writes through `write`; fed each message received.
 */
export class CdpRouter {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private closedWith: Error | undefined;

  constructor(private readonly write: (text: string) => void) {}

  /** Sends a command; resolves with its result, rejects with a {@link CdpError} or when the connection closes. */
  request(method: string, params: object | undefined, sessionId: string): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    const message: Record<string, unknown> = { id, method, params: params ?? {} };
    if (sessionId !== '') message.sessionId = sessionId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.write(JSON.stringify(message));
    });
  }

  /** Handles one message from the browser: an answer (by id) or an event (by session and name). */
  receive(text: string): void {
    const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { code: number; message: string }; method?: string; params?: unknown; sessionId?: string };
    if (message.id !== undefined) {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (message.error) pending.reject(new CdpError(pending.method, message.error.code, message.error.message));
      else pending.resolve(message.result ?? {});
      return;
    }
    if (message.method === undefined) return;
    for (const listener of this.listeners.get(`${message.sessionId ?? ''} ${message.method}`) ?? []) listener(message.params ?? {});
  }

  /** Calls `listener` with each `event` of the session; returns a function that stops it. */
  listen(sessionId: string, event: string, listener: Listener): () => void {
    const key = `${sessionId} ${event}`;
    const set = this.listeners.get(key) ?? new Set();
    set.add(listener);
    this.listeners.set(key, set);
    return () => set.delete(listener);
  }

  /** Rejects every pending command, and every later one, with `error`. */
  close(error: Error): void {
    this.closedWith = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}

/** One target's session (or the browser's, with the empty id), typed as Playwright's CDPSession. */
export interface CdpSession extends CdpSender {
  readonly sessionId: string;
}

/** The session `sessionId` of a router's connection. */
export function cdpSession(router: CdpRouter, sessionId: string): CdpSession {
  const session = {
    sessionId,
    send: (method: string, params?: object) => router.request(method, params, sessionId),
    on: (event: string, listener: Listener) => {
      router.listen(sessionId, event, listener);
      return session;
    },
    once: (event: string, listener: Listener) => {
      const stop = router.listen(sessionId, event, (payload) => {
        stop();
        listener(payload);
      });
      return session;
    },
  };
  // The protocol's types are Playwright's (CDPSession): the router passes JSON through.
  return session as unknown as CdpSession;
}

/** A connection to a browser: its own session, and sessions attached to its targets. */
export interface CdpConnection {
  browser: CdpSession;
  /** Attaches to a target (flat session) and returns its session. */
  attach(targetId: string): Promise<CdpSession>;
  close(): Promise<void>;
}

/** Connects to a browser's DevTools WebSocket (`ws://127.0.0.1:PORT/devtools/browser/ID`). */
export async function connectCdp(url: string): Promise<CdpConnection> {
  // DevTools messages can be large (a CPU profile, a trace chunk): no size limit.
  const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 0 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const router = new CdpRouter((text) => socket.send(text));
  socket.on('message', (data) => router.receive(data.toString()));
  socket.on('close', () => router.close(new Error('the DevTools connection closed')));
  socket.on('error', (error) => router.close(error));
  const browser = cdpSession(router, '');
  return {
    browser,
    attach: async (targetId) => cdpSession(router, (await browser.send('Target.attachToTarget', { targetId, flatten: true })).sessionId),
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close();
      await closed;
    },
  };
}
