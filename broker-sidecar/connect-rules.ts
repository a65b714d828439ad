/**
 * mosquitto's configurable CONNECT rules, kept out of the CONNECT handler: which client ID a
 * connection gets (empty IDs and allow_zero_length_clientid, auto_id_prefix,
 * clientid_prefixes, use_username_as_clientid) and its keepalive (max_keepalive, which
 * mosquitto 2.0 applies to 5.0 clients only, as the Server Keep Alive).
 */

import type { IConnectPacket } from 'mqtt-packet';
import type { Connection } from './connection';
import { ConnackV3, Reason } from './reason-codes';

/** Why a CONNECT is refused, in both protocol generations' codes. */
export interface ConnectRefusal {
  /** 3.x CONNACK return code; undefined: close without one. */
  v3Code: number | undefined;
  v5Code: number;
  reason: string;
}

/** The client ID a CONNECT gets; `refusal` set when it may not connect (`clientId` is then the one it sent). */
export interface ClientIdDecision {
  clientId: string;
  /** Set when the broker chose the ID; 5.0 clients are told in CONNACK [MQTT-3.2.2-16]. */
  assigned: string | undefined;
  refusal: ConnectRefusal | undefined;
}

/** Decides the client ID of a CONNECT, in mosquitto's order. */
export function clientIdFor(conn: Connection, packet: IConnectPacket, clean: boolean): ClientIdDecision {
  const version = conn.protocolVersion;
  const { options } = conn;
  const sent = packet.clientId;
  const refuse = (v3Code: number | undefined, v5Code: number, reason: string): ClientIdDecision => ({ clientId: sent, assigned: undefined, refusal: { v3Code, v5Code, reason } });
  let clientId = sent;
  let assigned: string | undefined;
  if (clientId === '') {
    // 3.1 requires an identifier; 3.1.1 allows an empty one only with a clean session [MQTT-3.1.3-8].
    if (version === 3 || (version === 4 && !clean)) return refuse(ConnackV3.identifierRejected, Reason.clientIdentifierNotValid, 'empty client identifier');
    if (!options.allowZeroLengthClientid) return refuse(ConnackV3.identifierRejected, Reason.clientIdentifierNotValid, 'empty client identifier (allow_zero_length_clientid false)');
    clientId = conn.broker.assignClientId(options.autoIdPrefix); // [MQTT-3.1.3-6]
    if (version === 5) assigned = clientId; // told to the client in CONNACK [MQTT-3.2.2-16]
  }
  // mosquitto checks the prefix after assigning, so assigned IDs must carry it too (auto_id_prefix).
  const prefix = options.clientidPrefixes;
  if (prefix !== '' && !clientId.startsWith(prefix)) return refuse(ConnackV3.notAuthorized, Reason.notAuthorized, `client ID '${clientId}' does not start with '${prefix}' (clientid_prefixes)`);
  if (options.useUsernameAsClientid) {
    // The certificate or PSK identity replaces the username on listeners that use identities, and so the client ID too.
    const username = conn.broker.tlsIdentityOf(conn) ?? packet.username;
    if (username === undefined) return refuse(ConnackV3.notAuthorized, Reason.notAuthorized, 'no username to use as client ID (use_username_as_clientid)');
    clientId = username;
    if (assigned !== undefined) assigned = clientId; // the client sent none, so it is told the one it has [MQTT-3.2.2-16], as mosquitto does
  }
  return { clientId, assigned, refusal: undefined };
}

/**
 * The keepalive a connection runs with, and the Server Keep Alive to announce: a 5.0 client
 * asking for more than max_keepalive, or for none (0), is told max_keepalive; 3.x clients
 * keep theirs. `maxKeepalive` 0 means no maximum (the embedded broker's default).
 */
export function keepaliveFor(conn: Connection, requested: number): { keepalive: number; serverKeepAlive: number | undefined } {
  const max = conn.options.maxKeepalive;
  if (conn.protocolVersion !== 5 || max <= 0 || (requested !== 0 && requested <= max)) return { keepalive: requested, serverKeepAlive: undefined };
  return { keepalive: max, serverKeepAlive: max }; // the client must use it [MQTT-3.2.2-21]
}
