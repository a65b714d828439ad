import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogOutput, selectedLogTypes, type ConsoleStreams } from '../../broker-sidecar/log-output';
import { formatLogLine } from '../../broker-sidecar/logger';
import { bundleBrokerCli, runBrokerCli, startBrokerCli } from '../helpers/broker-cli';
import { runClient, tempDir, writeIn } from '../helpers/broker-config';
import { collect, endAll, mqttClient, sleep, startBroker, type RunningBroker } from '../helpers/broker-harness';
import { freePort } from '../helpers/mosquitto';
import { until } from '../helpers/wait';

// mosquitto.conf's log_type and log_dest: first the output on its own (real files, a real
// broker for subscribe lines and the topic destination), then through the bundled CLI.

let dir: string;
beforeAll(() => {
  dir = tempDir('mqtt-desk-logging-');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Console streams that collect what is written. */
function capture(): ConsoleStreams & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}

const at = new Date(1_700_000_000_000);

describe('log lines', () => {
  it('keep time, level, client ID and event; subscribe lines read like mosquitto', () => {
    expect(formatLogLine({ level: 'notice', clientId: 'c1', message: 'New client connected.' }, at)).toBe('1700000000: NOTICE [c1] New client connected.');
    expect(formatLogLine({ level: 'info', clientId: undefined, message: 'New connection.' }, at)).toBe('1700000000: INFO New connection.');
    expect(formatLogLine({ level: 'info', clientId: 'client-1', category: 'subscribe', message: 'client-1 0 a/b' }, at)).toBe('1700000000: SUBSCRIBE client-1 0 a/b');
  });
});

describe('log_type', () => {
  it("reads types in order: 'none' clears what came before, 'all' selects everything", () => {
    expect([...selectedLogTypes(['error', 'notice'])]).toEqual(['error', 'notice']);
    expect([...selectedLogTypes(['error', 'none', 'debug'])]).toEqual(['debug']);
    expect(selectedLogTypes(['all']).size).toBe(8);
    expect(selectedLogTypes(['all', 'none']).size).toBe(0);
  });

  it('writes only the selected types; information is the info level', () => {
    const streams = capture();
    const output = new LogOutput({ types: ['error', 'information'], destinations: [{ kind: 'stdout' }] }, false, streams);
    output.write({ level: 'error', clientId: undefined, message: 'bad' }, at);
    output.write({ level: 'warning', clientId: undefined, message: 'hmm' }, at);
    output.write({ level: 'info', clientId: 'c', message: 'fine' }, at);
    output.write({ level: 'debug', clientId: 'c', message: 'chatter' }, at);
    expect(streams.out).toEqual(['1700000000: ERROR bad\n', '1700000000: INFO [c] fine\n']);
    expect(streams.err).toEqual([]);
    expect(output.wants('debug')).toBe(false);
  });

  it('selects everything with -v whatever the file says', () => {
    const streams = capture();
    const output = new LogOutput({ types: ['error'], destinations: [{ kind: 'stderr' }] }, true, streams);
    output.write({ level: 'debug', clientId: undefined, message: 'packet' }, at);
    expect(streams.err).toEqual(['1700000000: DEBUG packet\n']);
    expect(output.wants('subscribe')).toBe(true);
  });
});

describe('log_dest', () => {
  it('appends to files, and writes nothing after log_dest none', () => {
    const file = path.join(dir, 'append.log');
    writeIn(dir, 'append.log', 'earlier line\n');
    const streams = capture();
    const output = new LogOutput({ types: ['all'], destinations: [{ kind: 'file', path: file }, { kind: 'stdout' }] }, false, streams);
    output.write({ level: 'notice', clientId: undefined, message: 'one' }, at);
    output.configure({ types: ['all'], destinations: [{ kind: 'stdout' }, { kind: 'file', path: file }, { kind: 'none' }] });
    output.write({ level: 'notice', clientId: undefined, message: 'two' }, at);
    output.close();
    expect(readFileSync(file, 'utf8')).toBe('earlier line\n1700000000: NOTICE one\n');
    expect(streams.out).toEqual(['1700000000: NOTICE one\n']);
    expect(output.wants('error')).toBe(false);
  });

  it('refuses a log file it cannot open', () => {
    const missing = path.join(dir, 'no-such-dir', 'broker.log');
    expect(() => new LogOutput({ types: ['all'], destinations: [{ kind: 'file', path: missing }] }, false, capture())).toThrow(/Unable to open log file .*no-such-dir/);
    expect(existsSync(missing)).toBe(false);
  });

  it("sends log_dest syslog lines through logger(1) with mosquitto's severities and the log_facility, without a timestamp", async () => {
    // A syslog socket of our own (this machine has no /dev/log): Python receives the datagrams.
    const socket = path.join(dir, 'syslog.sock');
    const receiver = spawn('/usr/bin/python3', ['-u', '-c', SYSLOG_RECEIVER, socket], { stdio: ['ignore', 'pipe', 'inherit'] });
    let received = '';
    receiver.stdout.on('data', (d) => (received += d));
    const saved = process.env.MQTT_DESK_SYSLOG_SOCKET;
    try {
      await until(() => received.startsWith('ready'), 5000, 'the syslog receiver');
      process.env.MQTT_DESK_SYSLOG_SOCKET = socket;
      const streams = capture();
      const output = new LogOutput({ types: ['error', 'warning', 'notice', 'information'], destinations: [{ kind: 'syslog' }, { kind: 'dlt' }], facility: 21 }, false, streams);
      output.write({ level: 'warning', clientId: undefined, message: 'disk nearly full' }, at);
      output.write({ level: 'info', clientId: 'c1', message: 'New client connected.' }, at);
      output.write({ level: 'debug', clientId: undefined, message: 'not selected' }, at);
      output.close(); // logger sends what it has and exits
      await until(() => received.includes('New client connected.'), 5000, 'both lines at the syslog socket');
      const lines = received.split('\n').filter((l) => l.startsWith('<'));
      // local5 is facility 21: 21 * 8 + 4 (warning) = 172, + 6 (info) = 174.
      expect(lines).toEqual([
        expect.stringMatching(/^<172>.*mqtt-desk-broker\[\d+\]: WARNING disk nearly full$/),
        expect.stringMatching(/^<174>.*mqtt-desk-broker\[\d+\]: INFO \[c1\] New client connected\.$/),
      ]);
      expect(streams.err.concat(streams.out)).toEqual([]); // dlt is ignored (the configuration warns about it), nothing falls back
    } finally {
      if (saved === undefined) delete process.env.MQTT_DESK_SYSLOG_SOCKET;
      else process.env.MQTT_DESK_SYSLOG_SOCKET = saved;
      receiver.kill('SIGTERM');
    }
  });

  it('says once on stderr when syslog cannot be written', async () => {
    const saved = process.env.MQTT_DESK_SYSLOG_SOCKET;
    process.env.MQTT_DESK_SYSLOG_SOCKET = path.join(dir, 'no-such.sock');
    try {
      const streams = capture();
      const output = new LogOutput({ types: ['error'], destinations: [{ kind: 'syslog' }, { kind: 'stderr' }] }, false, streams);
      output.write({ level: 'error', clientId: undefined, message: 'first' }, at);
      await until(() => streams.err.some((l) => l.includes('cannot write to syslog')), 5000, 'the syslog warning');
      output.write({ level: 'error', clientId: undefined, message: 'second' }, at);
      output.close();
      expect(streams.err.filter((l) => l.includes('cannot write to syslog'))).toEqual([expect.stringMatching(/WARNING log_dest syslog: cannot write to syslog \(.*no-such\.sock.*\); syslog lines are lost/)]);
      expect(streams.err.join('')).toContain('ERROR second');
    } finally {
      if (saved === undefined) delete process.env.MQTT_DESK_SYSLOG_SOCKET;
      else process.env.MQTT_DESK_SYSLOG_SOCKET = saved;
    }
  });

  it('writes lines without a timestamp (log_timestamp false), or with a strftime format (log_timestamp_format)', () => {
    const streams = capture();
    const output = new LogOutput({ types: ['error'], destinations: [{ kind: 'stdout' }], timestamp: false }, false, streams);
    output.write({ level: 'error', clientId: undefined, message: 'bare' }, at);
    const local = new Date(2024, 0, 2, 3, 4, 5);
    output.configure({ types: ['error'], destinations: [{ kind: 'stdout' }], timestampFormat: '%Y-%m-%dT%H:%M:%S' });
    output.write({ level: 'error', clientId: undefined, message: 'stamped' }, local);
    expect(streams.out).toEqual(['ERROR bare\n', '2024-01-02T03:04:05: ERROR stamped\n']);
  });

  it('leaves out client connects and disconnects with connection_messages false', () => {
    const streams = capture();
    const output = new LogOutput({ types: ['all'], destinations: [{ kind: 'stdout' }], connectionMessages: false }, false, streams);
    output.write({ level: 'notice', clientId: 'c', message: 'New client connected.', connection: true }, at);
    output.write({ level: 'notice', clientId: 'c', message: 'Something else.' }, at);
    expect(streams.out).toEqual(['1700000000: NOTICE [c] Something else.\n']);
  });
});

/** Receives syslog datagrams on a Unix socket and prints each on a line. */
const SYSLOG_RECEIVER = `
import socket, sys, os
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
print('ready', flush=True)
while True:
    print(s.recv(65536).decode('utf-8', 'replace').rstrip('\\n'), flush=True)
`;

describe('with a broker', () => {
  let running: RunningBroker;
  let output: LogOutput;
  const streams = capture();
  beforeAll(async () => {
    output = new LogOutput({ types: ['notice', 'subscribe', 'unsubscribe'], destinations: [{ kind: 'stdout' }, { kind: 'topic' }] }, false, streams);
    running = await startBroker({ logger: (entry) => output.write(entry) });
    output.attach(running.broker);
  });
  afterAll(async () => {
    output.close();
    await running.stop();
  });

  it("logs SUBSCRIBE and UNSUBSCRIBE at their own types, as mosquitto's '<client> <qos> <filter>'", async () => {
    const c = await mqttClient(running.port, { clientId: 'log-sub' });
    try {
      await c.subscribeAsync('a/b', { qos: 1 });
      await c.unsubscribeAsync('a/b');
      await until(() => streams.out.some((l) => / UNSUBSCRIBE /.test(l)), 2000, 'the unsubscribe line');
      expect(streams.out.join('')).toMatch(/^\d+: SUBSCRIBE log-sub 1 a\/b$/m);
      expect(streams.out.join('')).toMatch(/^\d+: UNSUBSCRIBE log-sub a\/b$/m);
    } finally {
      await endAll(c);
    }
  });

  it('publishes lines to $SYS/broker/log/<type> with log_dest topic', async () => {
    const watcher = await mqttClient(running.port, { clientId: 'log-watch' });
    try {
      const got = collect(watcher);
      await watcher.subscribeAsync('$SYS/broker/log/#');
      const other = await mqttClient(running.port, { clientId: 'log-other' });
      await other.subscribeAsync('x/y');
      await endAll(other);
      const find = (topic: string, pattern: RegExp) => got.messages.find((m) => m.topic === topic && pattern.test(m.payload));
      // The watcher's own SUBSCRIBE is logged too; wait for the other client's lines.
      await until(() => find('$SYS/broker/log/M/subscribe', /log-other/) !== undefined, 2000, "the other client's subscribe line");
      expect(find('$SYS/broker/log/N', /log-other/)?.payload).toMatch(/^\d+: New client connected from 127\.0\.0\.1:\d+ as log-other /);
      expect(find('$SYS/broker/log/M/subscribe', /log-other/)?.payload).toMatch(/^\d+: log-other 0 x\/y$/);
      expect(find('$SYS/broker/log/M/subscribe', /log-watch/)?.payload).toMatch(/^\d+: log-watch 0 \$SYS\/broker\/log\/#$/);
      expect(got.messages.every((m) => !m.packet.retain)).toBe(true);
    } finally {
      await endAll(watcher);
    }
  });
});

describe('log_dest topic with debug lines', () => {
  it('does not feed on itself: sending a log line is logged but not published again', async () => {
    const streams = capture();
    const output = new LogOutput({ types: ['all'], destinations: [{ kind: 'topic' }, { kind: 'stdout' }] }, false, streams);
    const running = await startBroker({ logger: (entry) => output.write(entry) });
    output.attach(running.broker);
    running.broker.tap.on((event) => output.write({ level: 'debug', clientId: event.clientId || undefined, message: `${event.direction} ${event.packet?.cmd}` }));
    const watcher = await mqttClient(running.port, { clientId: 'loop-watch' });
    try {
      const got = collect(watcher);
      await watcher.subscribeAsync('$SYS/broker/log/#', { qos: 2 });
      await until(() => got.messages.length > 0, 2000, 'a first log message');
      await sleep(200);
      const settled = got.messages.length;
      await sleep(300);
      expect(got.messages.length).toBe(settled);
      expect(got.messages.every((m) => m.packet.qos === 0)).toBe(true);
    } finally {
      await endAll(watcher);
      output.close();
      await running.stop();
    }
  });
});

describe('mqtt-desk-broker -c with log_type and log_dest', () => {
  let entry: string;
  beforeAll(async () => {
    entry = await bundleBrokerCli(dir);
  }, 30_000);

  /** Writes a config with one listener and `lines`, runs the CLI with it, lets mosquitto_sub subscribe once (and leave), stops it. */
  async function runWith(name: string, lines: string[], extraArgs: string[] = []): Promise<{ stdout: string; stderr: string }> {
    // `user root`: started as root (as in CI), mosquitto's default user could not write this root-only temp folder.
    const conf = writeIn(dir, `${name}.conf`, [`listener ${await freePort()} 127.0.0.1`, 'allow_anonymous true', 'sys_interval 0', 'user root', ...lines, ''].join('\n'));
    const cli = await startBrokerCli(entry, ['-c', conf, ...extraArgs]);
    try {
      // -E: exits once the SUBACK is in, however long connecting took (-W 1 timed out before the CONNACK under load).
      const sub = await runClient('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(cli.port), '-i', `${name}-client`, '-t', 'logged/#', '-q', '1', '-E'], 15_000);
      expect(sub.code, sub.stderr).toBe(0);
    } finally {
      await cli.stop();
    }
    return { stdout: cli.stdout(), stderr: cli.stderr() };
  }

  it("writes only the configured types to a file and stdout: 'subscribe' without 'notice'", async () => {
    const file = path.join(dir, 'types.log');
    const { stdout, stderr } = await runWith('types', ['log_type error', 'log_type subscribe', `log_dest file ${file}`, 'log_dest stdout']);
    const logged = readFileSync(file, 'utf8');
    expect(logged).toMatch(/^\d+: SUBSCRIBE types-client 1 logged\/#$/m);
    expect(logged).not.toMatch(/NOTICE|INFO/);
    expect(stdout).toContain(logged);
    expect(stderr).toBe('');
  });

  it("logs to stderr by default with mosquitto's default types (information, not debug)", async () => {
    const { stdout, stderr } = await runWith('defaults', []);
    expect(stderr).toMatch(/^\d+: NOTICE \[defaults-client\] New client connected from 127\.0\.0\.1:\d+ as defaults-client/m);
    expect(stderr).toMatch(/^\d+: INFO New connection from 127\.0\.0\.1:\d+\.$/m);
    expect(stderr).not.toMatch(/DEBUG|SUBSCRIBE/);
    expect(stdout).not.toMatch(/^\d+: /m); // only the "listening on" line
  });

  it('logs every type with -v, packets included', async () => {
    const { stderr } = await runWith('verbose', ['log_type error'], ['-v']);
    expect(stderr).toMatch(/^\d+: DEBUG \[verbose-client\] Received SUBSCRIBE from verbose-client: logged\/# \(QoS 1\)$/m);
    expect(stderr).toMatch(/^\d+: SUBSCRIBE verbose-client 1 logged\/#$/m);
    expect(stderr).toMatch(/NOTICE \[verbose-client\] New client connected/);
  });

  it('writes no log lines with log_dest none', async () => {
    const { stdout, stderr } = await runWith('silent', ['log_type all', 'log_dest none']);
    expect(stdout).toMatch(/^mqtt-desk-broker listening on 127\.0\.0\.1:\d+\n$/);
    expect(stderr).toBe('');
  });

  it('exits 1 naming the file when a log file cannot be opened', async () => {
    const conf = writeIn(dir, 'badlog.conf', [`listener ${await freePort()} 127.0.0.1`, 'user root', `log_dest file ${path.join(dir, 'missing-dir', 'x.log')}`, ''].join('\n'));
    const { code, stdout, stderr } = await runBrokerCli(entry, ['-c', conf]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/Unable to open log file .*missing-dir/);
    expect(stdout).not.toContain('listening on');
  });
});
