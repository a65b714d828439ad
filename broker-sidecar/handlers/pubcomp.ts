/** PUBCOMP from a client: the end of an outgoing QoS 2 delivery. */

import type { IPubcompPacket } from 'mqtt-packet';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';

/** Releases the packet ID once PUBCOMP arrives after our PUBREL. */
export function handlePubcomp(conn: Connection, state: ConnectedState, packet: IPubcompPacket): void {
  const id = packet.messageId ?? 0;
  const entry = state.session.inflight.get(id);
  if (!entry || entry.phase !== 'awaiting-comp') {
    conn.broker.log({ level: 'debug', clientId: state.clientId, message: `PUBCOMP for unknown packet ${id} ignored.` });
    return;
  }
  state.session.settle(id);
  conn.broker.router.drain(state.session);
}
