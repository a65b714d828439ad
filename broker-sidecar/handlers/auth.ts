/**
 * AUTH: the client's side of a 5.0 enhanced authentication, during CONNECT (answering
 * our AUTH 0x18) or later as re-authentication (AUTH 0x19). Decisions are the
 * authenticator's `auth` hook; without a method agreed at CONNECT any AUTH is an error.
 */

import type { IAuthPacket } from 'mqtt-packet';
import { enhancedAuthStep } from '../connect-plan';
import type { Connection } from '../connection';
import type { AuthExchangeState, ConnectedState } from '../connection-state';
import { Reason } from '../reason-codes';

/** Handles AUTH in the exchange before CONNACK or on a connected client. */
export async function handleAuth(conn: Connection, state: AuthExchangeState | ConnectedState, packet: IAuthPacket): Promise<void> {
  const method = state.kind === 'auth-exchange' ? state.plan.authMethod : state.authMethod;
  // No Authentication Method in CONNECT: the client must not send AUTH [MQTT-4.12.0-7].
  if (method === undefined) return conn.violation({ rule: 'MQTT-4.12.0-7', message: 'AUTH from a client whose CONNECT had no Authentication Method', reasonCode: Reason.protocolError });
  const properties = packet.properties;
  if (properties?.authenticationMethod !== method) {
    // Every AUTH carries the CONNECT's method [MQTT-4.12.0-5], re-authentication included [MQTT-4.12.1-1].
    const rule = state.kind === 'auth-exchange' ? 'MQTT-4.12.0-5' : 'MQTT-4.12.1-1';
    return conn.violation({ rule, message: `AUTH with Authentication Method '${properties?.authenticationMethod ?? ''}', not the CONNECT's '${method}'`, reasonCode: Reason.protocolError });
  }
  const data = properties.authenticationData;

  if (state.kind === 'auth-exchange') {
    // An answer to our challenge carries 0x18 [MQTT-4.12.0-3].
    if (packet.reasonCode !== Reason.continueAuthentication) {
      return conn.violation({ rule: 'MQTT-4.12.0-3', message: `AUTH with Reason Code 0x${(packet.reasonCode ?? 0).toString(16)} answers a challenge; it must be 0x18`, reasonCode: Reason.protocolError });
    }
    return enhancedAuthStep(conn, state.plan, 'continue', data);
  }

  // Re-authentication starts with 0x19 and continues with 0x18 [MQTT-4.12.1-1].
  if (packet.reasonCode !== Reason.reAuthenticate && packet.reasonCode !== Reason.continueAuthentication) {
    return conn.violation({ rule: 'MQTT-4.12.1-1', message: `AUTH with Reason Code 0x${(packet.reasonCode ?? 0).toString(16)} after CONNACK; re-authentication starts with 0x19`, reasonCode: Reason.protocolError });
  }
  const step = packet.reasonCode === Reason.reAuthenticate ? 'reauthenticate' : 'continue';
  const hook = conn.broker.authenticatorFor(conn).auth!;
  const result = await hook({ clientId: state.clientId, username: undefined, method, data, step, remoteAddress: conn.remoteAddress });
  if (conn.state.kind !== 'connected') return;
  switch (result.kind) {
    case 'success':
      conn.send({ cmd: 'auth', reasonCode: Reason.success, properties: { authenticationMethod: method, authenticationData: result.data } });
      return;
    case 'continue':
      conn.send({ cmd: 'auth', reasonCode: Reason.continueAuthentication, properties: { authenticationMethod: method, authenticationData: result.data } });
      return;
    case 'fail':
      // A failed re-authentication ends the connection [MQTT-4.12.1-2].
      conn.disconnectWith(result.reasonCode ?? Reason.notAuthorized, `re-authentication failed${result.reason ? `: ${result.reason}` : ''}`, result.reason ?? 're-authentication failed');
      return;
  }
}
