/**
 * Helpers for checking mosquitto.conf files against Debian's mosquitto 2.0.11 itself: run it
 * on a file for a moment (it has no config-test flag) and report whether it started or why it
 * stopped, and the extra TLS material some options need (a capath folder, CRLs, DH parameters).
 */

import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startConfigured, type ConfiguredBroker } from './broker-config';
import { freePort, waitForPort } from './mosquitto';
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

/** The same configuration running in our broker (in-process) and in Debian's mosquitto. */
export interface BrokerPair {
  /** Our ports and mosquitto's, in the order of the {P1}, {P2}... placeholders. */
  ours: number[];
  mosquitto: number[];
  /** Our broker's log so far. */
  log: ConfiguredBroker['log'];
  broker: ConfiguredBroker['broker'];
  /** mosquitto's output so far. */
  mosquittoOutput(): string;
  stop(): Promise<void>;
}

/**
 * Starts `lines` (with {P1}..{Pn} for listener ports, and {SIDE}, `ours` or `mosquitto`, for
 * what cannot be shared, like a socket path) in our broker and in mosquitto, each on its own
 * free ports, so one scenario can be run against both and the outcomes compared.
 */
export async function startPair(dir: string, lines: string[], portCount: number): Promise<BrokerPair> {
  // Distinct ports for both sides: a port freed by one freePort() may be handed out again by
  // the next, and our broker binds its ports first (a CI run's mosquitto found one in use).
  const ports = new Set<number>();
  while (ports.size < 2 * portCount) ports.add(await freePort());
  const ours = [...ports].slice(0, portCount);
  const theirs = [...ports].slice(portCount);
  const fill = (ports: number[], side: string): string[] => lines.map((l) => ports.reduce((text, port, i) => text.replaceAll(`{P${i + 1}}`, String(port)), l.replaceAll('{SIDE}', side)));
  const running = await startConfigured(dir, fill(ours, 'ours'));
  const conf = path.join(dir, `mosquitto-pair-${theirs[0]}.conf`);
  writeFileSync(conf, `${fill(theirs, 'mosquitto').join('\n')}\n`, { mode: 0o644 });
  const child = spawn('/usr/sbin/mosquitto', ['-c', conf, '-v'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stopMosquitto = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  try {
    // Ready when it says so, not by connecting: mosquitto 2.0.11 miscounts a listener's clients
    // (max_connections) after a connection that closes before CONNECT, as a port probe does.
    const opened = (port: number): boolean => output.includes(`listen socket on port ${port}.`);
    const ready = (async (): Promise<void> => {
      const deadline = Date.now() + 5000;
      while (!theirs.every(opened) || !output.includes(' running')) {
        if (Date.now() > deadline) throw new Error(`mosquitto did not open ${theirs.join(', ')}:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await Promise.race([ready, exited.then(() => Promise.reject(new Error(`mosquitto exited at start:\n${output}`)))]);
  } catch (error) {
    await stopMosquitto();
    await running.stop();
    throw error;
  }
  return {
    ours: running.ports,
    mosquitto: theirs,
    log: running.log,
    broker: running.broker,
    mosquittoOutput: () => output,
    stop: async () => {
      await Promise.all([stopMosquitto(), running.stop()]);
    },
  };
}
