/** UNSUBSCRIBE: remove subscriptions and answer UNSUBACK. */

import type { IUnsubscribePacket } from 'mqtt-packet';
import { checkTopicFilter } from '../../shared/topic';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { mountFilter } from '../mount-point';
import { Reason } from '../reason-codes';

/** Handles UNSUBSCRIBE on a connected client. */
export function handleUnsubscribe(conn: Connection, state: ConnectedState, packet: IUnsubscribePacket): void {
  // Valid in itself (shared/packet-rules): a non-zero identifier [MQTT-2.2.1-3], at least one filter [MQTT-3.10.3-2].
  const { router, events } = conn.broker;
  const codes = packet.unsubscriptions.map((filter) => {
    if (!checkTopicFilter(filter).ok) return Reason.topicFilterInvalid;
    const mounted = mountFilter(conn.options.mountPoint, filter); // subscribed with the mount_point in front
    if (!router.unsubscribe(state.session, mounted)) return Reason.noSubscriptionExisted;
    if (events.has('unsubscribed')) events.emit('unsubscribed', { time: Date.now(), clientId: state.clientId, filter: mounted });
    return Reason.success;
  });
  // UNSUBACK even when nothing matched [MQTT-3.10.4-5], with the same packet ID [MQTT-3.10.4-4].
  // 3.x UNSUBACK has no payload; mqtt-packet leaves `granted` out for those versions.
  conn.send({ cmd: 'unsuback', messageId: packet.messageId, granted: codes });
}
