/**
 * mosquitto command lines read as mosquitto 2.0.11 reads them. Every refused line is also
 * given to Debian's mosquitto_pub/sub/rr, whose stderr and exit code must be ours, byte for
 * byte (they fail before connecting). Accepted lines are checked field by field.
 */

import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkMessageGiven, parseMosquittoArgs, subTopicOk } from '../../shared/mosquitto/args';
import type { MosquittoTool } from '../../shared/mosquitto/config';
import { checkFormat, parseFormat } from '../../shared/mosquitto/output-format';

const home = mkdtempSync(path.join(os.tmpdir(), 'mqtt-desk-args-'));

function mosquitto(tool: MosquittoTool, argv: string[]): { stderr: string; status: number | null } {
  const run = spawnSync(`/usr/bin/mosquitto_${tool}`, argv, { env: { HOME: home, PATH: process.env.PATH }, encoding: 'utf8', timeout: 5000 });
  return { stderr: run.stderr, status: run.status };
}

const REFUSED: Array<[MosquittoTool, string[]]> = [
  ['sub', []],
  ['sub', ['-t']],
  ['sub', ['-p']],
  ['sub', ['-t', 'a/#/b']],
  ['sub', ['-t', 'a+']],
  ['sub', ['-t', 'a', '-p', '99999']],
  ['sub', ['-t', 'a', '-p', '-1']],
  ['sub', ['-t', 'a', '-q', '3']],
  ['sub', ['-t', 'a', '--foo']],
  ['sub', ['-t', 'a', '-r']],
  ['sub', ['-t', 'a', '-m', 'x']],
  ['sub', ['-t', 'a', '-e', 'x']],
  ['sub', ['-t', 'a', '-k', '2']],
  ['sub', ['-t', 'a', '-k', '70000']],
  ['sub', ['-t', 'a', '-C', '0']],
  ['sub', ['-t', 'a', '-C', 'abc']],
  ['sub', ['-t', 'a', '-W', '0']],
  ['sub', ['-t', 'a', '-M']],
  ['sub', ['-t', 'a', '-M', '0']],
  ['sub', ['-t', 'a', '-F']],
  ['sub', ['-t', 'a', '-F', '%z']],
  ['sub', ['-t', 'a', '-F', '%']],
  ['sub', ['-t', 'a', '-F', '%-']],
  ['sub', ['-t', 'a', '-F', '%10']],
  ['sub', ['-t', 'a', '-F', '%1.']],
  ['sub', ['-t', 'a', '-F', 'x@']],
  ['sub', ['-t', 'a', '-F', '\\q']],
  ['sub', ['-t', 'a', '-F', 'end\\']],
  ['sub', ['-t', 'a', '-R', '--retained-only']],
  ['sub', ['-t', 'a', '-c']],
  ['sub', ['-t', 'a', '-c', '-I', 'p']],
  ['sub', ['-t', 'a', '-V', '4']],
  ['sub', ['-t', 'a', '-V']],
  ['sub', ['-t', 'a', '-V', '5', '-c']],
  ['sub', ['-t', 'a', '-V', '5', '-x', '-1']],
  ['sub', ['-t', 'a', '-x', 'abc']],
  ['sub', ['-t', 'a', '-x', '-5']],
  ['sub', ['-t', 'a', '-x', '4294967296']],
  ['sub', ['-t', 'a', '-L', 'http://x/y']],
  ['sub', ['-t', 'a', '-L', 'mqtt://x']],
  ['sub', ['-L', 'mqtt://host:1/a/#/b']],
  ['sub', ['-t', 'a', '--will-payload', 'x']],
  ['sub', ['-t', 'a', '--will-retain']],
  ['sub', ['-t', 'a', '--will-topic', 'w/+']],
  ['sub', ['-t', 'a', '--will-qos', '5']],
  ['sub', ['-t', 'a', '--cert', 'x']],
  ['sub', ['-t', 'a', '--key', 'x']],
  ['sub', ['-t', 'a', '--keyform', 'pem']],
  ['sub', ['-t', 'a', '--psk', 'aa']],
  ['sub', ['-t', 'a', '--psk', 'aa', '--psk-identity', 'i', '--cafile', 'c']],
  ['sub', ['-t', 'a', '-i', 'x', '-I', 'y']],
  ['sub', ['-t', 'a', '-I', 'y', '-i', 'x']],
  ['sub', ['-t', 'a', '-T', 'b/#/c']],
  ['sub', ['-t', 'a', '-U', 'b+']],
  ['sub', ['-t', 'a', '--random-filter', '0']],
  ['sub', ['-t', 'a', '--random-filter', '2000']],
  ['sub', ['-t', 'a', '-D']],
  ['sub', ['-t', 'a', '-D', 'connect']],
  ['sub', ['-t', 'a', '-D', 'foo', 'bar', '1']],
  ['sub', ['-t', 'a', '-D', 'connect', 'foo', '1']],
  ['sub', ['-t', 'a', '-D', 'connect', 'content-type', 'x']],
  ['sub', ['-t', 'a', '-D', 'subscribe', 'content-type', 'x']],
  ['sub', ['-t', 'a', '-D', 'publish', 'subscription-identifier', '1']],
  ['sub', ['-t', 'a', '-D', 'auth', 'user-property', 'a', 'b']],
  ['sub', ['-t', 'a', '-D', 'puback', 'user-property', 'a', 'b']],
  ['sub', ['-t', 'a', '-D', 'connack', 'maximum-qos', '1']],
  ['sub', ['-t', 'a', '-D', 'connect', 'user-property', 'x']],
  ['sub', ['-t', 'a', '-D', 'connect', 'receive-maximum', '70000']],
  ['sub', ['-t', 'a', '-D', 'connect', 'receive-maximum', '0']],
  ['sub', ['-t', 'a', '-D', 'connect', 'request-problem-information', '2']],
  ['sub', ['-t', 'a', '-D', 'connect', 'maximum-packet-size', '0']],
  ['sub', ['-t', 'a', '-D', 'publish', 'topic-alias', '0']],
  ['sub', ['-t', 'a', '-D', 'publish', 'content-type', 'x', '-D', 'publish', 'content-type', 'y']],
  ['sub', ['-t', 'a', '-D', 'connect', 'session-expiry-interval', '5', '-x', '10']],
  ['sub', ['-t', 'a', '--quiet', '-D', 'connect', 'session-expiry-interval', '5', '-x', '10']],
  ['sub', ['-t', 'a', '-D', 'will', 'will-delay-interval', '-1']],
  ['pub', ['-t', 'a/+', '-m', 'x']],
  ['pub', ['-t', 'a', '-m', 'x', '-n']],
  ['pub', ['-t', 'a', '-l', '-s']],
  ['pub', ['-t', 'a', '-f']],
  ['pub', ['-t', 'a', '-m']],
  ['pub', ['-t', 'a', '-C', '1']],
  ['pub', ['-t', 'a', '-v']],
  ['pub', ['-t', 'a', '-F', '%t']],
  ['pub', ['-t', 'a', '-W', '1']],
  ['pub', ['-t', 'a', '--repeat', '0']],
  ['pub', ['-t', 'a', '--repeat-delay', '-1']],
  ['pub', ['-t', 'a', '--retained-only']],
  ['rr', ['-t', 'a', '-e', 'b/#', '-m', 'x']],
  ['rr', ['-t', 'a', '-e']],
  ['rr', ['-t', 'a', '-C', '1']],
  ['rr', ['-t', 'a', '-l']],
];

describe('refused command lines: the same words and exit code as mosquitto 2.0.11', () => {
  it.each(REFUSED)('%s %j', (tool, argv) => {
    const ours = parseMosquittoArgs(tool, argv);
    const theirs = mosquitto(tool, argv);
    expect(ours.kind).toBe('error');
    expect(theirs.status).toBe(1);
    expect(ours.kind === 'ok' ? '' : ours.stderr).toBe(theirs.stderr);
  });

  it.each<[MosquittoTool, string[]]>([
    ['pub', ['-t', 'a']],
    ['pub', ['-m', 'x']],
    ['rr', ['-t', 'a', '-m', 'x']],
    ['rr', ['-t', 'a', '-e', 'r']],
    ['rr', ['-t', 'a', '-e', 'r', '-m', 'x', '-D', 'publish', 'response-topic', 'z']],
  ])('after loading the message: %s %j', (tool, argv) => {
    const parsed = parseMosquittoArgs(tool, argv);
    expect(parsed.kind).toBe('ok');
    const ours = parsed.kind === 'ok' ? checkMessageGiven(parsed.config) : undefined;
    expect(ours).toBe(mosquitto(tool, argv).stderr);
  });
});

describe('stricter than mosquitto: numbers that are not numbers name their flag', () => {
  // mosquitto reads these with atoi: "-p abc" becomes port 0 (a unix socket named
  // "localhost"), "-q x" QoS 0, "-k 60s" 60, without a word.
  it.each<[string[], string]>([
    [['-p', 'abc'], "Error: -p argument 'abc' is not a number.\n\n"],
    [['-q', '1x'], "Error: -q argument '1x' is not a number.\n\n"],
    [['-k', '60s'], "Error: -k argument '60s' is not a number.\n\n"],
    [['-C', '5x'], "Error: -C argument '5x' is not a number.\n\n"],
    [['--will-qos', 'one'], "Error: --will-qos argument 'one' is not a number.\n\n"],
    [['-D', 'connect', 'receive-maximum', 'ten'], 'Error: Property value (ten) is not a number for property receive-maximum.\n\n'],
  ])('%j', (argv, message) => {
    const parsed = parseMosquittoArgs('sub', ['-t', 'a', ...argv]);
    expect(parsed).toMatchObject({ kind: 'error', stderr: `${message}\nUse 'mosquitto_sub --help' to see usage.\n` });
  });
});

describe('accepted command lines', () => {
  it('reads a full subscriber line into its fields', () => {
    const parsed = parseMosquittoArgs('sub', ['-h', 'broker', '-p', '8883', '-V', 'mqttv5', '-i', 'me', '-u', 'u', '-P', 'p', '-k', '30', '-q', '2', '-t', 'a/#', '-t', 'b/+', '-v', '-C', '3', '-x', '60', '-D', 'connect', 'user-property', 'k', 'v', '--cafile', 'ca.pem', '--insecure', '--will-topic', 'w', '--will-payload', 'bye', '--will-qos', '1', '--will-retain']);
    expect(parsed.kind).toBe('ok');
    expect(parsed.config).toMatchObject({
      host: 'broker',
      port: 8883,
      protocolVersion: 5,
      id: 'me',
      username: 'u',
      password: 'p',
      keepalive: 30,
      qos: 2,
      topics: ['a/#', 'b/+'],
      verbose: true,
      msgCount: 3,
      sessionExpiryInterval: 60,
      tls: { cafile: 'ca.pem', insecure: true },
      will: { topic: 'w', payload: 'bye', qos: 1, retain: true },
    });
    expect(parsed.config.properties.map((p) => [p.command, p.name, p.key, p.value])).toEqual([
      ['connect', 'user-property', 'k', 'v'],
      ['connect', 'session-expiry-interval', undefined, 60],
    ]);
  });

  it('reads -L into host, port, credentials and topic; mqtts:// uses the OS certificates', () => {
    expect(parseMosquittoArgs('pub', ['-L', 'mqtts://user:secret@example.com:8884/a/b', '-m', 'x']).config).toMatchObject({ host: 'example.com', port: 8884, username: 'user', password: 'secret', topic: 'a/b', tls: { useOsCerts: true } });
    expect(parseMosquittoArgs('sub', ['-L', 'MQTT://h/x/#']).config).toMatchObject({ host: 'h', port: 1883, topics: ['x/#'] });
  });

  it('takes the per-user options file first; the command line wins', () => {
    const parsed = parseMosquittoArgs('sub', ['-t', 'a', '-p', '2000'], { optionsFile: ['# defaults', '-h from-file', '-p 1999', '-v'] });
    expect(parsed.config).toMatchObject({ host: 'from-file', port: 2000, verbose: true });
  });

  it('keeps the desk flags apart from mosquitto\'s', () => {
    expect(parseMosquittoArgs('pub', ['--profile', 'Local', '-t', 'a', '-m', '{{counter}}', '--count', '5', '--rate', '20', '--format', 'json']).config.desk).toEqual({ profile: 'Local', count: 5, rate: 20, format: 'json' });
    expect(parseMosquittoArgs('pub', ['-t', 'a', '--count', '0']).kind).toBe('error');
    expect(parseMosquittoArgs('sub', ['-t', 'a', '--count', '5'])).toMatchObject({ kind: 'error', stderr: "Error: Unknown option '--count'.\n\nUse 'mosquitto_sub --help' to see usage.\n" });
  });

  it('answers --help and --version like mosquitto (callers exit 1)', () => {
    expect(parseMosquittoArgs('sub', ['-t', 'a', '--help']).kind).toBe('help');
    expect(parseMosquittoArgs('pub', ['--version']).kind).toBe('version');
  });
});

describe('subscription filter and -F format checks', () => {
  it.each([
    ['#', true],
    ['a/+/b', true],
    ['+', true],
    ['a/#/b', false],
    ['a#', false],
    ['a/b+', false],
  ])('%s → %s', (filter, ok) => expect(subTopicOk(filter)).toBe(ok));

  it('cuts a format into fields as mosquitto_sub reads it', () => {
    expect(checkFormat('%-010.3t@Y\\n')).toBeUndefined();
    expect(parseFormat('a%-010.3t@Y@@\\n')).toEqual([
      { kind: 'text', bytes: new TextEncoder().encode('a') },
      { kind: 'percent', code: 't', align: '-', pad: '0', width: 10, precision: 3 },
      { kind: 'time', code: 'Y' },
      { kind: 'text', bytes: new TextEncoder().encode('@') },
      { kind: 'escape', byte: 10 },
    ]);
  });
});
