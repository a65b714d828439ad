/** Calls a backend through its dispatcher the way a UI would, rethrowing contract errors. */

import type { Backend } from '../../backend/backend';
import type { CommandArgs, CommandName, CommandResults } from '../../shared/contract';

/** A typed caller bound to one backend (or to a getter, for backends made in beforeAll). */
export function callerFor(backend: Backend | (() => Backend)) {
  return async function call<K extends CommandName>(command: K, args: CommandArgs<K> | Record<string, unknown> = {}): Promise<CommandResults[K]> {
    const target = typeof backend === 'function' ? backend() : backend;
    const result = await target.dispatch(command, args);
    if (!result.ok) throw Object.assign(new Error(result.error.message), result.error);
    return result.value as CommandResults[K];
  };
}
