/**
 * `mqtt-desk`: the desk on the command line. pub/sub/rr speak mosquitto's flags; conn,
 * broker, profiles and bench are the desk's own.
 */

import type { CliIo } from './cli-io';
import { runBench } from './bench-command';
import { runBroker } from './broker-command';
import { runConn } from './conn-command';
import { runMosquittoTool } from './mosquitto-tools';
import { runProfiles } from './profiles-command';
import { MAIN_USAGE } from './usage';

/** Runs one command line (without "node" and the script); resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'pub':
    case 'sub':
    case 'rr':
      return runMosquittoTool(command, rest, io);
    case 'conn':
      return runConn(rest, io);
    case 'bench':
      return runBench(rest, io);
    case 'broker':
      return runBroker(rest, io);
    case 'profiles':
      return runProfiles(rest, io);
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
