/**
 * PUBLISH from a client: validate, then QoS 0 route; QoS 1 route + PUBACK; QoS 2 route
 * once per packet ID + PUBREC, remembering the ID until PUBREL.
 */

import type { IPublishPacket } from 'mqtt-packet';
import { checkTopicName } from '../../shared/topic';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { makeMessage } from '../messages';
import { Reason } from '../reason-codes';

/** Handles PUBLISH on a connected client. */
export function handlePublish(conn: Connection, state: ConnectedState, packet: IPublishPacket): void {
  const { broker } = conn;
  const properties = packet.properties;
  // We announce no Topic Alias Maximum (0), so any alias is out of range (5.0 §3.3.2.3.4).
  if (properties?.topicAlias !== undefined) return conn.protocolError('topic alias used but none allowed', Reason.topicAliasInvalid);
  if (properties?.subscriptionIdentifier !== undefined) {
    return conn.protocolError('PUBLISH from a client carries a Subscription Identifier'); // [MQTT-3.3.4-6]
  }
  const topicCheck = checkTopicName(packet.topic); // no wildcards [MQTT-3.3.2-2], not empty [MQTT-4.7.3-1]
  if (!topicCheck.ok) return conn.protocolError(`invalid topic '${packet.topic}': ${topicCheck.reason}`);
  if (packet.qos > 0 && !packet.messageId) return conn.protocolError('QoS > 0 PUBLISH without packet identifier'); // [MQTT-2.2.1-3] (5.0)

  const allowed = broker.options.authenticator.authorizePublish?.(state.clientId, packet.topic) ?? true;
  const reasonCode = allowed ? Reason.success : Reason.notAuthorized;
  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  const publishIt = (): void => {
    if (!allowed) return; // 3.x has no way to say no: acknowledge and drop, as 3.1.1 permits
    broker.publish(makeMessage(packet.topic, payload, packet.qos, packet.retain, properties, state.clientId, conn.protocolVersion));
  };

  switch (packet.qos) {
    case 0:
      publishIt();
      return;
    case 1:
      publishIt();
      conn.send({ cmd: 'puback', messageId: packet.messageId!, reasonCode }); // [MQTT-4.3.2-4]
      return;
    case 2: {
      const id = packet.messageId!;
      // A resent PUBLISH with an ID we already hold must not be routed twice [MQTT-4.3.3-8] (3.1.1).
      if (!state.session.awaitingRelease.has(id)) {
        publishIt();
        if (allowed) state.session.awaitingRelease.add(id);
      }
      conn.send({ cmd: 'pubrec', messageId: id, reasonCode }); // PUBREC even for a duplicate [MQTT-4.3.3-8] (3.1.1)
      return;
    }
  }
}
