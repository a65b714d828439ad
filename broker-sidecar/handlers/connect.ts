/**
 * CONNECT: protocol checks, client identifier rules, the client's 5.0 limits, keepalive
 * negotiation, then authentication (plain, or a 5.0 enhanced exchange) before the
 * connection is accepted in connect-plan.ts.
 */

import type { IConnectPacket } from 'mqtt-packet';
import { acceptConnection, enhancedAuthStep, type ConnectPlan } from '../connect-plan';
import { clientIdFor, keepaliveFor } from '../connect-rules';
import type { Connection } from '../connection';
import type { Will } from '../connection-state';
import { makeMessage } from '../messages';
import { mountTopic } from '../mount-point';
import { ConnackV3, Reason } from '../reason-codes';
import { SESSION_NEVER_EXPIRES } from '../types';
import { extractWillUserProperties } from '../user-properties';

/** Handles the first packet of a connection. Async because authentication may be. */
export async function handleConnect(conn: Connection, packet: IConnectPacket): Promise<void> {
  const version = conn.protocolVersion;
  const { broker } = conn;
  const { options } = conn;
  const authenticator = broker.authenticatorFor(conn);
  const clean = packet.clean ?? true;
  const will = packet.will;
  const properties = version === 5 ? packet.properties : undefined;

  // Empty IDs [MQTT-3.1.3-8] [MQTT-3.1.3-6] and mosquitto's client ID options: connect-rules.ts.
  const { clientId, assigned, refusal: idRefusal } = clientIdFor(conn, packet, clean);
  conn.apply({ type: 'connect-received', clientId });
  // A mosquitto bridge with try_private: what it publishes must not be sent back to it (handlers/subscribe.ts).
  conn.bridge = (packet as { bridgeMode?: boolean }).bridgeMode === true;

  // The CONNECT is valid in itself (shared/packet-rules): flags agree with the payload, every
  // string is strict UTF-8, property values are in range, the will topic is a topic name.
  conn.configurePeer({
    receiveMaximum: properties?.receiveMaximum ?? 65535,
    maximumPacketSize: properties?.maximumPacketSize ?? Infinity, // applies from the CONNACK on [MQTT-3.1.2-24]
    topicAliasMaximum: properties?.topicAliasMaximum ?? 0, // absent: no aliases to this client [MQTT-3.1.2-27]
    requestProblemInformation: properties?.requestProblemInformation ?? true,
  });

  if (will && (will.qos ?? 0) > options.maximumQos) {
    return conn.refuse(undefined, Reason.qosNotSupported, `will QoS ${will.qos} above the maximum`, `[MQTT-3.2.2-12] Will QoS ${will.qos} is above the Maximum QoS ${options.maximumQos}`);
  }
  if (will?.retain && !options.retainAvailable) {
    return conn.refuse(undefined, Reason.retainNotSupported, 'retained will but retain is not available', '[MQTT-3.2.2-13] Will Retain is set but retained messages are not available');
  }
  if (idRefusal && packet.clientId === '' && (version === 3 || (version === 4 && !clean))) {
    // 3.1.1: an empty ID needs Clean Session 1 [MQTT-3.1.3-7], else CONNACK 0x02 [MQTT-3.1.3-8]; 3.1 needs 1 to 23 characters.
    const rule = version === 3 ? '§3.1' : 'MQTT-3.1.3-8';
    const message = version === 3 ? 'MQTT 3.1 needs a Client Identifier of 1 to 23 characters' : 'an empty Client Identifier needs Clean Session 1';
    return conn.violation({ rule, message, reasonCode: Reason.clientIdentifierNotValid, returnCode: ConnackV3.identifierRejected });
  }
  if (idRefusal) return conn.refuse(idRefusal.v3Code, idRefusal.v5Code, idRefusal.reason);

  const { keepalive, serverKeepAlive } = keepaliveFor(conn, packet.keepalive ?? 0); // max_keepalive, 5.0 only

  const plan: ConnectPlan = {
    clientId,
    assigned,
    clean,
    keepalive,
    serverKeepAlive,
    expiry: version === 5 ? (properties?.sessionExpiryInterval ?? 0) : clean ? 0 : SESSION_NEVER_EXPIRES,
    will: will ? storedWill({ ...will, topic: mountTopic(options.mountPoint, will.topic) }, clientId, version, will.properties?.userProperties ? extractWillUserProperties(conn.currentFrame) : undefined) : undefined,
    username: packet.username,
    authMethod: properties?.authenticationMethod,
  };

  if (plan.authMethod !== undefined) {
    if (!authenticator.auth) {
      // No enhanced authentication configured: refusing is the spec's answer [MQTT-4.12.0-1].
      const why = `[MQTT-4.12.0-1] Authentication Method '${plan.authMethod}' is not supported`;
      return conn.refuse(undefined, Reason.badAuthenticationMethod, 'enhanced authentication is not supported', why);
    }
    return enhancedAuthStep(conn, plan, 'connect', properties?.authenticationData);
  }

  const tlsIdentity = broker.tlsIdentityOf(conn);
  const decision = await authenticator.authenticate({
    clientId,
    username: packet.username,
    password: packet.password,
    protocolVersion: version,
    remoteAddress: conn.remoteAddress,
    ...(tlsIdentity === undefined ? {} : { tlsIdentity }),
  });
  if (conn.state.kind !== 'authenticating') return; // the socket went away meanwhile
  if (!decision.ok) {
    return decision.reason === 'bad-credentials'
      ? conn.refuse(ConnackV3.badUsernameOrPassword, Reason.badUsernameOrPassword, 'bad user name or password')
      : conn.refuse(ConnackV3.notAuthorized, Reason.notAuthorized, 'not authorized');
  }
  acceptConnection(conn, plan, undefined);
}

/** The will as kept until it is due; its Message Expiry starts when it is published. */
function storedWill(will: NonNullable<IConnectPacket['will']>, clientId: string, version: Connection['protocolVersion'], userPropertyBytes: Buffer | undefined): Will {
  const { willDelayInterval, ...messageProperties } = will.properties ?? {};
  const message = makeMessage(will.topic, will.payload, will.qos ?? 0, will.retain ?? false, messageProperties, clientId, version, userPropertyBytes);
  const expirySeconds = message.properties?.messageExpiryInterval;
  return { message: { ...message, expiresAt: undefined }, expirySeconds, delaySeconds: version === 5 ? (willDelayInterval ?? 0) : 0 };
}
