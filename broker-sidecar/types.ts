/**
 * Shapes shared by the broker's modules. Packets are mqtt-packet's own types; the broker
 * adds the application message (what is routed and retained) and the subscription.
 */

import type { IPublishPacket, QoS } from 'mqtt-packet';

/** Protocol levels on the wire: 3 = MQTT 3.1 ("MQIsdp"), 4 = 3.1.1, 5 = 5.0. */
export type ProtocolVersion = 3 | 4 | 5;

/** PUBLISH properties as mqtt-packet models them. */
export type PublishProperties = NonNullable<IPublishPacket['properties']>;

/**
 * An application message as the broker routes it. It is decoupled from the PUBLISH that
 * carried it because every subscriber gets its own packet ID, QoS and retain flag.
 */
export interface Message {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  /** 5.0 properties to forward; never Topic Alias or Subscription Identifier. */
  properties: PublishProperties | undefined;
  /** Client ID of the publisher; undefined for messages the broker makes itself. */
  senderId: string | undefined;
  /** Epoch ms after which the message must not be delivered (5.0 Message Expiry). */
  expiresAt: number | undefined;
  /**
   * The User Property entries exactly as they arrived (identifier byte included, in wire
   * order), because `properties.userProperties` is an object that loses the interleaving
   * of repeated keys. Undefined when there were none or the source was not a PUBLISH.
   */
  userPropertyBytes: Buffer | undefined;
  /** Set on stored retained messages only: who published it and where (check_retain_source). */
  origin?: MessageOrigin;
}

/** The publisher of a retained message as mosquitto keeps it: username and the port of the listener it came in on. */
export interface MessageOrigin {
  username: string | undefined;
  port: number | undefined;
}

/** One subscription of one session. 3.x subscriptions use the 5.0 defaults for the options. */
export interface Subscription {
  /** The filter as subscribed, `$share/{group}/` prefix included. */
  filter: string;
  /** The Share Name of a shared subscription (`$share/{group}/{topicFilter}`), else undefined. */
  group: string | undefined;
  /** The filter topics are matched against: `filter` without any `$share/{group}/` prefix. */
  topicFilter: string;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  /** 5.0 Subscription Identifier, when the SUBSCRIBE carried one. */
  identifier: number | undefined;
}

/** Session Expiry Interval meaning "never expires" (5.0), also used for 3.x clean=false. */
export const SESSION_NEVER_EXPIRES = 0xffffffff;
