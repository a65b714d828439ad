/** AUTH: enhanced authentication is not offered yet, so any AUTH is unexpected. */

import type { IAuthPacket } from 'mqtt-packet';
import type { Connection } from '../connection';

/**
 * A client may send AUTH only inside an exchange that CONNECT's Authentication Method
 * started (5.0 §4.12); we refuse such CONNECTs, so AUTH is always a protocol error.
 */
export function handleAuth(conn: Connection, _packet: IAuthPacket): void {
  conn.protocolError('AUTH without enhanced authentication');
}
