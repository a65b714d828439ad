/**
 * One line per packet, as Wireshark's Info column writes it ("Publish Message (id=3)
 * [sensors/t]", "Subscribe Ack (id=1)"), followed by what that column leaves out: QoS,
 * retain and DUP, a payload preview, reason names, granted QoS, the CONNECT's client ID,
 * version, keepalive, clean flag and will. Built from the packet's decoded field tree, so a
 * row never says something its fields do not. Wording of the Info part follows
 * packet-mqtt.c (Wireshark's MQTT dissector); the tests hold it to `tshark`'s output.
 */

import { previewPayload, type FieldNode, type PacketAnatomy, type PacketTypeName } from './packet-anatomy';

/** A packet's row text. */
export interface PacketSummary {
  /** Exactly what Wireshark's Info column shows for this packet. */
  info: string;
  /** What else the row says; empty when there is nothing to add. */
  details: string;
}

/** Wireshark's names of the packet types (mqtt_msgtype_vals in packet-mqtt.c). */
export const WIRESHARK_TYPE_NAMES: Readonly<Record<PacketTypeName, string>> = {
  CONNECT: 'Connect Command',
  CONNACK: 'Connect Ack',
  PUBLISH: 'Publish Message',
  PUBACK: 'Publish Ack',
  PUBREC: 'Publish Received',
  PUBREL: 'Publish Release',
  PUBCOMP: 'Publish Complete',
  SUBSCRIBE: 'Subscribe Request',
  SUBACK: 'Subscribe Ack',
  UNSUBSCRIBE: 'Unsubscribe Request',
  UNSUBACK: 'Unsubscribe Ack',
  PINGREQ: 'Ping Request',
  PINGRESP: 'Ping Response',
  DISCONNECT: 'Disconnect Req',
  AUTH: 'Authentication Exchange',
};

/** Characters of payload shown in a PUBLISH row. */
const PREVIEW_CHARS = 48;

/** The field at a path of names under `fields`, e.g. ['Variable header', 'Topic name']. */
export function fieldAtPath(fields: readonly FieldNode[] | undefined, ...path: string[]): FieldNode | undefined {
  let node: FieldNode | undefined;
  let list = fields;
  for (const name of path) {
    node = list?.find((f) => f.name === name);
    list = node?.children;
  }
  return node;
}

/** What an alias-only PUBLISH's Topic Alias stood for, and the packet that set it (see TopicAliases). */
export interface AliasedTopic {
  topic: string;
  setBy: number;
}

/**
 * The row text of a decoded packet; `bytes` are the packet's own (for the payload preview).
 * `aliased` is the topic a 5.0 PUBLISH without a topic name stands for by its Topic Alias,
 * which Wireshark shows in the Info column too.
 */
export function summarizePacket(anatomy: PacketAnatomy, bytes: Uint8Array, aliased?: AliasedTopic): PacketSummary {
  const type = anatomy.type;
  if (!type) return { info: 'Reserved', details: anatomy.error ?? '' };
  const f = anatomy.fields;
  const v5 = anatomy.protocolVersion === 5;
  const at = (...path: string[]) => fieldAtPath(f, ...path)?.value;
  const id = at('Variable header', 'Packet identifier');
  const withId = `${WIRESHARK_TYPE_NAMES[type]}${id !== undefined ? ` (id=${String(id)})` : ''}`;
  const reason = fieldAtPath(f, 'Variable header', 'Reason code') ?? fieldAtPath(f, 'Variable header', 'Return code');
  const reasonText = (fallback: string) => (reason ? reasonName(reason.value) : v5 ? fallback : '');
  let info = withId;
  let details: string[] = [];
  switch (type) {
    case 'CONNECT': {
      info = WIRESHARK_TYPE_NAMES.CONNECT;
      const flags = (name: string) => at('Variable header', 'Connect flags', name);
      const version = anatomy.protocolVersion === 5 ? '5.0' : anatomy.protocolVersion === 4 ? '3.1.1' : '3.1';
      const clientId = at('Payload', 'Client identifier');
      details = [`client ID ${clientId === '' ? '(empty)' : quoted(clientId)}`, `MQTT ${version}`, `keepalive ${String(at('Variable header', 'Keep alive') ?? '?')} s`];
      details.push(flags('Clean start') === true ? 'clean start' : flags('Clean session') === true ? 'clean session' : 'persistent session');
      if (flags('Will flag') === true) details.push(`will ${quoted(at('Payload', 'Will topic'))} QoS ${String(flags('Will QoS'))}${flags('Will retain') === true ? ' retained' : ''}`);
      const user = at('Payload', 'User name');
      if (user !== undefined) details.push(`user ${quoted(user)}`);
      break;
    }
    case 'CONNACK':
      info = WIRESHARK_TYPE_NAMES.CONNACK;
      details = [reasonText('Success')];
      if (at('Variable header', 'Acknowledge flags', 'Session present') === true) details.push('session present');
      break;
    case 'PUBLISH': {
      const topic = at('Variable header', 'Topic name');
      const shown = topic === '' && aliased ? aliased.topic : topic;
      info = `${withId} [${shown === undefined ? '' : String(shown)}]`;
      const qos = at('Fixed header', 'Flags', 'QoS');
      details = [`QoS ${String(qos)}`];
      if (at('Fixed header', 'Flags', 'RETAIN') === true) details.push('retain');
      if (at('Fixed header', 'Flags', 'DUP') === true) details.push('DUP');
      const alias = propertyValue(f, 'Topic Alias');
      if (alias !== undefined && topic === '') details.push(aliased ? `topic from alias ${String(alias)} (set by #${aliased.setBy})` : `alias ${String(alias)} not set earlier in this capture: topic unknown`);
      else if (alias !== undefined) details.push(`alias ${String(alias)}`);
      const payload = fieldAtPath(f, 'Payload');
      if (payload) details.push(payload.end === payload.start ? 'empty payload' : `${payload.end - payload.start} B: ${previewPayload(bytes.subarray(payload.start, payload.end), PREVIEW_CHARS)}`);
      break;
    }
    case 'PUBACK':
    case 'PUBREC':
    case 'PUBREL':
    case 'PUBCOMP':
    case 'UNSUBACK':
    case 'SUBACK': {
      const codes = (fieldAtPath(f, 'Payload')?.children ?? []).map((c) => reasonName(c.value));
      details = type === 'SUBACK' || type === 'UNSUBACK' ? codes : [reasonText('Success')];
      break;
    }
    case 'SUBSCRIBE': {
      const subs = (fieldAtPath(f, 'Payload')?.children ?? []).filter((c) => c.name === 'Subscription');
      info = withId + subs.map((s) => ` [${String(s.value)}]`).join('');
      details = subs.map((s) => `${String(s.value)} QoS ${String(fieldAtPath(s.children, 'Subscription options', 'QoS')?.value)}`);
      break;
    }
    case 'UNSUBSCRIBE':
      details = (fieldAtPath(f, 'Payload')?.children ?? []).map((c) => String(c.value));
      break;
    case 'DISCONNECT':
    case 'AUTH': {
      info = WIRESHARK_TYPE_NAMES[type];
      details = [reasonText(type === 'DISCONNECT' ? 'Normal disconnection' : 'Success')];
      const said = propertyValue(f, 'Reason String');
      if (said !== undefined) details.push(quoted(said));
      const method = propertyValue(f, 'Authentication Method');
      if (method !== undefined) details.push(`method ${quoted(method)}`);
      break;
    }
    case 'PINGREQ':
    case 'PINGRESP':
      info = WIRESHARK_TYPE_NAMES[type];
      break;
  }
  const text = details.filter((d) => d !== '').join(', ');
  return { info, details: anatomy.error ? `${text}${text ? '; ' : ''}malformed: ${anatomy.error}` : text };
}

/** "Granted QoS 1 (0x01)" → "Granted QoS 1"; 3.1.1's "Success - Maximum QoS 1" → "Granted QoS 1". */
function reasonName(value: FieldNode['value']): string {
  const text = String(value).replace(/ \(0x[0-9A-F]{2}\)$/, '');
  const granted = /^Success - Maximum QoS (\d)$/.exec(text);
  return granted ? `Granted QoS ${granted[1]}` : text;
}

function quoted(value: FieldNode['value'] | undefined): string {
  return JSON.stringify(String(value ?? ''));
}

/** The value of the first MQTT 5 property with this name, in the variable header. */
function propertyValue(fields: readonly FieldNode[], name: string): FieldNode['value'] | undefined {
  return fieldAtPath(fields, 'Variable header', 'Properties')?.children?.find((c) => c.name === name)?.value;
}
