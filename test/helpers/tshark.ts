/**
 * Wireshark's own reading of a capture, as the reference for the inspector: `tshark`'s Info
 * column per frame, and its MQTT dissector's fields (name, position, size, value) from
 * `tshark -T pdml`.
 */

import { execFileSync } from 'node:child_process';

/** One field of Wireshark's MQTT tree; `pos` is relative to the start of its MQTT packet. */
export interface WiresharkField {
  name: string;
  pos: number;
  size: number;
  /** Wireshark's display value. */
  show: string;
  /** The field's bytes as hex (for bit fields, the masked value). */
  value: string;
}

/** One MQTT packet as Wireshark dissected it. */
export interface WiresharkMqttPacket {
  /** The frame whose segment completed the packet. */
  frame: number;
  /** Every field, depth first in document order. */
  fields: WiresharkField[];
}

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', timeout: 120_000, maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
}

/** The Info column of every frame that carries MQTT, by frame number. */
export function wiresharkInfo(file: string, options: string[] = []): Map<number, string> {
  const out = tshark(['-r', file, ...options, '-Y', 'mqtt', '-T', 'fields', '-E', 'separator=/t', '-e', 'frame.number', '-e', '_ws.col.Info']);
  const rows = new Map<number, string>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    rows.set(Number(line.slice(0, tab)), line.slice(tab + 1));
  }
  return rows;
}

const entities: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };
const attr = (line: string, name: string) => (new RegExp(`\\s${name}="([^"]*)"`).exec(line)?.[1] ?? '').replace(/&(\w+);/g, (m, e: string) => entities[e] ?? m);

/** Every MQTT packet in the file with its fields, in frame order. */
export function wiresharkMqtt(file: string, options: string[] = []): WiresharkMqttPacket[] {
  const out = tshark(['-r', file, ...options, '-Y', 'mqtt', '-T', 'pdml']);
  const packets: WiresharkMqttPacket[] = [];
  let frame = 0;
  let current: { start: number; packet: WiresharkMqttPacket } | undefined;
  let depth = 0;
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('<field name="num"')) frame = Number(attr(line, 'show'));
    if (line.startsWith('<proto name="mqtt"')) {
      current = { start: Number(attr(line, 'pos')), packet: { frame, fields: [] } };
      packets.push(current.packet);
      depth = 0;
      continue;
    }
    if (!current) continue;
    if (line.startsWith('<field ')) {
      current.packet.fields.push({
        name: attr(line, 'name'),
        pos: Number(attr(line, 'pos')) - current.start,
        size: Number(attr(line, 'size')),
        show: attr(line, 'show'),
        value: attr(line, 'value'),
      });
      if (!line.endsWith('/>')) depth++;
    } else if (line === '</field>') depth--;
    else if (line === '</proto>' && depth === 0) current = undefined;
  }
  return packets;
}
