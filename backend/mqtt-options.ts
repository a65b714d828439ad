/**
 * Profile → MQTT.js options. Everything the user set in a profile ends up here, in one
 * pure mapping that the tests check field by field.
 */

import { randomBytes } from 'node:crypto';
import type { IClientOptions, IClientPublishOptions, IPublishPacket } from 'mqtt';
import type { UserProperties } from 'mqtt-packet';
import type { MessageProperties } from '../shared/contract';
import { parsePayload } from '../shared/payload';
import type { Profile } from '../shared/profile';
import { utf8Encode } from '../shared/utf8';
import type { TlsMaterial } from './tls-material';

/** MQTT protocol level per version name. */
export const PROTOCOL_LEVEL = { '3.1': 3, '3.1.1': 4, '5.0': 5 } as const;

/** Ordered key/value pairs → MQTT.js's object form, repeated keys as arrays. */
export function toUserProperties(pairs: ReadonlyArray<{ key: string; value: string }>): UserProperties | undefined {
  if (pairs.length === 0) return undefined;
  const out: UserProperties = {};
  for (const { key, value } of pairs) {
    const existing = out[key];
    if (existing === undefined) out[key] = value;
    else out[key] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

/** MQTT.js's object form → ordered pairs (repeated keys keep their order). */
export function fromUserProperties(properties: UserProperties | undefined): Array<{ key: string; value: string }> {
  if (!properties) return [];
  return Object.entries(properties).flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => ({ key, value: String(v) })));
}

/** A client ID for profiles that leave it empty: recognisable in broker logs. */
export function generateClientId(): string {
  return `mqttdesk_${randomBytes(4).toString('hex')}`;
}

/** Drops keys whose value is undefined, so MQTT.js does not send empty properties. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Builds the MQTT.js options for a profile; `tls` is the already loaded material. */
export function clientOptions(profile: Profile, tls: TlsMaterial = {}): IClientOptions {
  const level = PROTOCOL_LEVEL[profile.mqttVersion];
  const v5 = level === 5;
  const secure = profile.protocol === 'mqtts' || profile.protocol === 'wss';
  const options: IClientOptions = {
    protocolVersion: level,
    ...(level === 3 ? { protocolId: 'MQIsdp' as const } : {}),
    clientId: profile.clientId || generateClientId(),
    clean: profile.clean,
    keepalive: profile.keepalive,
    connectTimeout: profile.connectTimeout,
    reconnectPeriod: profile.autoReconnect ? profile.reconnectPeriod : 0,
    // Subscriptions come back after a reconnect unless the broker kept the session.
    resubscribe: true,
  };
  if (profile.username) options.username = profile.username;
  if (profile.password) options.password = profile.password;

  if (secure) {
    Object.assign(options, tls);
    options.rejectUnauthorized = profile.tls.rejectUnauthorized;
    if (profile.tls.servername) options.servername = profile.tls.servername;
    if (profile.tls.alpn.trim()) options.ALPNProtocols = profile.tls.alpn.split(',').map((p) => p.trim());
  }

  const will = profile.will;
  if (will.enabled) {
    options.will = {
      topic: will.topic,
      payload: Buffer.from(parsePayload(will.payload, will.payloadFormat)),
      qos: will.qos,
      retain: will.retain,
      ...(v5
        ? {
            properties: defined({
              willDelayInterval: will.delayInterval,
              messageExpiryInterval: will.messageExpiryInterval,
              contentType: will.contentType || undefined,
              responseTopic: will.responseTopic || undefined,
              correlationData: will.correlationData ? Buffer.from(utf8Encode(will.correlationData)) : undefined,
              userProperties: toUserProperties(will.userProperties),
            }),
          }
        : {}),
    };
  }

  if (v5) {
    const m = profile.mqtt5;
    options.properties = defined({
      sessionExpiryInterval: m.sessionExpiryInterval,
      receiveMaximum: m.receiveMaximum,
      maximumPacketSize: m.maximumPacketSize,
      topicAliasMaximum: m.topicAliasMaximum,
      requestResponseInformation: m.requestResponseInformation || undefined,
      // Only sent when turned off: true is the protocol's default.
      requestProblemInformation: m.requestProblemInformation ? undefined : false,
      userProperties: toUserProperties(m.userProperties),
    });
  }
  return options;
}

/** Contract properties → MQTT.js publish properties. */
export function publishProperties(p: MessageProperties): NonNullable<IClientPublishOptions['properties']> {
  const out: NonNullable<IClientPublishOptions['properties']> = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.topicAlias !== undefined) out.topicAlias = p.topicAlias;
  if (p.responseTopic) out.responseTopic = p.responseTopic;
  if (p.correlationData) out.correlationData = Buffer.from(p.correlationData);
  if (p.contentType) out.contentType = p.contentType;
  const user = toUserProperties(p.userProperties ?? []);
  if (user) out.userProperties = user;
  return out;
}

/** A received PUBLISH's MQTT 5 properties in the contract's form; undefined when none. */
export function receivedProperties(packet: IPublishPacket): MessageProperties | undefined {
  const p = packet.properties;
  if (!p || Object.keys(p).length === 0) return undefined;
  const out: MessageProperties = {};
  if (p.payloadFormatIndicator !== undefined) out.payloadFormatIndicator = p.payloadFormatIndicator;
  if (p.messageExpiryInterval !== undefined) out.messageExpiryInterval = p.messageExpiryInterval;
  if (p.topicAlias !== undefined) out.topicAlias = p.topicAlias;
  if (p.responseTopic !== undefined) out.responseTopic = p.responseTopic;
  if (p.correlationData !== undefined) out.correlationData = new Uint8Array(p.correlationData);
  if (p.contentType !== undefined) out.contentType = p.contentType;
  if (p.userProperties) out.userProperties = fromUserProperties(p.userProperties);
  if (p.subscriptionIdentifier !== undefined) {
    out.subscriptionIdentifiers = Array.isArray(p.subscriptionIdentifier) ? p.subscriptionIdentifier : [p.subscriptionIdentifier];
  }
  return out;
}
