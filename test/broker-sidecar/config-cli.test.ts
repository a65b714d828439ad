import { fork } from 'node:child_process';
import { chmodSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, endAll, withTimeout } from '../helpers/broker-harness';
import { runClient, tempDir, writeIn } from '../helpers/broker-config';
import { freePort, startMosquitto } from '../helpers/mosquitto';
import { bundleBrokerCli, runBrokerCli, startBrokerCli } from '../helpers/broker-cli';

// `mqtt-desk-broker -c FILE`, `--ws-port` and `passwd`, as users run them: the bundled CLI
// in its own process, checked against Debian's mosquitto tools.

let dir: string;
let entry: string;

beforeAll(async () => {
  dir = tempDir('mqtt-desk-broker-config-cli-');
  chmodSync(dir, 0o755); // Debian's mosquitto drops to its own user and must read the password file
  entry = await bundleBrokerCli(dir);
}, 30_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const run = (args: string[]) => runBrokerCli(entry, args);

describe('mqtt-desk-broker -c', () => {
  it('reports every bad line as FILE:LINE and exits 3 without listening', async () => {
    const port = await freePort();
    const conf = writeIn(dir, 'bad.conf', [`listener ${port} 127.0.0.1`, 'max_keepalive 5', 'frobnicate yes', ''].join('\n'));
    const { code, stderr, stdout } = await run(['-c', conf]);
    expect(code).toBe(3);
    expect(stderr).toMatch(new RegExp(`^${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: `, 'm'));
    expect(stderr).toContain(`${conf}:3: `);
    expect(stdout).not.toContain('listening on');
  });

  it('exits 3 with FILE:LINE for a bad line in the password file the config names', async () => {
    const passwords = writeIn(dir, 'broken-passwd', 'no-colon-here\n');
    const conf = writeIn(dir, 'uses-broken.conf', ['allow_anonymous false', `password_file ${passwords}`, `listener ${await freePort()} 127.0.0.1`, ''].join('\n'));
    const { code, stderr } = await run(['-c', conf]);
    expect(code).toBe(3);
    expect(stderr).toContain(`${passwords}:1: `);
  });

  it('exits 3 naming the file when it does not exist', async () => {
    const { code, stderr } = await run(['-c', path.join(dir, 'missing.conf')]);
    expect(code).toBe(3);
    expect(stderr).toContain('missing.conf');
  });

  it('refuses -p together with -c (exit 2)', async () => {
    const { code, stderr } = await run(['-c', 'x.conf', '-p', '1']);
    expect(code).toBe(2);
    expect(stderr).toContain('cannot be combined');
  });

  it('starts every listener of the file plus --ws-port, and reports port and wsPort over IPC', async () => {
    const [tcp, ws] = [await freePort(), await freePort()];
    const conf = writeIn(dir, 'good.conf', ['allow_anonymous true', `listener ${tcp} 127.0.0.1`, `listener ${ws} 127.0.0.1`, 'protocol websockets', ''].join('\n'));
    const child = fork(entry, ['-c', conf, '--ws-port', '0'], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      const ready = await withTimeout(
        new Promise<Record<string, unknown>>((resolve) => child.on('message', (m: Record<string, unknown>) => m.type === 'ready' && resolve(m))),
        5000,
        'the ready message',
      );
      expect(ready).toEqual({ type: 'ready', host: '127.0.0.1', port: tcp, requestedPort: tcp, wsPort: ws });
      const extra = Number(/listening on 127\.0\.0\.1:(\d+) \(ws\)\n(?![\s\S]*\(ws\))/.exec(output)?.[1]);
      expect(extra).toBeGreaterThan(0);
      expect(extra).not.toBe(ws);
      // The file's WebSocket listener, the --ws-port one and the TCP one are one broker.
      const subs = await Promise.all(
        [ws, extra].map((port, i) => withTimeout(connectAsync(`ws://127.0.0.1:${port}/mqtt`, { reconnectPeriod: 0, clientId: `cli-ws-${i}` }), 4000, `ws connect on ${port}`)),
      );
      try {
        const got = subs.map((sub) => collect(sub));
        await Promise.all(subs.map((sub) => sub.subscribeAsync('cli/ws', { qos: 1 })));
        const pub = await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(tcp), '-t', 'cli/ws', '-m', 'via tcp', '-q', '1']);
        expect(pub.code, pub.stderr).toBe(0);
        for (const g of got) expect((await g.waitFor(1))[0]).toMatchObject({ payload: 'via tcp' });
      } finally {
        await endAll(...subs);
      }
    } finally {
      child.kill('SIGTERM');
      expect(await withTimeout(exited, 5000, 'the CLI to exit')).toBe(0);
    }
  });

  it('logs the lines that cannot apply as warnings at start, and runs', async () => {
    const port = await freePort();
    const conf = writeIn(dir, 'warned.conf', [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'plugin /usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so', 'log_dest stdout', ''].join('\n'));
    const cli = await startBrokerCli(entry, ['-c', conf]);
    try {
      expect(cli.stdout()).toMatch(new RegExp(`WARNING ${conf.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: plugin .*: mosquitto plugins are C libraries, which this broker cannot load; ignored`));
      expect((await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(cli.port), '-t', 'w', '-m', 'x'])).code).toBe(0);
    } finally {
      await cli.stop();
    }
  });

  it('follows log_timestamp_format and connection_messages false', async () => {
    const port = await freePort();
    const conf = writeIn(dir, 'quiet.conf', [`listener ${port} 127.0.0.1`, 'allow_anonymous true', 'log_dest stdout', 'log_type all', 'log_timestamp_format %Y-%m-%dT%H:%M:%S', 'connection_messages false', ''].join('\n'));
    const cli = await startBrokerCli(entry, ['-c', conf]);
    try {
      // A retained message, then a subscriber that takes it and leaves: no timing involved.
      expect((await runClient('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(cli.port), '-t', 'quiet/kept', '-m', 'x', '-r'], 15_000)).code).toBe(0);
      const sub = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(cli.port), '-i', 'quiet-client', '-t', 'quiet/#', '-C', '1'], 15_000);
      expect(sub.stdout, sub.stderr).toBe('x\n');
    } finally {
      await cli.stop();
    }
    const lines = cli.stdout().split('\n').filter((l) => / (NOTICE|INFO|SUBSCRIBE|DEBUG) /.test(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d: /.test(l))).toBe(true);
    expect(cli.stdout()).toMatch(/: SUBSCRIBE quiet-client 0 quiet\/#$/m); // the client was there and logged...
    expect(cli.stdout()).not.toMatch(/New client connected|New connection from|disconnected/); // ...but not its connect and disconnect
  });

  it('exits 1 when started as root with a user that does not exist, as mosquitto does', async () => {
    if (process.getuid?.() !== 0) return; // the user matters only to root
    const conf = writeIn(dir, 'nouser.conf', [`listener ${await freePort()} 127.0.0.1`, 'user no-such-user-here', ''].join('\n'));
    const { code, stderr, stdout } = await run(['-c', conf]);
    expect(code).toBe(1);
    expect(stderr).toContain("Unable to drop privileges to 'no-such-user-here' because this user does not exist.");
    expect(stdout).not.toContain('listening on');
  });
});

describe('mqtt-desk-broker passwd', () => {
  it('writes a password file that Debian mosquitto accepts, and updates entries in place', async () => {
    const file = path.join(dir, 'passwd');
    expect(await run(['passwd', file, 'carol', 'first'])).toMatchObject({ code: 0, stdout: 'carol: created\n' });
    expect(await run(['passwd', file, 'dave', 'dave-pw'])).toMatchObject({ code: 0, stdout: 'dave: created\n' });
    expect(await run(['passwd', file, 'carol', 'carol-pw'])).toMatchObject({ code: 0, stdout: 'carol: updated\n' });
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.split(':')[0])).toEqual(['carol', 'dave']);
    chmodSync(file, 0o644);
    const mosquitto = await startMosquitto([`password_file ${file}`]);
    try {
      const base = ['-h', '127.0.0.1', '-p', String(mosquitto.port), '-t', 'pw/t', '-m', 'x'];
      expect((await runClient('mosquitto_pub', [...base, '-u', 'carol', '-P', 'carol-pw'])).code).toBe(0);
      expect((await runClient('mosquitto_pub', [...base, '-u', 'dave', '-P', 'dave-pw'])).code).toBe(0);
      const wrong = await runClient('mosquitto_pub', [...base, '-u', 'carol', '-P', 'first']);
      expect(wrong.code).not.toBe(0);
    } finally {
      await mosquitto.stop();
    }
  });

  it('needs FILE and USER (exit 2)', async () => {
    const { code, stderr } = await run(['passwd', 'only-a-file']);
    expect(code).toBe(2);
    expect(stderr).toContain('passwd FILE USER PASSWORD');
  });
});
