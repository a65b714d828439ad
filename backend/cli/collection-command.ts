/** `mqtt-desk pub --collection NAME [--env NAME]`: runs a saved publish collection. */

import type { MosquittoConfig } from '../../shared/mosquitto/config';
import type { Profile } from '../../shared/profile';
import type { CliIo } from './cli-io';

/** Runs every request of the collection in order; resolves to the exit code. */
export async function runCollection(config: MosquittoConfig, _profile: Profile | undefined, io: CliIo): Promise<number> {
  io.stderr(`Error: collection '${config.desk.collection}' cannot run yet.\n`);
  return 1;
}
