/**
 * PUBLISH from a client (already valid in itself): enforce the limits we announced, resolve
 * the Topic Alias, then QoS 0 route; QoS 1 route + PUBACK; QoS 2 route once per packet ID +
 * PUBREC, remembering the ID until PUBREL.
 */

import type { IPublishPacket } from 'mqtt-packet';
import { utf8DecodeStrict } from '../../shared/utf8';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { makeMessage } from '../messages';
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
  // The packet itself is valid in full (fast-decode.ts, or the rule tables in shared/packet-rules);
  // what is left to check depends on this connection: what CONNACK announced, aliases, quotas.
  if (packet.qos > options.maximumQos) {
    return conn.violation({ rule: v5 ? 'MQTT-3.2.2-11' : 'broker limit', message: `QoS ${packet.qos} is above the Maximum QoS ${options.maximumQos}`, reasonCode: Reason.qosNotSupported });
  }
  if (packet.retain && !options.retainAvailable) {
    return conn.violation({ rule: v5 ? 'MQTT-3.2.2-14' : 'broker limit', message: 'RETAIN is set but retained messages are not available', reasonCode: Reason.retainNotSupported });
  }

  let topic = packet.topic;
  if (v5 && properties?.topicAlias !== undefined) {
    const resolved = conn.inboundAliases.resolve(packet.topic, properties.topicAlias);
    if (!resolved.ok) {
      return resolved.code === 'alias-invalid'
        ? conn.violation({ rule: 'MQTT-3.3.2-9', message: resolved.reason, reasonCode: Reason.topicAliasInvalid })
        : conn.violation({ rule: '§3.3.2.3.4', message: resolved.reason, reasonCode: Reason.protocolError });
    }
    topic = resolved.topic;
  }
  topic = mountTopic(options.mountPoint, topic); // mount_point: the broker sees the full topic

  const id = packet.messageId ?? 0;
  const { session } = state;
  const fresh = packet.qos === 2 && !session.awaitingRelease.has(id);
  // Incoming QoS 2 held open count against the Receive Maximum we announced [MQTT-3.3.4-7]; QoS 1 is acked at once.
  if (v5 && fresh && session.awaitingRelease.size >= options.receiveMaximum) {
    return conn.violation({ rule: 'MQTT-3.3.4-7', message: `more than the Receive Maximum of ${options.receiveMaximum} unacknowledged QoS 2 PUBLISHes`, reasonCode: Reason.receiveMaximumExceeded });
  }

  const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
  // mosquitto's memory_limit: a message the broker cannot take costs the publisher its connection.
  if (options.memoryLimit > 0 && broker.heldBytes() + payload.length > options.memoryLimit) return conn.quotaExceeded(`memory_limit of ${options.memoryLimit} bytes reached`);
  let reasonCode: number = Reason.success;
  let why: string | undefined;
  if (v5 && properties?.payloadFormatIndicator && utf8DecodeStrict(payload) === undefined) {
    // Payload Format Indicator 1 promises UTF-8 (5.0 §3.3.2.3.2): refuse with 0x99, QoS 0 by DISCONNECT.
    why = 'payload is not valid UTF-8 but its Payload Format Indicator is 1';
    if (packet.qos === 0) return conn.violation({ rule: '§3.3.2.3.2', message: why, reasonCode: Reason.payloadFormatInvalid });
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
  const properties5 = why === undefined ? undefined : conn.explain(why);

  switch (packet.qos) {
    case 0:
      if (accepted) route(conn, state, packet, topic, payload);
      return;
    case 1:
      if (accepted) route(conn, state, packet, topic, payload);
      conn.send({ cmd: 'puback', messageId: id, reasonCode, properties: properties5 }); // [MQTT-4.3.2-4]
      return;
    case 2:
      // A resent PUBLISH with an ID we already hold must not be routed twice [MQTT-4.3.3-8] (3.1.1).
      if (fresh && accepted) {
        route(conn, state, packet, topic, payload);
        session.holdIncoming(id);
      }
      conn.send({ cmd: 'pubrec', messageId: id, reasonCode, properties: properties5 }); // PUBREC even for a duplicate [MQTT-4.3.3-8] (3.1.1)
      return;
  }
}

/**
 * Routes an accepted PUBLISH (3.x has no way to say no: one not accepted is acknowledged and
 * dropped, as 3.1.1 permits). A function, not a closure per PUBLISH: one less allocation on
 * the hot path.
 */
function route(conn: Connection, state: ConnectedState, packet: IPublishPacket, topic: string, payload: Buffer): void {
  const { broker } = conn;
  const properties = packet.properties;
  const userPropertyBytes = conn.protocolVersion === 5 && properties?.userProperties ? extractUserProperties(conn.currentFrame) : undefined;
  const message = makeMessage(topic, payload, packet.qos, packet.retain, properties, state.clientId, conn.protocolVersion, userPropertyBytes);
  broker.publish(message, packet.retain ? broker.originOf(conn) : undefined); // who retained it, for check_retain_source
}
