/**
 * Test-made TLS material (openssl CLI): a CA, a server certificate for 127.0.0.1/localhost,
 * a client certificate, and an encrypted copy of the client key. Nothing is committed.
 */

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Paths of the generated files (all PEM). */
export interface TestPki {
  dir: string;
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  clientKeyEncrypted: string;
  passphrase: string;
  /** A second, unrelated CA, for verification failures. */
  otherCaCert: string;
  read(file: string): string;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** Generates a fresh PKI in a temp dir readable by mosquitto's user. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-pki-'));
  const sub = (cn: string) => `/CN=${cn}`;
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', sub('MQTT Desk Test CA')], dir);
  openssl(['req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', sub('Other CA')], dir);
  writeFileSync(path.join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', sub('localhost')], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  writeFileSync(path.join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl(['req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', sub('desk-client')], dir);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '2', '-extfile', 'client.ext'], dir);
  const passphrase = 'correct horse';
  openssl(['pkcs8', '-topk8', '-in', 'client.key', '-out', 'client-encrypted.key', '-passout', `pass:${passphrase}`], dir);
  // mosquitto started as root drops to its own user, which must read the server files.
  chmodSync(dir, 0o755);
  for (const f of ['ca.crt', 'server.crt', 'server.key']) chmodSync(path.join(dir, f), 0o644);
  const at = (f: string) => path.join(dir, f);
  return {
    dir,
    caCert: at('ca.crt'),
    serverCert: at('server.crt'),
    serverKey: at('server.key'),
    clientCert: at('client.crt'),
    clientKey: at('client.key'),
    clientKeyEncrypted: at('client-encrypted.key'),
    passphrase,
    otherCaCert: at('other-ca.crt'),
    read: (file) => readFileSync(file, 'utf8'),
  };
}
