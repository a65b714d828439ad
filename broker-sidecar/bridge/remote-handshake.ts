/**
 * The packets of a bridge's handshake with the remote broker, as mosquitto's bridge sends
 * them: the CONNECT (client ID, clean session, credentials, the notification will), the
 * limits read off the CONNACK, the subscriptions for in/both topics and the unsubscriptions
 * for out topics, and refusal codes in words.
 */

import type { IConnackPacket, IConnectPacket, Packet } from 'mqtt-packet';
import type { BridgeConfig } from '../config/bridge-types';
import { SESSION_NEVER_EXPIRES } from '../types';
import type { RemoteLimits } from './bridge-relay';

/** The CONNECT for the remote broker. */
export function remoteConnect(config: BridgeConfig): IConnectPacket {
  const connect: IConnectPacket = {
    cmd: 'connect',
    protocolId: config.protocolVersion === 3 ? 'MQIsdp' : 'MQTT',
    protocolVersion: config.protocolVersion,
    clientId: config.remoteClientId,
    clean: config.cleanSession,
    keepalive: config.keepalive,
  };
  if (config.remoteUsername !== undefined) connect.username = config.remoteUsername;
  if (config.remotePassword !== undefined) connect.password = Buffer.from(config.remotePassword);
  if (config.notifications && !config.notificationsLocalOnly) {
    // The remote tells its side "0" when we vanish.
    connect.will = { topic: config.notificationTopic, payload: Buffer.from('0'), qos: 1, retain: true };
  }
  if (config.protocolVersion === 5) connect.properties = { sessionExpiryInterval: config.cleanSession ? 0 : SESSION_NEVER_EXPIRES };
  return connect;
}

/**
 * What the remote allows, from its CONNACK. Our own max_inflight_messages (`ourMaxInflight`)
 * bounds what we send, as mosquitto's bridge does: a 3.x remote cannot tell its quota, and
 * mosquitto drops a 3.x client that goes beyond it.
 */
export function remoteLimits(connack: IConnackPacket, ourMaxInflight: number): RemoteLimits {
  const p = connack.properties;
  return {
    receiveMaximum: Math.min(p?.receiveMaximum ?? 65535, ourMaxInflight),
    maximumPacketSize: p?.maximumPacketSize ?? 0,
    retainAvailable: p?.retainAvailable ?? true,
    maximumQos: (p?.maximumQoS ?? 2) as 0 | 1 | 2,
  };
}

/**
 * One SUBSCRIBE per in/both topic (as mosquitto sends them) and, with
 * bridge_attempt_unsubscribe, an UNSUBSCRIBE per out topic; `nextId` gives free packet IDs.
 */
export function remoteSubscriptions(config: BridgeConfig, nextId: () => number): Packet[] {
  const v5 = config.protocolVersion === 5;
  const packets: Packet[] = [];
  for (const t of config.topics) {
    if (t.direction !== 'out') {
      // 5.0 says No Local / Retain As Published itself; 3.x relies on the bridge bit (try_private).
      packets.push({ cmd: 'subscribe', messageId: nextId(), subscriptions: [{ topic: t.remoteTopic, qos: t.qos, ...(v5 ? { nl: true, rap: true, rh: 0 as const } : {}) }] });
    } else if (config.attemptUnsubscribe) {
      packets.push({ cmd: 'unsubscribe', messageId: nextId(), unsubscriptions: [t.remoteTopic] });
    }
  }
  return packets;
}

/** A CONNACK refusal in words. */
export function refusal(code: number, version: 3 | 4 | 5): string {
  if (version !== 5) {
    const v3: Record<number, string> = { 1: 'unacceptable protocol version', 2: 'identifier rejected', 3: 'server unavailable', 4: 'bad user name or password', 5: 'not authorized' };
    return v3[code] ?? `return code ${code}`;
  }
  return `reason code 0x${code.toString(16).padStart(2, '0')}`;
}
