/** DISCONNECT from a client: a normal end that discards the will, unless 5.0 asks for it. */

import type { IDisconnectPacket } from 'mqtt-packet';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { Reason } from '../reason-codes';

/** Handles DISCONNECT; the server sends nothing back. */
export function handleDisconnect(conn: Connection, state: ConnectedState, packet: IDisconnectPacket): void {
  if (conn.protocolVersion === 5) {
    const expiry = packet.properties?.sessionExpiryInterval;
    if (expiry !== undefined) {
      // A session that was to end with the connection cannot be extended now (5.0 §3.14.2.2.2).
      if (state.connectExpiry === 0 && expiry !== 0) {
        return conn.violation({ rule: '§3.14.2.2.2', message: `DISCONNECT raises the Session Expiry Interval from 0 (CONNECT) to ${expiry}`, reasonCode: Reason.protocolError });
      }
      state.session.expiryInterval = expiry;
    }
  }
  const withWill = conn.protocolVersion === 5 && packet.reasonCode === Reason.disconnectWithWill;
  // Normal DISCONNECT discards the will [MQTT-3.14.4-3]; 0x04 asks for it to be published.
  conn.close(withWill ? 'disconnected with will message' : 'disconnected', withWill);
}
