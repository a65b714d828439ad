/** PUBACK from a client: the end of an outgoing QoS 1 delivery. */

import type { IPubackPacket } from 'mqtt-packet';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';

/** Ends the QoS 1 exchange: the packet ID is free again, so queued messages may use it. */
export function handlePuback(conn: Connection, state: ConnectedState, packet: IPubackPacket): void {
  const id = packet.messageId ?? 0;
  const entry = state.session.inflight.get(id);
  if (!entry || entry.delivery.qos !== 1) {
    // A late or duplicate ack is harmless; 5.0 defines no reply to it.
    conn.broker.log({ level: 'debug', clientId: state.clientId, message: `PUBACK for unknown packet ${id} ignored.` });
    return;
  }
  state.session.settle(id);
  conn.broker.router.drain(state.session);
}
