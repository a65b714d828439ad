/**
 * Helpers for checking mosquitto.conf files against Debian's mosquitto 2.0.11 itself: run it
 * on a file for a moment (it has no config-test flag) and report whether it started or why it
 * stopped, and the extra TLS material some options need (a capath folder, CRLs, DH parameters).
 */

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitForPort } from './mosquitto';
import type { TestPki } from './tls';

/** What mosquitto did with a file. */
export interface MosquittoRun {
  /** 'started': every expected port accepted connections; 'exited': it stopped first. */
  outcome: 'started' | 'exited';
  /** Its whole log (stdout and stderr). */
  output: string;
  /** Exit code when it exited by itself (3 for configuration errors). */
  code: number | null;
}

/**
 * Starts mosquitto with `file` (working directory `cwd`, so relative paths mean the same to it
 * and to our parser), waits until the ports accept or it exits, then stops it by PID. With
 * `ports` 'exit' it waits for mosquitto to exit, and calls it started when it still runs after `timeoutMs`.
 */
export async function runMosquitto(file: string, cwd: string, ports: number[] | 'exit', timeoutMs = 4000): Promise<MosquittoRun> {
  const child = spawn('/usr/sbin/mosquitto', ['-c', file], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let code: number | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('close', (c) => {
      code = c;
      resolve();
    }),
  );
  try {
    const started =
      ports === 'exit' ? new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()) : Promise.all(ports.map((p) => waitForPort(p, timeoutMs))).then(() => undefined);
    const outcome = await Promise.race([started.then(() => 'started' as const), exited.then(() => 'exited' as const)]);
    return { outcome, output, code: outcome === 'exited' ? code : null };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  }
}

/** TLS material beyond the test PKI, for capath, crlfile and dhparamfile. */
export interface TlsExtras {
  /** A folder with the test CA as a hashed PEM file (openssl rehash). */
  capath: string;
  /** A CRL of the test CA revoking nothing. */
  crlEmpty: string;
  /** A CRL of the test CA revoking the client certificate. */
  crlRevokingClient: string;
  /** RFC 7919 ffdhe2048 DH parameters. */
  dhparam: string;
}

/** Makes the extras in the PKI's folder (readable by mosquitto's user). */
export function makeTlsExtras(pki: TestPki): TlsExtras {
  const dir = pki.dir;
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const capath = path.join(dir, 'capath');
  mkdirSync(capath, { recursive: true });
  copyFileSync(pki.caCert, path.join(capath, 'ca.pem'));
  run(['rehash', capath]);
  writeFileSync(path.join(dir, 'ca.cnf'), ['[ca]', 'default_ca = test', '[test]', 'database = index.txt', 'crlnumber = crlnumber', 'default_md = sha256', 'default_crl_days = 2', ''].join('\n'));
  writeFileSync(path.join(dir, 'index.txt'), '');
  writeFileSync(path.join(dir, 'crlnumber'), '01\n');
  const ca = ['-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.crt'];
  run(['ca', ...ca, '-gencrl', '-out', 'crl-empty.pem']);
  run(['ca', ...ca, '-revoke', 'client.crt']);
  run(['ca', ...ca, '-gencrl', '-out', 'crl-revoked.pem']);
  run(['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe2048', '-out', 'dh.pem']);
  for (const f of ['crl-empty.pem', 'crl-revoked.pem', 'dh.pem', 'capath']) chmodSync(path.join(dir, f), f === 'capath' ? 0o755 : 0o644);
  return { capath, crlEmpty: path.join(dir, 'crl-empty.pem'), crlRevokingClient: path.join(dir, 'crl-revoked.pem'), dhparam: path.join(dir, 'dh.pem') };
}
