/** Answers to the app's questions about the running broker (see shared/broker-control.ts). */

import type { BrokerQuery } from '../shared/broker-control';
import type { BridgeManager } from './bridge/bridge-manager';
import type { createBroker } from './broker';

/** Looks up what the app asked for; `bridges` are the file's `connection`s, when any run. */
export function answerQuery(broker: ReturnType<typeof createBroker>, query: BrokerQuery, bridges?: BridgeManager): unknown {
  switch (query) {
    case 'stats':
      return broker.stats();
    case 'clients':
      return broker.clients();
    case 'retained':
      return broker.retained();
    case 'bridges':
      return bridges?.list() ?? [];
    default: {
      const never: never = query;
      throw new Error(`Unknown query ${String(never)}`);
    }
  }
}
