/**
 * `mqtt-desk-broker`: the sidecar broker's command line. Mosquitto-like flags and log
 * lines, so people who know `mosquitto -p 1883 -v` know this too.
 */

import path from 'node:path';
import { passwdCommand } from './auth/password-file';
import { createBroker, type Broker } from './broker';
import { parseCommand, USAGE, type RunCommand } from './cli';
import { brokerSetup, type BrokerSetup } from './config/broker-setup';
import { ConfigError } from './config/config-error';
import { loadMosquittoConf } from './config/mosquitto-conf';
import { CLI_DEFAULT_LOGGING, LogOutput } from './log-output';
import type { LogEntry, Logger } from './logger';
import { answerQuery } from './control-queries';
import { ClientCapture } from './client-capture';
import { ControlChannel } from './control-channel';
import type { ListenerSpec } from './listeners';
import { describePacket } from './packet-log';
import { openPersistence, type Persistence } from './persistence/store';

/** mosquitto's default sys_interval: $SYS updates every 10 s unless the file says otherwise. */
const DEFAULT_SYS_INTERVAL = 10;

async function main(): Promise<void> {
  const command = parseCommand(process.argv.slice(2));
  if (typeof command === 'string') {
    process.stderr.write(`${command}\n\n${USAGE}`);
    process.exit(2);
  }
  if (command.kind === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  if (command.kind === 'passwd') {
    try {
      const result = await passwdCommand(command.file, command.user, command.password);
      process.stdout.write(`${command.user}: ${result}\n`);
      return;
    } catch (error) {
      process.stderr.write(`mqtt-desk-broker: ${(error as Error).message}\n`);
      process.exit(error instanceof ConfigError ? 3 : 1);
    }
  }
  const cli = command;
  // Run by the app (forked with an IPC channel): port, log and answers go over IPC too.
  let control: ControlChannel | undefined;
  // Lines written while the file is read use the defaults; its log_type/log_dest apply from then on.
  const output = new LogOutput(CLI_DEFAULT_LOGGING, cli.verbose);
  const write = (entry: LogEntry): void => {
    output.write(entry);
    control?.log(entry);
  };
  const setup = await readSetup(cli, (entry) => write(entry));
  if (setup.logging) {
    try {
      output.configure(setup.logging, cli.verbose);
    } catch (error) {
      process.stderr.write(`mqtt-desk-broker: ${(error as Error).message}\n`);
      process.exit(1);
    }
  }
  // Loaded whole before any listener opens, so no client sees a half-restored broker.
  const persistence = await openStore(cli.dataDir ?? setup.dataDir, write);
  const strings = cli.allowControlCharacters ? { allowControlCharacters: true } : {};
  const broker = createBroker({ sysInterval: DEFAULT_SYS_INTERVAL, ...setup.options, ...strings, logger: write, persistence });
  output.attach(broker);
  if (process.send) {
    const send = process.send.bind(process);
    // The app's broker panel shows each client's packets: keep them, within the capture's caps.
    const capture = new ClientCapture(broker.tap);
    control = new ControlChannel(
      (message) => send(message),
      (query) => answerQuery(broker, query, capture),
      (listener) => process.on('message', listener as (message: unknown) => void),
    );
    // The app going away closes the channel: a sidecar must not outlive it.
    process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  if (output.wants('debug')) broker.tap.on((event) => write({ level: 'debug', clientId: event.clientId || undefined, message: describePacket(event) }));

  let ready: { host: string; port: number; requestedPort: number; wsPort: number | undefined };
  try {
    ready = await startListeners(broker, cli, setup.listeners);
  } catch (error) {
    process.stderr.write(`mqtt-desk-broker: cannot listen: ${(error as Error).message}\n`);
    process.exit(1);
  }
  control?.ready(ready.host, ready.port, ready.requestedPort, ready.wsPort);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1); // a second Ctrl-C means "now"
    stopping = true;
    write({ level: 'notice', clientId: undefined, message: `${signal} received, stopping.` });
    broker.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** The listeners and limits to run: from the -c file, or the single TCP listener of -p/--host. Exits 3 on a bad file. */
async function readSetup(cli: RunCommand, log: Logger): Promise<BrokerSetup> {
  if (cli.config === undefined) return { options: {}, listeners: [] };
  try {
    return await brokerSetup(await loadMosquittoConf(cli.config), log);
  } catch (error) {
    // mosquitto's "Error found at FILE:LINE", one line per problem, so editors can jump to them.
    const text = error instanceof ConfigError ? error.message : `${cli.config}: ${(error as Error).message}`;
    process.stderr.write(`${text}\n`);
    process.exit(3);
  }
}

/** Opens the persistence store when one is asked for; exits 1 naming the directory when it cannot be used. */
async function openStore(dir: string | undefined, log: Logger): Promise<Persistence | undefined> {
  if (dir === undefined) return undefined;
  try {
    return await openPersistence(path.resolve(dir), log);
  } catch (error) {
    process.stderr.write(`mqtt-desk-broker: ${(error as Error).message}
`);
    process.exit(1);
  }
}

/**
 * Starts every listener and prints where; the first TCP one is what the app's control
 * channel reports (the first listener of any kind when there is no TCP one).
 */
async function startListeners(broker: Broker, cli: RunCommand, specs: ListenerSpec[]): Promise<{ host: string; port: number; requestedPort: number; wsPort: number | undefined }> {
  const started: Array<{ spec: ListenerSpec; host: string; port: number }> = [];
  if (specs.length === 0) {
    const spec: ListenerSpec = { kind: 'tcp', port: cli.port, host: cli.host };
    started.push({ spec, host: cli.host, port: await listenWithFallback(broker, spec, cli.portFallback) });
  }
  for (const spec of specs) started.push({ spec, host: spec.host ?? '127.0.0.1', port: await broker.listenOn(spec) });
  if (cli.wsPort !== undefined) {
    const spec: ListenerSpec = { kind: 'ws', port: cli.wsPort, host: cli.host };
    started.push({ spec, host: cli.host, port: await listenWithFallback(broker, spec, cli.portFallback) });
  }
  const first = started.find((s) => s.spec.kind === 'tcp') ?? started[0]!;
  const ws = started.find((s) => s.spec.kind === 'ws');
  // The first line a launcher can parse to learn the port when it asked for port 0.
  process.stdout.write(`mqtt-desk-broker listening on ${first.host}:${first.port}\n`);
  for (const s of started) if (s !== first) process.stdout.write(`mqtt-desk-broker listening on ${s.host}:${s.port} (${s.spec.kind})\n`);
  return { host: first.host, port: first.port, requestedPort: first.spec.port, wsPort: ws?.port };
}

/** Listens on the asked port, or with --port-fallback on a free one when it is taken. */
async function listenWithFallback(broker: Broker, spec: ListenerSpec, fallback: boolean): Promise<number> {
  try {
    return await broker.listenOn(spec);
  } catch (error) {
    if (!fallback || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const port = await broker.listenOn({ ...spec, port: 0 });
    process.stdout.write(`mqtt-desk-broker: port ${spec.port} is in use, using ${port} instead (${spec.kind})\n`);
    return port;
  }
}

void main();
