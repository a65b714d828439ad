/**
 * MQTT 5 properties given on the command line, `-D command name [key] value`, read with
 * mosquitto 2.0.11's names, command rules and messages. The parsed list keeps the order
 * of the command line, which is the order the properties go on the wire.
 */

import { utf8Encode } from '../utf8';
import { atol } from './c-numbers';
import { MOSQ_ERR, mosquittoStrerror } from './strings';

/** The packets (and the will) a `-D` property can be given for. */
export const PROPERTY_COMMANDS = ['connect', 'connack', 'publish', 'puback', 'pubrec', 'pubrel', 'pubcomp', 'subscribe', 'unsubscribe', 'disconnect', 'auth', 'will'] as const;
/** One of {@link PROPERTY_COMMANDS}. */
export type PropertyCommand = (typeof PROPERTY_COMMANDS)[number];

/** How a property value is carried. */
type PropertyType = 'byte' | 'int16' | 'int32' | 'varint' | 'binary' | 'string' | 'pair';

interface PropertyDef {
  id: number;
  type: PropertyType;
  /** MQTT.js / mqtt-packet name of the property. */
  js: string;
  /** Commands it may be given for (mosquitto_property_check_command). */
  allowed: readonly PropertyCommand[];
}

const PUB_WILL: readonly PropertyCommand[] = ['publish', 'will'];
const ALL_BUT_REQUESTS = PROPERTY_COMMANDS.filter((c) => !['connect', 'publish', 'subscribe', 'unsubscribe'].includes(c));

/** Properties by their mosquitto name (case-insensitive on input). */
const DEFS: Record<string, PropertyDef> = {
  'payload-format-indicator': { id: 0x01, type: 'byte', js: 'payloadFormatIndicator', allowed: PUB_WILL },
  'message-expiry-interval': { id: 0x02, type: 'int32', js: 'messageExpiryInterval', allowed: PUB_WILL },
  'content-type': { id: 0x03, type: 'string', js: 'contentType', allowed: PUB_WILL },
  'response-topic': { id: 0x08, type: 'string', js: 'responseTopic', allowed: PUB_WILL },
  'correlation-data': { id: 0x09, type: 'binary', js: 'correlationData', allowed: PUB_WILL },
  'subscription-identifier': { id: 0x0b, type: 'varint', js: 'subscriptionIdentifier', allowed: ['publish', 'subscribe'] },
  'session-expiry-interval': { id: 0x11, type: 'int32', js: 'sessionExpiryInterval', allowed: ['connect', 'connack', 'disconnect'] },
  'assigned-client-identifier': { id: 0x12, type: 'string', js: 'assignedClientIdentifier', allowed: ['connack'] },
  'server-keep-alive': { id: 0x13, type: 'int16', js: 'serverKeepAlive', allowed: ['connack'] },
  'authentication-method': { id: 0x15, type: 'string', js: 'authenticationMethod', allowed: ['connect', 'connack', 'auth'] },
  'authentication-data': { id: 0x16, type: 'binary', js: 'authenticationData', allowed: ['connect', 'connack', 'auth'] },
  'request-problem-information': { id: 0x17, type: 'byte', js: 'requestProblemInformation', allowed: ['connect'] },
  'will-delay-interval': { id: 0x18, type: 'int32', js: 'willDelayInterval', allowed: ['will'] },
  'request-response-information': { id: 0x19, type: 'byte', js: 'requestResponseInformation', allowed: ['connect'] },
  'response-information': { id: 0x1a, type: 'string', js: 'responseInformation', allowed: ['connack'] },
  'server-reference': { id: 0x1c, type: 'string', js: 'serverReference', allowed: ['connack', 'disconnect'] },
  'reason-string': { id: 0x1f, type: 'string', js: 'reasonString', allowed: ALL_BUT_REQUESTS },
  'receive-maximum': { id: 0x21, type: 'int16', js: 'receiveMaximum', allowed: ['connect', 'connack'] },
  'topic-alias-maximum': { id: 0x22, type: 'int16', js: 'topicAliasMaximum', allowed: ['connect', 'connack'] },
  'topic-alias': { id: 0x23, type: 'int16', js: 'topicAlias', allowed: ['publish'] },
  'maximum-qos': { id: 0x24, type: 'byte', js: 'maximumQoS', allowed: ['connack'] },
  'retain-available': { id: 0x25, type: 'byte', js: 'retainAvailable', allowed: ['connack'] },
  'user-property': { id: 0x26, type: 'pair', js: 'userProperties', allowed: PROPERTY_COMMANDS },
  'maximum-packet-size': { id: 0x27, type: 'int32', js: 'maximumPacketSize', allowed: ['connect', 'connack'] },
  'wildcard-subscription-available': { id: 0x28, type: 'byte', js: 'wildcardSubscriptionAvailable', allowed: ['connack'] },
  'subscription-identifier-available': { id: 0x29, type: 'byte', js: 'subscriptionIdentifiersAvailable', allowed: ['connack'] },
  'shared-subscription-available': { id: 0x2a, type: 'byte', js: 'sharedSubscriptionAvailable', allowed: ['connack'] },
};

/** One property from the command line. */
export interface CliProperty {
  command: PropertyCommand;
  /** mosquitto's name, lower case. */
  name: string;
  id: number;
  /** MQTT.js name. */
  js: string;
  /** Numbers for numeric types, text otherwise; for user properties the value. */
  value: number | string;
  /** User properties only. */
  key?: string;
}

/** The outcome of reading one `-D`: the property and how many arguments it took, or the error text. */
export type PropertyParse = { ok: true; property: CliProperty; consumed: number } | { ok: false; stderr: string };

const RANGES: Partial<Record<PropertyType, number>> = { byte: 0xff, int16: 0xffff, int32: 0xffffffff, varint: 0xffffffff };

/**
 * Reads `command name [key] value` starting at `argv[index]` (the word after -D).
 * `strict` refuses numbers that are not numbers (mosquitto reads them as 0).
 */
export function parseProperty(argv: readonly string[], index: number, strict: boolean): PropertyParse {
  const fail = (text: string): PropertyParse => ({ ok: false, stderr: text });
  // `index` is the command word; the name and a value must follow it.
  if (index + 2 > argv.length - 1) {
    return fail('Error: --property argument given but not enough arguments specified.\n\n');
  }
  const cmdname = argv[index]!;
  const command = PROPERTY_COMMANDS.find((c) => c === cmdname.toLowerCase());
  if (!command) return fail('Error: Invalid command given in --property argument.\n\n');
  const propname = argv[index + 1]!;
  const name = propname.toLowerCase();
  const def = DEFS[name];
  if (!def) return fail('Error: Invalid property name given in --property argument.\n\n');
  if (!def.allowed.includes(command)) return fail(`Error: ${propname} property not allowed for ${cmdname} in --property argument.\n\n`);
  let key: string | undefined;
  let raw: string;
  let consumed: number;
  if (def.type === 'pair') {
    if (index + 3 > argv.length - 1) return fail('Error: --property argument given but not enough arguments specified.\n\n');
    key = argv[index + 2]!;
    raw = argv[index + 3]!;
    consumed = 4;
  } else {
    raw = argv[index + 2]!;
    consumed = 3;
  }
  const notSupported = fail(`Error: ${propname} property not supported for ${cmdname} in --property argument.\n\n`);
  if (command === 'publish' && def.id === 0x0b) return notSupported;
  if (command === 'subscribe' && def.id !== 0x0b && def.id !== 0x26) return notSupported;
  if (['auth', 'puback', 'pubrec', 'pubrel', 'pubcomp'].includes(command)) return notSupported;
  // mosquitto refuses CONNACK properties without a word (its switch has no case for them).
  if (command === 'connack') return { ok: false, stderr: '' };
  let value: number | string = raw;
  const max = RANGES[def.type];
  if (max !== undefined) {
    const read = atol(raw);
    if (strict && !read.whole) return fail(`Error: Property value (${raw}) is not a number for property ${propname}.\n\n`);
    if (read.value < 0 || read.value > max) return fail(`Error: Property value (${read.value}) out of range for property ${propname}.\n\n`);
    value = read.value;
  } else if (def.type === 'binary' && utf8Encode(raw).length > 0xffff) {
    return fail(`Error: Property value too long for property ${propname}.\n\n`);
  }
  return { ok: true, consumed, property: { command, name, id: def.id, js: def.js, value, ...(key !== undefined ? { key } : {}) } };
}

/** The property a plain setting adds (e.g. -x's session expiry), as if given with -D. */
export function makeProperty(command: PropertyCommand, name: string, value: number | string): CliProperty {
  const def = DEFS[name]!;
  return { command, name, id: def.id, js: def.js, value };
}

const BOOLEAN_BYTES = new Set([0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2a]);

/**
 * mosquitto_property_check_all for one packet's list: values the protocol forbids and
 * duplicates. Undefined when fine, else mosquitto_strerror's text of the problem.
 */
export function checkAll(properties: readonly CliProperty[]): string | undefined {
  for (const [i, p] of properties.entries()) {
    const n = typeof p.value === 'number' ? p.value : 0;
    if (BOOLEAN_BYTES.has(p.id) && n > 1) return mosquittoStrerror(MOSQ_ERR.PROTOCOL);
    if (p.id === 0x27 && n === 0) return mosquittoStrerror(MOSQ_ERR.PROTOCOL);
    if ((p.id === 0x21 || p.id === 0x23) && n === 0) return mosquittoStrerror(MOSQ_ERR.PROTOCOL);
    if (p.id !== 0x26 && properties.slice(i + 1).some((q) => q.id === p.id)) return mosquittoStrerror(MOSQ_ERR.DUPLICATE_PROPERTY);
  }
  return undefined;
}

/**
 * The list as MQTT.js properties (user properties grouped by key in first-seen order,
 * byte flags as booleans, binary data as bytes).
 */
export function toMqttJsProperties(properties: readonly CliProperty[]): Record<string, unknown> | undefined {
  if (properties.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  for (const p of properties) {
    if (p.id === 0x26) {
      const users = (out.userProperties ??= {}) as Record<string, string | string[]>;
      const existing = users[p.key!];
      users[p.key!] = existing === undefined ? String(p.value) : Array.isArray(existing) ? [...existing, String(p.value)] : [existing, String(p.value)];
    } else if (p.id === 0x09 || p.id === 0x16) out[p.js] = utf8Encode(String(p.value));
    else if (p.id === 0x01 || BOOLEAN_BYTES.has(p.id)) out[p.js] = p.value === 1;
    else out[p.js] = p.value;
  }
  return out;
}
