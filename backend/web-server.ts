/**
 * Browser mode: one HTTP server on loopback that serves the built UI and carries the
 * contract over a WebSocket at /api. A random per-run token (in the printed URL, then in an
 * HttpOnly cookie) guards every request; the Host and Origin checks stop other pages and
 * DNS-rebinding tricks from reaching the socket.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { toErrorInfo } from '../shared/errors';
import type { MessageBatch, PacketBatch } from '../shared/contract';
import { decodeWire, encodeEvent, encodeOutgoing, readCall, type WireMessage } from '../shared/rpc';
import { decodeWatchFrame, isAckFrame } from '../shared/wire-batches';
import type { Backend } from './backend';
import { BatchWindow } from './batch-window';

/** Options for {@link startWebServer}. */
export interface WebServerOptions {
  backend: Backend;
  /** Folder with the built renderer (index.html and assets/). */
  staticDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
  /** Bytes waiting in one socket's send buffer beyond which batches are dropped (tests make it small). */
  maxBufferedBytes?: number;
  /** Diagnostics: called after each message batch is handed to a page's socket (the UI bench's latency stages). */
  onBatchSent?: (sent: BatchSent) => void;
}

/** One message batch sent to a page, as {@link WebServerOptions.onBatchSent} sees it. */
export interface BatchSent {
  batch: MessageBatch;
  /** Batches sent to that page and not yet acknowledged, this one included. */
  inFlight: number;
  /** Messages held for that page (its window full), after this batch. */
  held: number;
  /** Bytes in that socket's send buffer, this batch's frame included. */
  buffered: number;
}

/** A running browser-mode server. */
export interface WebServer {
  /** The URL to open, token included. */
  url: string;
  origin: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

const COOKIE = 'mqttdesk_token';
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};
/** Bytes waiting in one socket's send buffer beyond which events are dropped, not queued. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

/** Starts the server; resolves once it listens. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(24).toString('base64url');
  const staticDir = path.resolve(options.staticDir);
  await fs.access(path.join(staticDir, 'index.html')).catch(() => {
    throw new Error(`The UI is not built: ${path.join(staticDir, 'index.html')} is missing (run npm run build)`);
  });

  // Filled once the port is known. On a loopback bind only loopback names are accepted in
  // the Host header, which defeats DNS rebinding; a wider bind accepts any name.
  let allowedHosts = new Set<string>();
  const loopback = host === '127.0.0.1' || host === 'localhost' || host === '::1';
  const hostAllowed = (value: string | undefined) => value !== undefined && (!loopback || allowedHosts.has(value));
  const server = http.createServer((req, res) => {
    void serveHttp(req, res).catch((error) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`Internal error: ${(error as Error).message}`);
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });

  async function serveHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host)) return refuse(res, 421, 'Unknown host');
    const url = new URL(req.url ?? '/', 'http://localhost');
    const queryToken = url.searchParams.get('token');
    if (!tokenMatches(queryToken ?? cookieToken(req.headers.cookie), token)) {
      return refuse(res, 403, 'This MQTT Desk server needs the token from the URL it printed at start.');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed');
    const relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = path.resolve(staticDir, '.' + relative);
    if (!file.startsWith(staticDir + path.sep)) return refuse(res, 404, 'Not found');
    let body: Buffer;
    try {
      body = await fs.readFile(file);
    } catch {
      return refuse(res, 404, 'Not found');
    }
    const headers: http.OutgoingHttpHeaders = {
      'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
      'x-content-type-options': 'nosniff',
      // The token travels in the URL: never leak it to another site.
      'referrer-policy': 'no-referrer',
      'cache-control': file.endsWith('.html') ? 'no-store' : 'max-age=31536000, immutable',
    };
    if (queryToken) headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Same-origin only: the page that opens the socket must have come from this server.
    const ok =
      url.pathname === '/api' &&
      hostAllowed(req.headers.host) &&
      req.headers.origin === `http://${req.headers.host}` &&
      tokenMatches(url.searchParams.get('token') ?? cookieToken(req.headers.cookie), token);
    if (!ok) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws, options.backend, options.maxBufferedBytes ?? MAX_BUFFERED_BYTES, options.onBatchSent));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${urlHost}:${port}`, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);
  const origin = `http://${urlHost}:${port}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Carries the contract over one socket: calls in, results and events out. */
function attach(ws: WebSocket, backend: Backend, maxBuffered: number, onBatchSent?: (sent: BatchSent) => void): void {
  const send = (message: WireMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(encodeOutgoing(message));
  };
  // Message batches go through the page's window (acknowledged batches, batch-window.ts);
  // a page that stopped reading must not grow this process without bound either, so over
  // the byte cap they are counted as dropped too, never lost silently.
  const batches: BatchWindow = new BatchWindow((batch) => {
    ws.send(encodeEvent('messages.batch', batch));
    // The window counts this batch before sending it, and holds what it does not send yet.
    onBatchSent?.({ batch, inFlight: batches.unacknowledged, held: batches.heldMessages, buffered: ws.bufferedAmount });
  });
  // Connections whose packets the page shows (an open inspector or Flows view): it says so
  // with a watch frame, and fetches what it missed when one opens (wire-batches.ts).
  let watched = new Set<string>();
  const unsubscribe = backend.events.subscribe((stream, data) => {
    if (ws.readyState !== ws.OPEN) return;
    if (stream === 'messages.batch') {
      batches.offer(data as MessageBatch, ws.bufferedAmount > maxBuffered);
      return;
    }
    // Captured packets are dropped too: the page sees the gap in their sequence numbers and
    // fetches what it missed (packets.list). The rare state and log events are small and always sent.
    if (stream === 'packets.batch' && (!watched.has((data as PacketBatch).connectionId) || ws.bufferedAmount > maxBuffered)) return;
    ws.send(encodeEvent(stream, data));
  });
  ws.on('close', unsubscribe);
  ws.on('message', (raw, isBinary) => {
    if (isBinary && Buffer.isBuffer(raw) && isAckFrame(raw)) {
      batches.ack();
      return;
    }
    const watch = isBinary && Buffer.isBuffer(raw) ? decodeWatchFrame(raw) : undefined;
    if (watch) {
      watched = new Set(watch);
      return;
    }
    let call;
    try {
      call = isBinary ? undefined : readCall(decodeWire(raw.toString()));
    } catch {
      call = undefined;
    }
    if (!call) {
      send({
        kind: 'result',
        id: 0,
        ok: false,
        error: { name: 'DeskError', message: 'Malformed message: expected {"kind":"call","id":N,"command":...,"args":...}', code: 'INVALID_ARGUMENTS' },
      });
      return;
    }
    const { id } = call;
    backend
      .dispatch(call.command, call.args)
      .then((result) => send(result.ok ? { kind: 'result', id, ok: true, value: result.value } : { kind: 'result', id, ok: false, error: result.error }))
      .catch((error) => send({ kind: 'result', id, ok: false, error: toErrorInfo(error) }));
  });
}

function refuse(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(message + '\n');
}

function cookieToken(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return value.join('=');
  }
  return null;
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
