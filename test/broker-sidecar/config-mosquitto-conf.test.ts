import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../broker-sidecar/config/config-error';
import { DEFAULT_LIMITS, type BrokerConfig } from '../../broker-sidecar/config/broker-config';
import { loadMosquittoConf, parseMosquittoConf } from '../../broker-sidecar/config/mosquitto-conf';
import { freePort, waitForPort } from '../helpers/mosquitto';
import { makeTestPki, type TestPki } from '../helpers/tls';

// The parser against hand-written expectations, and every file it accepts against Debian's
// mosquitto 2.0.11 (which has no config-test flag, so it is started for a moment on free
// loopback ports). mosquitto resolves relative paths against its working directory and we
// against the file's folder, so it runs with cwd = the folder and both read the same files.

let dir: string;
let pki: TestPki;
let ports: [number, number];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-conf-'));
  // mosquitto started as root drops to the mosquitto user, which must read these files.
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, 'passwd'), 'alice:$7$101$+5lNZg8IDM03MQBp$tfRJQm8A7bAifNFLG0FCq2Z42bVRWm2yK7bd2mJoumM5B3X8k0zw2lsEY3dxlz8FcM7Zgvvgd8JWxcA/kZX+PA==\n', { mode: 0o644 });
  writeFileSync(path.join(dir, 'acl'), 'topic read #\n', { mode: 0o644 });
  mkdirSync(path.join(dir, 'data'), { mode: 0o777 });
  chmodSync(path.join(dir, 'data'), 0o777);
  pki = makeTestPki();
  ports = [await freePort(), await freePort()];
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Writes a config with {P1}/{P2}/{PKI} filled in; returns its path. */
function writeConf(name: string, template: string): string {
  const file = path.join(dir, `${name.replace(/\W+/g, '-')}.conf`);
  const text = template.replaceAll('{P1}', String(ports[0])).replaceAll('{P2}', String(ports[1])).replaceAll('{PKI}', pki.dir);
  writeFileSync(file, text, { mode: 0o644 });
  return file;
}

/** Starts mosquitto with the file; 'started' once every port accepts, 'refused' if it exits first. */
async function tryMosquitto(file: string, expectPorts: number[]): Promise<{ outcome: 'started' | 'refused'; output: string }> {
  const child = spawn('/usr/sbin/mosquitto', ['-c', file], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  try {
    const outcome = await Promise.race([
      Promise.all(expectPorts.map((p) => waitForPort(p, 4000))).then(() => 'started' as const),
      exited.then(() => 'refused' as const),
    ]);
    return { outcome, output };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
  }
}

interface GoodCase {
  name: string;
  text: string;
  expected: (file: string) => Partial<BrokerConfig> | Record<string, unknown>;
  /** Ports mosquitto must open; none = not started (needs a port a test cannot own). */
  real: number[] | 'none';
}

const P1 = () => ports[0];
const P2 = () => ports[1];

const good: GoodCase[] = [
  {
    name: 'a listener with an address and anonymous access',
    text: 'listener {P1} 127.0.0.1\nallow_anonymous true\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: P1(), bindAddress: '127.0.0.1', kind: 'tcp', line: 1 })], security: { allowAnonymous: true, passwordFile: undefined, aclFile: undefined } }),
    real: [0],
  },
  {
    name: 'deprecated port and bind_address make the default listener',
    text: 'port {P1}\nbind_address 127.0.0.1\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: P1(), bindAddress: '127.0.0.1', kind: 'tcp', line: 0 })], security: expect.objectContaining({ allowAnonymous: false }) }),
    real: [0],
  },
  {
    name: 'comments, blank lines, indentation, trailing spaces and CRLF are ignored',
    text: '# a comment\r\n\r\n  \r\nlistener {P1} 127.0.0.1   \r\n   allow_anonymous false  \r\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: P1(), line: 4 })], security: expect.objectContaining({ allowAnonymous: false }) }),
    real: [0],
  },
  {
    name: 'listener options before the first listener go to the default listener',
    text: 'port {P1}\nbind_address 127.0.0.1\nprotocol mqtt\nlistener {P2} 127.0.0.1\n',
    expected: () => ({ listeners: [expect.objectContaining({ port: P1(), line: 0 }), expect.objectContaining({ port: P2(), line: 4 })] }),
    real: [0, 1],
  },
  {
    name: 'relative password, ACL and persistence paths resolve against the file',
    text: 'listener {P1} 127.0.0.1\npassword_file passwd\nacl_file acl\npersistence true\npersistence_location data/\n',
    expected: () => ({
      security: { allowAnonymous: false, passwordFile: path.join(dir, 'passwd'), aclFile: path.join(dir, 'acl') },
      persistence: { enabled: true, location: path.join(dir, 'data') },
    }),
    real: [0],
  },
  {
    name: 'per_listener_settings gives each listener its own security',
    text: 'per_listener_settings true\nlistener {P1} 127.0.0.1\nallow_anonymous true\nlistener {P2} 127.0.0.1\npassword_file passwd\n',
    expected: () => ({
      perListenerSettings: true,
      listeners: [
        expect.objectContaining({ security: { allowAnonymous: true, passwordFile: undefined, aclFile: undefined } }),
        expect.objectContaining({ security: { allowAnonymous: false, passwordFile: path.join(dir, 'passwd'), aclFile: undefined } }),
      ],
    }),
    real: [0, 1],
  },
  {
    name: 'a TLS listener with client certificates',
    text: 'listener {P1} 127.0.0.1\nlistener {P2} 127.0.0.1\ncafile {PKI}/ca.crt\ncertfile {PKI}/server.crt\nkeyfile {PKI}/server.key\nrequire_certificate true\nuse_identity_as_username true\n',
    expected: () => ({
      listeners: [
        expect.objectContaining({ kind: 'tcp', certfile: undefined }),
        expect.objectContaining({ kind: 'tls', cafile: `${pki.dir}/ca.crt`, requireCertificate: true, useIdentityAsUsername: true }),
      ],
    }),
    real: [0, 1],
  },
  {
    name: 'limits, $SYS interval and logging',
    text: [
      'listener {P1} 127.0.0.1',
      'max_connections 10',
      'max_inflight_messages 5',
      'max_queued_messages 100',
      'message_size_limit 1024',
      'max_keepalive 120',
      'retain_available false',
      'sys_interval 0',
      'log_type error',
      'log_type subscribe',
      'log_dest stdout',
      'log_dest file log dir/broker.log',
      '',
    ].join('\n'),
    expected: () => ({
      limits: { maxConnections: 10, maxInflightMessages: 5, maxQueuedMessages: 100, messageSizeLimit: 1024, maxKeepalive: 120, retainAvailable: false },
      sysInterval: 0,
      logging: { types: ['error', 'subscribe'], destinations: [{ kind: 'stdout' }, { kind: 'file', path: path.join(dir, 'log dir/broker.log') }] },
    }),
    real: 'none', // mosquitto would need the log folder; the values themselves are covered above
  },
  {
    name: 'websockets listeners, plain and over TLS',
    text: 'listener {P1}\nprotocol websockets\nlistener {P2}\nprotocol websockets\ncertfile c.pem\nkeyfile k.pem\n',
    expected: () => ({ listeners: [expect.objectContaining({ kind: 'ws', protocol: 'websockets' }), expect.objectContaining({ kind: 'wss' })] }),
    real: 'none', // Debian's libwebsockets build could not open listeners in this sandbox
  },
  {
    name: 'an empty file is mosquitto 2 local-only mode',
    text: '# nothing\n',
    expected: () => ({
      listeners: [expect.objectContaining({ port: 1883, bindAddress: 'localhost', kind: 'tcp' })],
      security: { allowAnonymous: true, passwordFile: undefined, aclFile: undefined },
      limits: DEFAULT_LIMITS,
      sysInterval: 10,
      persistence: { enabled: false, location: undefined },
      logging: { types: ['error', 'warning', 'notice', 'information'], destinations: [{ kind: 'stderr' }] },
    }),
    real: 'none', // needs port 1883
  },
];

interface BadCase {
  name: string;
  text: string;
  /** Expected problems as `LINE: message`. */
  errors: string[];
  /** Whether mosquitto 2.0.11 refuses the file too (it is laxer about numbers and extra words). */
  mosquittoRefuses: boolean;
}

const bad: BadCase[] = [
  {
    name: 'an indented comment, which mosquitto reads as an option',
    text: 'listener {P1} 127.0.0.1\n  # indented\n',
    errors: ['2: a comment must start in the first column (mosquitto reads an indented "#" as an option)'],
    mosquittoRefuses: true,
  },
  {
    name: 'a tab, which mosquitto does not take as a separator',
    text: 'listener {P1} 127.0.0.1\nallow_anonymous\ttrue\n\tpersistence false\n',
    errors: ['2: tab characters are not allowed (mosquitto separates with spaces only)', '3: tab characters are not allowed (mosquitto separates with spaces only)'],
    mosquittoRefuses: true,
  },
  { name: 'a misspelt option', text: 'listener {P1} 127.0.0.1\nlistner 1884\n', errors: ['2: unknown option "listner"'], mosquittoRefuses: true },
  { name: 'listener without a port', text: 'listener\n', errors: ['1: usage: listener PORT [BIND_ADDRESS]'], mosquittoRefuses: true },
  { name: 'a port out of range', text: 'listener 70000\n', errors: ['1: bad port "70000" (1-65535)'], mosquittoRefuses: true },
  { name: 'a bad boolean', text: 'listener {P1} 127.0.0.1\nallow_anonymous maybe\n', errors: ['2: bad boolean "maybe" for allow_anonymous (true|false)'], mosquittoRefuses: true },
  { name: 'a boolean with no value', text: 'listener {P1} 127.0.0.1\nallow_anonymous\n', errors: ['2: usage: allow_anonymous true|false'], mosquittoRefuses: true },
  { name: 'an unknown protocol', text: 'listener {P1} 127.0.0.1\nprotocol foo\n', errors: ['2: usage: protocol mqtt|websockets'], mosquittoRefuses: true },
  { name: 'max_keepalive above 65535', text: 'listener {P1} 127.0.0.1\nmax_keepalive 70000\n', errors: ['2: bad number "70000" for max_keepalive (0-65535)'], mosquittoRefuses: true },
  { name: 'an unknown log_type', text: 'listener {P1} 127.0.0.1\nlog_type bogus\n', errors: [expect.stringMatching(/^2: usage: log_type error\|/) as unknown as string], mosquittoRefuses: true },
  { name: 'log_dest file without a path', text: 'listener {P1} 127.0.0.1\nlog_dest file\n', errors: ['2: usage: log_dest file PATH'], mosquittoRefuses: true },
  { name: 'two listeners on one port', text: 'listener {P1} 127.0.0.1\nlistener {P1} 127.0.0.1\n', errors: ['2: port {P1} is already used by the listener on line 1'], mosquittoRefuses: true },
  { name: 'a number that is not one', text: 'listener {P1} 127.0.0.1\nmax_connections abc\n', errors: ['2: bad number "abc" for max_connections (-1-9007199254740991)'], mosquittoRefuses: false },
  { name: 'extra words after a value', text: 'listener {P1} 127.0.0.1\nallow_anonymous true extra\n', errors: ['2: usage: allow_anonymous true|false'], mosquittoRefuses: false },
  { name: 'include_dir, which is not supported', text: 'listener {P1} 127.0.0.1\ninclude_dir /etc/mosquitto/conf.d\n', errors: ['2: option "include_dir" is not supported'], mosquittoRefuses: false },
  {
    name: 'per_listener_settings after a listener',
    text: 'listener {P1} 127.0.0.1\nper_listener_settings true\n',
    errors: ['2: per_listener_settings must come before any listener or security option (line 1)'],
    mosquittoRefuses: false,
  },
  { name: 'a certfile without a keyfile', text: 'listener {P1} 127.0.0.1\ncertfile c.pem\n', errors: ['1: listener needs both certfile and keyfile for TLS'], mosquittoRefuses: false },
  {
    name: 'every problem of a file at once, in line order',
    text: 'listner 1\nlistener {P1} 127.0.0.1\nmax_queued_messages -5\n# fine\nretain_available yes\nbogus\n',
    errors: ['1: unknown option "listner"', '3: bad number "-5" for max_queued_messages (0-9007199254740991)', '5: bad boolean "yes" for retain_available (true|false)', '6: unknown option "bogus"'],
    mosquittoRefuses: true,
  },
];

describe('mosquitto.conf: accepted files', () => {
  it.each(good)('$name', async ({ name, text, expected, real }) => {
    const file = writeConf(name, text);
    const config = await loadMosquittoConf(file);
    expect(config).toMatchObject({ file, ...expected(file) });
    if (real !== 'none') {
      const { outcome, output } = await tryMosquitto(file, real.map((i) => ports[i]!));
      expect(outcome, output).toBe('started');
    }
  });
});

describe('mosquitto.conf: refused files name file and line', () => {
  it.each(bad)('$name', async ({ name, text, errors, mosquittoRefuses }) => {
    const file = writeConf(name, text);
    const thrown = await loadMosquittoConf(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(ConfigError);
    const messages = (thrown as ConfigError).issues.map((i) => `${i.line}: ${i.message}`);
    expect(messages).toEqual(errors.map((e) => (typeof e === 'string' ? e.replaceAll('{P1}', String(ports[0])) : e)));
    expect((thrown as ConfigError).message.split('\n')[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
    if (mosquittoRefuses) {
      const { outcome, output } = await tryMosquitto(file, [ports[0]]);
      expect(outcome, output).toBe('refused');
    }
  });
});

describe('mosquitto.conf: message format', () => {
  it('formats issues as FILE:LINE: message, like the brief example', () => {
    expect(() => parseMosquittoConf('\n\n\n\n\n\nlistner 1\n', 'mosquitto.conf')).toThrow('mosquitto.conf:7: unknown option "listner"');
  });
});
