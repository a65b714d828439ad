/**
 * The one dispatcher: checks the connection state before anything else, then hands each
 * decoded packet to its handler. The final `never` makes a new packet type a compile error.
 */

import type { Packet } from 'mqtt-packet';
import type { Connection } from './connection';
import { handleAuth } from './handlers/auth';
import { handleConnect } from './handlers/connect';
import { handleDisconnect } from './handlers/disconnect';
import { handlePingreq } from './handlers/pingreq';
import { handlePuback } from './handlers/puback';
import { handlePubcomp } from './handlers/pubcomp';
import { handlePublish } from './handlers/publish';
import { handlePubrec } from './handlers/pubrec';
import { handlePubrel } from './handlers/pubrel';
import { handleSubscribe } from './handlers/subscribe';
import { handleUnsubscribe } from './handlers/unsubscribe';
import { FIRST_PACKET_NOT_CONNECT } from './raw-checks';
import { Reason } from './reason-codes';

/** Routes one decoded packet. Returns a promise only when the handler is async (CONNECT). */
export function dispatch(conn: Connection, packet: Packet): void | Promise<void> {
  const state = conn.state;
  switch (state.kind) {
    case 'closed':
      return;
    case 'awaiting-connect':
      if (packet.cmd !== 'connect') return conn.violation(FIRST_PACKET_NOT_CONNECT); // [MQTT-3.1.0-1] (the read path refuses it first)
      return handleConnect(conn, packet);
    case 'authenticating':
      // Frames are held while authenticating, so only a bug gets here; fail closed.
      return conn.disconnectWith(Reason.protocolError, `${packet.cmd.toUpperCase()} during authentication`);
    case 'auth-exchange':
      // Before CONNACK only AUTH is processed (5.0 §4.12); pipelined packets cannot wait behind the exchange.
      if (packet.cmd === 'auth') return handleAuth(conn, state, packet);
      if (packet.cmd === 'disconnect') return conn.close('disconnected during authentication', false);
      return conn.violation({ rule: 'MQTT-3.1.2-30', message: `${packet.cmd.toUpperCase()} before the CONNACK of an enhanced authentication (only AUTH or DISCONNECT may come)`, reasonCode: Reason.protocolError }); // [MQTT-3.1.2-30]
    case 'connected':
      break;
  }
  switch (packet.cmd) {
    case 'connect':
      return conn.violation({ rule: 'MQTT-3.1.0-2', message: 'a second CONNECT on the connection', reasonCode: Reason.protocolError }); // [MQTT-3.1.0-2]
    case 'publish':
      return handlePublish(conn, state, packet);
    case 'puback':
      return handlePuback(conn, state, packet);
    case 'pubrec':
      return handlePubrec(conn, state, packet);
    case 'pubrel':
      return handlePubrel(conn, state, packet);
    case 'pubcomp':
      return handlePubcomp(conn, state, packet);
    case 'subscribe':
      return handleSubscribe(conn, state, packet);
    case 'unsubscribe':
      return handleUnsubscribe(conn, state, packet);
    case 'pingreq':
      return handlePingreq(conn);
    case 'disconnect':
      return handleDisconnect(conn, state, packet);
    case 'auth':
      return handleAuth(conn, state, packet);
    case 'connack':
    case 'suback':
    case 'unsuback':
    case 'pingresp':
      // The rule tables refuse these before decoding; kept so no type goes unhandled.
      return conn.violation({ rule: '§2.1.2', message: `${packet.cmd.toUpperCase()} is sent by servers only`, reasonCode: Reason.protocolError });
    default:
      return unreachable(packet);
  }
}

function unreachable(packet: never): never {
  throw new Error(`Unhandled packet type ${(packet as Packet).cmd}`);
}
