/**
 * Turning what arrived on the wire (a PUBLISH, a CONNECT's will) into the broker's
 * application message.
 */

import type { QoS } from 'mqtt-packet';
import type { Message, ProtocolVersion, PublishProperties } from './types';

/** The properties without those that belong to one hop and must not be forwarded (also used by bridges). */
export function forwardable(properties: PublishProperties | undefined): PublishProperties | undefined {
  if (!properties) return undefined;
  // Topic Alias is per connection [MQTT-3.3.2-7]; Subscription Identifiers are the receiver's own.
  const { topicAlias: _alias, subscriptionIdentifier: _ids, ...rest } = properties;
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/** Builds the message to route from a published topic, payload and 5.0 properties. */
export function makeMessage(
  topic: string,
  payload: Buffer | string,
  qos: QoS,
  retain: boolean,
  properties: PublishProperties | undefined,
  senderId: string | undefined,
  version: ProtocolVersion,
  userPropertyBytes?: Buffer,
): Message {
  const kept = version === 5 ? forwardable(properties) : undefined;
  const expiry = kept?.messageExpiryInterval;
  return {
    topic,
    payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
    qos,
    retain,
    properties: kept,
    senderId,
    expiresAt: expiry === undefined ? undefined : Date.now() + expiry * 1000,
    userPropertyBytes: version === 5 ? userPropertyBytes : undefined,
  };
}
