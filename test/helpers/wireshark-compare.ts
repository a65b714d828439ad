/**
 * Puts the inspector's reading of a capture beside Wireshark's, as lines that compare with
 * `expect(...).toEqual(...)` (a mismatch shows as a readable diff): per frame the Info
 * column, and per MQTT packet every field Wireshark's dissector shows, by its display filter
 * name, with its position, size and value.
 */

import type { CaptureContents } from '../../shared/capture-file/mqtt-capture';
import { annotatePacket, type FieldNode } from '../../shared/packet-anatomy';
import { PACKET_TYPES } from '../../shared/packet-anatomy/tables';
import { WIRESHARK_FIELD_NAMES } from '../../shared/packet-anatomy/wireshark-fields';
import { topicAliasOf, TopicAliases } from '../../shared/packet-analysis/topic-aliases';
import { summarizePacket } from '../../shared/packet-summary';
import { wiresharkInfo, wiresharkMqtt } from './tshark';

/** Wireshark's field groups without a value of their own: only their position is compared. */
const NO_VALUE = new Set(['mqtt.properties', 'mqtt.will_properties']);
/** Fields whose Wireshark value is compared as bytes (its display differs by design: hex, or a masked password). */
const COMPARED_AS_BYTES = new Set(['mqtt.msg', 'mqtt.willmsg', 'mqtt.passwd', 'mqtt.prop_string']);

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A Wireshark display value as a plain string: hex numbers in decimal. */
function canonicalShow(show: string): string {
  return /^0x[0-9a-f]+$/i.test(show) ? String(Number.parseInt(show, 16)) : show;
}

/** One of our field values in Wireshark's terms. */
function canonicalOurs(field: FieldNode): string {
  const v = field.value;
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number') return String(v);
  const text = String(v);
  if (field.filter === 'mqtt.msgtype') return String(PACKET_TYPES.indexOf(text as never));
  if (field.filter === 'mqtt.ver') return /^\d+/.exec(text)?.[0] ?? text;
  const code = /\(0x([0-9A-F]{2})\)$/.exec(text) ?? /^0x([0-9A-F]{2})$/.exec(text);
  return code ? String(Number.parseInt(code[1]!, 16)) : text;
}

function flatten(fields: readonly FieldNode[], out: FieldNode[] = []): FieldNode[] {
  for (const field of fields) {
    if (field.filter) out.push(field);
    if (field.children) flatten(field.children, out);
  }
  return out;
}

/** Both readings of the file, line by line. */
export interface Comparison {
  ours: { info: string[]; fields: string[] };
  wireshark: { info: string[]; fields: string[] };
}

/**
 * Reads `file` with tshark (`options` such as `-d tcp.port==PORT,mqtt`) and lines up what
 * it says with `contents`, our reading of the same file. `infoPrefix` strips what comes
 * before the MQTT part of Wireshark's Info column (e.g. WebSocket's own text).
 */
export function compareWithWireshark(file: string, contents: CaptureContents, options: string[], infoPrefix?: RegExp): Comparison {
  // Topic aliases are learned per connection in packet order, as Wireshark does per conversation.
  const ours = contents.streams
    .flatMap((stream) => {
      const aliases = new TopicAliases();
      return stream.packets.map((packet) => {
        const alias = topicAliasOf(packet.bytes);
        const aliasOnly = alias !== 0 && packet.bytes[2] === 0 && packet.bytes[3] === 0;
        const aliased = aliasOnly ? aliases.resolve(packet.direction, alias, packet.seq) : undefined;
        aliases.add(packet);
        return { packet, version: stream.protocolVersion, aliased };
      });
    })
    .sort((a, b) => a.packet.frame! - b.packet.frame!);
  const ourInfo = new Map<number, string[]>();
  const ourFields: string[] = [];
  for (const { packet, version, aliased } of ours) {
    const anatomy = annotatePacket(packet.bytes, version);
    const summary = summarizePacket(anatomy, packet.bytes, aliased);
    ourInfo.set(packet.frame!, [...(ourInfo.get(packet.frame!) ?? []), summary.info]);
    ourFields.push(`frame ${packet.frame} ${anatomy.type}`);
    for (const field of flatten(anatomy.fields)) {
      // Wireshark shows an alias-only PUBLISH's topic as a generated, zero-length field before the message.
      if (aliased && field.filter === 'mqtt.msg') ourFields.push(`  mqtt.topic @${field.start}+0 = ${aliased.topic}`);
      const value = NO_VALUE.has(field.filter!) ? '' : COMPARED_AS_BYTES.has(field.filter!) ? `bytes ${hex(packet.bytes.subarray(field.start, field.end))}` : canonicalOurs(field);
      ourFields.push(`  ${field.filter} @${field.start}+${field.end - field.start} = ${value}`);
    }
  }
  const theirFields: string[] = [];
  for (const packet of wiresharkMqtt(file, options)) {
    const type = packet.fields.find((f) => f.name === 'mqtt.msgtype');
    theirFields.push(`frame ${packet.frame} ${PACKET_TYPES[Number(type?.show)]}`);
    for (const f of packet.fields) {
      // Fields we never name (hdrflags, reserved header bits) are Wireshark's alone.
      if (!WIRESHARK_FIELD_NAMES.has(f.name)) continue;
      const value = COMPARED_AS_BYTES.has(f.name) ? `bytes ${f.value}` : canonicalShow(f.show);
      theirFields.push(`  ${f.name} @${f.pos}+${f.size} = ${value}`);
    }
  }
  const theirInfo = [...wiresharkInfo(file, options)].map(([frame, info]) => `${frame}: ${infoPrefix ? info.replace(infoPrefix, '') : info}`);
  return {
    ours: { info: [...ourInfo].map(([frame, list]) => `${frame}: ${list.join(', ')}`), fields: ourFields },
    wireshark: { info: theirInfo, fields: theirFields },
  };
}
