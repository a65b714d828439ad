/** Answers to the app's questions about the running broker (see shared/broker-control.ts). */

import type { BrokerQuery } from '../shared/broker-control';
import type { BridgeManager } from './bridge/bridge-manager';
import type { createBroker } from './broker';
import type { ClientCapture } from './client-capture';

/**
 * Looks up what the app asked for; packet questions need the capture the sidecar keeps for
 * the app, `bridges` the file's `connection`s, when any run.
 */
export function answerQuery(broker: ReturnType<typeof createBroker>, query: BrokerQuery, capture?: ClientCapture, bridges?: BridgeManager): unknown {
  if (typeof query === 'object') {
    if (!capture) throw new Error('This broker keeps no packet capture');
    switch (query.type) {
      case 'packets':
        return capture.page(query.client, query.afterSeq, query.limit);
      case 'packets-clear':
        return { cleared: capture.clear(query.client) };
      default: {
        const never: never = query;
        throw new Error(`Unknown query ${JSON.stringify(never)}`);
      }
    }
  }
  switch (query) {
    case 'stats':
      return broker.stats();
    case 'clients':
      return broker.clients();
    case 'retained':
      return broker.retained();
    case 'violations':
      return broker.violations();
    case 'bridges':
      return bridges?.list() ?? [];
    default: {
      const never: never = query;
      throw new Error(`Unknown query ${String(never)}`);
    }
  }
}
