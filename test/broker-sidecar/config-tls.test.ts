import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runClient, tempDir } from '../helpers/broker-config';
import { makeTlsExtras, startPair, type BrokerPair, type TlsExtras } from '../helpers/mosquitto-conf';
import { makeTestPki, type TestPki } from '../helpers/tls';

// mosquitto.conf's TLS options, each on its own listener, run side by side in our broker and
// Debian's mosquitto 2.0.11 with the same file, with real TLS clients: mosquitto_pub and
// `openssl s_client` (for exact protocol versions and ciphers). Outcomes must match.

let dir: string;
let pki: TestPki;
let extras: TlsExtras;
let rsa: { cert: string; key: string };
let pair: BrokerPair;

/** Listener indexes in the file below. */
const L = { subject: 0, revoked: 1, tls13: 2, ciphers: 3, dhe: 4, noDhe: 5, psk: 6 } as const;

beforeAll(async () => {
  dir = tempDir('mqtt-desk-config-tls-');
  chmodSync(dir, 0o755);
  pki = makeTestPki();
  extras = makeTlsExtras(pki);
  // DHE needs an RSA (or DSA) certificate: the test PKI's are EC.
  const run = (args: string[]): void => void execFileSync('openssl', args, { cwd: pki.dir, stdio: 'pipe' });
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'rsa.key', '-out', 'rsa.csr', '-subj', '/CN=localhost']);
  run(['x509', '-req', '-in', 'rsa.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'rsa.crt', '-days', '2', '-extfile', 'server.ext']);
  chmodSync(path.join(pki.dir, 'rsa.key'), 0o644);
  // Parameters of a size OpenSSL's automatic choice would not make for a 2048-bit key, so using them shows.
  run(['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'group:ffdhe3072', '-out', 'dh3072.pem']);
  chmodSync(path.join(pki.dir, 'dh3072.pem'), 0o644);
  rsa = { cert: path.join(pki.dir, 'rsa.crt'), key: path.join(pki.dir, 'rsa.key') };
  writeFileSync(path.join(dir, 'acl'), 'user CN=desk-client\ntopic readwrite subj/#\nuser desk\ntopic readwrite psk/#\n', { mode: 0o644 });
  writeFileSync(path.join(dir, 'psk'), 'desk:deadbeef\n', { mode: 0o644 });
  const server = [`certfile ${pki.serverCert}`, `keyfile ${pki.serverKey}`];
  pair = await startPair(
    dir,
    [
      'per_listener_settings true',
      // The CA only in a capath folder; the whole certificate subject as username, checked by the ACL.
      'listener {P1} 127.0.0.1',
      ...server,
      `capath ${extras.capath}`,
      'require_certificate true',
      'use_subject_as_username true',
      `acl_file ${path.join(dir, 'acl')}`,
      // A CRL revoking the client certificate.
      'listener {P2} 127.0.0.1',
      ...server,
      `cafile ${pki.caCert}`,
      `crlfile ${extras.crlRevokingClient}`,
      'require_certificate true',
      'allow_anonymous true',
      // TLS 1.3 at least.
      'listener {P3} 127.0.0.1',
      ...server,
      'tls_version tlsv1.3',
      'allow_anonymous true',
      // One TLS 1.2 cipher, one TLS 1.3 suite.
      'listener {P4} 127.0.0.1',
      ...server,
      'ciphers ECDHE-ECDSA-AES128-GCM-SHA256',
      'ciphers_tls1.3 TLS_AES_128_GCM_SHA256',
      'allow_anonymous true',
      // DH parameters for DHE ciphers, and the same listener without them.
      'listener {P5} 127.0.0.1',
      `certfile ${rsa.cert}`,
      `keyfile ${rsa.key}`,
      `dhparamfile ${path.join(pki.dir, 'dh3072.pem')}`,
      'allow_anonymous true',
      'listener {P6} 127.0.0.1',
      `certfile ${rsa.cert}`,
      `keyfile ${rsa.key}`,
      'allow_anonymous true',
      // TLS-PSK with the identity as username, checked by the ACL.
      'listener {P7} 127.0.0.1',
      'psk_hint desk-hint',
      `psk_file ${path.join(dir, 'psk')}`,
      'use_identity_as_username true',
      `acl_file ${path.join(dir, 'acl')}`,
    ],
    7,
  );
}, 60_000);
afterAll(async () => {
  await pair?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

async function both<T>(scenario: (ports: number[]) => Promise<T>): Promise<{ ours: T; mosquitto: T }> {
  return { ours: await scenario(pair.ours), mosquitto: await scenario(pair.mosquitto) };
}

/** What a 5.0 QoS 1 publish got: accepted, not authorized (PUBACK 0x87), or failed to connect. */
async function publish5(args: string[]): Promise<string> {
  const run = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-V', 'mqttv5', '-q', '1', '-m', 'x', '-d', ...args]);
  const rc = /received PUBACK \(Mid: \d+, RC:(\d+)\)/.exec(run.stdout)?.[1];
  // mosquitto answers 0x10 (No matching subscribers) where we answer 0x00: both accept the message.
  if (rc === '0' || rc === '16') return 'accepted';
  if (rc !== undefined) return `PUBACK ${rc}`;
  return run.code === 0 ? 'no PUBACK' : 'failed';
}

/** An openssl s_client handshake: the protocol and cipher agreed (and the DH size for DHE), or 'refused'. */
function handshake(port: number, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.caCert, '-verify_return_error', ...args], { timeout: 10_000 }, (error, stdout) => {
      const agreed = /^\s*(?:New, )?(TLSv1\.\d), Cipher is (\S+)/m.exec(stdout) ?? /Protocol\s*:\s*(TLSv1\.\d)[\s\S]*?Cipher\s*:\s*(\S+)/.exec(stdout);
      const dh = /Server Temp Key: DH, (\d+) bits/.exec(stdout)?.[1];
      resolve(!error && agreed && agreed[2] !== '0000' ? `${agreed[1]} ${agreed[2]}${dh ? ` DH ${dh}` : ''}` : 'refused');
    });
    child.stdin?.end();
  });
}

const client = (): string[] => ['--cafile', pki.caCert, '--cert', pki.clientCert, '--key', pki.clientKey];

describe('certificate TLS options, with mosquitto beside', () => {
  it('capath alone verifies client certificates; use_subject_as_username makes the subject the username the ACL sees', async () => {
    const outcome = await both(async (ports) => [
      await publish5(['-p', String(ports[L.subject]), ...client(), '-t', 'subj/ok']),
      await publish5(['-p', String(ports[L.subject]), ...client(), '-t', 'elsewhere']),
      await publish5(['-p', String(ports[L.subject]), '--cafile', pki.caCert, '-t', 'subj/ok']), // no client certificate
    ]);
    expect(outcome.ours).toEqual(['accepted', 'PUBACK 135', 'failed']);
    expect(outcome.mosquitto).toEqual(outcome.ours);
  });

  it('crlfile: a revoked client certificate cannot connect', async () => {
    const outcome = await both(async (ports) => publish5(['-p', String(ports[L.revoked]), ...client(), '-t', 't']));
    expect(outcome).toEqual({ ours: 'failed', mosquitto: 'failed' });
  });

  it('tls_version tlsv1.3: TLS 1.2 clients are refused', async () => {
    const outcome = await both(async (ports) => [await handshake(ports[L.tls13]!, ['-tls1_2']), await handshake(ports[L.tls13]!, ['-tls1_3'])]);
    expect(outcome.ours).toEqual(['refused', expect.stringMatching(/^TLSv1\.3 /)]);
    expect(outcome.mosquitto).toEqual(outcome.ours);
  });

  it('ciphers and ciphers_tls1.3 limit what can be agreed', async () => {
    const outcome = await both(async (ports) => {
      const port = ports[L.ciphers]!;
      return [
        await handshake(port, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']),
        await handshake(port, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES256-GCM-SHA384']),
        await handshake(port, ['-tls1_3', '-ciphersuites', 'TLS_AES_128_GCM_SHA256']),
        await handshake(port, ['-tls1_3', '-ciphersuites', 'TLS_AES_256_GCM_SHA384']),
      ];
    });
    expect(outcome.ours).toEqual(['TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256', 'refused', 'TLSv1.3 TLS_AES_128_GCM_SHA256', 'refused']);
    expect(outcome.mosquitto).toEqual(outcome.ours);
  });

  it("dhparamfile's parameters are the ones DHE uses (without one, OpenSSL's automatic choice)", async () => {
    const dhe = ['-tls1_2', '-cipher', 'DHE-RSA-AES128-GCM-SHA256'];
    const outcome = await both(async (ports) => [await handshake(ports[L.dhe]!, dhe), await handshake(ports[L.noDhe]!, dhe)]);
    expect(outcome.ours).toEqual(['TLSv1.2 DHE-RSA-AES128-GCM-SHA256 DH 3072', 'TLSv1.2 DHE-RSA-AES128-GCM-SHA256 DH 2048']);
    // mosquitto 2.0.11 with Debian's OpenSSL 3 reads the file (a bad one stops it) but keeps OpenSSL's automatic choice.
    expect(outcome.mosquitto).toEqual(['TLSv1.2 DHE-RSA-AES128-GCM-SHA256 DH 2048', 'TLSv1.2 DHE-RSA-AES128-GCM-SHA256 DH 2048']);
  });
});

describe('TLS-PSK listeners (psk_hint, psk_file), with mosquitto beside', () => {
  it('admits a client with its identity and key, the identity as username for the ACL; refuses a wrong key', async () => {
    const psk = (port: number, key: string): string[] => ['-p', String(port), '--psk', key, '--psk-identity', 'desk'];
    const outcome = await both(async (ports) => [
      await publish5([...psk(ports[L.psk]!, 'deadbeef'), '-t', 'psk/ok']),
      await publish5([...psk(ports[L.psk]!, 'deadbeef'), '-t', 'elsewhere']),
      await publish5([...psk(ports[L.psk]!, 'beefbeef'), '-t', 'psk/ok']),
    ]);
    expect(outcome.ours).toEqual(['accepted', 'PUBACK 135', 'failed']);
    expect(outcome.mosquitto).toEqual(outcome.ours);
  });

  it('sends the psk_hint to TLS 1.2 clients', async () => {
    const outcome = await both(async (ports) => {
      const out = await new Promise<string>((resolve) => {
        const child = execFile('openssl', ['s_client', '-connect', `127.0.0.1:${ports[L.psk]}`, '-tls1_2', '-psk', 'deadbeef', '-psk_identity', 'desk', '-cipher', 'PSK'], { timeout: 10_000 }, (_e, stdout) => resolve(stdout));
        child.stdin?.end();
      });
      return [/PSK identity hint: (\S+)/.exec(out)?.[1], /Cipher is (\S+)/.exec(out)?.[1]?.includes('PSK')];
    });
    expect(outcome.ours).toEqual(['desk-hint', true]);
    expect(outcome.mosquitto).toEqual(outcome.ours);
  });
});
