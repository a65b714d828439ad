/** The `mqtt-desk` executable: runs one command and exits with its code. */

import { processIo } from './cli-io';
import { runCli } from './run-cli';

const code = await runCli(process.argv.slice(2), processIo());
// Sockets and timers a finished command leaves must not keep the process alive.
process.exit(code);
