/**
 * PUBLISH from a client: enforce the limits we announced, resolve the Topic Alias,
 * validate, then QoS 0 route; QoS 1 route + PUBACK; QoS 2 route once per packet ID +
 * PUBREC, remembering the ID until PUBREL.
 */

import type { IPublishPacket } from 'mqtt-packet';
import { checkTopicName } from '../../shared/topic';
import { utf8DecodeStrict } from '../../shared/utf8';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { makeMessage, propertiesComplete } from '../messages';
import { mountTopic } from '../mount-point';
import { Reason } from '../reason-codes';
import { isSysTopic } from '../sys-topics';
import { extractUserProperties } from '../user-properties';

/** Handles PUBLISH on a connected client. */
export function handlePublish(conn: Connection, state: ConnectedState, packet: IPublishPacket): void {
  const { broker } = conn;
  const { options } = conn;
  const v5 = conn.protocolVersion === 5;
  const properties = packet.properties;
  if (typeof packet.topic !== 'string' || packet.payload === null || !propertiesComplete(properties)) return conn.malformed('PUBLISH with a truncated field');
  if (properties && !stringTyped(properties.responseTopic)) return conn.malformed('PUBLISH with a Response Topic that is not a string');
  if (properties?.subscriptionIdentifier !== undefined) {
    return conn.protocolError('PUBLISH from a client carries a Subscription Identifier'); // [MQTT-3.3.4-6]
  }
  // What CONNACK ruled out: QoS above Maximum QoS [MQTT-3.2.2-11], RETAIN without Retain Available [MQTT-3.2.2-14].
  if (packet.qos > options.maximumQos) return conn.protocolError(`QoS ${packet.qos} above the Maximum QoS ${options.maximumQos}`, Reason.qosNotSupported, true);
  if (packet.retain && !options.retainAvailable) return conn.protocolError('RETAIN set but retain is not available', Reason.retainNotSupported, true);

  let topic = packet.topic;
  if (v5) {
    const resolved = conn.inboundAliases.resolve(packet.topic, properties?.topicAlias);
    if (!resolved.ok) return conn.protocolError(resolved.reason, resolved.code === 'alias-invalid' ? Reason.topicAliasInvalid : Reason.protocolError, true);
    topic = resolved.topic;
  }
  const topicCheck = checkTopicName(topic); // no wildcards [MQTT-3.3.2-2], not empty [MQTT-4.7.3-1]
  if (!topicCheck.ok) return conn.protocolError(`invalid topic '${topic}': ${topicCheck.reason}`);
  if (packet.qos > 0 && !packet.messageId) return conn.protocolError('QoS > 0 PUBLISH without packet identifier'); // [MQTT-2.2.1-3] (5.0)
  const responseTopic = properties?.responseTopic;
  if (v5 && responseTopic !== undefined && !checkTopicName(responseTopic).ok) {
    return conn.protocolError(`invalid Response Topic '${responseTopic}'`, Reason.protocolError, true); // [MQTT-3.3.2-14]
  }
  topic = mountTopic(options.mountPoint, topic); // mount_point: the broker sees the full topic

  const id = packet.messageId ?? 0;
  const { session } = state;
  const fresh = packet.qos === 2 && !session.awaitingRelease.has(id);
  // Incoming QoS 2 held open count against the Receive Maximum we announced [MQTT-3.3.4-7]; QoS 1 is acked at once.
  if (v5 && fresh && session.awaitingRelease.size >= options.receiveMaximum) {
    return conn.protocolError(`more than ${options.receiveMaximum} unacknowledged QoS 2 PUBLISHes`, Reason.receiveMaximumExceeded, true);
  }

  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  // mosquitto's memory_limit: a message the broker cannot take costs the publisher its connection.
  if (options.memoryLimit > 0 && broker.heldBytes() + payload.length > options.memoryLimit) return conn.quotaExceeded(`memory_limit of ${options.memoryLimit} bytes reached`);
  let reasonCode: number = Reason.success;
  let why: string | undefined;
  if (v5 && properties?.payloadFormatIndicator && utf8DecodeStrict(payload) === undefined) {
    // Payload Format Indicator 1 promises UTF-8 (5.0 §3.3.2.3.2): refuse with 0x99, QoS 0 by DISCONNECT.
    why = 'payload is not valid UTF-8 but its Payload Format Indicator is 1';
    if (packet.qos === 0) return conn.protocolError(why, Reason.payloadFormatInvalid, true);
    reasonCode = Reason.payloadFormatInvalid;
  } else if (options.maxPayloadBytes > 0 && payload.length > options.maxPayloadBytes) {
    // mosquitto's message_size_limit: dropped, acknowledged as usual (3.x). mosquitto answers
    // 5.0 with 0x95, which is not a PUBACK/PUBREC code (5.0 §3.4.2.1) and hangs MQTT.js;
    // 0x97 Quota exceeded is a valid code for "not accepted because of a server limit".
    reasonCode = Reason.quotaExceeded;
    why = `payload of ${payload.length} bytes exceeds the limit of ${options.maxPayloadBytes}`;
    broker.log({ level: 'notice', clientId: state.clientId, message: `Dropped too large PUBLISH on '${topic}' from ${state.clientId} (${payload.length} bytes).` });
  } else if (isSysTopic(topic)) {
    // Only the broker writes $SYS; mosquitto denies it whatever the ACL says, answered like an ACL denial.
    reasonCode = Reason.notAuthorized;
    why = `'${topic}' is written by the broker only`;
    broker.log({ level: 'notice', clientId: state.clientId, message: `Denied PUBLISH from ${state.clientId} to '${topic}' ($SYS is read-only).` });
  } else if (!(broker.authenticatorFor(conn).authorizePublish?.(state.clientId, topic) ?? true)) {
    reasonCode = Reason.notAuthorized;
    why = `not authorized to publish to '${topic}'`;
    broker.log({ level: 'notice', clientId: state.clientId, message: `Denied PUBLISH from ${state.clientId} to '${topic}' (ACL).` });
  }
  const accepted = reasonCode === Reason.success;
  const publishIt = (): void => {
    if (!accepted) return; // 3.x has no way to say no: acknowledge and drop, as 3.1.1 permits
    const userPropertyBytes = v5 && properties?.userProperties ? extractUserProperties(conn.currentFrame) : undefined;
    const message = makeMessage(topic, payload, packet.qos, packet.retain, properties, state.clientId, conn.protocolVersion, userPropertyBytes);
    broker.publish(message, packet.retain ? broker.originOf(conn) : undefined); // who retained it, for check_retain_source
  };
  const properties5 = why === undefined ? undefined : conn.explain(why);

  switch (packet.qos) {
    case 0:
      publishIt();
      return;
    case 1:
      publishIt();
      conn.send({ cmd: 'puback', messageId: id, reasonCode, properties: properties5 }); // [MQTT-4.3.2-4]
      return;
    case 2:
      // A resent PUBLISH with an ID we already hold must not be routed twice [MQTT-4.3.3-8] (3.1.1).
      if (fresh) {
        publishIt();
        if (accepted) session.holdIncoming(id);
      }
      conn.send({ cmd: 'pubrec', messageId: id, reasonCode, properties: properties5 }); // PUBREC even for a duplicate [MQTT-4.3.3-8] (3.1.1)
      return;
  }
}

/** mqtt-packet can hand back a Buffer for a string property of a damaged packet. */
function stringTyped(value: unknown): boolean {
  return value === undefined || typeof value === 'string';
}
