import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../broker-sidecar/config/config-error';
import { includeOrder, loadMosquittoConf, parseMosquittoConf } from '../../broker-sidecar/config/mosquitto-conf';
import { freePort } from '../helpers/mosquitto';
import { makeTlsExtras, runMosquitto } from '../helpers/mosquitto-conf';
import { makeTestPki } from '../helpers/tls';
import { bad, env, good, warned } from './config-mosquitto-conf-cases';

// The parser against hand-written expectations, table by table, and every file against
// Debian's mosquitto 2.0.11 itself: a file we accept must start mosquitto (on free loopback
// ports), and a file we refuse must stop mosquitto at the same line ("Error found at
// FILE:LINE") or for the same reason. mosquitto resolves relative paths against its working
// directory and we against the file's folder, so it runs with cwd = the folder.

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-conf-'));
  // mosquitto started as root drops to the mosquitto user, which must read (and here write) these files.
  chmodSync(dir, 0o777);
  writeFileSync(path.join(dir, 'passwd'), 'alice:$7$101$+5lNZg8IDM03MQBp$tfRJQm8A7bAifNFLG0FCq2Z42bVRWm2yK7bd2mJoumM5B3X8k0zw2lsEY3dxlz8FcM7Zgvvgd8JWxcA/kZX+PA==\n', { mode: 0o644 });
  writeFileSync(path.join(dir, 'acl'), 'topic read #\n', { mode: 0o644 });
  writeFileSync(path.join(dir, 'psk'), 'desk:deadbeef\n', { mode: 0o644 });
  for (const sub of ['data', 'logs', 'www', 'inc', 'inc2']) mkdirSync(path.join(dir, sub), { mode: 0o777 });
  for (const sub of ['data', 'logs']) chmodSync(path.join(dir, sub), 0o777);
  const pki = makeTestPki();
  Object.assign(env, { dir, pki, extras: makeTlsExtras(pki), ports: [await freePort(), await freePort()] });
}, 60_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(env.pki.dir, { recursive: true, force: true });
});

/** Fills in {P1}, {P2}, {DIR}, {PKI} and the TLS extras. */
function fill(template: string): string {
  return template
    .replaceAll('{P1}', String(env.ports[0]))
    .replaceAll('{P2}', String(env.ports[1]))
    .replaceAll('{DIR}', dir)
    .replaceAll('{PKI}', env.pki.dir)
    .replaceAll('{CAPATH}', env.extras.capath)
    .replaceAll('{CRL}', env.extras.crlEmpty)
    .replaceAll('{DH}', env.extras.dhparam);
}

/** Writes a config; returns its path. */
function writeConf(name: string, template: string): string {
  const file = path.join(dir, `${name.replace(/\W+/g, '-').slice(0, 60)}.conf`);
  writeFileSync(file, fill(template), { mode: 0o644 });
  return file;
}

/** Compares `LINE: message` strings with expectations that may be regexes. */
function matching(expected: Array<string | RegExp>): unknown[] {
  return expected.map((e) => (typeof e === 'string' ? fill(e) : expect.stringMatching(e)));
}

describe('mosquitto.conf: accepted files (mosquitto starts with them too)', () => {
  it.each([...good, ...warned])('$name', async ({ name, text, expected, warnings = [], real }) => {
    const file = writeConf(name, text);
    const config = await loadMosquittoConf(file);
    expect(config).toMatchObject({ file, ...expected() });
    expect(config.warnings.map((w) => `${w.line}: ${w.message}`)).toEqual(matching(warnings));
    if (real !== 'none') {
      const { outcome, output } = await runMosquitto(file, dir, real.map((i) => env.ports[i]!));
      expect(outcome, output).toBe('started');
    }
  });
});

describe('mosquitto.conf: refused files name file and line, where mosquitto stops too', () => {
  it.each(bad)('$name', async ({ name, text, errors, mosquitto }) => {
    const file = writeConf(name, text);
    const thrown = await loadMosquittoConf(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(thrown).toBeInstanceOf(ConfigError);
    const messages = (thrown as ConfigError).issues.map((i) => `${i.line}: ${i.message}`);
    expect(messages).toEqual(matching(errors));
    expect((thrown as ConfigError).message.split('\n')[0]).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
    const run = await runMosquitto(file, dir, 'exit');
    expect(run.outcome, run.output).toBe('exited');
    // Not just any exit: mosquitto must stop for the same line or the same reason.
    if ('line' in mosquitto) expect(run.output).toContain(`Error found at ${file}:${mosquitto.line}.`);
    else expect(run.output).toMatch(mosquitto.says);
  });
});

describe('mosquitto.conf: include_dir', () => {
  it("reads the folder's .conf files in mosquitto's order, each starting at the default listener", async () => {
    const inc = path.join(dir, 'inc');
    // Names from the manual's example, plus files that are not read.
    const files: Record<string, string> = {
      'b.conf': 'log_type subscribe\n',
      'A.conf': 'log_type warning\n',
      '01.conf': `listener ${env.ports[1]} 127.0.0.1\nmax_qos 1\n`,
      'a.conf': 'log_type notice\n',
      'B.conf': 'log_type unsubscribe\nmax_topic_alias 4\n',
      '00.conf': 'log_type error\n',
      'notes.txt': 'not a conf file\n',
      '.conf': 'log_type debug\n',
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(inc, name), text, { mode: 0o644 });
    const file = writeConf('includes', 'listener {P1} 127.0.0.1\nallow_anonymous true\ninclude_dir inc\n');
    const config = await loadMosquittoConf(file);
    expect(config.logging.types).toEqual(['error', 'warning', 'notice', 'unsubscribe', 'subscribe']); // 00, A, a, B, b (01 has none)
    // B.conf's max_topic_alias is above any listener of B.conf: the default listener, which it does not start.
    expect(config.listeners).toEqual([expect.objectContaining({ port: env.ports[0], maxQos: 2, maxTopicAlias: 10 }), expect.objectContaining({ port: env.ports[1], maxQos: 1, line: 1, maxTopicAlias: 10 })]);
    expect(['00.conf', '01.conf', 'A.conf', 'a.conf', 'B.conf', 'b.conf'].sort(includeOrder)).toEqual(['00.conf', '01.conf', 'A.conf', 'a.conf', 'B.conf', 'b.conf']);
    const { outcome, output } = await runMosquitto(file, dir, [env.ports[0], env.ports[1]]);
    expect(outcome, output).toBe('started');
    expect(output.indexOf('Loading config file')).toBeGreaterThan(-1);
  });

  it('names the included file and its line for a bad line there, and ignores include_dir inside it with a warning', async () => {
    const inc = path.join(dir, 'inc2');
    writeFileSync(path.join(inc, 'nested.conf'), 'include_dir /etc\n', { mode: 0o644 });
    const good = writeConf('nested', 'listener {P1} 127.0.0.1\ninclude_dir inc2\n');
    expect((await loadMosquittoConf(good)).warnings).toEqual([{ file: path.join(inc, 'nested.conf'), line: 1, message: 'include_dir is read from the main configuration file only (as in mosquitto); ignored' }]);
    writeFileSync(path.join(inc, 'z-broken.conf'), '# fine\nmax_qos 7\n', { mode: 0o644 });
    const file = writeConf('broken-include', 'listener {P1} 127.0.0.1\ninclude_dir inc2\nbogus\n');
    const thrown = (await loadMosquittoConf(file).catch((e: unknown) => e)) as ConfigError;
    expect(thrown.message.split('\n')).toEqual([`${path.join(inc, 'z-broken.conf')}:2: bad number "7" for max_qos (0-2)`, `${file}:3: unknown option "bogus"`]);
    const run = await runMosquitto(file, dir, 'exit');
    // mosquitto names it as include_dir spelled its folder (relative here).
    expect(run.output).toContain('Error found at inc2/z-broken.conf:2.');
  });
});

describe('mosquitto.conf: message format', () => {
  it('formats issues as FILE:LINE: message, like the brief example', () => {
    expect(() => parseMosquittoConf('\n\n\n\n\n\nlistner 1\n', 'mosquitto.conf')).toThrow('mosquitto.conf:7: unknown option "listner"');
  });
});
