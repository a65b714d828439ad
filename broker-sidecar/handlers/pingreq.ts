/** PINGREQ: answer PINGRESP. Receiving it already refreshed the keepalive clock. */

import type { Connection } from '../connection';

/** Sends PINGRESP [MQTT-3.12.4-1]. */
export function handlePingreq(conn: Connection): void {
  conn.send({ cmd: 'pingresp' });
}
