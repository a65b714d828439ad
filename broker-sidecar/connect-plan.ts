/**
 * The second half of CONNECT: what a validated CONNECT asks for (the plan), the 5.0
 * enhanced-authentication steps that may come between, and accepting the connection
 * (takeover, session start or resume, CONNACK). Shared by the CONNECT and AUTH handlers.
 */

import type { IConnackPacket } from 'mqtt-packet';
import type { AuthRequest } from './authenticator';
import type { Connection } from './connection';
import type { Will } from './connection-state';
import { PROTOCOL_MAX_PACKET_BYTES } from './options';
import { ConnackV3, Reason } from './reason-codes';
import type { ProtocolVersion } from './types';

const PROTOCOL_TAG: Record<ProtocolVersion, string> = { 3: 'p1', 4: 'p2', 5: 'p5' };

/** A validated CONNECT, waiting for authentication to finish. */
export interface ConnectPlan {
  clientId: string;
  /** Set when the broker chose the ID; 5.0 clients are told in CONNACK [MQTT-3.2.2-16]. */
  assigned: string | undefined;
  clean: boolean;
  keepalive: number;
  /** Set when the broker overrides the client's keepalive [MQTT-3.2.2-21]. */
  serverKeepAlive: number | undefined;
  /** Session Expiry Interval in seconds (3.x: 0 or never). */
  expiry: number;
  will: Will | undefined;
  username: string | undefined;
  /** The 5.0 Authentication Method, repeated in every AUTH and the CONNACK [MQTT-4.12.0-5]. */
  authMethod: string | undefined;
}

/**
 * Runs one step of enhanced authentication through `authenticator.auth` and acts on the
 * answer: accept, challenge with AUTH 0x18, or refuse with CONNACK.
 */
export async function enhancedAuthStep(conn: Connection, plan: ConnectPlan, step: AuthRequest['step'], data: Buffer | undefined): Promise<void> {
  const hook = conn.broker.authenticatorFor(conn).auth!;
  const method = plan.authMethod!;
  const result = await hook({ clientId: plan.clientId, username: plan.username, method, data, step, remoteAddress: conn.remoteAddress });
  const kind = conn.state.kind;
  if (kind !== 'authenticating' && kind !== 'auth-exchange') return; // the socket went away meanwhile
  switch (result.kind) {
    case 'success':
      return acceptConnection(conn, plan, result.data);
    case 'continue':
      conn.apply({ type: 'auth-challenge', plan });
      // A challenge carries 0x18 [MQTT-4.12.0-2] and the CONNECT's method [MQTT-4.12.0-5].
      conn.send({ cmd: 'auth', reasonCode: Reason.continueAuthentication, properties: { authenticationMethod: method, authenticationData: result.data } });
      return;
    case 'fail':
      // Rejecting at any step: CONNACK ≥ 0x80, then close [MQTT-4.12.0-4].
      return conn.refuse(undefined, result.reasonCode ?? Reason.notAuthorized, 'enhanced authentication failed', result.reason);
  }
}

/** Accepts an authenticated CONNECT: takeover, session, CONNACK, resend of what was in flight. */
export function acceptConnection(conn: Connection, plan: ConnectPlan, authData: Buffer | undefined): void {
  const { broker } = conn;
  const version = conn.protocolVersion;
  const { clientId, clean, keepalive } = plan;
  const connack = connackFor(conn, plan, authData);
  const size = conn.encodedSize(connack);
  if (size > conn.peer.maximumPacketSize) {
    // Even without its Reason String and User Properties the CONNACK exceeds the client's
    // Maximum Packet Size; it must not be sent [MQTT-3.1.2-24], and without it there is no connection.
    return conn.violation({ rule: 'MQTT-3.1.2-24', message: `the Maximum Packet Size ${conn.peer.maximumPacketSize} in CONNECT is smaller than the CONNACK (${size} bytes)`, reasonCode: Reason.packetTooLarge });
  }
  broker.online(clientId)?.takeOver(); // [MQTT-3.1.4-2] (3.1.1; 5.0: [MQTT-3.1.4-3])
  // Clean Session / Clean Start discards any old session [MQTT-3.1.2-6]; otherwise it resumes [MQTT-3.1.2-4].
  const { session, present } = broker.openSession(clientId, clean, plan.expiry);
  const connectedAt = Date.now();
  session.client = { protocolVersion: version, remoteAddress: conn.remoteAddress, connectedAt, keepalive, cleanStart: clean };

  conn.apply({ type: 'accepted', clientId, session, will: plan.will, connectExpiry: plan.expiry, authMethod: plan.authMethod });
  broker.attach(conn, clientId);
  conn.startKeepalive(keepalive);

  connack.sessionPresent = present; // [MQTT-3.2.2-2] [MQTT-3.2.2-3]
  conn.send(connack);
  broker.log({
    level: 'notice',
    clientId,
    message: `New client connected from ${conn.remoteAddress} as ${clientId} (${PROTOCOL_TAG[version]}, c${clean ? 1 : 0}, k${keepalive}${plan.username ? `, u'${plan.username}'` : ''}).`,
    connection: true,
  });
  if (broker.events.has('client-connected')) {
    broker.events.emit('client-connected', {
      time: connectedAt,
      clientId,
      protocolVersion: version,
      remoteAddress: conn.remoteAddress,
      cleanStart: clean,
      keepalive,
      sessionPresent: present,
    });
  }
  broker.router.resume(session, conn); // resend unacknowledged messages first [MQTT-4.4.0-1]
}

/** The CONNACK accepting a plan (Session Present set later, when the session is open). */
function connackFor(conn: Connection, plan: ConnectPlan, authData: Buffer | undefined): IConnackPacket {
  const connack: IConnackPacket = { cmd: 'connack', sessionPresent: false };
  if (conn.protocolVersion !== 5) {
    connack.returnCode = ConnackV3.accepted;
    return connack;
  }
  connack.reasonCode = Reason.success;
  connack.properties = capabilities(conn);
  if (plan.assigned !== undefined) connack.properties.assignedClientIdentifier = plan.assigned;
  if (plan.serverKeepAlive !== undefined) connack.properties.serverKeepAlive = plan.serverKeepAlive;
  if (plan.authMethod !== undefined) {
    connack.properties.authenticationMethod = plan.authMethod; // [MQTT-4.12.0-5]
    if (authData) connack.properties.authenticationData = authData;
  }
  return connack;
}

/** What the broker supports, as configured, for a 5.0 CONNACK. */
function capabilities(conn: Connection): NonNullable<IConnackPacket['properties']> {
  const { options } = conn;
  const properties: NonNullable<IConnackPacket['properties']> = {
    receiveMaximum: options.receiveMaximum,
    topicAliasMaximum: options.topicAliasMaximum,
    retainAvailable: options.retainAvailable,
    wildcardSubscriptionAvailable: options.wildcardSubscriptionAvailable,
    subscriptionIdentifiersAvailable: options.subscriptionIdentifiersAvailable,
    sharedSubscriptionAvailable: options.sharedSubscriptionAvailable,
  };
  // Only a limit below QoS 2 may be announced [MQTT-3.2.2-9]; absence means 2.
  if (options.maximumQos < 2) properties.maximumQoS = options.maximumQos;
  if (options.maxPacketBytes < PROTOCOL_MAX_PACKET_BYTES) properties.maximumPacketSize = options.maxPacketBytes;
  return properties;
}
