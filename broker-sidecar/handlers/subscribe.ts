/**
 * SUBSCRIBE: validate each filter, store or replace the subscription, answer SUBACK with
 * one code per filter in order, then send matching retained messages per Retain Handling.
 */

import type { ISubscribePacket, ISubscription, QoS } from 'mqtt-packet';
import { checkTopicFilter, parseSharedFilter } from '../../shared/topic';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { Reason, SUBACK_FAILURE_V3 } from '../reason-codes';
import { isExpired } from '../router';
import type { Subscription } from '../types';

/** Handles SUBSCRIBE on a connected client. */
export function handleSubscribe(conn: Connection, state: ConnectedState, packet: ISubscribePacket): void {
  const v5 = conn.protocolVersion === 5;
  if (!packet.messageId) return conn.protocolError('SUBSCRIBE without packet identifier'); // [MQTT-2.2.1-3] (5.0)
  if (packet.subscriptions.length === 0) return conn.protocolError('SUBSCRIBE without topic filters'); // [MQTT-3.8.3-3] (3.1.1)
  const idProperty: unknown = packet.properties?.subscriptionIdentifier;
  if (Array.isArray(idProperty) || idProperty === 0) {
    return conn.protocolError('SUBSCRIBE needs at most one non-zero Subscription Identifier'); // 5.0 §3.8.2.1.2
  }
  const identifier = typeof idProperty === 'number' ? idProperty : undefined;

  const codes: number[] = [];
  const accepted: Array<{ sub: Subscription; existed: boolean }> = [];
  for (const request of packet.subscriptions) {
    const code = refusal(conn, state, request, v5);
    if (code !== undefined) {
      codes.push(code);
      continue;
    }
    const sub: Subscription = {
      filter: request.topic,
      qos: request.qos, // we support QoS 2, so every request is granted as asked
      noLocal: request.nl ?? false,
      retainAsPublished: request.rap ?? false,
      retainHandling: (request.rh ?? 0) as 0 | 1 | 2,
      identifier,
    };
    const existed = state.session.subscriptions.has(sub.filter);
    state.session.subscriptions.set(sub.filter, sub); // replaces an existing one [MQTT-3.8.4-3]
    accepted.push({ sub, existed });
    codes.push(sub.qos);
  }
  // Same packet ID [MQTT-3.8.4-2], one code per filter, in order [MQTT-3.8.4-5].
  conn.send({ cmd: 'suback', messageId: packet.messageId, granted: codes });

  for (const { sub, existed } of accepted) sendRetained(conn, state, sub, existed);
}

/** The failure code for a filter, or undefined when it may be subscribed. */
function refusal(conn: Connection, state: ConnectedState, request: ISubscription, v5: boolean): number | undefined {
  if (!checkTopicFilter(request.topic).ok) return v5 ? Reason.topicFilterInvalid : SUBACK_FAILURE_V3; // [MQTT-4.7.1-1] [MQTT-4.7.1-2]
  if (parseSharedFilter(request.topic)) return v5 ? Reason.sharedSubscriptionsNotSupported : SUBACK_FAILURE_V3; // not built yet
  const allowed = conn.broker.options.authenticator.authorizeSubscribe?.(state.clientId, request.topic) ?? true;
  if (!allowed) return v5 ? Reason.notAuthorized : SUBACK_FAILURE_V3;
  return undefined;
}

function sendRetained(conn: Connection, state: ConnectedState, sub: Subscription, existed: boolean): void {
  if (sub.retainHandling === 2) return; // [MQTT-3.3.1-11] (5.0)
  if (sub.retainHandling === 1 && existed) return; // only for a new subscription [MQTT-3.3.1-10] (5.0)
  const { router } = conn.broker;
  const { retained } = conn.broker.options;
  for (const message of retained.match(sub.filter)) {
    if (isExpired(message)) continue;
    router.deliver(state.session, {
      message,
      qos: Math.min(message.qos, sub.qos) as QoS,
      retain: true, // retained messages for a new subscription keep RETAIN=1 [MQTT-3.3.1-8] (3.1.1)
      subscriptionIds: sub.identifier === undefined ? [] : [sub.identifier],
    });
  }
}
