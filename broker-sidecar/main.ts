/**
 * `mqtt-desk-broker`: the sidecar broker's command line. Mosquitto-like flags and log
 * lines, so people who know `mosquitto -p 1883 -v` know this too.
 */

import { createBroker } from './broker';
import { formatLogLine, type LogEntry, type LogLevel } from './logger';
import { answerQuery } from './control-queries';
import { ControlChannel } from './control-channel';
import { describePacket } from './packet-log';

const USAGE = `Usage: mqtt-desk-broker [-p PORT] [--host HOST] [--port-fallback] [-v] [-h]

  -p, --port PORT     TCP port to listen on (default 1883; 0 picks a free one)
      --host HOST     address to bind (default 127.0.0.1)
      --port-fallback when PORT is taken, listen on a free port instead of failing
  -v, --verbose       log every connection event and every packet
  -h, --help          show this help
`;

/** Parsed command line. */
interface Cli {
  port: number;
  host: string;
  portFallback: boolean;
  verbose: boolean;
  help: boolean;
}

function parseArgs(argv: string[]): Cli | string {
  const cli: Cli = { port: 1883, host: '127.0.0.1', portFallback: false, verbose: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') cli.help = true;
    else if (arg === '-v' || arg === '--verbose') cli.verbose = true;
    else if (arg === '--port-fallback') cli.portFallback = true;
    else if (arg === '-p' || arg === '--port') {
      const value = argv[++i];
      const port = Number(value);
      if (value === undefined || !Number.isInteger(port) || port < 0 || port > 65535) return `Invalid port: ${value ?? '(missing)'}`;
      cli.port = port;
    } else if (arg === '--host') {
      const value = argv[++i];
      if (!value) return 'Missing value for --host';
      cli.host = value;
    } else return `Unknown option: ${arg}`;
  }
  return cli;
}

const QUIET_LEVELS: ReadonlySet<LogLevel> = new Set(['notice', 'warning', 'error']);

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  if (typeof cli === 'string') {
    process.stderr.write(`${cli}\n\n${USAGE}`);
    process.exit(2);
  }
  if (cli.help) {
    process.stdout.write(USAGE);
    return;
  }
  // Run by the app (forked with an IPC channel): port, log and answers go over IPC too.
  let control: ControlChannel | undefined;
  const write = (entry: LogEntry): void => {
    if (cli.verbose || QUIET_LEVELS.has(entry.level)) process.stdout.write(`${formatLogLine(entry)}\n`);
    control?.log(entry);
  };
  const broker = createBroker({ logger: write });
  if (process.send) {
    const send = process.send.bind(process);
    control = new ControlChannel(
      (message) => send(message),
      (query) => answerQuery(broker, query),
      (listener) => process.on('message', listener as (message: unknown) => void),
    );
    // The app going away closes the channel: a sidecar must not outlive it.
    process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  if (cli.verbose) broker.tap.on((event) => write({ level: 'debug', clientId: event.clientId || undefined, message: describePacket(event) }));

  let port: number;
  try {
    port = await listenWithFallback(broker, cli);
  } catch (error) {
    process.stderr.write(`mqtt-desk-broker: cannot listen on ${cli.host}:${cli.port}: ${(error as Error).message}\n`);
    process.exit(1);
  }
  // The first line a launcher can parse to learn the port when it asked for port 0.
  process.stdout.write(`mqtt-desk-broker listening on ${cli.host}:${port}\n`);
  control?.ready(cli.host, port, cli.port);

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

/** Listens on the asked port, or with --port-fallback on a free one when it is taken. */
async function listenWithFallback(broker: ReturnType<typeof createBroker>, cli: Cli): Promise<number> {
  try {
    return await broker.listen({ port: cli.port, host: cli.host });
  } catch (error) {
    if (!cli.portFallback || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    const port = await broker.listen({ port: 0, host: cli.host });
    process.stdout.write(`mqtt-desk-broker: port ${cli.port} is in use, using ${port} instead\n`);
    return port;
  }
}

void main();
