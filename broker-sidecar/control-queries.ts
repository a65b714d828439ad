/** Answers to the app's questions about the running broker (see shared/broker-control.ts). */

import type { BrokerQuery } from '../shared/broker-control';
import type { createBroker } from './broker';

/** Looks up what the app asked for. */
export function answerQuery(broker: ReturnType<typeof createBroker>, query: BrokerQuery): unknown {
  const introspect = broker as unknown as { stats?: () => unknown; clients?: () => unknown };
  switch (query) {
    case 'stats':
      return introspect.stats?.() ?? null;
    case 'clients':
      return introspect.clients?.() ?? [];
    default: {
      const never: never = query;
      throw new Error(`Unknown query ${String(never)}`);
    }
  }
}
