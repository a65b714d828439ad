/**
 * Opens the socket to a bridge's remote broker: plain TCP, or TLS with certificates
 * (bridge_cafile / bridge_capath, client certificate, bridge_insecure, bridge_alpn,
 * bridge_tls_version, bridge_require_ocsp) or with a pre-shared key (bridge_identity /
 * bridge_psk, through Node's pskCallback), from bridge_bind_address when set.
 */

import { readdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import type { BridgeAddress, BridgeTls } from '../config/bridge-types';

/** Node's names for mosquitto's TLS versions; mosquitto's version is the lowest it allows (1.3 only 1.3). */
const MIN_VERSION: Record<NonNullable<BridgeTls['version']>, tls.SecureVersion> = { tlsv1: 'TLSv1', 'tlsv1.1': 'TLSv1.1', 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3' };

/** What to dial. */
export interface DialOptions {
  address: BridgeAddress;
  tls: BridgeTls;
  bindAddress: string | undefined;
}

/** Resolves with the connected (and for TLS, verified) socket; rejects with a readable reason. */
export async function dialRemote({ address, tls: settings, bindAddress }: DialOptions): Promise<net.Socket> {
  const base = { host: address.host, port: address.port, ...(bindAddress ? { localAddress: bindAddress } : {}) };
  if (!settings.enabled) return connected(net.connect(base), 'connect');
  const options: tls.ConnectionOptions = { ...base, minVersion: MIN_VERSION[settings.version ?? 'tlsv1.2'] };
  if (settings.psk !== undefined) {
    const psk = Buffer.from(settings.psk, 'hex');
    const identity = settings.identity ?? '';
    options.pskCallback = () => ({ psk, identity });
    // PSK suites are not among Node's defaults, and Node offers TLS-PSK up to TLS 1.2.
    options.ciphers = 'PSK';
    options.maxVersion = 'TLSv1.2';
    options.checkServerIdentity = () => undefined;
  } else {
    options.ca = await caCertificates(settings);
    if (settings.certfile && settings.keyfile) {
      [options.cert, options.key] = await Promise.all([readFile(settings.certfile), readFile(settings.keyfile)]);
    }
    if (net.isIP(address.host) === 0) options.servername = address.host;
    // bridge_insecure skips the host name check only; the chain is still verified, as in mosquitto.
    if (settings.insecure) options.checkServerIdentity = () => undefined;
  }
  if (settings.alpn) options.ALPNProtocols = [settings.alpn];
  // Asks for a stapled OCSP response (a TLSSocket option the ConnectionOptions type leaves out).
  if (settings.requireOcsp) (options as tls.ConnectionOptions & { requestOCSP?: boolean }).requestOCSP = true;
  const socket = tls.connect(options);
  let ocsp: Buffer | undefined;
  socket.on('OCSPResponse', (response: Buffer) => (ocsp = response));
  await connected(socket, 'secureConnect');
  if (settings.requireOcsp && (!ocsp || ocsp.length === 0)) {
    socket.destroy();
    throw new Error('bridge_require_ocsp: the remote sent no OCSP response');
  }
  return socket;
}

/** bridge_cafile and every *.crt / *.pem in bridge_capath. */
async function caCertificates(settings: BridgeTls): Promise<Buffer[]> {
  const out: Buffer[] = [];
  if (settings.cafile) out.push(await readFile(settings.cafile));
  if (settings.capath) {
    const names = (await readdir(settings.capath)).filter((n) => /\.(crt|pem)$/.test(n)).sort();
    for (const name of names) out.push(await readFile(path.join(settings.capath, name)));
  }
  return out;
}

function connected(socket: net.Socket, event: 'connect' | 'secureConnect'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    socket.once('error', onError);
    socket.once(event, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}
