/**
 * The socket under the CLI's MQTT client: TCP, TLS or a unix socket built here (so -A,
 * --nodelay, --insecure's host-name-only skip, TLS-PSK and mosquitto's TLS versions work),
 * WebSocket through MQTT.js for profiles that use it. Errors before the first connection
 * are reported in mosquitto's words (C's strerror).
 */

import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls, { type ConnectionOptions } from 'node:tls';
import type { Duplex } from 'node:stream';

/** Where and how to connect. */
export interface TransportTarget {
  kind: 'tcp' | 'tls' | 'unix' | 'ws' | 'wss';
  host: string;
  port: number;
  /** Unix socket path (kind 'unix'). */
  socketPath?: string;
  localAddress?: string;
  noDelay?: boolean;
  tls?: ConnectionOptions;
}

/** C's strerror for the errno names Node reports. */
const STRERROR: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EADDRINUSE: 'Address already in use',
  ENOTSOCK: 'Socket operation on non-socket',
  EPIPE: 'Broken pipe',
};

/** The text mosquitto prints for a socket error of the first connection attempt. */
export function describeSocketError(error: NodeJS.ErrnoException): string {
  if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return 'Unable to connect (Lookup error.).';
  const text = error.code ? STRERROR[error.code] : undefined;
  return `Error: ${text ?? error.message}`;
}

/** Opens the socket for a TCP, TLS or unix target. */
export function openSocket(target: TransportTarget): Duplex {
  if (target.kind === 'unix') return net.connect({ path: target.socketPath ?? target.host });
  const base = { host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) };
  if (target.kind === 'tls') {
    const servername = net.isIP(target.host) === 0 ? target.host : undefined;
    const socket = tls.connect({ ...base, ...(servername ? { servername } : {}), ...target.tls });
    if (target.noDelay) socket.setNoDelay(true);
    return socket;
  }
  const socket = net.connect(base);
  if (target.noDelay) socket.setNoDelay(true);
  return socket;
}

/** mosquitto's --tls-version values as Node's minimum version. */
export const TLS_VERSIONS: Record<string, tls.SecureVersion> = { 'tlsv1.3': 'TLSv1.3', 'tlsv1.2': 'TLSv1.2', 'tlsv1.1': 'TLSv1.1' };

/** The certificates of a CA directory (--capath): every PEM file in it. */
export async function readCaPath(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const name of await fs.readdir(dir)) {
    const file = path.join(dir, name);
    try {
      const data = await fs.readFile(file);
      if (data.includes('-----BEGIN CERTIFICATE-----')) out.push(data);
    } catch {
      // A directory or unreadable entry: OpenSSL skips those too.
    }
  }
  return out;
}
