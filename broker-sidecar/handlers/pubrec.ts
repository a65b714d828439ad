/** PUBREC from a client: first acknowledgement of an outgoing QoS 2 delivery. */

import type { IPubrecPacket } from 'mqtt-packet';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { Reason } from '../reason-codes';

/** Moves the delivery to "awaiting PUBCOMP" and answers with PUBREL [MQTT-4.3.3-4] (3.1.1). */
export function handlePubrec(conn: Connection, state: ConnectedState, packet: IPubrecPacket): void {
  const id = packet.messageId ?? 0;
  const entry = state.session.inflight.get(id);
  const v5 = conn.protocolVersion === 5;
  if (!entry || entry.delivery.qos !== 2) {
    if (v5) conn.send({ cmd: 'pubrel', messageId: id, reasonCode: Reason.packetIdentifierNotFound });
    else conn.send({ cmd: 'pubrel', messageId: id });
    return;
  }
  if (v5 && (packet.reasonCode ?? 0) >= 0x80) {
    // The receiver refused the message: the exchange ends here, without PUBREL (5.0 §4.3.3).
    state.session.settle(id);
    conn.broker.router.drain(state.session);
    return;
  }
  state.session.awaitCompletion(entry); // from now on the message must not be resent, only the PUBREL [MQTT-4.3.3-6] (3.1.1)
  conn.send({ cmd: 'pubrel', messageId: id });
}
