/**
 * The command line of `mqtt-desk-broker`, parsed into a command. Mosquitto-like flags, so
 * people who know `mosquitto -c FILE -p 1883 -v` know these too. Pure: no I/O here.
 */

/** Help text; printed for -h and after a usage error. */
export const USAGE = `Usage: mqtt-desk-broker [-c FILE] [-p PORT] [--host HOST] [--port-fallback] [--ws-port PORT] [--data-dir DIR]
                        [--allow-control-characters] [-v] [-h]
       mqtt-desk-broker passwd FILE USER PASSWORD

  -c, --config FILE   read a mosquitto.conf (mosquitto 2.0's options, include_dir and bridges);
                      lines that cannot apply here are accepted with a warning
  -p, --port PORT     TCP port to listen on (default 1883; 0 picks a free one)
      --host HOST     address to bind (default 127.0.0.1)
      --port-fallback when PORT is taken, listen on a free port instead of failing
      --ws-port PORT  also listen for MQTT over WebSocket (path /mqtt) on HOST:PORT
      --data-dir DIR  persistence: keep retained messages, durable sessions and
                      delayed wills in DIR (created if missing), so they survive a
                      restart or a crash. Wins over the file's persistence settings;
                      without it, "persistence true" in the file stores them in
                      persistence_location, or in ./mqtt-desk-broker.db when unset
      --allow-control-characters
                      accept control characters (U+0001-U+001F, U+007F-U+009F) and
                      Unicode noncharacters in client IDs, topics and other strings,
                      which are refused by default as mosquitto does (the same as
                      "allow_control_characters true" in the file)
  -v, --verbose       log everything (log_type all): connection events, every packet
  -h, --help          show this help

  passwd FILE USER PASSWORD
                      add USER to a mosquitto password file, or change their password
`;

/** Run the broker. */
export interface RunCommand {
  kind: 'run';
  /** mosquitto.conf path; when set, -p and --host are not allowed (the file has the listeners). */
  config: string | undefined;
  port: number;
  host: string;
  portFallback: boolean;
  /** Extra WebSocket listener on `host`. */
  wsPort: number | undefined;
  /** Persistence directory (--data-dir); undefined: as the config file says, else in memory only. */
  dataDir: string | undefined;
  /** --allow-control-characters: wins over the file's allow_control_characters. */
  allowControlCharacters: boolean;
  verbose: boolean;
}

/** Add or update a password file entry. */
export interface PasswdCommand {
  kind: 'passwd';
  file: string;
  user: string;
  password: string | undefined;
}

/** What the command line asks for; a string is a usage error. */
export type Command = RunCommand | PasswdCommand | { kind: 'help' };

/** Parses `process.argv.slice(2)`. */
export function parseCommand(argv: readonly string[]): Command | string {
  if (argv[0] === 'passwd') {
    const [, file, user, password, ...extra] = argv;
    if (!file || !user || extra.length > 0) return 'Usage: mqtt-desk-broker passwd FILE USER PASSWORD';
    return { kind: 'passwd', file, user, password };
  }
  const run: RunCommand = { kind: 'run', config: undefined, port: 1883, host: '127.0.0.1', portFallback: false, wsPort: undefined, dataDir: undefined, allowControlCharacters: false, verbose: false };
  let help = false;
  let addressGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') help = true;
    else if (arg === '-v' || arg === '--verbose') run.verbose = true;
    else if (arg === '--port-fallback') run.portFallback = true;
    else if (arg === '--allow-control-characters') run.allowControlCharacters = true;
    else if (arg === '-p' || arg === '--port' || arg === '--ws-port') {
      const value = argv[++i];
      const port = Number(value);
      if (value === undefined || !Number.isInteger(port) || port < 0 || port > 65535) return `Invalid port: ${value ?? '(missing)'}`;
      if (arg === '--ws-port') run.wsPort = port;
      else {
        run.port = port;
        addressGiven = true;
      }
    } else if (arg === '--host') {
      const value = argv[++i];
      if (!value) return 'Missing value for --host';
      run.host = value;
      addressGiven = true;
    } else if (arg === '--data-dir') {
      const value = argv[++i];
      if (!value) return 'Missing value for --data-dir';
      run.dataDir = value;
    } else if (arg === '-c' || arg === '--config') {
      const value = argv[++i];
      if (!value) return `Missing value for ${arg}`;
      run.config = value;
    } else return `Unknown option: ${arg}`;
  }
  if (help) return { kind: 'help' };
  // The file's listeners are the truth; silently overriding one of them would surprise.
  if (run.config !== undefined && addressGiven) return '-p/--host cannot be combined with -c: set the listeners in the file';
  return run;
}
