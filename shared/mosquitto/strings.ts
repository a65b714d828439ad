/**
 * The words mosquitto's clients print for library errors, CONNACK return codes and MQTT 5
 * reason codes (libmosquitto 2.0.11's strings), so `mqtt-desk pub/sub/rr` say exactly what
 * mosquitto_pub/sub/rr say and scripts that match on them keep working.
 */

/** libmosquitto error numbers the clients can end with (their exit codes). */
export const MOSQ_ERR = {
  SUCCESS: 0,
  NOMEM: 1,
  PROTOCOL: 2,
  INVAL: 3,
  NO_CONN: 4,
  CONN_REFUSED: 5,
  NOT_FOUND: 6,
  CONN_LOST: 7,
  TLS: 8,
  PAYLOAD_SIZE: 9,
  NOT_SUPPORTED: 10,
  AUTH: 11,
  ACL_DENIED: 12,
  UNKNOWN: 13,
  ERRNO: 14,
  EAI: 15,
  PROXY: 16,
  MALFORMED_UTF8: 18,
  KEEPALIVE: 19,
  LOOKUP: 20,
  MALFORMED_PACKET: 21,
  DUPLICATE_PROPERTY: 22,
  TLS_HANDSHAKE: 23,
  QOS_NOT_SUPPORTED: 24,
  OVERSIZE_PACKET: 25,
  OCSP: 26,
  TIMEOUT: 27,
} as const;

const ERROR_TEXT: Record<number, string> = {
  0: 'No error.',
  1: 'Out of memory.',
  2: 'A network protocol error occurred when communicating with the broker.',
  3: 'Invalid function arguments provided.',
  4: 'The client is not currently connected.',
  5: 'The connection was refused.',
  6: 'Message not found (internal error).',
  7: 'The connection was lost.',
  8: 'A TLS error occurred.',
  9: 'Payload too large.',
  10: 'This feature is not supported.',
  11: 'Authorisation failed.',
  12: 'Access denied by ACL.',
  13: 'Unknown error.',
  15: 'Lookup error.',
  16: 'Proxy error.',
  18: 'Malformed UTF-8',
  22: 'Duplicate property in property list',
  23: 'TLS handshake failed.',
  24: 'Requested QoS not supported on server.',
  25: 'Packet larger than supported by the server.',
  26: 'OCSP error.',
};

/** mosquitto_strerror. */
export function mosquittoStrerror(code: number): string {
  return ERROR_TEXT[code] ?? 'Unknown error.';
}

const CONNACK_TEXT = [
  'Connection Accepted.',
  'Connection Refused: unacceptable protocol version.',
  'Connection Refused: identifier rejected.',
  'Connection Refused: broker unavailable.',
  'Connection Refused: bad user name or password.',
  'Connection Refused: not authorised.',
];

/** mosquitto_connack_string: MQTT 3.x CONNACK return codes. */
export function connackString(code: number): string {
  return CONNACK_TEXT[code] ?? 'Connection Refused: unknown reason.';
}

const REASON_TEXT: Record<number, string> = {
  0: 'Success',
  1: 'Granted QoS 1',
  2: 'Granted QoS 2',
  4: 'Disconnect with Will Message',
  16: 'No matching subscribers',
  17: 'No subscription existed',
  24: 'Continue authentication',
  25: 'Re-authenticate',
  128: 'Unspecified error',
  129: 'Malformed Packet',
  130: 'Protocol Error',
  131: 'Implementation specific error',
  132: 'Unsupported Protocol Version',
  133: 'Client Identifier not valid',
  134: 'Bad User Name or Password',
  135: 'Not authorized',
  136: 'Server unavailable',
  137: 'Server busy',
  138: 'Banned',
  139: 'Server shutting down',
  140: 'Bad authentication method',
  141: 'Keep Alive timeout',
  142: 'Session taken over',
  143: 'Topic Filter invalid',
  144: 'Topic Name invalid',
  145: 'Packet Identifier in use',
  146: 'Packet Identifier not found',
  147: 'Receive Maximum exceeded',
  148: 'Topic Alias invalid',
  149: 'Packet too large',
  150: 'Message rate too high',
  151: 'Quota exceeded',
  152: 'Administrative action',
  153: 'Payload format invalid',
  154: 'Retain not supported',
  155: 'QoS not supported',
  156: 'Use another server',
  157: 'Server moved',
  158: 'Shared Subscriptions not supported',
  159: 'Connection rate exceeded',
  160: 'Maximum connect time',
  161: 'Subscription identifiers not supported',
  162: 'Wildcard Subscriptions not supported',
};

/** mosquitto_reason_string: MQTT 5 reason codes. */
export function reasonString(code: number): string {
  return REASON_TEXT[code] ?? 'Unknown reason';
}

/** The line mosquitto_pub and mosquitto_sub print for a refusing CONNACK. */
export function connackRefusedLine(code: number, v5: boolean): string {
  if (!v5) return `Connection error: ${connackString(code)}\n`;
  return code === 132 ? `Connection error: ${reasonString(code)}. Try connecting to an MQTT v5 broker, or use MQTT v3.x mode.\n` : `Connection error: ${reasonString(code)}\n`;
}
