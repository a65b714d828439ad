/**
 * SUBSCRIBE: validate each filter against the rules and the capabilities we announced,
 * store or replace the subscription, answer SUBACK with one code per filter in order,
 * then send matching retained messages per Retain Handling (never to shared ones).
 */

import type { ISubscribePacket, ISubscription, QoS } from 'mqtt-packet';
import { checkTopicFilter, parseSharedFilter } from '../../shared/topic';
import type { Connection } from '../connection';
import type { ConnectedState } from '../connection-state';
import { Reason, SUBACK_FAILURE_V3 } from '../reason-codes';
import { mountFilter } from '../mount-point';
import { isExpired, outgoingQos } from '../router';
import type { Subscription } from '../types';

/** Handles SUBSCRIBE on a connected client. */
export function handleSubscribe(conn: Connection, state: ConnectedState, packet: ISubscribePacket): void {
  const v5 = conn.protocolVersion === 5;
  const { router, events } = conn.broker;
  const { options } = conn;
  // The packet is valid in itself (shared/packet-rules): an identifier, filters, options,
  // at most one non-zero Subscription Identifier, No Local never on a shared filter.
  const idProperty = packet.properties?.subscriptionIdentifier;
  const identifier = typeof idProperty === 'number' ? idProperty : undefined;
  if (identifier !== undefined && !options.subscriptionIdentifiersAvailable) {
    // CONNACK said Subscription Identifiers Available 0 (5.0 §3.2.2.3.12).
    return conn.violation({ rule: '§3.2.2.3.12', message: 'SUBSCRIBE carries a Subscription Identifier, which this server said it does not support', reasonCode: Reason.subscriptionIdentifiersNotSupported });
  }

  // A 3.x bridge (try_private) cannot say No Local / Retain As Published: it means both, as mosquitto treats it.
  const bridge = conn.bridge && !v5;
  const codes: number[] = [];
  const refused: string[] = [];
  const accepted: Array<{ sub: Subscription; existed: boolean }> = [];
  for (const request of packet.subscriptions) {
    const failure = refusal(conn, state, request);
    if (failure !== undefined) {
      codes.push(v5 ? failure.code : SUBACK_FAILURE_V3);
      refused.push(`${request.topic}: ${failure.why}`);
      continue;
    }
    const filter = mountFilter(options.mountPoint, request.topic); // mount_point: the broker sees the full filter
    const shared = parseSharedFilter(filter);
    const sub: Subscription = {
      filter,
      group: shared?.group,
      topicFilter: shared ? shared.filter : filter,
      // Any requested QoS is accepted, granted at most the Maximum QoS [MQTT-3.2.2-10].
      qos: Math.min(request.qos, options.maximumQos) as QoS,
      noLocal: bridge || (request.nl ?? false),
      retainAsPublished: bridge || (request.rap ?? false),
      retainHandling: (request.rh ?? 0) as 0 | 1 | 2,
      identifier,
    };
    const existed = router.subscribe(state.session, sub); // replaces an existing one [MQTT-3.8.4-3]
    accepted.push({ sub, existed });
    codes.push(sub.qos);
    if (events.has('subscribed')) events.emit('subscribed', { time: Date.now(), clientId: state.clientId, filter: sub.filter, qos: sub.qos });
  }
  // Same packet ID [MQTT-3.8.4-2], one code per filter, in order [MQTT-3.8.4-5].
  const properties = refused.length > 0 ? conn.explain(refused.join('; ')) : undefined;
  conn.send({ cmd: 'suback', messageId: packet.messageId, granted: codes, properties });

  for (const { sub, existed } of accepted) sendRetained(conn, state, sub, existed);
}

/** The 5.0 failure code and its explanation for a filter, or undefined when it may be subscribed. */
function refusal(conn: Connection, state: ConnectedState, request: ISubscription): { code: number; why: string } | undefined {
  const { options } = conn;
  const check = checkTopicFilter(request.topic);
  if (!check.ok) return { code: Reason.topicFilterInvalid, why: check.reason }; // [MQTT-4.7.1-1] [MQTT-4.7.1-2]
  const shared = parseSharedFilter(request.topic);
  if (shared && !options.sharedSubscriptionAvailable) return { code: Reason.sharedSubscriptionsNotSupported, why: 'shared subscriptions are not available' };
  if (!options.wildcardSubscriptionAvailable && /[+#]/.test(shared ? shared.filter : request.topic)) {
    return { code: Reason.wildcardSubscriptionsNotSupported, why: 'wildcard subscriptions are not available' };
  }
  const allowed = conn.broker.authenticatorFor(conn).authorizeSubscribe?.(state.clientId, mountFilter(options.mountPoint, request.topic)) ?? true;
  if (!allowed) return { code: Reason.notAuthorized, why: 'not authorized' };
  return undefined;
}

function sendRetained(conn: Connection, state: ConnectedState, sub: Subscription, existed: boolean): void {
  if (sub.group !== undefined) return; // shared subscriptions get no retained messages (5.0 §4.8.2)
  if (sub.retainHandling === 2) return; // [MQTT-3.3.1-11] (5.0)
  if (sub.retainHandling === 1 && existed) return; // only for a new subscription [MQTT-3.3.1-10] (5.0)
  const { broker } = conn;
  const { retained } = broker.options;
  for (const message of retained.match(sub.topicFilter)) {
    if (isExpired(message)) continue;
    if (!broker.retainedSourceAllowed(message)) continue; // check_retain_source: its publisher lost write access
    broker.router.deliver(state.session, {
      message,
      qos: outgoingQos(message.qos, sub.qos, conn.options.upgradeOutgoingQos),
      retain: true, // retained messages for a new subscription keep RETAIN=1 [MQTT-3.3.1-8] (3.1.1)
      subscriptionIds: sub.identifier === undefined ? [] : [sub.identifier],
    });
  }
}
