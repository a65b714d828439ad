/**
 * What the broker panel's debugging views read from the local broker: the protocol
 * violations it refused, and the packets of one of its clients, fetched as they come into
 * the same packet log the connections' inspectors use (under `broker:<client>`).
 */

import type { BrokerViolation } from '../../../shared/broker-control';
import { BROKER_CLIENT_PREFIX } from '../../../shared/contract';
import { describeError, showToast } from './app-store';
import { backend } from './backend-api';
import { bumpPackets } from './connection-actions';
import { appendPackets, packetsFor } from './packet-log';

/** The packet-log key of a broker client. */
export function brokerClientLog(client: string): string {
  return `${BROKER_CLIENT_PREFIX}${client}`;
}

/** The violations the broker holds, oldest first; [] when it cannot say (not running). */
export async function loadViolations(): Promise<BrokerViolation[]> {
  try {
    return await backend().call('broker.violations', {});
  } catch {
    return [];
  }
}

/** Clients whose packets are being fetched: a slow answer must not start a second fetch of the same packets. */
const polling = new Set<string>();

/** The newest sequence number the page holds for a packet log (0 for none). */
function newestSeq(connectionId: string): number {
  const log = packetsFor(connectionId).buffer;
  return log.seqAt(log.length - 1) ?? 0;
}

/** Appends the packets of a broker client that arrived since the newest one the page holds. */
export async function pollBrokerPackets(client: string): Promise<void> {
  if (polling.has(client)) return;
  polling.add(client);
  const connectionId = brokerClientLog(client);
  try {
    const page = await backend().call('packets.list', { connectionId, afterSeq: newestSeq(connectionId) });
    // The inspector's own first load may have brought some of them meanwhile.
    const newest = newestSeq(connectionId);
    const packets = page.packets.filter((p) => p.seq > newest);
    if (packets.length === 0) return;
    appendPackets({ ...page, packets });
    bumpPackets(connectionId);
  } catch (error) {
    showToast(describeError(error));
  } finally {
    polling.delete(client);
  }
}

/** Bytes from the hex the broker sends them as. */
export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
