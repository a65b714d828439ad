/** Answers to the app's questions about the running broker (see shared/broker-control.ts). */

import type { BrokerQuery } from '../shared/broker-control';
import type { createBroker } from './broker';

/** Looks up what the app asked for. */
export function answerQuery(broker: ReturnType<typeof createBroker>, query: BrokerQuery): unknown {
  switch (query) {
    case 'stats':
      return broker.stats();
    case 'clients':
      return broker.clients();
    case 'retained':
      return broker.retained();
    default: {
      const never: never = query;
      throw new Error(`Unknown query ${String(never)}`);
    }
  }
}
