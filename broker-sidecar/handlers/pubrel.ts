/** PUBREL from a client: second half of an incoming QoS 2 exchange. */

import type { IPubrelPacket } from 'mqtt-packet';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { Reason } from '../reason-codes';

/** Forgets the packet ID, so a new PUBLISH with it is a new message, and sends PUBCOMP. */
export function handlePubrel(conn: Connection, state: ConnectedState, packet: IPubrelPacket): void {
  const id = packet.messageId ?? 0;
  const known = state.session.releaseIncoming(id);
  if (conn.protocolVersion === 5 && !known) {
    conn.send({ cmd: 'pubcomp', messageId: id, reasonCode: Reason.packetIdentifierNotFound });
    return;
  }
  conn.send({ cmd: 'pubcomp', messageId: id }); // same packet ID as the PUBREL [MQTT-3.6.4-1] [MQTT-4.3.3-9] (3.1.1)
}
