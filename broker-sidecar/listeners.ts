/**
 * Listening sockets for the four transports mosquitto offers: plain TCP, MQTT over TLS
 * (certificates or TLS-PSK), MQTT over WebSocket and over secure WebSocket, on TCP ports or
 * Unix domain sockets. Every transport ends in the same place: a duplex byte stream handed to
 * `ListenerTarget.handle`, so the broker has one code path for all of them. Where a listener
 * binds follows mosquitto: an address, every interface (IPv6 and IPv4), one address family
 * (socket_domain), or the addresses of one network interface (bind_interface).
 */

import { lstatSync, unlinkSync } from 'node:fs';
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ListenerAccess } from './authenticator';
import type { ListenerKind } from './config/broker-config';
import { serveFile } from './http-files';
import type { LogEntry, Logger } from './logger';
import type { ListenerOverrides } from './options';
import { identityOf, tlsOptions, type TlsSpec } from './tls-options';

/** The WebSocket subprotocols MQTT clients ask for ("mqttv3.1" is what 3.1 clients send). */
const MQTT_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'] as const;

/** The path MQTT.js and most browser clients use by default. */
export const WEBSOCKET_PATH = '/mqtt';

/** libwebsockets' log level bits, which websockets_log_level selects from. */
const LWS = { err: 1, warn: 2, notice: 4, info: 8 } as const;

/** How one listener is set up. */
export interface ListenerSpec extends TlsSpec {
  kind: ListenerKind;
  /** 0 picks a free port. */
  port: number;
  /**
   * Default 127.0.0.1: a debugging broker should not be on the network by accident. `*`:
   * every interface (IPv6 and IPv4 where the host has them, as mosquitto).
   */
  host?: string;
  /** Listen on this Unix domain socket instead of a TCP port. */
  unixSocketPath?: string;
  /** Only IPv4 or only IPv6 (mosquitto's socket_domain). */
  socketDomain?: 'ipv4' | 'ipv6';
  /** Only on this network interface's addresses (mosquitto's bind_interface). */
  bindInterface?: string;
  /** TCP_NODELAY on accepted sockets. Default true; mosquitto.conf's set_tcp_nodelay decides for configured listeners. */
  noDelay?: boolean;
  /** Files served to plain HTTP requests on a WebSocket listener (mosquitto's http_dir). */
  httpDir?: string;
  /** Largest HTTP header block a WebSocket listener reads; default Node's. */
  websocketsHeadersSize?: number;
  /** libwebsockets-style bits (1 errors, 4 connections, 8 requests) for `websockets` log lines; default 0. */
  websocketsLogLevel?: number;
  /** Options that differ for this listener's clients (max_qos, max_topic_alias, mount_point...). */
  overrides?: ListenerOverrides;
  /** Open connections beyond which new ones are closed at once; -1 (default): no limit. */
  maxConnections?: number;
  /** What connections on this listener get besides the stream (per-listener authenticator, profile). */
  access?: Omit<ListenerAccess, 'tlsIdentity'>;
}

/** Where accepted streams go: the broker. */
export interface ListenerTarget {
  handle(stream: Duplex, remoteAddress: string, access?: ListenerAccess): void;
  log: Logger;
}

/** A listening socket (or several, for the addresses of one interface). */
export interface RunningListener {
  readonly kind: ListenerKind;
  /** The bound address, or the socket path for a Unix socket. */
  readonly host: string;
  /** The bound port; 0 for a Unix socket. */
  readonly port: number;
  /** Stops accepting; open connections are the broker's to close. */
  close(): Promise<void>;
}

/** One address to bind: a host (undefined: every interface, dual-stack), or a socket path. */
type BindTarget = { path: string } | { host: string | undefined; ipv6Only?: boolean };

/** Starts one listener; resolves once it is bound. */
export async function startListener(target: ListenerTarget, spec: ListenerSpec): Promise<RunningListener> {
  const targets = await bindTargets(spec);
  const servers: net.Server[] = [];
  let port = spec.port;
  try {
    for (const bindTo of targets) {
      const server = await createServer(target, spec);
      const address = await bind(server, bindTo, port);
      servers.push(server);
      const where = typeof address === 'string' ? address : `${address.address}:${address.port}`;
      server.on('error', (error) => target.log({ level: 'error', clientId: undefined, message: `Listener error (${spec.kind} ${where}): ${error.message}` }));
      if (typeof address === 'string') {
        target.log({ level: 'notice', clientId: undefined, message: `Opening unix ${what(spec)} on ${address}.` });
        continue;
      }
      port = address.port; // a second address of the same listener gets the same port
      target.log({ level: 'notice', clientId: undefined, message: `Opening ${address.family === 'IPv6' ? 'ipv6' : 'ipv4'} ${what(spec)} on ${where}.` });
    }
  } catch (error) {
    await Promise.all(servers.map(closeServer));
    throw error;
  }
  const first = servers[0]!.address();
  const host = typeof first === 'string' ? first : (first?.address ?? '');
  return { kind: spec.kind, host, port: spec.unixSocketPath === undefined ? port : 0, close: async () => void (await Promise.all(servers.map(closeServer))) };
}

function what(spec: ListenerSpec): string {
  return spec.kind === 'tcp' ? 'listen socket' : `${spec.kind} listen socket`;
}

/** Where to bind, following mosquitto's listener address, socket_domain and bind_interface. */
async function bindTargets(spec: ListenerSpec): Promise<BindTarget[]> {
  if (spec.unixSocketPath !== undefined) return [{ path: spec.unixSocketPath }];
  const family = spec.socketDomain === 'ipv4' ? 'IPv4' : spec.socketDomain === 'ipv6' ? 'IPv6' : undefined;
  const host = spec.host ?? '127.0.0.1';
  if (spec.bindInterface !== undefined) {
    const addresses = os.networkInterfaces()[spec.bindInterface];
    if (!addresses) throw new Error(`bind_interface ${spec.bindInterface}: no such network interface`);
    let usable = addresses.filter((a) => family === undefined || a.family === family);
    // mosquitto binds the interface and the listener's address together: keep that address if it is one of the interface's.
    if (host !== '*' && usable.some((a) => a.address === host)) usable = usable.filter((a) => a.address === host);
    if (usable.length === 0) throw new Error(`bind_interface ${spec.bindInterface}: the interface has no ${family ?? ''} address`.replace('  ', ' '));
    return usable.map((a) => ({ host: a.family === 'IPv6' && a.scopeid ? `${a.address}%${spec.bindInterface}` : a.address }));
  }
  if (host === '*') {
    if (family === 'IPv4') return [{ host: '0.0.0.0' }];
    if (family === 'IPv6') return [{ host: '::', ipv6Only: true }];
    return [{ host: undefined }]; // Node: "::" taking IPv4 too, or 0.0.0.0 on hosts without IPv6
  }
  if (family === undefined) return [{ host }];
  // A name is resolved in the asked family; an address of the other family cannot be bound, as with mosquitto's getaddrinfo.
  const { address } = await lookup(host, { family: family === 'IPv4' ? 4 : 6 });
  return [{ host: address }];
}

async function createServer(target: ListenerTarget, spec: ListenerSpec): Promise<net.Server> {
  switch (spec.kind) {
    case 'tcp':
      return net.createServer((socket) => acceptSocket(target, spec, socket, undefined));
    case 'tls': {
      const server = tls.createServer(tlsOptions(spec, spec.kind), (socket) => acceptSocket(target, spec, socket, identityOf(socket, spec)));
      logHandshakeFailures(server, target);
      return server;
    }
    case 'ws':
      return await websocketServer(target, spec, http.createServer(httpOptions(spec)));
    case 'wss': {
      const server = https.createServer({ ...tlsOptions(spec, spec.kind), ...httpOptions(spec) });
      logHandshakeFailures(server, target);
      return await websocketServer(target, spec, server);
    }
  }
}

function httpOptions(spec: ListenerSpec): http.ServerOptions {
  return spec.websocketsHeadersSize ? { maxHeaderSize: spec.websocketsHeadersSize } : {};
}

function remoteOf(spec: ListenerSpec, socket: net.Socket): string {
  return spec.unixSocketPath !== undefined ? `unix:${spec.unixSocketPath}` : `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}

function acceptSocket(target: ListenerTarget, spec: ListenerSpec, socket: net.Socket, tlsIdentity: string | undefined): void {
  // MQTT packets are small and latency is what a debugger shows; mosquitto.conf's set_tcp_nodelay may say otherwise.
  if (spec.unixSocketPath === undefined) socket.setNoDelay(spec.noDelay ?? true);
  target.handle(socket, remoteOf(spec, socket), { ...spec.access, tlsIdentity });
}

/** Upgrades requests on WEBSOCKET_PATH and feeds the binary frames to the broker as a byte stream; serves http_dir otherwise. */
async function websocketServer(target: ListenerTarget, spec: ListenerSpec, server: http.Server): Promise<http.Server> {
  // Loaded here, not at startup: `ws` takes ~36 ms to load, paid only when a WebSocket listener is asked for.
  const { createWebSocketStream, WebSocketServer } = await import('ws');
  const level = spec.websocketsLogLevel ?? 0;
  const wsLog = (bit: number, message: string): void => {
    if (level & bit) target.log({ level: bit === LWS.err ? 'error' : 'info', clientId: undefined, category: 'websockets', message } satisfies LogEntry);
  };
  const wss = new WebSocketServer({
    server,
    path: WEBSOCKET_PATH,
    // MQTT over WebSocket names its subprotocol (MQTT 5.0 §6); answer with the one the client offered.
    handleProtocols: (offered) => MQTT_SUBPROTOCOLS.find((p) => offered.has(p)) ?? false,
    // MQTT has its own packet size limit; the broker's framer enforces it.
    maxPayload: 0x10000000 + 5,
  });
  wss.on('error', (error) => target.log({ level: 'error', clientId: undefined, message: `WebSocket listener error: ${error.message}` }));
  wss.on('connection', (ws, request) => {
    const socket = request.socket;
    const remote = remoteOf(spec, socket);
    if (spec.unixSocketPath === undefined) socket.setNoDelay(spec.noDelay ?? true);
    const tlsIdentity = socket instanceof tls.TLSSocket ? identityOf(socket, spec) : undefined;
    wsLog(LWS.notice, `WebSocket connection from ${remote} on ${request.url ?? '/'} (${ws.protocol || 'no subprotocol'}).`);
    ws.on('close', (code) => wsLog(LWS.notice, `WebSocket connection from ${remote} closed (${code}).`));
    ws.on('error', (error) => wsLog(LWS.err, `WebSocket error from ${remote}: ${error.message}`));
    const stream = createWebSocketStream(ws);
    // A peer that vanishes mid-frame makes the stream error; the connection's own handler logs it.
    target.handle(stream, remote, { ...spec.access, tlsIdentity });
  });
  // Plain HTTP: mosquitto's http_dir, or 404.
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    void serveFile(spec.httpDir, request, response, (status) => wsLog(LWS.info, `HTTP ${request.method ?? '?'} ${request.url ?? '/'} from ${remoteOf(spec, request.socket)}: ${status}.`));
  });
  server.on('close', () => wss.close());
  return server;
}

function logHandshakeFailures(server: tls.Server, target: ListenerTarget): void {
  server.on('tlsClientError', (error, socket) => {
    target.log({ level: 'notice', clientId: undefined, message: `TLS handshake with ${socket.remoteAddress ?? '?'} failed: ${error.message}` });
  });
}

function bind(server: net.Server, to: BindTarget, port: number): Promise<net.AddressInfo | string> {
  if ('path' in to) removeStaleSocket(to.path);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = (): void => {
      server.off('error', reject);
      resolve(server.address()!);
    };
    if ('path' in to) server.listen(to.path, done);
    else server.listen({ port, host: to.host, ipv6Only: to.ipv6Only }, done);
  });
}

/** A socket file left by a broker that did not stop cleanly would make listen fail; mosquitto removes it too. */
function removeStaleSocket(file: string): void {
  try {
    if (lstatSync(file).isSocket()) unlinkSync(file);
  } catch {
    // nothing there: fine
  }
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // WebSocket servers keep idle HTTP keep-alive sockets; they are not MQTT connections.
    if (server instanceof http.Server) server.closeIdleConnections();
  });
}
