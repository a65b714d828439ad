/**
 * Names the packet inspector shows for numbers on the wire: packet types, reason codes and
 * property identifiers. Taken from the OASIS MQTT 5.0 standard (2.1.2 packet types,
 * 2.4 reason codes, 2.2.2.2 properties) and MQTT 3.1.1 (3.2.2.3 and 3.9.3 return codes).
 */

/** The 15 MQTT control packet types, indexed by their 4-bit type value. */
export const PACKET_TYPES = [
  undefined, // 0 is reserved
  'CONNECT',
  'CONNACK',
  'PUBLISH',
  'PUBACK',
  'PUBREC',
  'PUBREL',
  'PUBCOMP',
  'SUBSCRIBE',
  'SUBACK',
  'UNSUBSCRIBE',
  'UNSUBACK',
  'PINGREQ',
  'PINGRESP',
  'DISCONNECT',
  'AUTH',
] as const;

/** A packet type's name, as shown in the inspector. */
export type PacketTypeName = NonNullable<(typeof PACKET_TYPES)[number]>;

/** Where a property or reason code can appear: a packet type, or the will in CONNECT. */
export type PropertyContext = PacketTypeName | 'WILL';

/** How a property's value is encoded [MQTT 5.0, 1.5]. */
export type PropertyEncoding = 'byte' | 'two-byte' | 'four-byte' | 'varint' | 'utf8' | 'binary' | 'utf8-pair';

/** One MQTT 5 property identifier. */
export interface PropertyInfo {
  name: string;
  encoding: PropertyEncoding;
  /** Packets (and 'WILL' for will properties) where the property is allowed. */
  allowedIn: ReadonlyArray<PropertyContext>;
  /** Whether it may appear more than once in one property list. */
  repeatable?: boolean;
}

const ALL_WITH_PROPERTIES: ReadonlyArray<PropertyContext> = [
  // Every packet with a property list: all but PINGREQ and PINGRESP, plus the will.
  ...PACKET_TYPES.filter((t): t is PacketTypeName => t !== undefined && t !== 'PINGREQ' && t !== 'PINGRESP'),
  'WILL',
];

/** MQTT 5.0 properties by identifier [MQTT 5.0, 2.2.2.2, table 2-4]. */
export const PROPERTIES: ReadonlyMap<number, PropertyInfo> = new Map<number, PropertyInfo>([
  [0x01, { name: 'Payload Format Indicator', encoding: 'byte', allowedIn: ['PUBLISH', 'WILL'] }],
  [0x02, { name: 'Message Expiry Interval', encoding: 'four-byte', allowedIn: ['PUBLISH', 'WILL'] }],
  [0x03, { name: 'Content Type', encoding: 'utf8', allowedIn: ['PUBLISH', 'WILL'] }],
  [0x08, { name: 'Response Topic', encoding: 'utf8', allowedIn: ['PUBLISH', 'WILL'] }],
  [0x09, { name: 'Correlation Data', encoding: 'binary', allowedIn: ['PUBLISH', 'WILL'] }],
  // Repeatable in PUBLISH only (one per matching subscription); SUBSCRIBE carries at most one.
  [0x0b, { name: 'Subscription Identifier', encoding: 'varint', allowedIn: ['PUBLISH', 'SUBSCRIBE'], repeatable: true }],
  [0x11, { name: 'Session Expiry Interval', encoding: 'four-byte', allowedIn: ['CONNECT', 'CONNACK', 'DISCONNECT'] }],
  [0x12, { name: 'Assigned Client Identifier', encoding: 'utf8', allowedIn: ['CONNACK'] }],
  [0x13, { name: 'Server Keep Alive', encoding: 'two-byte', allowedIn: ['CONNACK'] }],
  [0x15, { name: 'Authentication Method', encoding: 'utf8', allowedIn: ['CONNECT', 'CONNACK', 'AUTH'] }],
  [0x16, { name: 'Authentication Data', encoding: 'binary', allowedIn: ['CONNECT', 'CONNACK', 'AUTH'] }],
  [0x17, { name: 'Request Problem Information', encoding: 'byte', allowedIn: ['CONNECT'] }],
  [0x18, { name: 'Will Delay Interval', encoding: 'four-byte', allowedIn: ['WILL'] }],
  [0x19, { name: 'Request Response Information', encoding: 'byte', allowedIn: ['CONNECT'] }],
  [0x1a, { name: 'Response Information', encoding: 'utf8', allowedIn: ['CONNACK'] }],
  [0x1c, { name: 'Server Reference', encoding: 'utf8', allowedIn: ['CONNACK', 'DISCONNECT'] }],
  [
    0x1f,
    {
      name: 'Reason String',
      encoding: 'utf8',
      allowedIn: ['CONNACK', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBACK', 'UNSUBACK', 'DISCONNECT', 'AUTH'],
    },
  ],
  [0x21, { name: 'Receive Maximum', encoding: 'two-byte', allowedIn: ['CONNECT', 'CONNACK'] }],
  [0x22, { name: 'Topic Alias Maximum', encoding: 'two-byte', allowedIn: ['CONNECT', 'CONNACK'] }],
  [0x23, { name: 'Topic Alias', encoding: 'two-byte', allowedIn: ['PUBLISH'] }],
  [0x24, { name: 'Maximum QoS', encoding: 'byte', allowedIn: ['CONNACK'] }],
  [0x25, { name: 'Retain Available', encoding: 'byte', allowedIn: ['CONNACK'] }],
  [0x26, { name: 'User Property', encoding: 'utf8-pair', allowedIn: ALL_WITH_PROPERTIES, repeatable: true }],
  [0x27, { name: 'Maximum Packet Size', encoding: 'four-byte', allowedIn: ['CONNECT', 'CONNACK'] }],
  [0x28, { name: 'Wildcard Subscription Available', encoding: 'byte', allowedIn: ['CONNACK'] }],
  [0x29, { name: 'Subscription Identifier Available', encoding: 'byte', allowedIn: ['CONNACK'] }],
  [0x2a, { name: 'Shared Subscription Available', encoding: 'byte', allowedIn: ['CONNACK'] }],
]);

const CONNACK = 'CONNACK';
const PUBACK = 'PUBACK';
const PUBREC = 'PUBREC';
const PUBREL = 'PUBREL';
const PUBCOMP = 'PUBCOMP';
const SUBACK = 'SUBACK';
const UNSUBACK = 'UNSUBACK';
const DISCONNECT = 'DISCONNECT';
const AUTH = 'AUTH';

/** One MQTT 5 reason code: its name and the packets that may carry it. */
interface ReasonCodeInfo {
  name: string;
  packets: ReadonlyArray<PacketTypeName>;
}

/**
 * MQTT 5.0 reason codes [2.4, table 2-6], except 0x00 whose name depends on the packet
 * (see {@link reasonCodeName}).
 */
const REASON_CODES: ReadonlyMap<number, ReasonCodeInfo> = new Map<number, ReasonCodeInfo>([
  [0x01, { name: 'Granted QoS 1', packets: [SUBACK] }],
  [0x02, { name: 'Granted QoS 2', packets: [SUBACK] }],
  [0x04, { name: 'Disconnect with Will Message', packets: [DISCONNECT] }],
  [0x10, { name: 'No matching subscribers', packets: [PUBACK, PUBREC] }],
  [0x11, { name: 'No subscription existed', packets: [UNSUBACK] }],
  [0x18, { name: 'Continue authentication', packets: [AUTH] }],
  [0x19, { name: 'Re-authenticate', packets: [AUTH] }],
  [0x80, { name: 'Unspecified error', packets: [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT] }],
  [0x81, { name: 'Malformed Packet', packets: [CONNACK, DISCONNECT] }],
  [0x82, { name: 'Protocol Error', packets: [CONNACK, DISCONNECT] }],
  [0x83, { name: 'Implementation specific error', packets: [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT] }],
  [0x84, { name: 'Unsupported Protocol Version', packets: [CONNACK] }],
  [0x85, { name: 'Client Identifier not valid', packets: [CONNACK] }],
  [0x86, { name: 'Bad User Name or Password', packets: [CONNACK] }],
  [0x87, { name: 'Not authorized', packets: [CONNACK, PUBACK, PUBREC, SUBACK, UNSUBACK, DISCONNECT] }],
  [0x88, { name: 'Server unavailable', packets: [CONNACK] }],
  [0x89, { name: 'Server busy', packets: [CONNACK, DISCONNECT] }],
  [0x8a, { name: 'Banned', packets: [CONNACK] }],
  [0x8b, { name: 'Server shutting down', packets: [DISCONNECT] }],
  [0x8c, { name: 'Bad authentication method', packets: [CONNACK, DISCONNECT] }],
  [0x8d, { name: 'Keep Alive timeout', packets: [DISCONNECT] }],
  [0x8e, { name: 'Session taken over', packets: [DISCONNECT] }],
  [0x8f, { name: 'Topic Filter invalid', packets: [SUBACK, UNSUBACK, DISCONNECT] }],
  [0x90, { name: 'Topic Name invalid', packets: [CONNACK, PUBACK, PUBREC, DISCONNECT] }],
  [0x91, { name: 'Packet Identifier in use', packets: [PUBACK, PUBREC, SUBACK, UNSUBACK] }],
  [0x92, { name: 'Packet Identifier not found', packets: [PUBREL, PUBCOMP] }],
  [0x93, { name: 'Receive Maximum exceeded', packets: [DISCONNECT] }],
  [0x94, { name: 'Topic Alias invalid', packets: [DISCONNECT] }],
  [0x95, { name: 'Packet too large', packets: [CONNACK, DISCONNECT] }],
  [0x96, { name: 'Message rate too high', packets: [DISCONNECT] }],
  [0x97, { name: 'Quota exceeded', packets: [CONNACK, PUBACK, PUBREC, SUBACK, DISCONNECT] }],
  [0x98, { name: 'Administrative action', packets: [DISCONNECT] }],
  [0x99, { name: 'Payload format invalid', packets: [CONNACK, PUBACK, PUBREC, DISCONNECT] }],
  [0x9a, { name: 'Retain not supported', packets: [CONNACK, DISCONNECT] }],
  [0x9b, { name: 'QoS not supported', packets: [CONNACK, DISCONNECT] }],
  [0x9c, { name: 'Use another server', packets: [CONNACK, DISCONNECT] }],
  [0x9d, { name: 'Server moved', packets: [CONNACK, DISCONNECT] }],
  [0x9e, { name: 'Shared Subscriptions not supported', packets: [SUBACK, DISCONNECT] }],
  [0x9f, { name: 'Connection rate exceeded', packets: [CONNACK, DISCONNECT] }],
  [0xa0, { name: 'Maximum connect time', packets: [DISCONNECT] }],
  [0xa1, { name: 'Subscription Identifiers not supported', packets: [SUBACK, DISCONNECT] }],
  [0xa2, { name: 'Wildcard Subscriptions not supported', packets: [SUBACK, DISCONNECT] }],
]);

/**
 * The MQTT 5 name of a reason code in a given packet, or undefined when the code is not
 * defined for that packet (an unknown code, or a known one the packet may not carry).
 */
export function reasonCodeName(code: number, packet: PacketTypeName): string | undefined {
  if (code === 0x00) {
    if (packet === DISCONNECT) return 'Normal disconnection';
    if (packet === SUBACK) return 'Granted QoS 0';
    return [CONNACK, PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK, AUTH].includes(packet) ? 'Success' : undefined;
  }
  const info = REASON_CODES.get(code);
  return info && info.packets.includes(packet) ? info.name : undefined;
}

/** The name of a reason code regardless of packet, for messages about misplaced codes. */
export function anyReasonCodeName(code: number): string | undefined {
  return code === 0 ? 'Success' : REASON_CODES.get(code)?.name;
}

/** MQTT 3.1/3.1.1 CONNACK return codes [3.1.1, 3.2.2.3]. */
export const CONNACK_RETURN_CODES: ReadonlyArray<string> = [
  'Connection Accepted',
  'Connection Refused, unacceptable protocol version',
  'Connection Refused, identifier rejected',
  'Connection Refused, Server unavailable',
  'Connection Refused, bad user name or password',
  'Connection Refused, not authorized',
];

/** MQTT 3.1/3.1.1 SUBACK return codes [3.1.1, 3.9.3]. */
export function subackReturnCodeName(code: number): string | undefined {
  if (code <= 2) return `Success - Maximum QoS ${code}`;
  return code === 0x80 ? 'Failure' : undefined;
}
