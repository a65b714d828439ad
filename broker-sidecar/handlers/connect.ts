/**
 * CONNECT: protocol checks, client identifier rules, authentication, keepalive
 * negotiation, takeover of an existing connection, session start/resume, CONNACK.
 */

import type { IConnackPacket, IConnectPacket } from 'mqtt-packet';
import { checkTopicName } from '../../shared/topic';
import type { Connection } from '../connection';
import type { Will } from '../connection-state';
import { makeMessage } from '../messages';
import { ConnackV3, Reason } from '../reason-codes';
import { SESSION_NEVER_EXPIRES, type ProtocolVersion } from '../types';

const PROTOCOL_TAG: Record<ProtocolVersion, string> = { 3: 'p1', 4: 'p2', 5: 'p5' };

/** Handles the first packet of a connection. Async because authentication may be. */
export async function handleConnect(conn: Connection, packet: IConnectPacket): Promise<void> {
  const version = conn.protocolVersion;
  const { broker } = conn;
  const clean = packet.clean ?? true;
  const will = packet.will;

  let clientId = packet.clientId;
  let assigned: string | undefined;
  // 3.1 requires an identifier; 3.1.1 allows an empty one only with a clean session [MQTT-3.1.3-8].
  const idRejected = clientId === '' && (version === 3 || (version === 4 && !clean));
  if (clientId === '' && !idRejected) {
    clientId = broker.assignClientId(); // [MQTT-3.1.3-6]
    if (version === 5) assigned = clientId; // told to the client in CONNACK [MQTT-3.2.2-16]
  }
  conn.apply({ type: 'connect-received', clientId });

  // mqtt-packet accepts both QoS bits set in the will flags; the spec does not [MQTT-3.1.2-14].
  if (will && (will.qos ?? 0) > 2) return conn.malformed('will QoS 3');
  if (will && !checkTopicName(will.topic).ok) {
    return conn.refuse(undefined, Reason.topicNameInvalid, `invalid will topic '${will.topic}'`); // will topics follow the topic-name rules [MQTT-3.3.2-2]
  }
  if (idRejected) return conn.refuse(ConnackV3.identifierRejected, Reason.clientIdentifierNotValid, 'empty client identifier');

  if (version === 5 && packet.properties?.authenticationMethod !== undefined) {
    // Enhanced authentication is not offered; refusing is the spec's answer [MQTT-4.12.0-1].
    return conn.refuse(undefined, Reason.badAuthenticationMethod, 'enhanced authentication is not supported');
  }

  let keepalive = packet.keepalive ?? 0;
  let serverKeepAlive: number | undefined;
  const max = broker.options.maxKeepalive;
  if (max < 65535 && (keepalive === 0 || keepalive > max)) {
    if (version !== 5) return conn.refuse(ConnackV3.identifierRejected, Reason.unspecifiedError, `keepalive ${keepalive} outside 1..${max}`);
    keepalive = max;
    serverKeepAlive = max; // the client must use it [MQTT-3.2.2-21]
  }

  const decision = await broker.options.authenticator.authenticate({
    clientId,
    username: packet.username,
    password: packet.password,
    protocolVersion: version,
    remoteAddress: conn.remoteAddress,
  });
  if (conn.state.kind !== 'authenticating') return; // the socket went away meanwhile
  if (!decision.ok) {
    return decision.reason === 'bad-credentials'
      ? conn.refuse(ConnackV3.badUsernameOrPassword, Reason.badUsernameOrPassword, 'bad user name or password')
      : conn.refuse(ConnackV3.notAuthorized, Reason.notAuthorized, 'not authorized');
  }

  broker.online(clientId)?.takeOver(); // [MQTT-3.1.4-2] (3.1.1; 5.0: [MQTT-3.1.4-3])
  const expiry = version === 5 ? (packet.properties?.sessionExpiryInterval ?? 0) : clean ? 0 : SESSION_NEVER_EXPIRES;
  // Clean Session / Clean Start discards any old session [MQTT-3.1.2-6]; otherwise it resumes [MQTT-3.1.2-4].
  const { session, present } = broker.openSession(clientId, clean, expiry);

  let storedWill: Will | undefined;
  if (will) {
    const { willDelayInterval, ...messageProperties } = will.properties ?? {};
    const message = makeMessage(will.topic, will.payload, will.qos ?? 0, will.retain ?? false, messageProperties, clientId, version);
    const expirySeconds = message.properties?.messageExpiryInterval;
    storedWill = { message: { ...message, expiresAt: undefined }, expirySeconds, delaySeconds: version === 5 ? (willDelayInterval ?? 0) : 0 };
  }

  conn.apply({ type: 'accepted', clientId, session, will: storedWill, connectExpiry: expiry });
  broker.attach(conn, clientId);
  conn.startKeepalive(keepalive);

  const connack: IConnackPacket = { cmd: 'connack', sessionPresent: present }; // [MQTT-3.2.2-2] [MQTT-3.2.2-3]
  if (version === 5) {
    connack.reasonCode = Reason.success;
    const properties: NonNullable<IConnackPacket['properties']> = { sharedSubscriptionAvailable: false };
    if (assigned !== undefined) properties.assignedClientIdentifier = assigned;
    if (serverKeepAlive !== undefined) properties.serverKeepAlive = serverKeepAlive;
    connack.properties = properties;
  } else {
    connack.returnCode = ConnackV3.accepted;
  }
  conn.send(connack);
  broker.log({
    level: 'notice',
    clientId,
    message: `New client connected from ${conn.remoteAddress} as ${clientId} (${PROTOCOL_TAG[version]}, c${clean ? 1 : 0}, k${keepalive}${packet.username ? `, u'${packet.username}'` : ''}).`,
  });
  broker.router.resume(session, conn); // resend unacknowledged messages first [MQTT-4.4.0-1]
}
