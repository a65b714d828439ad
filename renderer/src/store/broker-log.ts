/**
 * The local broker's log in the page: a capped ring outside React state, with a revision
 * in the store bumped once per batch (as for messages).
 */

import type { BrokerLogLine } from '../../../shared/broker-control';
import { RingBuffer } from '../../../shared/ring-buffer';

/** Lines kept in the page. */
export const BROKER_LOG_LINES = 2000;

/** The page's copy of the broker log. */
export const brokerLog = new RingBuffer<BrokerLogLine>({ maxItems: BROKER_LOG_LINES, maxBytes: Infinity }, () => 0);
