/**
 * `mqtt-desk-broker`: the sidecar broker's command line. Mosquitto-like flags and log
 * lines, so people who know `mosquitto -p 1883 -v` know this too.
 */

import path from 'node:path';
import { passwdCommand } from './auth/password-file';
import { BridgeManager } from './bridge/bridge-manager';
import { createBroker, type Broker } from './broker';
import { parseCommand, USAGE, type RunCommand } from './cli';
import { brokerSetup, DEFAULT_USER, type BrokerSetup } from './config/broker-setup';
import { ConfigError, formatIssue } from './config/config-error';
import { loadMosquittoConf } from './config/mosquitto-conf';
import { CLI_DEFAULT_LOGGING, LogOutput } from './log-output';
import type { LogEntry, Logger } from './logger';
import { answerQuery } from './control-queries';
import { ClientCapture } from './client-capture';
import { ControlChannel } from './control-channel';
import type { ListenerSpec, RunningListener } from './listeners';
import { describePacket } from './packet-log';
import { openPersistence, type Persistence } from './persistence/store';
import { dropPrivileges, PRIVILEGED_PORT_HINT, removePidFile, writePidFile } from './process-setup';

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
      exitWith(`mqtt-desk-broker: ${(error as Error).message}`, 1);
    }
  }
  for (const notice of setup.notices ?? []) write({ level: 'notice', clientId: undefined, message: formatIssue(notice) });
  for (const warning of setup.warnings ?? []) write({ level: 'warning', clientId: undefined, message: formatIssue(warning) });
  const { pidFile } = setup;
  if (pidFile !== undefined) {
    try {
      writePidFile(pidFile);
    } catch (error) {
      exitWith(`mqtt-desk-broker: ${(error as Error).message}`, 1);
    }
    process.on('exit', () => removePidFile(pidFile));
  }
  // Loaded whole before any listener opens, so no client sees a half-restored broker.
  const persistence = await openStore(cli.dataDir ?? setup.dataDir, write);
  if (persistence && setup.autosave) persistence.autosave(setup.autosave);
  const strings = cli.allowControlCharacters ? { allowControlCharacters: true } : {};
  const broker = createBroker({ sysInterval: DEFAULT_SYS_INTERVAL, ...setup.options, ...strings, logger: write, persistence });
  output.attach(broker);
  const bridges = new BridgeManager(broker, setup.bridges ?? []);
  if (process.send) {
    const send = process.send.bind(process);
    // The app's broker panel shows each client's packets: keep them, within the capture's caps.
    const capture = new ClientCapture(broker.tap);
    control = new ControlChannel(
      (message) => send(message),
      (query) => answerQuery(broker, query, capture, bridges),
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
    const hint = (error as NodeJS.ErrnoException).code === 'EACCES' && setup.user !== undefined ? `\n${PRIVILEGED_PORT_HINT}` : '';
    exitWith(`mqtt-desk-broker: cannot listen: ${(error as Error).message}${hint}`, 1);
  }
  control?.ready(ready.host, ready.port, ready.requestedPort, ready.wsPort);
  await bridges.start();

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(1); // a second Ctrl-C means "now"
    stopping = true;
    write({ level: 'notice', clientId: undefined, message: `${signal} received, stopping.` });
    bridges
      .close()
      .then(() => broker.close())
      .then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (persistence) {
    // mosquitto's SIGUSR1: save now (Node would open its inspector on SIGUSR1 otherwise).
    process.on('SIGUSR1', () => {
      write({ level: 'notice', clientId: undefined, message: `Saving in-memory database to ${persistence.dir}.` });
      persistence.save();
    });
  }
}

/** Prints a fatal message and exits (the pid file goes with the 'exit' handler). */
function exitWith(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/** The listeners and limits to run: from the -c file, or the single TCP listener of -p/--host. Exits 3 on a bad file. */
async function readSetup(cli: RunCommand, log: Logger): Promise<BrokerSetup> {
  if (cli.config === undefined) return { options: {}, listeners: [] };
  try {
    const config = await loadMosquittoConf(cli.config);
    try {
      // As mosquitto 2.0.11: right after the configuration, before any file it names is opened.
      dropPrivileges(config.user ?? DEFAULT_USER, log);
    } catch (error) {
      exitWith(`mqtt-desk-broker: ${(error as Error).message}`, 1);
    }
    return await brokerSetup(config, log);
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
  const started: Array<{ spec: ListenerSpec; running: RunningListener }> = [];
  if (specs.length === 0) {
    const spec: ListenerSpec = { kind: 'tcp', port: cli.port, host: cli.host };
    started.push({ spec, running: await listenWithFallback(broker, spec, cli.portFallback) });
  }
  for (const spec of specs) started.push({ spec, running: await broker.openListener(spec) });
  if (cli.wsPort !== undefined) {
    const spec: ListenerSpec = { kind: 'ws', port: cli.wsPort, host: cli.host };
    started.push({ spec, running: await listenWithFallback(broker, spec, cli.portFallback) });
  }
  const tcp = (s: (typeof started)[number]): boolean => s.spec.kind === 'tcp' && s.spec.unixSocketPath === undefined;
  const first = started.find(tcp) ?? started[0]!;
  const ws = started.find((s) => s.spec.kind === 'ws' && s.spec.unixSocketPath === undefined);
  const where = ({ spec, running }: (typeof started)[number]): string =>
    spec.unixSocketPath !== undefined ? `unix:${spec.unixSocketPath}` : `${running.host.includes(':') ? `[${running.host}]` : running.host}:${running.port}`;
  // The first line a launcher can parse to learn the port when it asked for port 0.
  process.stdout.write(`mqtt-desk-broker listening on ${where(first)}\n`);
  for (const s of started) if (s !== first) process.stdout.write(`mqtt-desk-broker listening on ${where(s)} (${s.spec.kind})\n`);
  return { host: first.running.host, port: first.running.port, requestedPort: first.spec.port, wsPort: ws?.running.port };
}

/** Listens on the asked port, or with --port-fallback on a free one when it is taken. */
async function listenWithFallback(broker: Broker, spec: ListenerSpec, fallback: boolean): Promise<RunningListener> {
  try {
    return await broker.openListener(spec);
  } catch (error) {
    if (!fallback || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const running = await broker.openListener({ ...spec, port: 0 });
    process.stdout.write(`mqtt-desk-broker: port ${spec.port} is in use, using ${running.port} instead (${spec.kind})\n`);
    return running;
  }
}

void main();
