/**
 * TLS material for a profile: each of CA, certificate and key is either pasted PEM or a file
 * path. Everything is read and parsed before connecting, so a wrong path or a broken PEM is
 * reported next to its field instead of as an obscure handshake failure.
 */

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { DeskError } from '../shared/errors';
import type { Profile } from '../shared/profile';

/** What MQTT.js (and Node's tls) takes. */
export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  passphrase?: string;
}

const PEM_BEGIN = '-----BEGIN ';

/** Reads and checks a profile's TLS material; empty fields are left out. */
export async function loadTlsMaterial(tls: Profile['tls']): Promise<TlsMaterial> {
  const fields: Record<string, string> = {};
  const material: TlsMaterial = {};
  const read = async (field: 'ca' | 'cert' | 'key', label: string): Promise<Buffer | undefined> => {
    const value = tls[field].trim();
    if (!value) return undefined;
    if (value.includes(PEM_BEGIN)) return Buffer.from(value);
    try {
      return await fs.readFile(value);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      fields[`tls.${field}`] = code === 'ENOENT' ? `${label} file not found: ${value}` : `${label} file cannot be read: ${value} (${code ?? (error as Error).message})`;
      return undefined;
    }
  };

  const ca = await read('ca', 'CA');
  if (ca) {
    const problem = checkCertificates(ca);
    if (problem) fields['tls.ca'] = `CA ${problem}`;
    else material.ca = ca;
  }
  const cert = await read('cert', 'Client certificate');
  if (cert) {
    const problem = checkCertificates(cert);
    if (problem) fields['tls.cert'] = `Client certificate ${problem}`;
    else material.cert = cert;
  }
  const key = await read('key', 'Private key');
  if (key) {
    try {
      createPrivateKey({ key, format: 'pem', ...(tls.passphrase ? { passphrase: tls.passphrase } : {}) });
      material.key = key;
      if (tls.passphrase) material.passphrase = tls.passphrase;
    } catch (error) {
      const message = (error as Error).message;
      // OpenSSL says "interrupted or cancelled" when an encrypted key gets no passphrase.
      const code = (error as NodeJS.ErrnoException).code ?? '';
      if (/passphrase|decrypt/i.test(message) || code === 'ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED' || code === 'ERR_OSSL_BAD_DECRYPT') fields['tls.passphrase'] = tls.passphrase ? 'The passphrase does not open the private key' : 'The private key is encrypted: enter its passphrase';
      else fields['tls.key'] = `Private key is not a valid PEM key (${message})`;
    }
  }
  const first = Object.values(fields)[0];
  if (first) throw new DeskError('INVALID_PROFILE', first, fields);
  return material;
}

/** Undefined when the bytes hold at least one parseable PEM certificate, else what is wrong. */
function checkCertificates(pem: Buffer): string | undefined {
  const text = pem.toString('utf8');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return 'is not a PEM certificate (no BEGIN CERTIFICATE block)';
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (error) {
      return `certificate #${i + 1} does not parse (${(error as Error).message})`;
    }
  }
  return undefined;
}
