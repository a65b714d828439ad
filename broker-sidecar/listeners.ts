/**
 * Listening sockets for the four transports mosquitto offers: plain TCP, MQTT over TLS,
 * MQTT over WebSocket and over secure WebSocket. Every transport ends in the same place:
 * a duplex byte stream handed to `ListenerTarget.handle`, so the broker has one code path
 * for all of them. Each listener resolves with its bound port and can be closed.
 */

import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import type { ListenerAccess } from './authenticator';
import type { ListenerKind } from './config/broker-config';
import type { Logger } from './logger';

/** The WebSocket subprotocols MQTT clients ask for ("mqttv3.1" is what 3.1 clients send). */
const MQTT_SUBPROTOCOLS = ['mqtt', 'mqttv3.1'] as const;

/** The path MQTT.js and most browser clients use by default. */
export const WEBSOCKET_PATH = '/mqtt';

/** How one listener is set up. */
export interface ListenerSpec {
  kind: ListenerKind;
  /** 0 picks a free port. */
  port: number;
  /** Default 127.0.0.1: a debugging broker should not be on the network by accident. */
  host?: string;
  /** PEM file paths; certfile and keyfile are required for tls and wss. */
  cafile?: string;
  certfile?: string;
  keyfile?: string;
  /** Refuse TLS clients without a certificate signed by `cafile` (mosquitto's require_certificate). */
  requireCertificate?: boolean;
  /** Ask for a client certificate and pass its CN on as the identity (use_identity_as_username). */
  useIdentity?: boolean;
  /** What connections on this listener get besides the stream (per-listener authenticator). */
  access?: Omit<ListenerAccess, 'tlsIdentity'>;
}

/** Where accepted streams go: the broker. */
export interface ListenerTarget {
  handle(stream: Duplex, remoteAddress: string, access?: ListenerAccess): void;
  log: Logger;
}

/** A listening socket. */
export interface RunningListener {
  readonly kind: ListenerKind;
  readonly host: string;
  readonly port: number;
  /** Stops accepting; open connections are the broker's to close. */
  close(): Promise<void>;
}

/** Starts one listener; resolves once it is bound. */
export async function startListener(target: ListenerTarget, spec: ListenerSpec): Promise<RunningListener> {
  const host = spec.host ?? '127.0.0.1';
  const server = await createServer(target, spec);
  const port = await bind(server, spec.port, host);
  server.on('error', (error) => target.log({ level: 'error', clientId: undefined, message: `Listener error (${spec.kind} ${host}:${port}): ${error.message}` }));
  const what = spec.kind === 'tcp' ? 'listen socket' : `${spec.kind} listen socket`;
  target.log({ level: 'notice', clientId: undefined, message: `Opening ipv4 ${what} on ${host}:${port}.` });
  return { kind: spec.kind, host, port, close: () => closeServer(server) };
}

async function createServer(target: ListenerTarget, spec: ListenerSpec): Promise<net.Server> {
  switch (spec.kind) {
    case 'tcp':
      return net.createServer((socket) => acceptSocket(target, spec, socket, undefined));
    case 'tls': {
      const server = tls.createServer(tlsOptions(spec), (socket) => acceptSocket(target, spec, socket, identityOf(socket, spec)));
      logHandshakeFailures(server, target);
      return server;
    }
    case 'ws':
      return await websocketServer(target, spec, http.createServer());
    case 'wss': {
      const server = https.createServer(tlsOptions(spec));
      logHandshakeFailures(server, target);
      return await websocketServer(target, spec, server);
    }
  }
}

function acceptSocket(target: ListenerTarget, spec: ListenerSpec, socket: net.Socket, tlsIdentity: string | undefined): void {
  socket.setNoDelay(true); // MQTT packets are small and latency is what a debugger shows
  target.handle(socket, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, { ...spec.access, tlsIdentity });
}

/** Upgrades requests on WEBSOCKET_PATH and feeds the binary frames to the broker as a byte stream. */
async function websocketServer(target: ListenerTarget, spec: ListenerSpec, server: http.Server): Promise<http.Server> {
  // Loaded here, not at startup: `ws` takes ~36 ms to load, paid only when a WebSocket listener is asked for.
  const { createWebSocketStream, WebSocketServer } = await import('ws');
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
    socket.setNoDelay(true);
    const tlsIdentity = socket instanceof tls.TLSSocket ? identityOf(socket, spec) : undefined;
    const stream = createWebSocketStream(ws);
    // A peer that vanishes mid-frame makes the stream error; the connection's own handler logs it.
    target.handle(stream, `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`, { ...spec.access, tlsIdentity });
  });
  server.on('close', () => wss.close());
  return server;
}

function tlsOptions(spec: ListenerSpec): tls.TlsOptions {
  if (!spec.certfile || !spec.keyfile) throw new Error(`a ${spec.kind} listener needs certfile and keyfile`);
  const askForCertificate = (spec.requireCertificate ?? false) || (spec.useIdentity ?? false);
  return {
    cert: readFileSync(spec.certfile),
    key: readFileSync(spec.keyfile),
    ca: spec.cafile ? readFileSync(spec.cafile) : undefined,
    requestCert: askForCertificate,
    // mosquitto's require_certificate: without a valid certificate the handshake fails.
    rejectUnauthorized: spec.requireCertificate ?? false,
  };
}

/** The client certificate's subject CN when this listener uses identities and the certificate verified. */
function identityOf(socket: tls.TLSSocket, spec: ListenerSpec): string | undefined {
  if (!spec.useIdentity || !socket.authorized) return undefined;
  const cn = socket.getPeerCertificate().subject?.CN;
  // A certificate may carry several CNs; mosquitto takes the first as well.
  return Array.isArray(cn) ? (cn[0] as string | undefined) : cn;
}

function logHandshakeFailures(server: tls.Server, target: ListenerTarget): void {
  server.on('tlsClientError', (error, socket) => {
    target.log({ level: 'notice', clientId: undefined, message: `TLS handshake with ${socket.remoteAddress ?? '?'} failed: ${error.message}` });
  });
}

function bind(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // WebSocket servers keep idle HTTP keep-alive sockets; they are not MQTT connections.
    if (server instanceof http.Server) server.closeIdleConnections();
  });
}
