/**
 * Encoding for the write path: the client's limits that shape what we send, and packet
 * encoding with order-preserving User Properties.
 */

import { generate, type Packet } from 'mqtt-packet';
import { fastEncode } from './fast-encode';
import type { ProtocolVersion } from './types';
import { spliceUserProperties } from './user-properties';

/** What a 5.0 client said about itself in CONNECT; 3.x clients get the defaults. */
export interface PeerLimits {
  /** Unacknowledged QoS 1/2 PUBLISHes the client accepts (default 65535). */
  receiveMaximum: number;
  /** Largest packet the client accepts; Infinity when it set no limit. */
  maximumPacketSize: number;
  /** Aliases the client accepts from us (default 0: none). */
  topicAliasMaximum: number;
  /** 0 forbids Reason Strings and User Properties on most packets [MQTT-3.1.2-29]. */
  requestProblemInformation: boolean;
}

/** The limits of a client that announced none. */
export const DEFAULT_PEER: Readonly<PeerLimits> = { receiveMaximum: 65535, maximumPacketSize: Infinity, topicAliasMaximum: 0, requestProblemInformation: true };

/**
 * Encodes a packet; a forwarded 5.0 PUBLISH gets its User Properties from the raw,
 * ordered entries instead of mqtt-packet's object [MQTT-3.3.2-18]. Throws what mqtt-packet throws.
 */
export function encodePacket(packet: Packet, version: ProtocolVersion, userPropertyBytes: Buffer | undefined): Buffer {
  const fast = userPropertyBytes === undefined ? fastEncode(packet, version) : undefined;
  if (fast) return fast;
  if (packet.cmd === 'publish' && userPropertyBytes && version === 5) {
    const { userProperties: _decoded, ...rest } = packet.properties ?? {};
    return spliceUserProperties(generate({ ...packet, properties: rest }, { protocolVersion: 5 }), userPropertyBytes);
  }
  if (version === 5 && isPlainAck(packet)) {
    // Success without properties: the 2-byte form, Reason Code and Property Length omitted
    // (5.0 §3.4.2.1, likewise PUBREC/PUBREL/PUBCOMP), as mosquitto sends. mqtt-packet always
    // writes both, and some clients (paho-mqtt 1.6) cannot parse a long PUBREL.
    return generate({ cmd: packet.cmd, messageId: packet.messageId }, { protocolVersion: 4 });
  }
  return generate(packet, { protocolVersion: version });
}

function isPlainAck(packet: Packet): packet is Extract<Packet, { cmd: 'puback' | 'pubrec' | 'pubrel' | 'pubcomp' }> {
  const cmd = packet.cmd;
  if (cmd !== 'puback' && cmd !== 'pubrec' && cmd !== 'pubrel' && cmd !== 'pubcomp') return false;
  const props = packet.properties;
  return (packet.reasonCode ?? 0) === 0 && (props === undefined || Object.keys(props).length === 0);
}

/** The packet without Reason String and User Properties, the optional diagnostics. */
export function withoutDiagnostics(packet: Packet): Packet {
  if (!('properties' in packet) || !packet.properties) return packet;
  const { reasonString: _r, userProperties: _u, ...rest } = packet.properties as { reasonString?: string; userProperties?: unknown };
  return { ...packet, properties: Object.keys(rest).length > 0 ? rest : undefined } as Packet;
}
