/**
 * `mqtt-desk`: the desk on the command line. pub/sub/rr speak mosquitto's flags; conn,
 * bench, broker and profiles are the desk's own.
 */

import type { CliIo } from './cli-io';
import { runMosquittoTool } from './mosquitto-tools';
import { MAIN_USAGE } from './usage';

/** Runs one command line (without "node" and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'pub':
    case 'sub':
    case 'rr':
      return runMosquittoTool(command, rest, io);
    case undefined:
    case '--help':
    case 'help':
      io.stdout(MAIN_USAGE);
      return command === undefined ? 1 : 0;
    default:
      io.stderr(`Error: Unknown command '${command}'.\n\n${MAIN_USAGE}`);
      return 1;
  }
}
