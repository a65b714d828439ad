/**
 * What a server accepts from a client, as tables, one row per packet type and one per
 * property, each with the rule that says so. The validator (validate.ts) reads only these;
 * the broker's fast decoders accept a subset of what they allow. Property identifiers,
 * encodings and the packets each may appear in come from the inspector's table
 * (../packet-anatomy/tables.ts, MQTT 5.0 §2.2.2.2), so there is one list of them.
 */

import { PACKET_TYPES, PROPERTIES, type PacketTypeName, type PropertyContext } from '../packet-anatomy/tables';
import { RC, type ProtocolLevel, type RuleRef } from './violation';

/** A rule whose number differs between 3.1.1 (also cited for 3.1) and 5.0. */
export interface VersionedRule {
  v4: RuleRef;
  v5: RuleRef;
}

/** The rule for a version: 3.1 has no numbered statements and cites 3.1.1's. */
export function ruleFor(rule: RuleRef | VersionedRule, version: ProtocolLevel): RuleRef {
  return typeof rule === 'string' ? rule : version === 5 ? rule.v5 : rule.v4;
}

/** What the fixed header of one packet type must be when a client sends it. */
export interface PacketTypeRule {
  name: PacketTypeName;
  /** False for CONNACK, SUBACK, UNSUBACK, PINGRESP: a client never sends them (table 2-1). */
  fromClient: boolean;
  /** Lowest protocol level that has the type: AUTH exists in 5.0 only. */
  since: ProtocolLevel;
  /** The flag nibble 3.1.1 and 5.0 require; undefined for PUBLISH, whose flags are DUP, QoS and RETAIN. */
  flags: number | undefined;
  /** The rule on those flags. */
  flagsRule: VersionedRule;
  /**
   * 3.1 gave every fixed header DUP, QoS and RETAIN bits and constrained only the QoS of
   * PUBREL, SUBSCRIBE and UNSUBSCRIBE (1): the QoS bits 3.1 requires, or undefined for any flags.
   */
  qosIn31: number | undefined;
}

const RESERVED_FLAGS: VersionedRule = { v4: 'MQTT-2.2.2-2', v5: 'MQTT-2.1.3-1' };
const row = (name: PacketTypeName, fromClient: boolean, flags: number | undefined, flagsRule = RESERVED_FLAGS, qosIn31?: number, since: ProtocolLevel = 3): PacketTypeRule => ({
  name,
  fromClient,
  since,
  flags,
  flagsRule,
  qosIn31,
});

/** One row per packet type value (0 is reserved: no row). 3.1.1 §2.2, 5.0 §2.1.2–2.1.3. */
export const PACKET_RULES: ReadonlyArray<PacketTypeRule | undefined> = [
  undefined,
  row('CONNECT', true, 0),
  row('CONNACK', false, 0),
  row('PUBLISH', true, undefined),
  row('PUBACK', true, 0),
  row('PUBREC', true, 0),
  row('PUBREL', true, 0b0010, { v4: 'MQTT-3.6.1-1', v5: 'MQTT-3.6.1-1' }, 1),
  row('PUBCOMP', true, 0),
  row('SUBSCRIBE', true, 0b0010, { v4: 'MQTT-3.8.1-1', v5: 'MQTT-3.8.1-1' }, 1),
  row('SUBACK', false, 0),
  row('UNSUBSCRIBE', true, 0b0010, { v4: 'MQTT-3.10.1-1', v5: 'MQTT-3.10.1-1' }, 1),
  row('UNSUBACK', false, 0),
  row('PINGREQ', true, 0),
  row('PINGRESP', false, 0),
  row('DISCONNECT', true, 0, { v4: 'MQTT-3.14.1-1', v5: 'MQTT-3.14.1-1' }),
  row('AUTH', true, 0, { v4: 'MQTT-3.15.1-1', v5: 'MQTT-3.15.1-1' }, undefined, 5),
];

/** 5.0 reason codes a client may send, per packet (tables 3-4, 3-5, 3-6, 3-7, 3-10, 3-13: "Client" or "Client or Server"). */
export const CLIENT_REASON_CODES: Readonly<Partial<Record<PacketTypeName, { codes: ReadonlySet<number>; rule: RuleRef }>>> = {
  PUBACK: { codes: new Set([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]), rule: 'MQTT-3.4.2-1' },
  PUBREC: { codes: new Set([0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99]), rule: 'MQTT-3.5.2-1' },
  PUBREL: { codes: new Set([0x00, 0x92]), rule: 'MQTT-3.6.2-1' },
  PUBCOMP: { codes: new Set([0x00, 0x92]), rule: 'MQTT-3.7.2-1' },
  DISCONNECT: { codes: new Set([0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99]), rule: 'MQTT-3.14.2-1' },
  // Success (0x00) is the server's answer; a client continues (0x18) or re-authenticates (0x19).
  AUTH: { codes: new Set([0x18, 0x19]), rule: 'MQTT-3.15.2-1' },
};

/** A limit on a 5.0 property's value when a client sends it. */
export interface PropertyValueRule {
  /** True when the value is acceptable. */
  ok: (value: number) => boolean;
  /** What a bad value is, e.g. "must not be 0". */
  says: string;
  rule: RuleRef;
  reasonCode: number;
}

/** Value limits by property identifier (the sections of 5.0 §3 that define each property). */
export const PROPERTY_VALUE_RULES: ReadonlyMap<number, PropertyValueRule> = new Map<number, PropertyValueRule>([
  [0x01, { ok: (v) => v <= 1, says: 'must be 0 or 1', rule: '§3.3.2.3.2', reasonCode: RC.protocolError }],
  [0x17, { ok: (v) => v <= 1, says: 'must be 0 or 1', rule: '§3.1.2.11.7', reasonCode: RC.protocolError }],
  [0x19, { ok: (v) => v <= 1, says: 'must be 0 or 1', rule: '§3.1.2.11.6', reasonCode: RC.protocolError }],
  [0x21, { ok: (v) => v !== 0, says: 'must not be 0', rule: '§3.1.2.11.3', reasonCode: RC.protocolError }],
  [0x27, { ok: (v) => v !== 0, says: 'must not be 0', rule: '§3.1.2.11.4', reasonCode: RC.protocolError }],
  [0x23, { ok: (v) => v !== 0, says: 'must not be 0', rule: 'MQTT-3.3.2-8', reasonCode: RC.topicAliasInvalid }],
  [0x0b, { ok: (v) => v !== 0, says: 'must not be 0', rule: '§3.8.2.1.2', reasonCode: RC.protocolError }],
]);

/** Properties only a server sends, though the packet may carry them: Server Reference in DISCONNECT (§3.14.2.2.5). */
export const SERVER_ONLY_PROPERTIES: ReadonlyMap<number, RuleRef> = new Map([[0x1c, '§3.14.2.2.5']]);

/** Index of each property context in the allowed-property bitmaps below. */
const CONTEXTS: readonly PropertyContext[] = [...PACKET_TYPES.filter((t): t is PacketTypeName => t !== undefined), 'WILL'];

/** For each context, a 64-entry table of the property identifiers it may carry (built once from PROPERTIES). */
const ALLOWED: ReadonlyMap<PropertyContext, Uint8Array> = new Map(
  CONTEXTS.map((context) => {
    const table = new Uint8Array(64);
    for (const [id, info] of PROPERTIES) if (info.allowedIn.includes(context)) table[id] = 1;
    return [context, table] as const;
  }),
);

/** Whether a property may appear in a packet (or 'WILL') at all [MQTT 5.0 §2.2.2.2]. */
export function propertyAllowed(context: PropertyContext, id: number): boolean {
  return id < 64 && ALLOWED.get(context)![id] === 1;
}

/** Whether a property may appear more than once in one list: User Property only, from a client. */
export function propertyRepeatable(id: number): boolean {
  // Subscription Identifier repeats only in a server's PUBLISH; a client's SUBSCRIBE has at most one.
  return id === 0x26;
}
