/**
 * A TLS listener's Node options from mosquitto's listener options: certificates (cafile,
 * capath, certfile, keyfile, crlfile), ciphers for TLS 1.2 and 1.3, DH parameters, the lowest
 * TLS version, client certificates (require_certificate), TLS-PSK (psk_hint with the keys of
 * a psk_file, through Node's pskCallback), and the identity a connection brings:
 * the certificate's CN (use_identity_as_username), its whole subject
 * (use_subject_as_username), or the PSK identity.
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { TlsVersion } from './config/broker-config';

/** TLS-PSK on a listener: the keys by identity (hex-decoded psk_file) and the hint sent to TLS 1.2 clients. */
export interface PskSettings {
  hint: string | undefined;
  keys: ReadonlyMap<string, Buffer>;
}

/** The TLS part of a listener spec. */
export interface TlsSpec {
  /** PEM file paths; certfile and keyfile go together. */
  cafile?: string;
  /** A folder of PEM CA certificates. */
  capath?: string;
  certfile?: string;
  keyfile?: string;
  crlfile?: string;
  /** OpenSSL cipher list for TLS 1.2 and below. */
  ciphers?: string;
  /** TLS 1.3 suites, colon separated. */
  ciphersTls13?: string;
  dhparamfile?: string;
  /** The lowest TLS version accepted; default TLS 1.2, as mosquitto 2.0. */
  tlsVersion?: TlsVersion;
  /** Refuse TLS clients without a certificate signed by the CA (mosquitto's require_certificate). */
  requireCertificate?: boolean;
  /** Pass the certificate's CN (or the TLS-PSK identity) on as the identity (use_identity_as_username). */
  useIdentity?: boolean;
  /** Pass the certificate's whole subject on as the identity (use_subject_as_username). */
  useSubject?: boolean;
  psk?: PskSettings;
}

/** mosquitto's default TLS 1.3 suites. */
const TLS13_DEFAULT = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

/** Node's default TLS 1.2 list, with PSK suites allowed (Node's default excludes them for good with "!PSK"). */
function tls12Default(psk: boolean): string {
  const list = tls.DEFAULT_CIPHERS.split(':').filter((c) => !c.startsWith('TLS_'));
  return psk ? ['PSK', ...list.filter((c) => c !== '!PSK')].join(':') : list.join(':');
}

const MIN_VERSION: Record<TlsVersion, tls.SecureVersion> = { 'tlsv1.1': 'TLSv1.1', 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3' };

/** The PSK identity each TLS-PSK connection proved, kept until its socket is gone. */
const pskIdentities = new WeakMap<object, string>();

/** Builds the options of a tls.Server / https.Server; throws when a file cannot be read or used. */
export function tlsOptions(spec: TlsSpec, what: string): tls.TlsOptions {
  const { psk } = spec;
  const certificates = spec.certfile !== undefined && spec.keyfile !== undefined;
  if (!certificates && !psk) throw new Error(`a ${what} listener needs certfile and keyfile, or psk_hint`);
  const ca = [...(spec.cafile ? [readFileSync(spec.cafile)] : []), ...(spec.capath ? readCapath(spec.capath) : [])];
  const options: tls.TlsOptions = {
    cert: certificates ? readFileSync(spec.certfile!) : undefined,
    key: certificates ? readFileSync(spec.keyfile!) : undefined,
    ca: ca.length > 0 ? ca : undefined,
    requestCert: (spec.requireCertificate ?? false) || (spec.useIdentity ?? false) || (spec.useSubject ?? false),
    // mosquitto's require_certificate: without a valid certificate the handshake fails.
    rejectUnauthorized: spec.requireCertificate ?? false,
    crl: spec.crlfile ? readFileSync(spec.crlfile) : undefined,
    // Without a dhparamfile, well-known parameters as OpenSSL's automatic choice gives mosquitto, so DHE ciphers work either way.
    dhparam: spec.dhparamfile ? readDhparam(spec.dhparamfile) : 'auto',
    minVersion: spec.tlsVersion ? MIN_VERSION[spec.tlsVersion] : undefined,
  };
  if (spec.ciphers !== undefined || spec.ciphersTls13 !== undefined || psk) {
    // Node takes both lists in one string (TLS 1.3 suites are the TLS_ names); leaving one out would switch that version off.
    options.ciphers = `${spec.ciphersTls13 ?? TLS13_DEFAULT}:${spec.ciphers ?? tls12Default(psk !== undefined)}`;
  }
  if (psk) {
    options.pskIdentityHint = psk.hint;
    options.pskCallback = (socket, identity) => {
      const key = psk.keys.get(identity);
      if (key === undefined) return null; // unknown identity: the handshake fails, as in mosquitto
      pskIdentities.set(socket, identity);
      return key;
    };
  }
  return options;
}

/** Every certificate file of a capath folder (`openssl rehash` links and plain .pem/.crt files). */
function readCapath(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!/\.(pem|crt|\d+)$/.test(name) || !statSync(file).isFile()) continue;
    const pem = readFileSync(file);
    if (pem.includes('-----BEGIN CERTIFICATE-----')) out.push(pem);
  }
  return out;
}

function readDhparam(file: string): Buffer {
  const pem = readFileSync(file);
  // Node drops parameters it cannot parse without a word; mosquitto refuses to start instead, and so do we.
  if (!/-----BEGIN (X9\.42 )?DH PARAMETERS-----/.test(pem.toString('latin1'))) throw new Error(`dhparamfile ${file} holds no DH PARAMETERS block`);
  return pem;
}

/**
 * The identity a connection brings on a listener that uses identities: the TLS-PSK identity
 * when the handshake was PSK, else the verified certificate's CN (useIdentity) or subject
 * (useSubject) as mosquitto writes it (RFC 2253: `CN=...,O=...,C=...`).
 */
export function identityOf(socket: tls.TLSSocket, spec: TlsSpec): string | undefined {
  const psk = pskIdentities.get(socket);
  if (psk !== undefined) return spec.useIdentity ? psk : undefined;
  if (!socket.authorized) return undefined;
  if (spec.useIdentity) {
    const cn = socket.getPeerCertificate().subject?.CN;
    // A certificate may carry several CNs; mosquitto takes the first as well.
    return Array.isArray(cn) ? (cn[0] as string | undefined) : cn;
  }
  if (spec.useSubject) {
    const subject = socket.getPeerX509Certificate()?.subject;
    return subject === undefined ? undefined : rfc2253(subject);
  }
  return undefined;
}

/** Node's subject ("C=GB\nO=Org\nCN=name", certificate order) as OpenSSL's RFC 2253 form: last RDN first, escaped. */
export function rfc2253(subject: string): string {
  return subject
    .split('\n')
    .filter((rdn) => rdn !== '')
    .reverse()
    .map((rdn) => {
      const eq = rdn.indexOf('=');
      return `${rdn.slice(0, eq)}=${escape2253(rdn.slice(eq + 1))}`;
    })
    .join(',');
}

function escape2253(value: string): string {
  let out = '';
  const bytes = Buffer.from(value, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    const ch = String.fromCharCode(b);
    if (b > 0x7e || b < 0x20) out += `\\${b.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (',+"\\<>;'.includes(ch) || (i === 0 && (ch === '#' || ch === ' ')) || (i === bytes.length - 1 && ch === ' ')) out += `\\${ch}`;
    else out += ch;
  }
  return out;
}
