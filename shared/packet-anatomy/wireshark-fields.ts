/**
 * Wireshark's name for each field of the inspector's tree: the display filter field of its
 * MQTT dissector (packet-mqtt.c), e.g. `mqtt.topic`. The inspector shows it beside the
 * field, as Wireshark's status bar does, so a filter can be copied into Wireshark, and the
 * tests compare every field with `tshark -T pdml` by these names. Wireshark's tree is flat
 * (Topic Length, Topic); ours groups a length-prefixed string, so the group's children
 * carry the names. Fields Wireshark shows differently get none: our groups, and the fixed
 * header's flags, which Wireshark shows as the whole first byte (mqtt.hdrflags).
 */

import type { FieldNode } from './field-reader';
import type { PacketTypeName } from './tables';

/** Length-prefixed strings: our group name → Wireshark's [length field, value field]. */
const STRINGS: Readonly<Record<string, readonly [string, string]>> = {
  'Protocol name': ['mqtt.proto_len', 'mqtt.protoname'],
  'Client identifier': ['mqtt.clientid_len', 'mqtt.clientid'],
  'Will topic': ['mqtt.willtopic_len', 'mqtt.willtopic'],
  'Will payload': ['mqtt.willmsg_len', 'mqtt.willmsg'],
  'User name': ['mqtt.username_len', 'mqtt.username'],
  Password: ['mqtt.passwd_len', 'mqtt.passwd'],
  'Topic name': ['mqtt.topic_len', 'mqtt.topic'],
  'Topic filter': ['mqtt.topic_len', 'mqtt.topic'],
};

/** Strings Wireshark shows no value field for when they are empty. */
const EMPTY_UNSHOWN = new Set(['Topic name', 'Topic filter', 'Will topic']);

/** Fields named the same wherever they appear. */
const PLAIN: Readonly<Record<string, string>> = {
  'Packet type': 'mqtt.msgtype',
  'Remaining length': 'mqtt.len',
  'Packet identifier': 'mqtt.msgid',
  'Protocol level': 'mqtt.ver',
  'Keep alive': 'mqtt.kalive',
  'Connect flags': 'mqtt.conflags',
  'Acknowledge flags': 'mqtt.conack.flags',
  'Property length': 'mqtt.property_len',
  Properties: 'mqtt.properties',
  'Will properties': 'mqtt.will_properties',
};

/** Bits of a flags byte, by the byte's name. */
const BITS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Flags: { DUP: 'mqtt.dupflag', QoS: 'mqtt.qos', RETAIN: 'mqtt.retain' },
  'Connect flags': {
    'User name flag': 'mqtt.conflag.uname',
    'Password flag': 'mqtt.conflag.passwd',
    'Will retain': 'mqtt.conflag.retain',
    'Will QoS': 'mqtt.conflag.qos',
    'Will flag': 'mqtt.conflag.willflag',
    'Clean session': 'mqtt.conflag.cleansess',
    'Clean start': 'mqtt.conflag.cleansess',
    Reserved: 'mqtt.conflag.reserved',
  },
  'Acknowledge flags': { 'Session present': 'mqtt.conack.flags.sp', Reserved: 'mqtt.conack.flags.reserved' },
  'Subscription options': {
    QoS: 'mqtt.subscription_options_qos',
    'No Local': 'mqtt.subscription_options_nl',
    'Retain As Published': 'mqtt.subscription_options_rap',
    'Retain Handling': 'mqtt.subscription_options_retain',
    Reserved: 'mqtt.subscription_options_reserved',
  },
};

/** Property values Wireshark gives a field of their own; other numbers are `mqtt.prop_number`. */
const PROPERTY_VALUES: Readonly<Record<string, string>> = {
  'Topic Alias': 'mqtt.property.topic_alias',
  'Maximum QoS': 'mqtt.property.max_qos',
};

/** Every Wireshark field name the inspector gives a field (tests check all of them against tshark). */
export const WIRESHARK_FIELD_NAMES: ReadonlySet<string> = new Set([
  ...Object.values(STRINGS).flat(),
  ...Object.values(PLAIN),
  ...Object.values(BITS).flatMap((bits) => Object.values(bits)),
  ...Object.values(PROPERTY_VALUES),
  ...['mqtt.msg', 'mqtt.sub.qos', 'mqtt.subscription_options', 'mqtt.conack.val', 'mqtt.suback.qos', 'mqtt.property_id', 'mqtt.prop_number'],
  ...['mqtt.property.content_type', 'mqtt.prop_string_len', 'mqtt.prop_string', 'mqtt.prop_key_len', 'mqtt.prop_key', 'mqtt.prop_value_len', 'mqtt.prop_value'],
  ...['CONNACK', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP', 'SUBACK', 'UNSUBACK', 'DISCONNECT', 'AUTH'].map((t) => `mqtt.${t.toLowerCase()}.reason_code`),
]);

/**
 * Sets `filter` on every field of a decoded packet that Wireshark's MQTT dissector also
 * shows. `version` is the version the packet was decoded as.
 */
export function tagWiresharkFields(fields: FieldNode[], type: PacketTypeName | null, version: 3 | 4 | 5): void {
  if (!type) return;
  for (const field of fields) tag(field, undefined, type, version);
}

function tag(field: FieldNode, parent: FieldNode | undefined, type: PacketTypeName, version: 3 | 4 | 5): void {
  const filter = filterFor(field, parent, type, version);
  if (filter) field.filter = filter;
  // A property's children are named by the property, not by where they sit.
  if (parent?.name === 'Properties' || parent?.name === 'Will properties') {
    if (field.name !== 'Property length') tagProperty(field);
    return;
  }
  for (const child of field.children ?? []) tag(child, field, type, version);
}

function filterFor(field: FieldNode, parent: FieldNode | undefined, type: PacketTypeName, version: 3 | 4 | 5): string | undefined {
  const name = field.name;
  if (parent && BITS[parent.name] && field.start === parent.start && field.end === parent.end && parent.children) {
    // 3.x subscription options are one requested QoS in Wireshark, the reserved bits unnamed.
    if (parent.name === 'Subscription options' && version < 5) return undefined;
    return BITS[parent.name]![name];
  }
  if (parent && STRINGS[parent.name]) {
    // An empty topic (name, filter, will) is only its length to Wireshark: it adds no text field.
    if (name === 'Value' && field.start === field.end && EMPTY_UNSHOWN.has(parent.name)) return undefined;
    return name === 'Length' ? STRINGS[parent.name]![0] : name === 'Value' ? STRINGS[parent.name]![1] : undefined;
  }
  if (name === 'Payload' && type === 'PUBLISH') return 'mqtt.msg';
  // 3.1's acknowledge byte is all reserved: Wireshark shows only that (the child below).
  if (name === 'Acknowledge flags' && version === 3) return undefined;
  if (name === 'Subscription options') return version < 5 ? 'mqtt.sub.qos' : 'mqtt.subscription_options';
  if (name === 'Reason code') return `mqtt.${type.toLowerCase()}.reason_code`;
  if (name === 'Return code') return type === 'CONNACK' ? 'mqtt.conack.val' : type === 'SUBACK' ? 'mqtt.suback.qos' : undefined;
  return PLAIN[name];
}

function tagProperty(property: FieldNode): void {
  const [identifier, ...values] = property.children ?? [];
  if (identifier) identifier.filter = 'mqtt.property_id';
  for (const value of values) {
    if (!value.children) {
      value.filter = PROPERTY_VALUES[property.name] ?? 'mqtt.prop_number';
      continue;
    }
    if (property.name === 'Content Type') {
      // Wireshark reads it as one counted string: length and text in one field.
      value.filter = 'mqtt.property.content_type';
      continue;
    }
    const [length, text] = value.children;
    const userProperty = property.name === 'User Property';
    const key = userProperty && value === values[0];
    if (length) length.filter = userProperty ? (key ? 'mqtt.prop_key_len' : 'mqtt.prop_value_len') : 'mqtt.prop_string_len';
    if (text) text.filter = userProperty ? (key ? 'mqtt.prop_key' : 'mqtt.prop_value') : 'mqtt.prop_string';
  }
}
