import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadMosquittoConf } from '../../broker-sidecar/config/mosquitto-conf';
import { runClient } from '../helpers/broker-config';
import { freePort } from '../helpers/mosquitto';
import { makeTlsExtras, runMosquitto, type TlsExtras } from '../helpers/mosquitto-conf';
import { requireBuiltCli, spawnBuiltCli, type CliProcess } from '../helpers/persistence';
import { makeTestPki, type TestPki } from '../helpers/tls';
import { until } from '../helpers/wait';

// Real configurations run unchanged: Debian's stock /etc/mosquitto/mosquitto.conf with its
// conf.d, and Debian's example file with every option uncommented, system paths moved to a
// temp folder. Each starts the built sidecar (`node dist/broker-sidecar/main.js -c FILE`,
// as `npm run broker -- -c` runs it) and, as a cross-check, Debian's mosquitto 2.0.11 too.

/** The example file's "Bridges" section is uncommented too (the values its lines get are in bridgeValues below). */
const INCLUDE_BRIDGE_SECTION = true;

const STOCK_CONF = '/etc/mosquitto/mosquitto.conf';
const EXAMPLE_CONF = '/usr/share/doc/mosquitto/examples/mosquitto.conf';
const DYNSEC_PLUGIN = '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

const asRoot = process.getuid?.() === 0;
/** mosquitto's user: both brokers switch to it when started as root, so what they use must be its. */
const mosquittoIds = asRoot ? { uid: Number(execFileSync('id', ['-u', 'mosquitto']).toString()), gid: Number(execFileSync('id', ['-g', 'mosquitto']).toString()) } : undefined;

let root: string;
let pki: TestPki;
let extras: TlsExtras;
const running: CliProcess[] = [];

beforeAll(() => {
  requireBuiltCli();
  root = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-examples-'));
  chmodSync(root, 0o755);
  pki = makeTestPki();
  extras = makeTlsExtras(pki);
}, 60_000);
afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.stop()));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(pki.dir, { recursive: true, force: true });
});

/** A folder as the Debian package leaves it: owned by mosquitto where the broker writes. */
function folder(relative: string, ownedByMosquitto: boolean): string {
  const dir = path.join(root, relative);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  if (ownedByMosquitto && mosquittoIds) chownSync(dir, mosquittoIds.uid, mosquittoIds.gid);
  return dir;
}

/** The user a running process has (first field of Uid: in /proc). */
function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

describe("Debian's stock configuration", () => {
  it('starts the sidecar with its pid file, persistence, log file and conf.d, as the mosquitto user, and mosquitto with it too', async () => {
    const etc = folder('stock/etc/mosquitto', false);
    const confD = folder('stock/etc/mosquitto/conf.d', false);
    const run = folder('stock/run/mosquitto', true);
    const lib = folder('stock/var/lib/mosquitto', true);
    const logs = folder('stock/var/log/mosquitto', true);
    const stock = readFileSync(STOCK_CONF, 'utf8');
    // System paths moved into the temp folder; nothing else changes.
    const moved = stock
      .replaceAll('/etc/mosquitto/conf.d', confD)
      .replaceAll('/run/mosquitto/', `${run}/`)
      .replaceAll('/var/lib/mosquitto/', `${lib}/`)
      .replaceAll('/var/log/mosquitto/', `${logs}/`);
    expect(moved).not.toMatch(/ \/(etc|run|var)\//); // every path the stock file names was moved
    const conf = path.join(etc, 'mosquitto.conf');
    writeFileSync(conf, moved, { mode: 0o644 });
    for (const name of readdirSync('/etc/mosquitto/conf.d')) copyFileSync(path.join('/etc/mosquitto/conf.d', name), path.join(confD, name));
    // "Place your local configuration in /etc/mosquitto/conf.d/": the listener a user adds (mosquitto's
    // local-only default would need port 1883).
    const port = await freePort();
    writeFileSync(path.join(confD, 'desk.conf'), `listener ${port} 127.0.0.1\nallow_anonymous true\n`, { mode: 0o644 });

    const config = await loadMosquittoConf(conf);
    expect(config.warnings).toEqual([]);
    expect(config).toMatchObject({ pidFile: path.join(run, 'mosquitto.pid'), persistence: { enabled: true, location: lib }, logging: expect.objectContaining({ destinations: [{ kind: 'file', path: path.join(logs, 'mosquitto.log') }] }) });

    const cli = await spawnBuiltCli(['-c', conf]);
    running.push(cli);
    expect(cli.port).toBe(port);
    expect(readFileSync(path.join(run, 'mosquitto.pid'), 'utf8')).toBe(`${cli.pid}\n`);
    if (mosquittoIds) expect(uidOf(cli.pid)).toBe(mosquittoIds.uid);
    const base = ['-h', '127.0.0.1', '-p', String(port), '-q', '1'];
    expect((await runClient('mosquitto_pub', [...base, '-t', 'stock/kept', '-m', 'retained', '-r'])).code).toBe(0);
    await cli.stop();
    expect(existsSync(path.join(run, 'mosquitto.pid'))).toBe(false);
    expect(existsSync(path.join(lib, 'CURRENT'))).toBe(true); // the store, a LevelDB folder
    expect(readFileSync(path.join(logs, 'mosquitto.log'), 'utf8')).toMatch(/NOTICE Opening ipv4 listen socket on 127\.0\.0\.1:\d+\./);

    // Started again, it has kept the retained message in /var/lib/mosquitto.
    const again = await spawnBuiltCli(['-c', conf]);
    running.push(again);
    const sub = await runClient('mosquitto_sub', [...base, '-t', 'stock/#', '-C', '1', '-W', '5']);
    expect(sub.stdout).toBe('retained\n');
    await again.stop();

    const mosquitto = await runMosquitto(conf, etc, [port]);
    expect(mosquitto.outcome, mosquitto.output).toBe('started');
  }, 60_000);
});

/** Values for example lines that have none (or one mosquitto refuses), by option and occurrence. */
function exampleValues(dir: string, ports: { tls: number; psk: number }): Record<string, string | string[]> {
  return {
    listener: `${ports.tls} 127.0.0.1`,
    socket_domain: 'ipv4',
    bind_interface: 'lo',
    http_dir: path.join(dir, 'www'),
    mount_point: 'example/',
    use_username_as_clientid: 'true',
    websockets_headers_size: '1024',
    certfile: pki.serverCert,
    keyfile: pki.serverKey,
    ciphers: ['ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256', 'PSK-AES128-GCM-SHA256'],
    'ciphers_tls1.3': 'TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256',
    crlfile: extras.crlEmpty,
    dhparamfile: extras.dhparam,
    cafile: pki.caCert,
    capath: extras.capath,
    psk_hint: 'desk-hint',
    persistent_client_expiration: '14d',
    pid_file: path.join(dir, 'run', 'mosquitto.pid'),
    max_packet_size: '1048576', // the example's 0 is below mosquitto's minimum of 20: it refuses it too
    persistence_location: path.join(dir, 'data'),
    log_facility: '5',
    log_timestamp_format: '%Y-%m-%dT%H:%M:%S',
    clientid_prefixes: 'desk-',
    password_file: path.join(dir, 'passwd'),
    psk_file: path.join(dir, 'psk'),
    acl_file: path.join(dir, 'acl'),
    auth_plugin: DYNSEC_PLUGIN,
    include_dir: path.join(dir, 'conf.d'),
  };
}

/** Values for the bridge section's lines, used when INCLUDE_BRIDGE_SECTION is on. */
function bridgeValues(remote: number): Record<string, string> {
  return {
    connection: 'desk-bridge',
    address: `127.0.0.1:${remote}`,
    topic: 'desk/# both 1',
    bridge_bind_address: '127.0.0.1',
    local_clientid: 'local.desk-bridge',
    notification_topic: '$SYS/broker/connection/desk-bridge/state',
    remote_clientid: 'desk-bridge',
    remote_password: 'secret',
    remote_username: 'desk',
    bridge_cafile: pki.caCert,
    bridge_capath: extras.capath,
    bridge_alpn: 'x-amzn-mqtt-ca',
    bridge_certfile: pki.clientCert,
    bridge_keyfile: pki.clientKey,
    bridge_identity: 'desk',
    bridge_psk: 'deadbeef',
  };
}

/**
 * Debian's example file with every option line uncommented: `#option value` becomes
 * `option value`, and options the example leaves without a value get one from `values`.
 * The PSK section gets its own listener (mosquitto allows one kind of TLS per listener, and a
 * second `ciphers` for the same listener is refused). The bridge section is left commented
 * unless `bridges` is given.
 */
function uncommentExample(values: Record<string, string | string[]>, pskPort: number, bridges: Record<string, string> | undefined): string {
  const seen = new Map<string, number>();
  let section = '';
  let previous = '';
  const out: string[] = [];
  for (const line of readFileSync(EXAMPLE_CONF, 'utf8').split('\n')) {
    // Top-level sections are "# ====" banners around "# Name" (General configuration, Listeners, ..., Bridges, External config files).
    if (previous.startsWith('# ====') && /^# \w/.test(line)) section = line.slice(2);
    previous = line;
    const option = /^#([a-z][a-z0-9_.]*)(?: (.*))?$/.exec(line);
    const inBridges = section === 'Bridges';
    if (!option || (inBridges && !bridges)) {
      out.push(line);
      continue;
    }
    const [, keyword, example] = option as unknown as [string, string, string | undefined];
    const n = seen.get(keyword) ?? 0;
    seen.set(keyword, n + 1);
    const given = inBridges ? bridges![keyword] : values[keyword];
    const value = Array.isArray(given) ? given[n] : given;
    if (keyword === 'psk_hint' && !inBridges) out.push(`listener ${pskPort} 127.0.0.1`);
    if (keyword === 'bridge_identity') out.push('connection desk-bridge-psk', `address ${bridges!.address}`, 'topic psk/# out 0'); // certificate and PSK TLS cannot share a bridge either
    out.push(value !== undefined ? `${keyword} ${value}` : example !== undefined && !example.includes('<') ? `${keyword} ${example}` : line);
  }
  return out.join('\n');
}

describe("Debian's example file with every option uncommented", () => {
  it('starts the sidecar, which serves TLS and TLS-PSK clients by its rules, and mosquitto with the same file', async () => {
    const dir = folder('example', false);
    folder('example/www', false);
    folder('example/run', true);
    folder('example/data', true);
    folder('example/conf.d', false);
    writeFileSync(path.join(dir, 'conf.d', 'local.conf'), 'log_type subscribe\n', { mode: 0o644 });
    writeFileSync(path.join(dir, 'psk'), 'desk-psk:deadbeef\n', { mode: 0o644 });
    writeFileSync(path.join(dir, 'acl'), 'user alice\ntopic readwrite #\nuser bob\ntopic readwrite #\n', { mode: 0o644 });
    writeFileSync(path.join(dir, 'passwd'), '', { mode: 0o644 });
    for (const [user, password] of [['alice', 'alice-pw'], ['bob', 'bob-pw']]) expect((await runClient('mosquitto_passwd', ['-b', path.join(dir, 'passwd'), user!, password!])).code).toBe(0);
    chmodSync(path.join(dir, 'passwd'), 0o644);
    const ports = { tls: await freePort(), psk: await freePort() };
    const text = uncommentExample(exampleValues(dir, ports), ports.psk, INCLUDE_BRIDGE_SECTION ? bridgeValues(await freePort()) : undefined);
    expect(text).not.toMatch(/^#(per_listener_settings|max_qos|listener|certfile|psk_hint|autosave_interval|log_dest|clientid_prefixes|acl_file|auth_plugin|include_dir)\b/m);
    const conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(conf, text, { mode: 0o644 });

    const config = await loadMosquittoConf(conf);
    // What cannot apply here is named, once each.
    expect(config.warnings.map((w) => `${w.line}: ${w.message}`)).toEqual([
      expect.stringMatching(/^\d+: auth_plugin .*mosquitto_dynamic_security\.so: mosquitto plugins are C libraries/),
      expect.stringMatching(/^\d+: listener: http_dir has no effect on an mqtt listener/),
    ]);
    expect(config.listeners).toEqual([
      expect.objectContaining({ port: ports.tls, kind: 'tls', mountPoint: 'example/', useUsernameAsClientid: true, socketDomain: 'ipv4', bindInterface: 'lo', tlsVersion: undefined }),
      expect.objectContaining({ port: ports.psk, kind: 'tls', pskHint: 'desk-hint', ciphers: 'PSK-AES128-GCM-SHA256' }),
    ]);
    if (INCLUDE_BRIDGE_SECTION) {
      expect(config.bridges.map((b) => b.name)).toEqual(['desk-bridge', 'desk-bridge-psk']);
    }

    const cli = await spawnBuiltCli(['-c', conf]);
    running.push(cli);
    expect(cli.output()).toMatch(/WARNING .*mosquitto\.conf:\d+: auth_plugin/);
    expect(readFileSync(path.join(dir, 'run', 'mosquitto.pid'), 'utf8')).toBe(`${cli.pid}\n`);
    if (mosquittoIds) expect(uidOf(cli.pid)).toBe(mosquittoIds.uid);
    // A TLS client and a TLS-PSK client: client IDs with the prefix, replaced by their usernames; topics under the mount point.
    const tls = ['-h', '127.0.0.1', '-p', String(ports.tls), '--cafile', pki.caCert, '-q', '1'];
    const sub = runClient('mosquitto_sub', [...tls, '-i', 'desk-sub', '-u', 'bob', '-P', 'bob-pw', '-t', 'sensors/#', '-v', '-C', '1', '-W', '10'], 15_000);
    // log_type subscribe (conf.d/local.conf): the line says the subscription is in place, so the publish cannot overtake it.
    await until(() => / bob 1 (example\/)?sensors\/#/.test(cli.output()), 10_000, 'the subscription');
    const pub = await runClient('mosquitto_pub', [...tls, '-i', 'desk-pub', '-u', 'alice', '-P', 'alice-pw', '-t', 'sensors/t', '-m', '21.5']);
    expect(pub.code, pub.stderr).toBe(0);
    expect((await sub).stdout).toBe('sensors/t 21.5\n'); // the mount point stays inside the broker
    const psk = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(ports.psk), '--psk', 'deadbeef', '--psk-identity', 'desk-psk', '-i', 'desk-psk-client', '-u', 'alice', '-P', 'alice-pw', '-t', 'x', '-m', 'y']);
    expect(psk.code, psk.stderr).toBe(0);
    const refused = await runClient('mosquitto_pub', [...tls, '-i', 'other', '-u', 'alice', '-P', 'alice-pw', '-t', 'x', '-m', 'y']);
    expect(refused.stderr).toMatch(/not authori[sz]ed/i); // clientid_prefixes desk-
    await cli.stop();

    const mosquitto = await runMosquitto(conf, dir, [ports.tls, ports.psk]);
    expect(mosquitto.outcome, mosquitto.output).toBe('started');
  }, 60_000);
});
